"""Visible code runs on its own: each chapter executed with the cells the page removes
(``remove-cell``, ``remove-input``) dropped, as a learner who copies the shown and collapsed
cells in order would run them (smoke profile, the session's fit cache)."""

from __future__ import annotations

import os
from pathlib import Path

import jupytext
import nbformat
import pytest
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


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_visible_code_runs_without_the_removed_cells(source, tmp_path):
    notebook = visible_cells(source)
    client = NotebookClient(notebook, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(source.parent)}})
    os.environ.setdefault("DIGITS_NO_PROGRESS", "1")
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{source.name}: a visible cell fails once the removed cells are dropped "
                    f"({err.ename}: {err.evalue}); it reads a name only a removed cell defines")
