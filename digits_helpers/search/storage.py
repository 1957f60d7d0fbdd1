"""Where search studies live: an SQL database (SQLite by default, PostgreSQL or any
SQLAlchemy URL for several machines), opened with heartbeats so that a dead worker's trial is
failed and retried."""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path

import optuna

from ..paths import STORAGE_ENV, cache_dir, setting

# A worker's heartbeat is written every HEARTBEAT_INTERVAL seconds while a trial runs; a
# RUNNING trial whose last heartbeat is older than GRACE_PERIOD is failed and queued again
# (at most MAX_RETRY times, so a trial that kills its worker every time is given up).
HEARTBEAT_INTERVAL = 30
GRACE_PERIOD = 120
MAX_RETRY = 2


def storage_url(path: str | Path | None = None) -> str:
    """The database URL of the studies.

    ``path`` names an SQLite file; without it ``$DIGITS_OPTUNA_STORAGE`` is used when set,
    else ``studies.db`` in the ``optuna`` folder of the cache (``.cache/`` at the repository
    root, or ``$DIGITS_CACHE_DIR``).  The SQLite file's folder is created; the file itself is
    created by the first study and never replaced.
    """
    if path is None:
        override = setting(STORAGE_ENV)
        if override:
            _check_url(override, f"${STORAGE_ENV}")
            return override
        path = cache_dir() / "optuna" / "studies.db"
    path = Path(path).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def masked(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages)."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _expected(where: str) -> str:
    return (
        f"expected an SQLAlchemy database URL (given by {where}) such as 'sqlite:///path/studies.db' "
        "or 'postgresql://user:password@host/db'"
    )


def _check_url(url: str, where: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError:
        raise ValueError(f"storage URL {masked(url)!r} is not a database URL; {_expected(where)}") from None


def rdb_storage(
    url: str,
    *,
    heartbeat_interval: int = HEARTBEAT_INTERVAL,
    grace_period: int = GRACE_PERIOD,
    max_retry: int = MAX_RETRY,
) -> optuna.storages.RDBStorage:
    """An Optuna ``RDBStorage`` with heartbeats: a trial whose worker died is failed and retried.

    A RUNNING trial whose heartbeat (written every ``heartbeat_interval`` seconds) is more than
    ``grace_period`` seconds old is marked FAIL the next time a worker asks for a trial, and a
    copy with its parameters is queued (``RetryHeartbeatStaleTrialCallback``, Optuna 5's name
    for the deprecated ``RetryFailedTrialCallback``), at most ``max_retry`` times.
    """
    from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError

    where = "the storage argument, --storage or $" + STORAGE_ENV
    _check_url(url, where)
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    for attempt in range(4):
        try:
            with warnings.catch_warnings():  # heartbeats and their retry callback are "experimental"
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url,
                    engine_kwargs=engine_kwargs,
                    heartbeat_interval=heartbeat_interval,
                    grace_period=grace_period,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry),
                )
        except ArgumentError as err:  # e.g. an unknown database kind
            raise ValueError(f"storage URL {masked(url)!r} is not usable ({err}); {_expected(where)}") from None
        except ImportError:
            raise ImportError(
                f"the database driver of the storage {masked(url)!r} is not installed "
                "(PostgreSQL needs `pip install psycopg psycopg-binary`, pinned in requirements.txt)"
            ) from None
        except DatabaseError as err:
            # Workers that open a new database together race to create its tables: retry that.
            racing = isinstance(err, IntegrityError) or re.search("already exists|locked", str(err))
            if attempt == 3 or not racing:
                raise ValueError(
                    f"cannot open the Optuna storage {masked(url)!r} ({where}): {err.orig or err}; "
                    "expected a database that Optuna can open or create its tables in"
                ) from None
            time.sleep(0.25 * (attempt + 1))
    raise AssertionError("not reached")
