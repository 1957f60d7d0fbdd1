"""Where search studies live: an SQL database (SQLite by default, PostgreSQL or any SQLAlchemy
URL for several machines), opened as a plain Optuna ``RDBStorage`` with heartbeats, so that a
dead worker's trial is failed and retried, and with pooled connections checked before use, so
that a restarted server's dead ones are replaced."""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path
from typing import Any

import optuna
from sqlalchemy import exc
from sqlalchemy.engine import make_url

from ..paths import STORAGE_ENV, cache_dir, setting

# A worker's heartbeat is written every HEARTBEAT_INTERVAL seconds while a trial runs; a RUNNING
# trial whose last heartbeat is older than GRACE_PERIOD is failed and queued again with its
# parameters (at most MAX_RETRY times: a trial that kills its worker every time is given up).
HEARTBEAT_INTERVAL = 30
GRACE_PERIOD = 120
MAX_RETRY = 2
CONNECT_TIMEOUT = 10  # seconds to wait for a PostgreSQL server's answer to a new connection
WHERE = f"the storage argument, --storage or ${STORAGE_ENV}"


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
            try:
                make_url(override)
            except exc.ArgumentError:
                raise ValueError(f"storage URL {masked(override)!r} is not a database URL; "
                                 f"{_expected(f'${STORAGE_ENV}')}") from None
            return override
        path = cache_dir() / "optuna" / "studies.db"
    path = Path(path).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def masked(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages)."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _expected(where: str) -> str:
    return (f"expected an SQLAlchemy database URL (given by {where}) such as 'sqlite:///path/studies.db' "
            "or 'postgresql://user:password@host/db'")


def lost_connection(err: BaseException) -> BaseException | None:
    """The lost or refused database connection that ``err`` is, or was raised while handling; else None.

    That is SQLAlchemy's ``OperationalError`` (also a deadlock or a lock timeout), the
    ``PendingRollbackError`` of a session whose connection the server dropped, or a
    ``DBAPIError`` that invalidated its connection; as it is, inside Optuna's
    ``StorageInternalError``, or behind the error Optuna raises when it cannot record a trial's end.
    """
    seen: set[int] = set()
    stack: list[BaseException | None] = [err]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        if isinstance(current, exc.OperationalError | exc.PendingRollbackError) or (
                isinstance(current, exc.DBAPIError) and current.connection_invalidated):
            return current
        seen.add(id(current))
        stack += [current.__cause__, current.__context__]
    return None


def reason(err: BaseException) -> str:
    """The driver's message behind ``err`` (or the lost connection behind it), on one line."""
    err = lost_connection(err) or err
    return " ".join(str(getattr(err, "orig", None) or err).split()) or type(err).__name__


def rdb_storage(url: str, *, heartbeat_interval: int = HEARTBEAT_INTERVAL, grace_period: int = GRACE_PERIOD,
                max_retry: int = MAX_RETRY) -> optuna.storages.RDBStorage:
    """A plain Optuna ``RDBStorage`` on ``url``, with heartbeats and checked connections.

    A RUNNING trial whose heartbeat (written every ``heartbeat_interval`` seconds) is more than
    ``grace_period`` seconds old is marked FAIL the next time a worker asks for a trial, and a
    copy with its parameters is queued (``RetryHeartbeatStaleTrialCallback``, Optuna 5's name for
    the deprecated ``RetryFailedTrialCallback``), at most ``max_retry`` times.  Pooled
    connections are pinged before use (``pool_pre_ping``); SQLite waits 60 s for a lock,
    PostgreSQL :data:`CONNECT_TIMEOUT` seconds for a new connection.  Workers opening a new
    database together race to create its tables: that is tried again.  A bad URL, a missing
    driver or a database Optuna cannot open is a ``ValueError``/``ImportError`` naming it.
    """
    connect_args = {"sqlite": {"timeout": 60}, "postgresql": {"connect_timeout": CONNECT_TIMEOUT}}
    kind = re.match(r"[a-z]*", url).group()  # type: ignore[union-attr]
    engine_kwargs: dict[str, Any] = {"pool_pre_ping": True, "connect_args": connect_args.get(kind, {})}
    for attempt in range(4):
        try:
            with warnings.catch_warnings():  # heartbeats and their retry callback are "experimental"
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url, engine_kwargs=engine_kwargs, heartbeat_interval=heartbeat_interval,
                    grace_period=grace_period,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry),
                )
        except exc.ArgumentError as err:  # not a URL, or an unknown database kind
            raise ValueError(f"storage URL {masked(url)!r} is not usable ({err}); {_expected(WHERE)}") from None
        except ImportError:
            raise ImportError(f"the database driver of the storage {masked(url)!r} is not installed "
                              "(PostgreSQL needs `pip install psycopg psycopg-binary`, pinned in requirements.txt)"
                              ) from None
        except exc.DatabaseError as err:
            racing = isinstance(err, exc.IntegrityError) or re.search("already exists|locked", str(err))
            if attempt == 3 or not racing:
                raise ValueError(f"cannot open the Optuna storage {masked(url)!r} ({WHERE}): {reason(err)}; "
                                 "expected a database that Optuna can open or create its tables in") from err
            time.sleep(0.25 * (attempt + 1))
    raise AssertionError("not reached")
