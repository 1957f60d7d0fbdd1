"""What cache keys are made of: fingerprints of arrays, of code and of library versions.

A cached fit or parsed data file must change when what produced it changes, and only then.
:func:`code_identity` therefore hashes the *behaviour* of modules, their syntax trees with
docstrings left out (comments are not in a syntax tree, nor are line numbers): editing a
docstring, a comment or the layout of a line changes no identity; changing a statement does.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

PACKAGE_ROOT = Path(__file__).resolve().parent


def fingerprint(*arrays: np.ndarray) -> str:
    """A short SHA-256 of the arrays' shapes, dtypes and bytes (used in cache keys)."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(a.data)
    return h.hexdigest()[:16]


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def behaviour(source: str, docstrings: bool = False) -> str:
    """The syntax tree of ``source`` as text, without its docstrings unless ``docstrings``:
    equal for two sources that differ only in comments and formatting (and docstrings)."""
    tree = ast.parse(source)
    return ast.dump(tree if docstrings else _without_docstrings(tree), include_attributes=False)


def module_file(name: str) -> Path:
    """The file of the package's module ``name`` (dotted, relative to the package:
    ``"training.keras_fit"``), found without importing it."""
    path = PACKAGE_ROOT.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"digits_helpers has no module {name!r} (looked for {path}.py)")


@lru_cache(maxsize=128)
def _file_behaviour(path: Path, size: int, mtime_ns: int, docstrings: bool) -> str:
    return hashlib.sha256(behaviour(path.read_text(encoding="utf-8"), docstrings).encode()).hexdigest()


def code_identity(*modules: str, docstrings: bool = False) -> str:
    """A hash of the behaviour (:func:`behaviour`) of the package's ``modules`` (dotted
    names relative to the package, see :func:`module_file`)."""
    h = hashlib.sha256()
    for name in modules:
        path = module_file(name)
        stat = path.stat()
        digest = _file_behaviour(path, stat.st_size, stat.st_mtime_ns, docstrings)
        h.update(name.encode() + b"\0" + digest.encode())
    return h.hexdigest()[:16]


def package_modules() -> list[str]:
    """Every module of the package, as dotted names relative to it."""
    return sorted(".".join(p.relative_to(PACKAGE_ROOT).with_suffix("").parts) for p in PACKAGE_ROOT.rglob("*.py"))


def package_identity(docstrings: bool = False) -> str:
    """:func:`code_identity` of every module of the package."""
    return code_identity(*package_modules(), docstrings=docstrings)


def library_versions(*packages: str) -> str:
    """``"name version"`` of each installed distribution (``absent`` when not installed),
    read without importing them."""
    out = []
    for package in packages:
        try:
            out.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            out.append(f"{package} absent")
    return "; ".join(out)
