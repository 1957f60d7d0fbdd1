"""Visible code runs on its own: each chapter executed with the cells the page removes
(``remove-cell``, ``remove-input``) dropped, as a learner who copies the shown and collapsed
cells in order would run them (smoke profile, the session's fit cache).

The chapters run one after the other in one kernel, its namespace emptied (``%reset -f``)
before each: a name a chapter does not define or import itself is gone, as in a fresh
kernel, and the kernel's start and TensorFlow's import are paid once, not twelve times."""

from __future__ import annotations

import os
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "notebooks").glob("*.md"))
REMOVED = {"remove-cell", "remove-input"}


def visible_cells(source: Path) -> nbformat.NotebookNode:
    """The notebook of ``source`` without the cells its page does not show."""
    notebook = jupytext.read(source)
    notebook.cells = [cell for cell in notebook.cells if cell.cell_type != "code"
                      or not REMOVED & set(cell.metadata.get("tags", []))]
    return notebook


def test_visible_cells_drop_only_removed_ones():
    notebook = visible_cells(ROOT / "notebooks" / "04_first_cnn.md")
    tags = [set(c.metadata.get("tags", [])) for c in notebook.cells if c.cell_type == "code"]
    assert tags and not any(t & REMOVED for t in tags)
    assert any("hide-input" in t for t in tags)  # collapsed cells stay: a learner sees them


@pytest.fixture(scope="module")
def kernel():
    """One Python kernel for every chapter, started in ``notebooks/`` (as the build runs them)."""
    os.environ.setdefault("DIGITS_NO_PROGRESS", "1")
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(ROOT / "notebooks"))
    yield manager
    manager.shutdown_kernel(now=True)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_visible_code_runs_without_the_removed_cells(source, kernel):
    notebook = visible_cells(source)
    notebook.cells.insert(0, nbformat.v4.new_code_cell("%reset -f"))  # nothing of the chapter before
    client = NotebookClient(notebook, km=kernel, timeout=900)
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{source.name}: a visible cell fails once the removed cells are dropped "
                    f"({err.ename}: {err.evalue}); it reads a name only a removed cell defines")


def test_no_name_outlives_the_chapter_that_defined_it(kernel):
    def run(*sources):
        cells = [nbformat.v4.new_code_cell(code) for code in ("%reset -f", *sources)]
        NotebookClient(nbformat.v4.new_notebook(cells=cells), km=kernel, timeout=60).execute()

    run("import numpy as np", "leaked = np.zeros(1)")
    with pytest.raises(CellExecutionError, match="NameError"):
        run("leaked")
    with pytest.raises(CellExecutionError, match="NameError"):
        run("np.zeros(1)")
