"""Time building the book with the README's command, and print JSON.

    python benchmarks/bench_book.py                         # full profile: cold, then warm (hours)
    python benchmarks/bench_book.py --fits DIR --results DIR  # fits already in DIR: warm only
    DIGITS_PROFILE=smoke python benchmarks/bench_book.py    # the smoke profile (minutes)
    python benchmarks/bench_book.py --chapter 08_small_cnn  # one chapter executed alone, cold
    taskset -c 0 python benchmarks/bench_book.py --chapter 08_small_cnn   # ... on one core

Runs ``jupyter-book build book`` three times into a folder of its own (``--workdir``, else a
temporary one), so that none of the user's executed notebooks, fits, records or submissions
is read or written (unless ``--fits`` or ``--results`` name them); the data are the book's:

1. ``first_build``: every notebook executed. With an empty fit cache (the default) this is
   the book **cold**: every fit trained, in the book's order.
2. ``rebuild_unchanged``: the same command again; nothing has changed, nothing executes.
3. ``rebuild_reexecute``: the executed notebooks dropped and every page read again, as after
   a change to ``digits_helpers`` or the data (``book/_ext/digits_profile.py``): every
   notebook executed again, in chapter order, its fits read from the fit cache: the **warm**
   rebuild.

Each phase reports its wall seconds; phases 1 and 3 also report, under ``chapters`` and
``reexecuted``, each notebook's execution seconds (from the execution cache) and the fits it
trained (recipe, rows, epochs, seconds, device and threads, from the fit log the package
writes when ``DIGITS_FIT_LOG`` is set), with any fit trained twice named.  ``--fits`` and
``--results`` start from an existing fit cache and records (used as they are: fits missing
there are trained into them).  ``--chapter NAME`` executes that one notebook instead, with an
empty fit cache and no records, as the build would (in ``notebooks/``).

The report is printed, saved in ``benchmarks/results/`` and RESULTS.md written again
(``benchmarks/results.py``; ``--no-save``: print only).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import results  # benchmarks/results.py: the saved reports and RESULTS.md

ROOT = Path(__file__).resolve().parents[1]


def fail(message: str) -> None:
    """Stop with one ``error:`` line and exit status 2, as the package's command lines do."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def build(workdir: Path, env: dict[str, str], log: Path) -> float:
    """Run the README's build command into ``workdir``; return its wall seconds."""
    command = ["jupyter-book", "build", str(ROOT / "book"), "--path-output", str(workdir / "book")]
    start = time.perf_counter()
    with log.open("a") as out:
        done = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        fail(f"{' '.join(command)} failed (exit {done.returncode}); see {log}")
    return seconds


def trained(log: Path) -> list[dict]:
    """The fits the package logged as trained (``DIGITS_FIT_LOG``), oldest first."""
    if not log.is_file():
        return []
    return sorted((json.loads(line) for line in log.read_text().splitlines() if line.strip()),
                  key=lambda fit: fit["time"])


def chapter_report(seconds: float, fits: list[dict]) -> dict:
    """A notebook's execution seconds and the fits it trained, any trained twice named."""
    keys = [fit["key"] for fit in fits]
    twice = sorted({fit["model"] for fit in fits if keys.count(fit["key"]) > 1})
    shown = [{k: fit[k] for k in ("model", "rows", "epochs", "seconds", "runs_on")} for fit in fits]
    return {"seconds": seconds, "fits": shown, "trained_twice": twice}


def executed(cache: Path, log: Path) -> dict[str, dict]:
    """Each notebook the execution cache holds (emptied before each build that reports them,
    so: those that build executed, one after the other), with its execution seconds and the
    fits logged while it ran (between the previous notebook's caching and its own)."""
    from datetime import UTC

    from jupyter_cache import get_cache

    records = sorted(get_cache(str(cache)).list_cache_records(), key=lambda r: r.created)
    fits, report, start = trained(log), {}, 0.0
    for record in records:
        end = record.created.replace(tzinfo=UTC).timestamp()
        mine = [fit for fit in fits if start < fit["time"] <= end]
        report[Path(record.uri).stem] = chapter_report(round(record.data.get("execution_seconds") or 0.0, 1), mine)
        start = end
    return dict(sorted(report.items()))


def execute_chapter(name: str, env: dict[str, str], log: Path) -> dict:
    """Execute ``notebooks/<name>.md`` alone, as the build does (in ``notebooks/``)."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    source = ROOT / "notebooks" / f"{name}.md"
    if not source.is_file():
        fail(f"no chapter {name}: {source} does not exist")
    os.environ.update(env)  # the kernel inherits it
    start = time.perf_counter()
    try:
        NotebookClient(jupytext.read(source), timeout=7200, kernel_name="python3",
                       resources={"metadata": {"path": str(source.parent)}}).execute()
    except CellExecutionError as err:
        fail(f"{source.name} failed: {err.ename}: {err.evalue}")
    seconds = round(time.perf_counter() - start, 1)
    return {"chapter": name, "first_build_seconds": seconds,
            "chapters": {name: chapter_report(seconds, trained(log))}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, help="folder for the build, fits and records (default: temporary)")
    parser.add_argument("--fits", type=Path, help="fit cache to start from (default: an empty one in the workdir)")
    parser.add_argument("--results", type=Path, help="records to start from (default: none, in the workdir)")
    parser.add_argument("--chapter", help="execute only this notebook (e.g. 08_small_cnn), cold")
    parser.add_argument("--no-save", action="store_true", help="print only: keep nothing in benchmarks/results/")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-book-"))
    workdir.mkdir(parents=True, exist_ok=True)
    profile = os.environ.get("DIGITS_PROFILE", "").strip() or "full"
    env = {**os.environ, "DIGITS_PROFILE": profile,
           "DIGITS_CACHE_DIR": str(args.fits or workdir / "fits"),
           "DIGITS_RESULTS_DIR": str(args.results or workdir / "results"),
           "DIGITS_SUBMISSIONS_DIR": str(workdir / "submissions"), "DIGITS_NO_PROGRESS": "1"}
    report: dict = {"profile": profile, "cold": args.fits is None, "workdir": str(workdir)}
    if args.chapter:
        env["DIGITS_FIT_LOG"] = str(workdir / "fits-chapter.jsonl")
        report |= execute_chapter(args.chapter, env, Path(env["DIGITS_FIT_LOG"]))
        finish(report, args.no_save, args.chapter)
        return
    cache = workdir / "book" / "_build" / f".jupyter_cache-{profile}"
    if cache.exists():
        fail(f"{cache} exists: give an empty --workdir, so that the first build executes every notebook")
    log = workdir / "build.log"

    env["DIGITS_FIT_LOG"] = str(workdir / "fits-first.jsonl")
    report["first_build_seconds"] = round(build(workdir, env, log), 1)
    report["chapters"] = executed(cache, Path(env["DIGITS_FIT_LOG"]))
    report["rebuild_unchanged_seconds"] = round(build(workdir, env, log), 1)
    # What a change to digits_helpers or the data does (digits_profile's stamp): the executed
    # notebooks dropped and every page read again (here: Sphinx's saved environment removed).
    shutil.rmtree(cache)
    shutil.rmtree(workdir / "book" / "_build" / ".doctrees")
    env["DIGITS_FIT_LOG"] = str(workdir / "fits-reexecute.jsonl")
    report["rebuild_reexecute_seconds"] = round(build(workdir, env, log), 1)
    report["reexecuted"] = executed(cache, Path(env["DIGITS_FIT_LOG"]))
    finish(report, args.no_save, "cold" if report["cold"] else "warm")


def finish(report: dict, no_save: bool, label: str) -> None:
    """Print ``report`` with the machine; save it and write RESULTS.md unless ``no_save``."""
    report["machine"] = results.machine()
    print(json.dumps(report))
    if not no_save:
        results.save("book", f"{report['profile']}-{label}", report)
        results.write_results()


if __name__ == "__main__":
    main()
