"""Time building the book with the README's command, and print JSON.

    python benchmarks/bench_book.py                         # full profile: cold, then warm (hours)
    python benchmarks/bench_book.py --fits DIR --results DIR  # fits already in DIR: warm only
    DIGITS_PROFILE=smoke python benchmarks/bench_book.py    # the smoke profile (minutes)

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

Each phase reports its wall seconds; phases 1 and 3 also report each notebook's execution
seconds (from the execution cache).  ``--fits`` and ``--results`` start from an existing fit
cache and records (used as they are: fits missing there are trained into them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def executed(cache: Path) -> dict[str, float]:
    """Execution seconds of each notebook in the execution cache (emptied before each build
    that reports them, so: those that build executed)."""
    from jupyter_cache import get_cache

    return {Path(record.uri).stem: round(record.data.get("execution_seconds") or 0.0, 1)
            for record in sorted(get_cache(str(cache)).list_cache_records(), key=lambda r: r.uri)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, help="folder for the build, fits and records (default: temporary)")
    parser.add_argument("--fits", type=Path, help="fit cache to start from (default: an empty one in the workdir)")
    parser.add_argument("--results", type=Path, help="records to start from (default: none, in the workdir)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-book-"))
    workdir.mkdir(parents=True, exist_ok=True)
    profile = os.environ.get("DIGITS_PROFILE", "").strip() or "full"
    env = {**os.environ, "DIGITS_PROFILE": profile,
           "DIGITS_CACHE_DIR": str(args.fits or workdir / "fits"),
           "DIGITS_RESULTS_DIR": str(args.results or workdir / "results"),
           "DIGITS_SUBMISSIONS_DIR": str(workdir / "submissions")}
    cache = workdir / "book" / "_build" / f".jupyter_cache-{profile}"
    if cache.exists():
        fail(f"{cache} exists: give an empty --workdir, so that the first build executes every notebook")
    log = workdir / "build.log"
    report: dict = {"profile": profile, "cold": args.fits is None, "workdir": str(workdir)}

    report["first_build_seconds"] = round(build(workdir, env, log), 1)
    report["first_build_notebooks"] = executed(cache)
    report["rebuild_unchanged_seconds"] = round(build(workdir, env, log), 1)
    # What a change to digits_helpers or the data does (digits_profile's stamp): the executed
    # notebooks dropped and every page read again (here: Sphinx's saved environment removed).
    shutil.rmtree(cache)
    shutil.rmtree(workdir / "book" / "_build" / ".doctrees")
    report["rebuild_reexecute_seconds"] = round(build(workdir, env, log), 1)
    report["rebuild_reexecute_notebooks"] = executed(cache)
    report["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "processor": platform.machine()}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
