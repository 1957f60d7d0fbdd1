"""Where search studies live: an SQL database (SQLite by default, PostgreSQL or any
SQLAlchemy URL for several machines), opened with heartbeats so that a dead worker's trial is
failed and retried, and riding out an outage of the database server (:class:`RideOutStorage`):
a call that loses its connection is tried again until the server is back or :data:`RIDE_OUT`
seconds have passed, when it raises :class:`DatabaseUnreachable`."""

from __future__ import annotations

import functools
import inspect
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna

from ..paths import STORAGE_ENV, cache_dir, setting

# A worker's heartbeat is written every HEARTBEAT_INTERVAL seconds while a trial runs; a
# RUNNING trial whose last heartbeat is older than GRACE_PERIOD is failed and queued again
# (at most MAX_RETRY times, so a trial that kills its worker every time is given up).
HEARTBEAT_INTERVAL = 30
GRACE_PERIOD = 120
MAX_RETRY = 2

# A call that loses the database is tried again after 0.5, 1, 2, 4, 8, 8, ... seconds until the
# database has been unreachable for RIDE_OUT seconds (keep GRACE_PERIOD above RIDE_OUT +
# HEARTBEAT_INTERVAL, or another worker fails a trial that is riding out an outage).
RIDE_OUT = 60.0
FIRST_DELAY, MAX_DELAY = 0.5, 8.0
CONNECT_TIMEOUT = 10  # seconds to wait for a PostgreSQL server's answer to a new connection

_log = logging.getLogger(__name__)


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


class DatabaseUnreachable(ConnectionError):
    """The study's database stayed unreachable for the whole ride-out; its trials are kept there."""


def unreachable_in(err: BaseException) -> DatabaseUnreachable | None:
    """The :class:`DatabaseUnreachable` that ``err`` is, or was raised while handling; else None.

    (Optuna, failing to record a trial's end, replaces the error with one of its own.)
    """
    seen: set[int] = set()
    stack: list[BaseException | None] = [err]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        if isinstance(current, DatabaseUnreachable):
            return current
        seen.add(id(current))
        stack += [current.__cause__, current.__context__]
    return None


def _lost_connection(err: BaseException) -> bool:
    """Whether ``err`` is a lost or refused connection (or a deadlock, a lock timeout: SQLAlchemy's
    ``OperationalError``; or the ``PendingRollbackError`` of a session whose connection the server
    dropped mid-transaction), raised as it is or inside Optuna's ``StorageInternalError``."""
    from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError

    if isinstance(err, optuna.exceptions.StorageInternalError):
        err = err.__cause__
    return isinstance(err, OperationalError | PendingRollbackError) or (
        isinstance(err, DBAPIError) and err.connection_invalidated)


def _reason(err: BaseException) -> str:
    """The driver's message behind ``err``, on one line."""
    if isinstance(err, optuna.exceptions.StorageInternalError) and err.__cause__ is not None:
        err = err.__cause__
    return " ".join(str(getattr(err, "orig", None) or err).split()) or type(err).__name__


class RideOutStorage(optuna.storages.RDBStorage):
    """An Optuna ``RDBStorage`` whose calls ride out an outage of the database.

    A call that fails on a lost connection is tried again after :data:`FIRST_DELAY` seconds,
    then twice as long each time (at most :data:`MAX_DELAY`), until the database has been
    unreachable for ``ride_out`` seconds (counted across the process's threads); then it raises
    :class:`DatabaseUnreachable`, and so does every later call that fails, at once, until one
    succeeds.  Only the outermost call retries (the storage's methods call one another), a
    heartbeat is skipped rather than retried (the next comes ``heartbeat_interval`` later), and
    opening the storage is not retried: a database down at the start is an error at once.
    """

    def __init__(self, url: str, *, ride_out: float = RIDE_OUT, **options: Any) -> None:
        if ride_out < 0:
            raise ValueError(f"ride_out={ride_out}; expected seconds >= 0")
        self.ride_out = ride_out
        self._armed = False  # not while opening
        self._down_since: float | None = None
        self._gave_up = False
        self._outage_lock = threading.Lock()
        self._outage_local = threading.local()
        super().__init__(url, **options)
        self._armed = True

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        del state["_outage_lock"], state["_outage_local"]
        return state

    def __setstate__(self, state: dict[Any, Any]) -> None:
        self._outage_lock, self._outage_local = threading.Lock(), threading.local()
        super().__setstate__(state)

    def record_heartbeat(self, trial_id: int) -> None:
        """Record the trial's heartbeat; skipped while the database is unreachable."""
        try:
            super().record_heartbeat(trial_id)
        except Exception as err:
            if not _lost_connection(err):
                raise
            _log.debug("heartbeat of trial %d skipped: %s", trial_id, _reason(err))

    def _ride(self, call: Callable[[], Any]) -> Any:
        """``call()``, tried again while the database is unreachable (outermost calls only)."""
        local = self._outage_local
        if not self._armed or getattr(local, "inside", False):
            return call()
        local.inside = True
        try:
            return self._retry(call)
        finally:
            local.inside = False

    def _retry(self, call: Callable[[], Any]) -> Any:
        delay = FIRST_DELAY
        while True:
            started = time.monotonic()
            try:
                result = call()
            except Exception as err:
                if not _lost_connection(err):
                    raise
                time.sleep(min(delay, self._seconds_left(started, err)))
                delay = min(2 * delay, MAX_DELAY)
            else:
                if self._down_since is not None:
                    self._back()
                return result

    def _seconds_left(self, started: float, err: Exception) -> float:
        """Seconds of the ride-out left after a failed call; raises once none are."""
        with self._outage_lock:
            if self._down_since is None:
                self._down_since = started
                _log.warning("database %r unreachable (%s); retrying for up to %g s",
                             masked(self.url), _reason(err), self.ride_out)
            left = self.ride_out - (time.monotonic() - self._down_since)
            if self._gave_up or left <= 0:
                self._gave_up = True
                raise DatabaseUnreachable(
                    f"database {masked(self.url)!r} unreachable for {self.ride_out:g} s ({_reason(err)}); "
                    "the study's trials are kept there: start the worker again once it is back"
                ) from err
            return left

    def _back(self) -> None:
        with self._outage_lock:
            if self._down_since is not None:
                _log.warning("database %r reachable again after %.1f s",
                             masked(self.url), time.monotonic() - self._down_since)
            self._down_since, self._gave_up = None, False


def _riding(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` of a :class:`RideOutStorage`, riding out outages."""

    @functools.wraps(method)
    def call(self: RideOutStorage, *args: Any, **kwargs: Any) -> Any:
        return self._ride(functools.partial(method, self, *args, **kwargs))

    return call


# Every method of RDBStorage rides out outages (Optuna's cache calls some private ones), but those
# RideOutStorage defines itself.
for _name, _method in vars(optuna.storages.RDBStorage).items():
    if inspect.isfunction(_method) and not _name.startswith("__") and _name not in vars(RideOutStorage):
        setattr(RideOutStorage, _name, _riding(_method))
del _name, _method


def _connect_args(url: str) -> dict[str, Any]:
    """The driver's connection settings: SQLite waits 60 s for a lock, PostgreSQL
    :data:`CONNECT_TIMEOUT` seconds for a server's answer."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 60}}
    if url.startswith("postgresql"):
        return {"connect_args": {"connect_timeout": CONNECT_TIMEOUT}}
    return {}


def rdb_storage(
    url: str,
    *,
    heartbeat_interval: int = HEARTBEAT_INTERVAL,
    grace_period: int = GRACE_PERIOD,
    max_retry: int = MAX_RETRY,
    ride_out: float = RIDE_OUT,
) -> RideOutStorage:
    """An Optuna ``RDBStorage`` with heartbeats: a trial whose worker died is failed and retried.

    A RUNNING trial whose heartbeat (written every ``heartbeat_interval`` seconds) is more than
    ``grace_period`` seconds old is marked FAIL the next time a worker asks for a trial, and a
    copy with its parameters is queued (``RetryHeartbeatStaleTrialCallback``, Optuna 5's name
    for the deprecated ``RetryFailedTrialCallback``), at most ``max_retry`` times.  Once open,
    the storage rides out ``ride_out`` seconds of an unreachable database
    (:class:`RideOutStorage`); its pooled connections are checked before use (a restarted
    server's are replaced).
    """
    from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError

    where = "the storage argument, --storage or $" + STORAGE_ENV
    _check_url(url, where)
    engine_kwargs = {"pool_pre_ping": True, **_connect_args(url)}
    for attempt in range(4):
        try:
            with warnings.catch_warnings():  # heartbeats and their retry callback are "experimental"
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return RideOutStorage(
                    url,
                    ride_out=ride_out,
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
                    f"cannot open the Optuna storage {masked(url)!r} ({where}): {_reason(err)}; "
                    "expected a database that Optuna can open or create its tables in"
                ) from None
            time.sleep(0.25 * (attempt + 1))
    raise AssertionError("not reached")
