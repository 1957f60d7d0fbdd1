"""Every folder the package reads or writes and every ``DIGITS_*`` variable, in one place;
and the one way files are written (atomically).

========================  =================================================================
variable                  what it sets
========================  =================================================================
``DIGITS_PROFILE``        the run profile, ``full`` (default) or ``smoke`` (:mod:`.profiles`)
``DIGITS_DATA_DIR``       the folder of ``train.csv``/``test.csv`` (default ``data/``)
``DIGITS_CACHE_DIR``      fits, parsed data and search studies (default ``.cache/``)
``DIGITS_RESULTS_DIR``    the final models' records (default ``results/``)
``DIGITS_SUBMISSIONS_DIR``  the chapters' submission files (default ``submissions/``)
``DIGITS_OPTUNA_STORAGE`` the searches' database URL (default: SQLite in the cache folder)
``DIGITS_NO_PROGRESS``    ``1`` hides progress bars (builds and tests set it)
``DIGITS_CPUS``           at most this many CPU cores for fits (:mod:`.cores`)
``DIGITS_FIT_LOG``        a file to which every fit trained (not read from the cache) adds a
                          JSON line (the benchmarks list each chapter's fits from it)
========================  =================================================================
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

PROFILE_ENV = "DIGITS_PROFILE"
DATA_DIR_ENV = "DIGITS_DATA_DIR"
CACHE_ENV = "DIGITS_CACHE_DIR"
RESULTS_ENV = "DIGITS_RESULTS_DIR"
SUBMISSIONS_ENV = "DIGITS_SUBMISSIONS_DIR"
STORAGE_ENV = "DIGITS_OPTUNA_STORAGE"
QUIET_ENV = "DIGITS_NO_PROGRESS"
CPUS_ENV = "DIGITS_CPUS"
FIT_LOG_ENV = "DIGITS_FIT_LOG"

REPO_ROOT = Path(__file__).resolve().parents[1]


def setting(name: str) -> str:
    """The value of the variable ``name``, stripped; ``""`` when unset."""
    return os.environ.get(name, "").strip()


def _folder(env: str, default: str) -> Path:
    override = setting(env)
    return Path(override).expanduser() if override else REPO_ROOT / default


def repo_data_dir() -> Path:
    """The repository's ``data/`` folder (where the embedded digits live)."""
    return REPO_ROOT / "data"


def data_dir() -> Path:
    """Where the CSVs live: ``$DIGITS_DATA_DIR`` if set, else the repository's ``data/``."""
    override = setting(DATA_DIR_ENV)
    return Path(override).expanduser().resolve() if override else repo_data_dir()


def cache_dir() -> Path:
    """``$DIGITS_CACHE_DIR``, else ``.cache/`` at the repository root."""
    return _folder(CACHE_ENV, ".cache")


def results_root() -> Path:
    """``$DIGITS_RESULTS_DIR``, else ``results/`` (one folder per profile below it)."""
    return _folder(RESULTS_ENV, "results")


def submissions_root() -> Path:
    """``$DIGITS_SUBMISSIONS_DIR``, else ``submissions/`` (one folder per profile below it)."""
    return _folder(SUBMISSIONS_ENV, "submissions")


def results_dir(profile_name: str) -> Path:
    """Where the records of one profile go: ``results/<profile>/``."""
    return results_root() / profile_name


def submissions_dir(profile_name: str) -> Path:
    """Where the chapters of one profile write their submissions: ``submissions/<profile>/``."""
    return submissions_root() / profile_name


def progress_enabled() -> bool:
    """Progress bars show when a person runs a notebook, not in builds or tests."""
    return setting(QUIET_ENV) in ("", "0")


def atomic_write(path: Path | str, write: Callable[[Path], None]) -> Path:
    """Write ``path`` through ``write(tmp)`` into a temporary file beside it, then rename it
    into place: a killed process never leaves a half-written file, and a reader sees the old
    file or the new one.  The temporary name is unique to this process and starts with a dot.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial{path.suffix}")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def atomic_write_text(path: Path | str, text: str) -> Path:
    """:func:`atomic_write` of a text file (UTF-8)."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
