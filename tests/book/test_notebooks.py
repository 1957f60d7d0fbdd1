"""Notebook pairs stay in sync, carry no outputs, and the book builds warning-free."""

import subprocess
import sys
from pathlib import Path

import jupytext
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
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


def shown_code_lines(source: Path) -> list[tuple[int, str]]:
    """(line number, text) of every code line a reader of the page sees unfolded: cells not
    tagged remove-cell, remove-input, hide-input or hide-cell."""
    hidden = {"remove-cell", "remove-input", "hide-input", "hide-cell"}
    out, lines, i = [], source.read_text(encoding="utf-8").splitlines(), 0
    while i < len(lines):
        if not lines[i].startswith("```{code-cell}"):
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        cell, tags, body_start = lines[i + 1:end], set(), 0
        if cell and cell[0] == "---":  # a YAML block of options
            body_start = cell.index("---", 1) + 1
            options = yaml.safe_load("\n".join(cell[1:body_start - 1])) or {}
            tags = set(options.get("tags", []))
        else:
            while body_start < len(cell) and cell[body_start].startswith(":"):
                if cell[body_start].startswith(":tags:"):
                    tags = set(yaml.safe_load(cell[body_start].removeprefix(":tags:")))
                body_start += 1
        if not tags & hidden:
            out += [(i + 2 + k, text) for k, text in enumerate(cell) if k >= body_start]
        i = end + 1
    return out


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_shown_code_fits_the_column(source):
    """The theme's text column holds about 88 characters of code: longer lines scroll."""
    long = [f"{source.name}:{n}: {len(text)} characters" for n, text in shown_code_lines(source)
            if len(text) > 88]
    assert not long, "shown code longer than 88 characters:\n" + "\n".join(long)


def test_every_notebook_starts_with_the_one_setup_cell():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "setup_cell.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


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

    The build is the session's shared one (tests/conftest.py), which tests/book/test_site.py browses.
    """
    assert smoke_book.result.returncode == 0, smoke_book.log()
    html = smoke_book.html
    assert (html / "index.html").exists()
    for entry in toc_files():
        page = (html / f"{entry}.html").read_text()
        assert "Traceback" not in page, f"{entry} shows a traceback"
        if entry.startswith("notebooks/"):
            assert "profile <code" in page and "smoke" in page, f"{entry} does not show its profile"
    # every notebook executed once, into the profile's execution cache: by nbmake earlier in
    # this session (tests/book/conftest.py put those there), or by myst-nb, in chapter order
    from jupyter_cache import get_cache

    cache = get_cache(str(smoke_book.path / "_build" / ".jupyter_cache-smoke"))
    records = cache.list_cache_records()
    executed = sorted(Path(record.uri).stem for record in records)
    assert executed == sorted(Path(entry).name for entry in toc_files() if entry.startswith("notebooks/"))


def test_the_build_executes_no_notebook_nbmake_executed(smoke_book):
    """The smoke build reuses the session's nbmake executions (conftest.py): a chapter nbmake
    executed is not executed again (myst-nb would have cached its own execution under
    another hash, or replaced the record nbmake's execution made)."""
    from jupyter_cache import get_cache

    if not smoke_book.reused:
        pytest.skip("nbmake executed no notebook in this session (run `python -m pytest` for the whole suite)")
    records = get_cache(str(smoke_book.path / "_build" / ".jupyter_cache-smoke")).list_cache_records()
    by_nbmake = sorted(Path(r.uri).stem for r in records if r.data.get("executed_by") == "nbmake")
    assert by_nbmake == sorted(smoke_book.reused), smoke_book.log()
