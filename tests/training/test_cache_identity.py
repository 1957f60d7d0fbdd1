"""A fit's cache key follows what the code does, not its text: an edit to every docstring and
comment of the package changes no fit key, no parsed-data key and no page's outcome; a changed
training statement changes the key of the fits it trains."""

from __future__ import annotations

import ast
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from digits_helpers import data, fingerprints
from digits_helpers.data import embedded, loading
from digits_helpers.models import pipelines
from digits_helpers.profiles import PROFILES
from digits_helpers.training import KerasRecipe, Split, cache

ROOT = Path(__file__).resolve().parents[2]
SMOKE = PROFILES["smoke"]


def edit_docstrings_and_comments(source: str) -> str:
    """``source`` with every docstring and comment reworded, a comment at the end of every
    logical line and one at the top: the same program."""
    inserts: list[tuple[int, int, int, str]] = []  # (row, col, length replaced, text)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                line = source.splitlines()[first.value.lineno - 1]
                quote = re.match(r"[rRuU]*(\"\"\"|'''|\"|')", line[first.value.col_offset:])
                inserts.append((first.value.lineno, first.value.col_offset + quote.end(), 0, "Edited. "))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            inserts.append((*token.start, len(token.string), "# reworded: " + token.string.lstrip("#")))
        elif token.type == tokenize.NEWLINE and token.string:
            inserts.append((*token.start, 0, "  # an added comment"))
    lines = source.splitlines(keepends=True)
    for row, col, length, text in sorted(inserts, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + text + line[col + length:]
    return "# a comment added at the top\n" + "".join(lines)


@pytest.fixture
def edited_copy(tmp_path):
    """A copy of the package with every docstring and comment edited (and the data beside it)."""
    copy = tmp_path / "edited"
    shutil.copytree(fingerprints.PACKAGE_ROOT, copy / "digits_helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in (copy / "digits_helpers").rglob("*.py"):
        source = path.read_text()
        edited = edit_docstrings_and_comments(source)
        assert edited != source and fingerprints.behaviour(edited) == fingerprints.behaviour(source), path
        path.write_text(edited)
    (copy / "data").symlink_to(ROOT / "data")
    return copy / "digits_helpers"


@pytest.fixture(scope="module")
def split():
    X, y, _ = embedded.embedded_train_test()
    X_fit, X_val, y_fit, y_val = data.split(X[:400], y[:400], seed=0)
    return Split(X_fit, y_fit, X_val, y_val)


def keys(split: Split, folder: Path) -> dict[str, str]:
    recipe = KerasRecipe.from_flat(builder="lenet", filters=4, dense_units=16, epochs=1)
    return {"sklearn": cache.fit_key(pipelines.logistic_model(prep="deskew", C=0.1), split, SMOKE),
            "keras": cache.fit_key(recipe, split, SMOKE),
            "parsed data": loading.parsed_identity(folder)}


def test_docstring_and_comment_edits_change_no_key(edited_copy, split, monkeypatch):
    folder = data.ensure_csvs()
    before = keys(split, folder), fingerprints.package_identity(), fingerprints.package_identity(docstrings=True)
    monkeypatch.setattr(fingerprints, "PACKAGE_ROOT", edited_copy)
    assert keys(split, folder) == before[0]
    assert fingerprints.package_identity() == before[1]
    # the book's page stamp counts docstrings (pages may show them): its pages run again, training nothing
    assert fingerprints.package_identity(docstrings=True) != before[2]


def change_statement(path: Path, old: str, new: str) -> None:
    source = path.read_text()
    assert old in source, f"{old!r} is not in {path}"
    path.write_text(source.replace(old, new, 1))


@pytest.mark.parametrize("module, old, new, changed", [
    ("training/sklearn_fit.py", "estimator = clone(estimator)", "estimator = clone(estimator, safe=True)",
     {"sklearn"}),
    ("data/features.py", "centre = SIDE / 2", "centre = SIDE / 2.0", {"sklearn", "keras"}),
    ("training/keras_fit.py", "EVAL_BATCH = 1024", "EVAL_BATCH = 512", {"keras"}),
    ("models/networks.py", 'padding="same", activation="relu"', 'padding="same", activation="elu"', {"keras"}),
    ("data/kaggle_csv.py", "N_PIXELS = 784", "N_PIXELS = 28 * 28", {"parsed data"}),
])
def test_a_changed_statement_changes_the_keys_of_what_it_computes(edited_copy, split, monkeypatch, module, old,
                                                                  new, changed):
    folder = data.ensure_csvs()
    monkeypatch.setattr(fingerprints, "PACKAGE_ROOT", edited_copy)
    before = keys(split, folder)
    change_statement(edited_copy / module, old, new)
    after = keys(split, folder)
    assert {name for name in before if before[name] != after[name]} == changed


def test_every_module_a_key_names_exists():
    for name in (*cache.SKLEARN_CODE, *cache.KERAS_CODE, *loading.PARSING_CODE):
        assert fingerprints.module_file(name).is_file()
    with pytest.raises(FileNotFoundError, match="no module 'training.nope'"):
        fingerprints.module_file("training.nope")


CHAPTER = ROOT / "notebooks" / "08_small_cnn.ipynb"  # trains networks through the package and @cached


def execute(notebook: Path, package_parent: Path, env: dict[str, str], out: Path) -> dict[str, str]:
    """Execute ``notebook`` with the package found in ``package_parent``; its glued values."""
    script = f"""
import json, sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read({str(notebook)!r}, as_version=4)
where = {{"metadata": {{"path": {str(notebook.parent)!r}}}}}
NotebookClient(nb, timeout=600, kernel_name="python3", resources=where).execute()
glued = {{}}
for cell in nb.cells:
    for output in cell.get("outputs", []):
        name = output.get("metadata", {{}}).get("scrapbook", {{}}).get("name")
        if name:  # myst-nb keeps a glued value under "application/papermill.record/<mime type>"
            glued[name] = {{mime.split("/", 2)[-1]: value for mime, value in output["data"].items()}}
json.dump(glued, open({str(out)!r}, "w"))
"""
    env = {**env, "PYTHONPATH": str(package_parent)}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=900)
    return json.loads(out.read_text())


def test_an_edited_package_executes_a_chapter_alike_and_trains_nothing(edited_copy, tmp_path):
    env = {**os.environ, "DIGITS_PROFILE": "smoke", "DIGITS_CACHE_DIR": str(tmp_path / "cache"),
           "DIGITS_RESULTS_DIR": str(tmp_path / "results"), "DIGITS_SUBMISSIONS_DIR": str(tmp_path / "submissions"),
           "DIGITS_NO_PROGRESS": "1"}
    first = execute(CHAPTER, ROOT, env, tmp_path / "first.json")
    def stored() -> list[Path]:  # the package's fits and the @cached calls of the page
        cache = tmp_path / "cache"
        return sorted(p.relative_to(cache) for kind in ("fits", "calls") for p in (cache / kind).rglob("*.joblib"))

    fits = stored()
    assert fits, "the chapter trained nothing the first time"
    again = execute(CHAPTER, edited_copy.parent, env, tmp_path / "again.json")
    assert stored() == fits
    assert again == first and len(first) > 5
    assert all(value.get("text/plain") for value in first.values()), first
