"""The book's tests import its Sphinx extensions from book/_ext/, as the build does; one smoke
build of the book per test session, made from the notebooks nbmake executed in it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSIONS = ROOT / "book" / "_ext"
if str(EXTENSIONS) not in sys.path:
    sys.path.insert(0, str(EXTENSIONS))

from digits_profile import STAMP_NAME, sources_stamp  # noqa: E402  (book/_ext/)


@dataclass(frozen=True)
class SmokeBuild:
    """`jupyter-book build book -W -n --keep-going` under the smoke profile, in `path`."""

    path: Path  # the --path-output folder
    result: subprocess.CompletedProcess
    reused: tuple[str, ...] = ()  # the chapters nbmake executed, not the build

    @property
    def html(self) -> Path:
        return self.path / "_build" / "html"

    def log(self) -> str:
        return self.result.stdout[-5000:] + self.result.stderr[-5000:]


def reuse_executions(cache_path: Path, executed: Path) -> list[str]:
    """Put the notebooks nbmake executed this session (``executed/NN_name.ipynb``, see the
    root conftest.py) in the execution cache at ``cache_path``, as the build would have
    cached them: each chapter's MyST source read as myst-nb reads it, with the executed
    twin's outputs (a pair has the same code cells, tests/book/test_notebooks.py checks).
    The cache is stamped as ``book/_ext/digits_profile.py`` stamps it, so the build keeps
    them. Returns the chapters put there."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from myst_nb.core.read import read_myst_markdown_notebook

    cache_path.mkdir(parents=True)
    (cache_path / STAMP_NAME).write_text(sources_stamp() + "\n")
    cache, reused = get_cache(str(cache_path)), []
    for done in sorted(executed.glob("*.ipynb")):
        source = ROOT / "notebooks" / done.with_suffix(".md").name
        page = read_myst_markdown_notebook(source.read_text(encoding="utf-8"), add_source_map=True, path=source)
        ran = nbformat.read(done, as_version=4)
        code = [c for c in page.cells if c.cell_type == "code"]
        outputs = [c for c in ran.cells if c.cell_type == "code"]
        if [c.source.strip() for c in code] != [c.source.strip() for c in outputs]:
            continue  # out of sync: the build executes it, and the pair test fails
        for cell, executed_cell in zip(code, outputs, strict=True):
            cell.outputs, cell.execution_count = executed_cell.outputs, executed_cell.execution_count
        data = {"execution_seconds": ran.metadata.get("execution_seconds"), "executed_by": "nbmake"}
        cache.cache_notebook_bundle(CacheBundleIn(page, str(source), data=data), check_validity=False, overwrite=True)
        reused.append(source.stem)
    return reused


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory) -> SmokeBuild:
    """The book built once per session into a throw-away folder, its execution cache holding
    the notebooks nbmake executed this session: the build executes only the others."""
    path = tmp_path_factory.mktemp("smoke-book")
    executed = Path(os.environ.get("DIGITS_TEST_EXECUTED", "/nonexistent"))
    reused = reuse_executions(path / "_build" / ".jupyter_cache-smoke", executed) if executed.is_dir() else []
    env = {**os.environ, "DIGITS_PROFILE": "smoke"}
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jb), "build", "book", "-W", "-n", "--keep-going", "--path-output", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    return SmokeBuild(path, result, tuple(reused))
