"""Notebook pairs stay in sync, carry no outputs, and the book builds warning-free."""

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jupytext
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("*.md"))


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_there_are_notebooks():
    assert SOURCES, "no notebooks/*.md found"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_pair_in_sync_and_stripped(source):
    twin = source.with_suffix(".ipynb")
    assert twin.exists(), f"{twin.name} missing: run `jupytext --sync {source.relative_to(ROOT)}`"
    md, ipynb = jupytext.read(source), jupytext.read(twin)
    cells = lambda nb: [(c.cell_type, c.source.strip()) for c in nb.cells]  # noqa: E731
    assert cells(md) == cells(ipynb), f"{source.name} and {twin.name} differ: run `jupytext --sync`"
    raw = jupytext.read(twin, fmt="ipynb")
    for cell in raw.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{twin.name} carries outputs"


def test_every_notebook_is_in_the_toc():
    listed = set(toc_files())
    for source in SOURCES:
        assert f"notebooks/{source.stem}" in listed, f"{source.name} is not in _toc.yml"
    for entry in listed:
        assert (ROOT / "book" / f"{entry}.md").exists(), f"_toc.yml lists {entry}, which does not exist"


def test_book_links_reach_the_top_level():
    assert (ROOT / "book" / "_toc.yml").resolve() == (ROOT / "_toc.yml").resolve()
    assert (ROOT / "book" / "notebooks").resolve() == (ROOT / "notebooks").resolve()


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_book_builds_without_warnings(smoke_book):
    """`jupyter-book build book -W` under the smoke profile, into a throw-away folder.

    The build is the session's shared one (tests/conftest.py), which tests/test_site.py browses.
    """
    assert smoke_book.result.returncode == 0, smoke_book.log()
    html = smoke_book.html
    assert (html / "index.html").exists()
    for entry in toc_files():
        page = (html / f"{entry}.html").read_text()
        assert "Traceback" not in page, f"{entry} shows a traceback"
        if entry.startswith("notebooks/"):
            assert "profile <code" in page and "smoke" in page, f"{entry} does not show its profile"
    assert (smoke_book.path / "_build" / ".jupyter_cache-smoke").is_dir()
    # digits_helpers.execution ran every notebook before Sphinx read it, and myst-nb found each
    # one in the execution cache (had it not matched, myst-nb would have executed it again)
    assert re.search(r"executing .*notebooks/10_ensemble", smoke_book.result.stdout), smoke_book.log()
    assert "Executing notebook using" not in smoke_book.result.stdout, smoke_book.log()


def test_execution_cache_is_dropped_when_the_package_or_the_data_change(tmp_path, monkeypatch):
    """The book's execution cache matches notebooks by their cells only: book_profile stamps
    it with the package's sources and the data files, and empties it when they change."""
    from digits_helpers import book_profile, data

    cache = tmp_path / ".jupyter_cache-smoke"
    assert not book_profile.renew_if_outgrown(cache, "a")  # a new cache: nothing to drop
    (cache / "global.db").write_text("executed notebooks")
    assert not book_profile.renew_if_outgrown(cache, "a")
    assert (cache / "global.db").exists()
    assert book_profile.renew_if_outgrown(cache, "b")
    assert not (cache / "global.db").exists() and (cache / book_profile.STAMP_NAME).read_text().strip() == "b"

    monkeypatch.setenv(data.DATA_DIR_ENV, str(tmp_path / "data"))
    before = book_profile.sources_stamp()  # writes the CSVs from the embedded digits
    assert book_profile.sources_stamp() == before
    test_csv = tmp_path / "data" / "test.csv"
    test_csv.write_text(test_csv.read_text().replace("\n0,", "\n1,", 1))  # a reader's own file
    assert book_profile.sources_stamp() != before

    # the build's hook: the stamp also goes into a config value that makes Sphinx read every page again
    app, config = SimpleNamespace(outdir=str(tmp_path / "_build" / "html")), SimpleNamespace(nb_execution_mode="cache")
    book_profile._use_profile_cache(app, config)
    assert config.digits_sources_stamp == book_profile.sources_stamp()
    mark = tmp_path / "_build" / f".jupyter_cache-{config.digits_profile}" / book_profile.STAMP_NAME
    assert mark.read_text().strip() == config.digits_sources_stamp
