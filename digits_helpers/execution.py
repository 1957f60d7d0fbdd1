"""Execute the book's notebooks before Sphinx reads them: alone and in chapter order when
they may train, side by side (one per core) when they will not.

Jupyter Book executes each notebook as Sphinx reads it, one after the other.  On a cold
build that order is needed: later chapters read earlier chapters' fits from the fit cache,
and the fit times the chapters report are measured with the machine to themselves.  But a
rebuild that re-executes notebooks on cached fits (after a change to a plot helper, or
with the execution cache emptied) trains nothing, and its notebooks can share the cores.

Every fit, search trial and parsed data file goes through the cache folder, keyed by what
produced it.  So a notebook trains nothing if an earlier run of the same code cells, under
the same profile, training code (every module here but the presentation ones) and data,
succeeded, and every file the cache, records and submissions held after that run is still
there (those of the cache the same size): ``book-runs-<profile>.json`` in the cache folder
keeps those runs.
Such notebooks run side by side; the others first, alone, in chapter order.  Should a pass
side by side change the cache folder after all, its notebooks are forgotten (they run alone
next time) and the build says so.  Executed notebooks go into Jupyter Book's execution
cache, where myst-nb finds them; one that fails is left for myst-nb to execute and report.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatch
from multiprocessing import get_context
from pathlib import Path
from typing import Any

# Modules that only present results: a change to them cannot make a notebook train.  (Not
# analysis.py: chapter 06 fits the model that analysis.choose_model picks.)
PRESENTATION = ("book_profile.py", "execution.py", "launch_links.py", "page.py", "plotting.py")

Listing = dict[str, int]  # file (relative, with its root's name) -> size in bytes


@dataclass
class Job:
    """One notebook to execute: ``notebook`` as myst-nb read it from ``path``."""

    name: str
    path: Path
    notebook: Any  # nbformat.NotebookNode
    cwd: Path
    read_fmt: dict | None = None
    cells: str = ""  # the execution cache's hash of its code cells
    seconds: float = 0.0
    error: str | None = None
    parallel: bool = False


@dataclass
class Settings:
    """What a run is judged against, and how notebooks are executed."""

    identity: str  # profile, training code, libraries and data
    roots: dict[str, Path]  # name -> folder; "cache" is the one a pass side by side must leave unchanged
    runs_file: Path
    timeout: int | None = None
    allow_errors: bool = False
    workers: int = field(default_factory=lambda: len(os.sched_getaffinity(0)))


def training_identity() -> str:
    """The profile, the package's sources (less :data:`PRESENTATION`), the training
    libraries' versions and the data files' identity: what decides whether a notebook trains."""
    from . import fitting
    from .book_profile import sources_stamp
    from .config import get_profile

    return f"{get_profile().name}:{sources_stamp(skip=PRESENTATION)}:{fitting.keras_code_version()}"


def listing(roots: dict[str, Path], skip: Path | None = None) -> Listing:
    """Every file under ``roots`` with its size (dot files, which are being written, left out)."""
    files: Listing = {}
    for name, root in roots.items():
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            if path.is_file() and not path.name.startswith(".") and path != skip:
                files[f"{name}/{path.relative_to(root).as_posix()}"] = path.stat().st_size
    return files


def _part(files: Listing, root: str) -> Listing:
    return {k: v for k, v in files.items() if k.startswith(root + "/")}


def load_runs(runs_file: Path) -> dict[str, dict]:
    try:
        runs = json.loads(runs_file.read_text())
    except (OSError, ValueError):  # none yet, or damaged: no run is known
        return {}
    return runs if isinstance(runs, dict) else {}


def save_runs(runs_file: Path, runs: dict[str, dict]) -> None:
    runs_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = runs_file.with_name(f".{runs_file.name}.{os.getpid()}.partial")
    tmp.write_text(json.dumps(runs, indent=1, sort_keys=True))
    tmp.replace(runs_file)


def trains_nothing(run: dict | None, cells: str, identity: str, now: Listing) -> bool:
    """Whether a notebook with these ``cells`` will train nothing, judged by its last
    successful ``run``: same cells and identity, and every file held after it still there,
    those of the cache folder the same size (records and submissions are rewritten by the
    chapters that make them, with paths and times that may differ)."""
    if not run or run.get("cells") != cells or run.get("identity") != identity:
        return False
    return all(path in now and (now[path] == size or not path.startswith("cache/"))
               for path, size in run.get("files", {}).items())


def _execute(notebook_json: str, cwd: str, timeout: int | None, allow_errors: bool) -> tuple[str, float, str | None]:
    """Execute a notebook (as JSON) in a kernel of its own; return it executed, the seconds,
    and the traceback of a failure (``None`` if none).  Picklable: runs in worker processes too."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    notebook = nbformat.reads(notebook_json, as_version=4)
    result = single_nb_execution(notebook, cwd=cwd, timeout=timeout, allow_errors=allow_errors, meta_override=True)
    return nbformat.writes(result.nb), result.time, result.exc_string if result.err else None


def _absorb(job: Job, outcome: tuple[str, float, str | None]) -> None:
    import nbformat

    executed, job.seconds, job.error = outcome
    if job.error is None:
        job.notebook = nbformat.reads(executed, as_version=4)


def run_jobs(jobs: list[Job], settings: Settings, store: Callable[[Job], None],
             log: Callable[[str], None] = print) -> list[Job]:
    """Execute ``jobs``: those that may train first, one after the other in their order,
    then the others ``settings.workers`` (one per core) at a time; ``store`` each success.  Keeps the
    successful runs in ``settings.runs_file``.  Returns the jobs, with their seconds and errors."""
    runs = load_runs(settings.runs_file)
    now = listing(settings.roots, skip=settings.runs_file)
    side_by_side = [job for job in jobs if trains_nothing(runs.get(job.name), job.cells, settings.identity, now)]
    if len(side_by_side) < 2 or settings.workers < 2:
        side_by_side = []
    for job in side_by_side:
        job.parallel = True
    alone = [job for job in jobs if job not in side_by_side]
    # the longest first (by their last runs), so that the workers finish together
    side_by_side.sort(key=lambda job: -runs[job.name].get("seconds", 0.0))

    def remember(done: list[Job], before: Listing | None = None) -> None:
        after = listing(settings.roots, skip=settings.runs_file)
        trusted = before is None or _part(after, "cache") == _part(before, "cache")
        if not trusted:
            log(f"notebooks run side by side changed the cache folder ({', '.join(j.name for j in done)}): what they"
                " trained was timed on a shared machine (delete it to retrain); they run alone next time")
        for job in done:
            if trusted and job.error is None:
                runs[job.name] = {"cells": job.cells, "identity": settings.identity, "files": after,
                                  "seconds": round(job.seconds, 1)}
            else:
                runs.pop(job.name, None)
        save_runs(settings.runs_file, runs)

    for job in alone:
        log(f"executing {job.name}")
        _absorb(job, _execute(_json(job.notebook), str(job.cwd), settings.timeout, settings.allow_errors))
        if job.error is None:
            store(job)
            log(f"executed {job.name} in {job.seconds:.1f} s")
        remember([job])

    if side_by_side:
        workers = min(settings.workers, len(side_by_side))
        log(f"executing {len(side_by_side)} notebooks {workers} at a time (all they train is cached): "
            + ", ".join(job.name for job in side_by_side))
        before = listing(settings.roots, skip=settings.runs_file)
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(_execute, _json(job.notebook), str(job.cwd), settings.timeout,
                                   settings.allow_errors) for job in side_by_side]
            for job, future in zip(side_by_side, futures, strict=True):
                try:
                    _absorb(job, future.result())
                except Exception as err:  # a worker that died: left to myst-nb, as a failure is
                    job.error = f"{type(err).__name__}: {err}"
                if job.error is None:
                    store(job)
        log(f"executed {len(side_by_side)} notebooks in {time.perf_counter() - start:.1f} s")
        remember(side_by_side, before)
    return jobs


def _json(notebook: Any) -> str:
    import nbformat

    return nbformat.writes(notebook)


# --------------------------------------------------------------------------- Sphinx


def notebook_jobs(env: Any, docnames: list[str], cache: Any) -> list[Job]:
    """The notebooks among ``docnames`` that the execution cache lacks, read as myst-nb reads them."""
    from myst_nb.core.read import create_nb_reader

    nb_config = env.mystnb_config
    jobs = []
    for docname in sorted(docnames):
        path = Path(env.doc2path(docname))
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
        if reader is None:
            continue
        notebook = reader.read(text)
        if (nb_config.metadata_key in notebook.metadata or nb_config.kernel_rgx_aliases
                or any(fnmatch(str(path), pattern) for pattern in nb_config.execution_excludepatterns)):
            continue  # per-notebook settings, or not executed: left to myst-nb
        try:
            cache.match_cache_notebook(notebook)
            continue  # executed already
        except KeyError:
            pass
        jobs.append(Job(docname, path, notebook, path.parent, reader.read_fmt,
                        cells=cache.create_hashed_notebook(notebook)[1]))
    return jobs


def execute_before_reading(app: Any, env: Any, docnames: list[str]) -> None:
    """Sphinx ``env-before-read-docs`` hook: execute the notebooks about to be read that the
    execution cache lacks (see the module's docstring)."""
    config = app.config
    if config.nb_execution_mode != "cache" or config.nb_execution_in_temp:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from sphinx.util import logging

    from . import fitting, results

    logger = logging.getLogger(__name__)
    cache = get_cache(config.nb_execution_cache_path)
    jobs = notebook_jobs(env, docnames, cache)
    if not jobs:
        return
    roots = {"cache": fitting.cache_dir(), "results": results.results_dir(), "submissions": results.submissions_dir()}
    settings = Settings(training_identity(), roots, fitting.cache_dir() / f"book-runs-{config.digits_profile}.json",
                        timeout=config.nb_execution_timeout, allow_errors=config.nb_execution_allow_errors)

    def store(job: Job) -> None:
        stage = cache.add_nb_to_project(str(job.path), read_data=job.read_fmt)
        cache.cache_notebook_bundle(CacheBundleIn(job.notebook, stage.uri, data={"execution_seconds": job.seconds}),
                                    check_validity=False, overwrite=True)

    run_jobs(jobs, settings, store, log=logger.info)
    for job in jobs:
        if job.error is not None:
            logger.info(f"{job.name} failed; myst-nb executes it again and reports the error")
