"""digits_helpers.execution: notebooks that may train run alone and in order; those whose
last run trained nothing run side by side; the runs file remembers which are which."""

import copy
from pathlib import Path

import nbformat
import pytest

from digits_helpers import execution
from digits_helpers.execution import Job, Settings, run_jobs, trains_nothing

KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


def notebook(*cells: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells], metadata=KERNEL)


@pytest.fixture
def book(tmp_path):
    """Notebooks that 'train' (write a fit the first time; write a new file at every run),
    one that only computes, one that fails; a cache, records and a runs file of their own."""
    fits = tmp_path / "cache" / "fits"
    fits.mkdir(parents=True)
    sources = {
        "trains": notebook(f"from pathlib import Path\np = Path({str(fits / 'a.joblib')!r})",
                           "if not p.exists(): p.write_text('weights')", "print(p.read_text())"),
        "trains_always": notebook(f"import uuid\nfrom pathlib import Path\n"
                                  f"Path({str(fits)!r}, uuid.uuid4().hex).write_text('uncached')"),
        "computes": notebook("import os\nprint(os.getpid())"),
        "fails": notebook("raise ValueError('bad input')"),
    }
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "record.json").write_text("{}")
    settings = Settings("profile:code", {"cache": tmp_path / "cache", "results": tmp_path / "results"},
                        tmp_path / "cache" / "book-runs-smoke.json", timeout=60, workers=2)
    return sources, settings, fits / "a.joblib"


def jobs(sources, names, tmp_path) -> list[Job]:
    return [Job(name, tmp_path / f"{name}.ipynb", copy.deepcopy(sources[name]), tmp_path, cells=f"cells of {name}")
            for name in names]


def quiet(message: str) -> None:
    pass


def test_notebooks_whose_last_run_left_all_they_train_cached_run_side_by_side(book, tmp_path):
    sources, settings, fit = book
    stored: list[str] = []
    store = lambda job: stored.append(job.name)  # noqa: E731

    # first build: no runs known, every notebook alone, in order
    done = run_jobs(jobs(sources, ["trains", "computes", "fails"], tmp_path), settings, store, log=quiet)
    assert [job.parallel for job in done] == [False, False, False]
    assert stored == ["trains", "computes"] and fit.read_text() == "weights"
    assert "bad input" in done[2].error
    assert done[1].notebook.cells[0].outputs, "the executed notebook comes back with its outputs"
    assert set(execution.load_runs(settings.runs_file)) == {"trains", "computes"}, "a failed run is not kept"

    # second build: both ran last with these cells and all their files are there: side by side
    stored.clear()
    messages: list[str] = []
    done = run_jobs(jobs(sources, ["trains", "computes", "fails"], tmp_path), settings, store, log=messages.append)
    assert [job.parallel for job in done] == [True, True, False]
    assert sorted(stored) == ["computes", "trains"] and all(job.error is None for job in done[:2])
    assert done[0].notebook.cells[2].outputs[0]["text"] == "weights\n"
    assert messages[0] == "executing fails" and any("2 notebooks 2 at a time" in m for m in messages)
    assert done[0].seconds > 0

    # the fit deleted: 'trains' may train again, and so may 'computes' (its run saw the fit): alone
    fit.unlink()
    done = run_jobs(jobs(sources, ["trains", "computes"], tmp_path), settings, store, log=quiet)
    assert [job.parallel for job in done] == [False, False] and fit.exists()
    # edited cells: alone (and a single notebook known not to train runs alone too)
    other = jobs(sources, ["trains", "computes"], tmp_path)
    other[1].cells = "edited cells"
    assert [job.parallel for job in run_jobs(other, settings, store, log=quiet)] == [False, False]


def test_a_pass_side_by_side_that_changes_the_cache_is_reported_and_forgotten(book, tmp_path):
    sources, settings, _ = book
    run_jobs(jobs(sources, ["trains_always", "computes"], tmp_path), settings, lambda job: None, log=quiet)
    messages: list[str] = []
    done = run_jobs(jobs(sources, ["trains_always", "computes"], tmp_path), settings, lambda job: None,
                    log=messages.append)
    assert [job.parallel for job in done] == [True, True]
    assert any("changed the cache folder" in m for m in messages)
    assert execution.load_runs(settings.runs_file) == {}, "both run alone next time"


def test_a_notebook_trains_nothing_only_when_its_cells_code_and_files_are_those_of_a_quiet_run():
    run = {"cells": "c", "identity": "i", "files": {"cache/fits/a.joblib": 10, "results/r.json": 3}}
    now = {"cache/fits/a.joblib": 10, "results/r.json": 3, "cache/fits/b.joblib": 7}
    assert trains_nothing(run, "c", "i", now)
    assert not trains_nothing(None, "c", "i", now)
    assert not trains_nothing(run, "other cells", "i", now)
    assert not trains_nothing(run, "c", "other training code or data", now)
    assert not trains_nothing(run, "c", "i", {"results/r.json": 3})  # a fit deleted
    assert not trains_nothing(run, "c", "i", {**now, "cache/fits/a.joblib": 11})  # a fit replaced
    assert trains_nothing(run, "c", "i", {**now, "results/r.json": 5})  # a record rewritten by its chapter
    assert not trains_nothing(run, "c", "i", {"cache/fits/a.joblib": 10})  # a record deleted


def test_a_damaged_runs_file_counts_as_no_runs(tmp_path):
    runs_file = tmp_path / "book-runs-full.json"
    runs_file.write_text("{not json")
    assert execution.load_runs(runs_file) == {}
    execution.save_runs(runs_file, {"a": {"cells": "c"}})
    assert execution.load_runs(runs_file) == {"a": {"cells": "c"}}
    assert [p.name for p in tmp_path.iterdir()] == ["book-runs-full.json"]


def test_presentation_modules_do_not_change_the_training_identity(monkeypatch, private_cache):
    from digits_helpers import book_profile

    package = Path(execution.__file__).parent
    assert all((package / name).is_file() for name in execution.PRESENTATION)
    stamp = book_profile.sources_stamp(skip=execution.PRESENTATION)
    assert stamp != book_profile.sources_stamp()
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes",
                        lambda p: real(p) + (b"# edited" if p.name in ("plotting.py", "fitting.py") else b""))
    assert book_profile.sources_stamp(skip=execution.PRESENTATION) != stamp  # fitting.py changed
    monkeypatch.setattr(Path, "read_bytes", lambda p: real(p) + (b"# edited" if p.name == "plotting.py" else b""))
    assert book_profile.sources_stamp(skip=execution.PRESENTATION) == stamp
