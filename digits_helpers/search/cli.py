"""Search workers from the command line: several processes (or machines) on one study.

From a shell on each machine (the study records its objective; every worker must use the
same settings)::

    export DIGITS_OPTUNA_STORAGE=postgresql://user:password@host/optuna
    python -m digits_helpers.search worker --study deep-full-0 --trials 24 \\
        --objective digits_helpers.search.deep_cnn:objective

``--storage URL`` overrides the variable; without either the workers share the SQLite file,
which suits a few processes on one machine.  ``--objective`` names an objective registered
with :func:`register_objective` or an importable ``module:function``.  A worker rides out a
database outage of up to ``--ride-out`` seconds (default 60); past it, it exits with status 2
and one ``error:`` line, its trial in flight left to be run again by the next worker.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import optuna
from optuna.trial import TrialState

from ..paths import STORAGE_ENV
from .storage import GRACE_PERIOD, HEARTBEAT_INTERVAL, lost_connection, masked, rdb_storage, reason, storage_url
from .studies import FINISHED, Objective, open_study, run_study

# A worker rides out RIDE_OUT seconds of an unreachable database, trying again after FIRST_DELAY
# seconds, then twice as long each time, at most MAX_DELAY (keep GRACE_PERIOD above RIDE_OUT plus
# the heartbeat interval, or another worker fails a trial that is riding out the outage).
RIDE_OUT = 60.0
FIRST_DELAY, MAX_DELAY = 0.5, 8.0
_log = logging.getLogger(__name__)


class DatabaseUnreachable(ConnectionError):
    """The study's database stayed unreachable for the whole ride-out; its trials are kept there."""


# Objectives by name: a function, or where to import it from ("module:function").
OBJECTIVES: dict[str, Objective | str] = {"deep_cnn": "digits_helpers.search.deep_cnn:objective"}


def register_objective(name: str) -> Callable[[Objective], Objective]:
    """Decorator: make an objective available to ``worker --objective name``."""

    def add(objective: Objective) -> Objective:
        OBJECTIVES[name] = objective
        return objective

    return add


def find_objective(name: str) -> Objective:
    """The objective registered as ``name``, or the function ``module:function``."""
    target = OBJECTIVES.get(name, name)
    if callable(target):
        return target
    if ":" in target:
        module, _, attribute = target.partition(":")
        try:
            return getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as err:
            raise ValueError(f"objective {name!r} cannot be imported: {err}") from None
    raise ValueError(f"objective {name!r} is not registered; expected one of {sorted(OBJECTIVES)} or module:function")


def worker(study_name: str, n_trials: int, storage: str | None = None, objective: str | None = None,
           seed: int | None = None, heartbeat_interval: int = HEARTBEAT_INTERVAL, grace_period: int = GRACE_PERIOD,
           ride_out: float = RIDE_OUT) -> dict[str, Any]:
    """Work on a study until it holds ``n_trials`` finished trials; return a summary.

    ``objective`` is a registered name or ``module:function`` (:func:`find_objective`).  The
    study records it when created; a worker asking for another objective is refused, and one
    that names none works on the recorded one.  A database lost after the start is waited for
    (:data:`FIRST_DELAY`, twice as long each time, at most :data:`MAX_DELAY`) and the study
    reopened, until it has been unreachable for ``ride_out`` seconds (:class:`DatabaseUnreachable`).
    The trial the outage cut short stays RUNNING until its heartbeat is stale, and is then failed
    and run again with its parameters (``RetryHeartbeatStaleTrialCallback``).  Workers sharing a
    study may use one seed: :class:`~.studies.SeededTPESampler` seeds each trial by its number.
    """
    if ride_out < 0:
        raise ValueError(f"ride_out={ride_out:g}; expected seconds >= 0")
    function = find_objective(objective) if objective else None  # refused before any study is made
    url = storage or storage_url()

    def connect() -> tuple[optuna.storages.RDBStorage, optuna.Study]:
        store = rdb_storage(url, heartbeat_interval=heartbeat_interval, grace_period=grace_period)
        return store, open_study(study_name, store, seed=seed)

    store, study = connect()  # a database that cannot be opened now is an error at once
    down_since, delay = None, FIRST_DELAY
    while True:
        try:
            if down_since is not None:
                store, study = connect()
                _log.warning("database %r reachable again after %.1f s", masked(url), time.monotonic() - down_since)
                # A trial the outage cut before its first heartbeat would never be stale, so stay
                # RUNNING for good: give every RUNNING trial one now (the live ones write theirs anyway).
                study_id = store.get_study_id_from_name(study_name)
                for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
                    store.record_heartbeat(store.get_trial_id_from_study_id_trial_number(study_id, trial.number))
                down_since, delay = None, FIRST_DELAY
            recorded = study.user_attrs.get("objective")
            name = objective or recorded
            if name is None:
                raise ValueError(f"study {study_name!r} records no objective yet; expected --objective NAME"
                                 f" (one of {sorted(OBJECTIVES)} or module:function)")
            if recorded is not None and recorded != name:
                raise ValueError(f"study {study_name!r} optimises objective {recorded!r}, not {name!r}")
            function = function or find_objective(name)
            if recorded is None:
                study.set_user_attr("objective", name)
            run_study(study, function, n_trials, store)
            return _summary(study, name)
        except Exception as err:
            if not lost_connection(err):
                raise
            if down_since is None:
                down_since = time.monotonic()
                _log.warning("database %r unreachable (%s); retrying for up to %g s",
                             masked(url), reason(err), ride_out)
            left = ride_out - (time.monotonic() - down_since)
            if left <= 0:
                raise DatabaseUnreachable(
                    f"database {masked(url)!r} unreachable for {ride_out:g} s ({reason(err)}); the study's "
                    "trials are kept there: start the worker again once it is back") from None
            time.sleep(min(delay, left))
            delay = min(2 * delay, MAX_DELAY)


def _summary(study: optuna.Study, objective: str) -> dict[str, Any]:
    """The worker's JSON line: finished and pruned trials, those run here, the best so far."""
    trials = study.get_trials(deepcopy=False, states=FINISHED)
    summary: dict[str, Any] = {"study": study.study_name, "objective": objective, "finished": len(trials),
                               "pruned": sum(t.state == TrialState.PRUNED for t in trials),
                               "ran_here": sum(t.user_attrs.get("worker_pid") == os.getpid() for t in trials)}
    if any(t.state == TrialState.COMPLETE for t in trials):
        summary.update(best_value=study.best_value, best_params=study.best_params)
    return summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m digits_helpers.search", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    work = commands.add_parser("worker", help="work on a study until it holds N finished trials")
    work.add_argument("--study", required=True, help="study name")
    work.add_argument("--trials", type=int, required=True, help="finished trials the study should hold")
    work.add_argument("--storage", help=f"database URL (default ${STORAGE_ENV}, else the cache's SQLite file)")
    work.add_argument("--objective", help=f"one of {sorted(OBJECTIVES)} or module:function (default: the study's)")
    work.add_argument("--seed", type=int, help="sampler seed (default: the profile's)")
    work.add_argument("--heartbeat-interval", type=int, default=HEARTBEAT_INTERVAL, metavar="S",
                      help="seconds between heartbeats")
    work.add_argument("--grace-period", type=int, default=GRACE_PERIOD, metavar="S",
                      help="heartbeat age that fails a trial (keep it above --ride-out plus the heartbeat interval)")
    work.add_argument("--ride-out", type=float, default=RIDE_OUT, metavar="S",
                      help="seconds an unreachable database is waited for before the worker gives up")
    args = parser.parse_args(argv)
    try:
        summary = worker(args.study, args.trials, args.storage, args.objective, args.seed,
                         heartbeat_interval=args.heartbeat_interval, grace_period=args.grace_period,
                         ride_out=args.ride_out)
    except (ValueError, ImportError, OSError) as err:  # OSError: DatabaseUnreachable too
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
