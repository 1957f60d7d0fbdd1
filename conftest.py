"""Tests and notebook runs (nbmake) always use the small smoke profile; each notebook is
executed once a session, by nbmake, and the smoke build of the book reuses that execution.

``notebooks/*.ipynb`` are collected as nbmake's notebook items (``pytest --nbmake`` collects
them with nbmake's own, as it always does). Each one executes its notebook with nbmake's
runner, fails as nbmake does, and keeps the executed notebook in the folder named by
``$DIGITS_TEST_EXECUTED`` (a fresh one a session): ``smoke_book`` (tests/book/conftest.py) puts
those executions in the build's execution cache, so the build executes only the notebooks
nbmake did not (all of them when ``tests/`` runs alone).
"""

import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbmake.nb_run import NotebookRun
from nbmake.pytest_items import NotebookFailedException, NotebookFile, NotebookItem

os.environ["DIGITS_PROFILE"] = "smoke"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("DIGITS_NO_PROGRESS", "1")
EXECUTED_ENV = "DIGITS_TEST_EXECUTED"
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


class KeptNotebookItem(NotebookItem):
    """nbmake's notebook item, keeping the notebook it executed."""

    def runtest(self):
        option = self.config.option
        run = NotebookRun(Path(self.path), option.nbmake_timeout, verbose=bool(option.verbose),
                          kernel=option.nbmake_kernel, find_import_errors=option.nbmake_find_import_errors)
        start = time.perf_counter()
        result = run.execute()
        if result.error is not None:
            raise NotebookFailedException(result)
        result.nb.metadata["execution_seconds"] = round(time.perf_counter() - start, 1)
        nbformat.write(result.nb, Path(os.environ[EXECUTED_ENV]) / self.path.name)


class KeptNotebookFile(NotebookFile):
    def collect(self):
        yield KeptNotebookItem.from_parent(self, filename=str(self.path))


def pytest_configure(config):
    os.environ[EXECUTED_ENV] = tempfile.mkdtemp(prefix="digits-executed-")


def pytest_unconfigure(config):
    shutil.rmtree(os.environ.pop(EXECUTED_ENV, "") or "/nonexistent", ignore_errors=True)


def pytest_collect_file(file_path: Path, parent):
    if (not parent.config.option.nbmake and file_path.suffix == ".ipynb"
            and file_path.parent == NOTEBOOKS):
        return KeptNotebookFile.from_parent(parent, path=file_path)
    return None
