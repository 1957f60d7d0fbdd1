"""Bayesian search with Optuna: studies stored in a database, resumable and shared by workers.

A *study* lives in an SQL database, so a search survives a killed kernel and several
processes (or machines) can work on one study at a time:

- :func:`storage_url` -- where studies live: ``$DIGITS_OPTUNA_STORAGE`` (e.g.
  ``postgresql://user:password@host/db`` for several machines), else the SQLite file
  ``.cache/optuna/studies.db`` (under ``$DIGITS_CACHE_DIR`` when set).  A database that
  exists is opened, never replaced.
- :func:`open_study` -- create or reopen a study: TPE sampler seeded from the profile's seed,
  median pruner, and a heartbeat, so that a trial left RUNNING by a killed worker is marked
  FAIL and queued again (same parameters) once its heartbeat is ``grace_period`` seconds old.
- :func:`run_study` -- run until the study holds exactly ``n_trials`` finished (COMPLETE or
  PRUNED) trials, counting those already there: call it again after an interruption, or
  from several processes at once.
- :func:`pruning_callback` -- a Keras callback reporting each epoch's validation accuracy to
  a trial and stopping the fit when the pruner says so.

Several workers on one study, from a shell on each machine (the study records its objective;
every worker must use the same settings)::

    export DIGITS_OPTUNA_STORAGE=postgresql://user:password@host/optuna
    python -m digits_helpers.search worker --study cnn-search --trials 60 --objective NAME

``--storage URL`` overrides the variable; without either the workers share the SQLite file,
which suits a few processes on one machine.  ``--objective`` names an objective in
:data:`OBJECTIVES` (:func:`register_objective`) or an importable ``module:function``;
``quadratic``, a cheap two-parameter function reporting five steps, is there for tests and
demonstrations.

How the count stays exact: ``optuna.study.MaxTrialsCallback`` alone checks the count only
after a trial ends, so with Optuna 5.0 four workers asked for 10 trials finished 13, and a
restart of a finished study ran one more.  Here a worker checks before it starts (and
returns at once when the study is complete), stops asking once the finished and running
trials reach ``n_trials`` (``MaxTrialsCallback`` counting RUNNING too), and waits while
others' trials are in flight.  Two workers can still ask at the same instant, so each new
trial first counts the trials ahead of it (finished, or waiting or running with a smaller
number); if ``n_trials`` are already there it is not run: it ends FAIL with no parameters
and the user attribute ``surplus``.  Every trial records ``worker_pid`` and ``worker_host``.
A finished trial is never lost or repeated; a trial whose worker was killed is failed and
queued again with its parameters (system attribute ``failed_trial``); a trial whose
objective raised (or was interrupted with Ctrl-C) stays FAIL and a new trial replaces it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import socket
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.samplers import BaseSampler, TPESampler
from optuna.trial import FrozenTrial, TrialState

from .config import get_profile

STORAGE_ENV = "DIGITS_OPTUNA_STORAGE"
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)

# A worker's heartbeat is written every HEARTBEAT_INTERVAL seconds while a trial runs; a
# RUNNING trial whose last heartbeat is older than GRACE_PERIOD is failed and queued again
# (at most MAX_RETRY times, so a trial that kills its worker every time is given up).
HEARTBEAT_INTERVAL = 30
GRACE_PERIOD = 120
MAX_RETRY = 2

# Median pruning: no trial is pruned before 5 trials have finished (the median of fewer is
# noise) nor at its first two epochs (steps 0 and 1: early accuracy ranks models poorly).
PRUNER_STARTUP_TRIALS = 5
PRUNER_WARMUP_STEPS = 2

Objective = Callable[[optuna.Trial], float]
_log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- storage
def storage_url(path: str | Path | None = None) -> str:
    """The database URL of the studies.

    ``path`` names an SQLite file; without it ``$DIGITS_OPTUNA_STORAGE`` is used when set,
    else ``studies.db`` in the ``optuna`` folder of the cache (``.cache/`` at the repository
    root, or ``$DIGITS_CACHE_DIR``).  The SQLite file's folder is created; the file itself is
    created by the first study and never replaced.
    """
    if path is None:
        override = os.environ.get(STORAGE_ENV, "").strip()
        if override:
            _check_url(override, f"${STORAGE_ENV}")
            return override
        from .fitting import cache_dir

        path = cache_dir() / "optuna" / "studies.db"
    path = Path(path).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _masked(url: str) -> str:
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
        raise ValueError(f"storage URL {_masked(url)!r} is not a database URL; {_expected(where)}") from None


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
            raise ValueError(f"storage URL {_masked(url)!r} is not usable ({err}); {_expected(where)}") from None
        except ImportError:
            raise ImportError(
                f"the database driver of the storage {_masked(url)!r} is not installed "
                "(PostgreSQL needs `pip install psycopg2-binary`)"
            ) from None
        except DatabaseError as err:
            # Workers that open a new database together race to create its tables: retry that.
            racing = isinstance(err, IntegrityError) or re.search("already exists|locked", str(err))
            if attempt == 3 or not racing:
                raise ValueError(
                    f"cannot open the Optuna storage {_masked(url)!r} ({where}): {err.orig or err}; "
                    "expected a database that Optuna can open or create its tables in"
                ) from None
            time.sleep(0.25 * (attempt + 1))
    raise AssertionError("not reached")


# --------------------------------------------------------------------------- studies
class SeededTPESampler(BaseSampler):
    """TPE whose randomness for each trial comes from ``(seed, trial number)``.

    One seed gives one sequence of parameters when trials run one after another, as a
    seeded ``TPESampler`` does; unlike it, workers sharing a study draw different parameters
    (each trial number is drawn by one worker only), where a ``TPESampler(seed=...)`` in each
    process would repeat the same random start-up trials in all of them.  ``tpe_options`` go
    to ``optuna.samplers.TPESampler`` (Optuna 5: multivariate TPE and the constant liar by
    default).  One study optimised in one thread per process (``n_jobs=1``).
    """

    def __init__(self, seed: int, **tpe_options: Any) -> None:
        self.seed = seed
        self.tpe_options = tpe_options
        self._number: int | None = None
        self._tpe: TPESampler | None = None

    def _tpe_for(self, trial: FrozenTrial) -> TPESampler:
        if self._tpe is None or trial.number != self._number:
            seed = int(np.random.SeedSequence([self.seed, trial.number]).generate_state(1)[0])
            self._tpe, self._number = TPESampler(seed=seed, **self.tpe_options), trial.number
        return self._tpe

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, Any]:
        return self._tpe_for(trial).infer_relative_search_space(study, trial)

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, Any]) -> dict[str, Any]:
        return self._tpe_for(trial).sample_relative(study, trial, search_space)

    def sample_independent(
        self, study: optuna.Study, trial: FrozenTrial, param_name: str, param_distribution: Any
    ) -> Any:
        return self._tpe_for(trial).sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._tpe_for(trial).before_trial(study, trial)

    def after_trial(
        self, study: optuna.Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None
    ) -> None:
        self._tpe_for(trial).after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        """Nothing to do: every trial is seeded from the seed and its number."""


def default_pruner() -> optuna.pruners.MedianPruner:
    """Prune a trial whose step value is below the median of earlier trials at that step.

    Not before :data:`PRUNER_STARTUP_TRIALS` trials have finished, nor at steps below
    :data:`PRUNER_WARMUP_STEPS` (epochs 0 and 1).
    """
    return optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP_TRIALS, n_warmup_steps=PRUNER_WARMUP_STEPS)


def open_study(
    name: str,
    storage: str | optuna.storages.BaseStorage | None = None,
    seed: int | None = None,
    direction: str = "maximize",
    pruner: optuna.pruners.BasePruner | None = None,
    *,
    heartbeat_interval: int = HEARTBEAT_INTERVAL,
    grace_period: int = GRACE_PERIOD,
) -> optuna.Study:
    """Create the study ``name``, or reopen it with its trials (``load_if_exists``).

    ``storage`` is a database URL (default :func:`storage_url`), opened with heartbeats
    (:func:`rdb_storage`), or an Optuna storage used as it is.  The sampler is
    :class:`SeededTPESampler` with ``seed`` (default: the profile's seed); the pruner is
    ``pruner`` or :func:`default_pruner`.  Sampler and pruner are not stored in the database:
    every process that works on the study passes its own, the same ones.
    """
    if isinstance(storage, optuna.storages.BaseStorage):
        store = storage
    else:
        store = rdb_storage(
            storage or storage_url(), heartbeat_interval=heartbeat_interval, grace_period=grace_period
        )
    seed = get_profile().seed if seed is None else seed
    study = optuna.create_study(
        storage=store,
        sampler=SeededTPESampler(seed),
        pruner=pruner or default_pruner(),
        study_name=name,
        direction=direction,
        load_if_exists=True,
    )
    if study.direction.name.lower() != direction.lower():
        raise ValueError(
            f"study {name!r} exists with direction {study.direction.name.lower()!r}, not {direction!r}"
        )
    return study


class _Surplus(Exception):
    """A trial asked for once ``n_trials`` were already finished or in flight (a race)."""


def _admitted(objective: Objective, n_trials: int) -> Objective:
    """``objective``, run only while fewer than ``n_trials`` trials are ahead of the trial.

    Ahead: finished, or waiting or running with a smaller number.  Trial numbers follow the
    order of creation, so of any ``n_trials + 1`` trials that finish the last-created would
    have counted the others ahead: no more than ``n_trials`` ever finish.
    """

    def run(trial: optuna.Trial) -> float:
        trial.set_user_attr("worker_pid", os.getpid())
        trial.set_user_attr("worker_host", socket.gethostname())
        ahead = sum(
            t.state in FINISHED or (t.state in (TrialState.RUNNING, TrialState.WAITING) and t.number < trial.number)
            for t in trial.study.get_trials(deepcopy=False)
        )
        if ahead >= n_trials:
            trial.set_user_attr("surplus", True)
            trial.study.stop()
            raise _Surplus(f"not run: {ahead} trials of {n_trials} were already finished or running")
        return objective(trial)

    return run


def _fail_stale_trials(study: optuna.Study) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def run_study(study: optuna.Study, objective: Objective, n_trials: int, poll_seconds: float = 1.0) -> optuna.Study:
    """Run ``objective`` until ``study`` holds ``n_trials`` finished (COMPLETE/PRUNED) trials.

    Trials already in the study count, so a call after an interruption runs only the rest,
    and calls from several processes on one storage share the work.  While the remaining
    trials are running elsewhere the call waits (polling every ``poll_seconds``) for them to
    finish, or, with heartbeats, for a dead worker's trial to be failed and run again here.
    Without heartbeats (e.g. an in-memory storage) it returns instead, with a warning.
    Errors raised by ``objective`` (other than ``optuna.TrialPruned``) stop the call.
    """
    if n_trials < 1:
        raise ValueError(f"n_trials={n_trials}; expected a positive number of trials")
    # Counting RUNNING trials too, a worker stops asking when the rest are in flight elsewhere
    # (with COMPLETE and PRUNED only, it would ask for a trial that _admitted then refuses).
    stop = optuna.study.MaxTrialsCallback(n_trials, states=(*FINISHED, TrialState.RUNNING))
    # Optuna has no public way to ask a study whether its storage keeps heartbeats.
    heartbeat = optuna.storages._heartbeat.is_heartbeat_enabled(study._storage)
    objective = _admitted(objective, n_trials)
    while True:
        if heartbeat:
            _fail_stale_trials(study)
        trials = study.get_trials(deepcopy=False)
        finished = sum(t.state in FINISHED for t in trials)
        running = [t.number for t in trials if t.state == TrialState.RUNNING]
        if finished >= n_trials:
            return study
        if finished + len(running) < n_trials:
            study.optimize(objective, callbacks=[stop], catch=(_Surplus,))
        elif heartbeat:
            _log.info("%d of %d trials finished; waiting for trials %s", finished, n_trials, running)
            time.sleep(poll_seconds)
        else:
            warnings.warn(
                f"study {study.study_name!r}: {finished} of {n_trials} trials finished and trials "
                f"{running} still RUNNING; without heartbeats they cannot be checked, so not waiting",
                stacklevel=2,
            )
            return study


# --------------------------------------------------------------------------- Keras
def pruning_callback(trial: optuna.Trial, monitor: str = "val_accuracy") -> Any:
    """A ``keras.callbacks.Callback`` reporting ``monitor`` to ``trial`` at each epoch's end.

    The step is the epoch (from 0).  When the study's pruner then prunes the trial, the
    callback raises ``optuna.TrialPruned``, which ends the fit and marks the trial PRUNED.
    A ``monitor`` missing from the epoch's logs is an error (a typo would never prune).
    """
    from .fitting import import_tensorflow

    _, keras = import_tensorflow()

    class OptunaPruning(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            logs = logs or {}
            if monitor not in logs:
                raise ValueError(f"pruning_callback: {monitor!r} is not in the epoch's logs {sorted(logs)}")
            value = float(logs[monitor])
            trial.report(value, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned at epoch {epoch}: {monitor}={value:.4f}")

    return OptunaPruning()


# --------------------------------------------------------------------------- objectives
OBJECTIVES: dict[str, Objective] = {}


def register_objective(name: str) -> Callable[[Objective], Objective]:
    """Decorator: make an objective available to ``worker --objective name``."""

    def add(objective: Objective) -> Objective:
        OBJECTIVES[name] = objective
        return objective

    return add


@register_objective("quadratic")
def quadratic(trial: optuna.Trial, n_steps: int = 5, step_seconds: float = 0.02) -> float:
    """``-((x - 1)^2 + (y + 2)^2)``, best 0, reported over ``n_steps`` steps that approach it.

    Sleeps ``step_seconds`` per step, like a (very) short epoch; prunable at every step.
    """
    x = trial.suggest_float("x", -5.0, 5.0)
    y = trial.suggest_float("y", -5.0, 5.0)
    final = -((x - 1.0) ** 2 + (y + 2.0) ** 2)
    value = final
    for step in range(n_steps):
        time.sleep(step_seconds)
        value = final - (n_steps - 1 - step) / n_steps
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned(f"pruned at step {step}")
    return value


def find_objective(name: str) -> Objective:
    """The objective registered as ``name``, or the function ``module:function``."""
    if ":" in name:
        import importlib

        module, _, attribute = name.partition(":")
        try:
            return getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError) as err:
            raise ValueError(f"objective {name!r} cannot be imported: {err}") from None
    if name not in OBJECTIVES:
        raise ValueError(f"objective {name!r} is not registered; expected one of {sorted(OBJECTIVES)} or module:func")
    return OBJECTIVES[name]


# --------------------------------------------------------------------------- command line
def worker(
    study_name: str,
    n_trials: int,
    storage: str | None = None,
    objective: str | None = None,
    seed: int | None = None,
    heartbeat_interval: int = HEARTBEAT_INTERVAL,
    grace_period: int = GRACE_PERIOD,
) -> dict[str, Any]:
    """Work on a study until it holds ``n_trials`` finished trials; return a summary.

    ``objective`` is a registered name or ``module:function`` (:func:`find_objective`).  The
    study records it when created (default ``quadratic``); a worker asking for another
    objective is refused.
    """
    study = open_study(
        study_name, storage, seed=seed, heartbeat_interval=heartbeat_interval, grace_period=grace_period
    )
    recorded = study.user_attrs.get("objective")
    name = objective or recorded or "quadratic"
    if recorded is not None and recorded != name:
        raise ValueError(f"study {study_name!r} optimises objective {recorded!r}, not {name!r}")
    function = find_objective(name)
    if recorded is None:
        study.set_user_attr("objective", name)
    run_study(study, function, n_trials)
    trials = study.get_trials(deepcopy=False, states=FINISHED)
    summary: dict[str, Any] = {
        "study": study_name,
        "objective": name,
        "finished": len(trials),
        "pruned": sum(t.state == TrialState.PRUNED for t in trials),
        "ran_here": sum(t.user_attrs.get("worker_pid") == os.getpid() for t in trials),
    }
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
    work.add_argument(
        "--objective", help=f"one of {sorted(OBJECTIVES)} or module:function (default: the study's, else quadratic)"
    )
    work.add_argument("--seed", type=int, help="sampler seed (default: the profile's)")
    work.add_argument(
        "--heartbeat-interval", type=int, default=HEARTBEAT_INTERVAL, metavar="S", help="seconds between heartbeats"
    )
    work.add_argument(
        "--grace-period", type=int, default=GRACE_PERIOD, metavar="S", help="heartbeat age that fails a trial"
    )
    args = parser.parse_args(argv)
    try:
        summary = worker(
            args.study, args.trials, args.storage, args.objective, args.seed,
            heartbeat_interval=args.heartbeat_interval, grace_period=args.grace_period,
        )
    except ValueError as err:
        sys.exit(f"error: {err}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
