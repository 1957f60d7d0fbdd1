"""Studies that resume and that several workers share: a seeded TPE sampler, median
pruning, and :func:`run_study`, which stops at exactly ``n_trials`` finished trials.

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
A trial cut short by a database outage longer than the storage rides out stays RUNNING (the
worker stops with :class:`~.storage.DatabaseUnreachable`) and is failed and run again like a
killed worker's.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.samplers import BaseSampler, TPESampler
from optuna.trial import FrozenTrial, TrialState

from ..profiles import get_profile
from .storage import (
    GRACE_PERIOD,
    HEARTBEAT_INTERVAL,
    RIDE_OUT,
    DatabaseUnreachable,
    rdb_storage,
    storage_url,
    unreachable_in,
)

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)

# Median pruning: no trial is pruned before 5 trials have finished (the median of fewer is
# noise) nor at its first two epochs (steps 0 and 1: early accuracy ranks models poorly).
PRUNER_STARTUP_TRIALS = 5
PRUNER_WARMUP_STEPS = 2

Objective = Callable[[optuna.Trial], float]
_log = logging.getLogger(__name__)


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
    ride_out: float = RIDE_OUT,
) -> optuna.Study:
    """Create the study ``name``, or reopen it with its trials (``load_if_exists``).

    ``storage`` is a database URL (default :func:`storage_url`), opened with heartbeats and
    riding out ``ride_out`` seconds of an outage (:func:`rdb_storage`), or an Optuna storage
    used as it is.  The sampler is :class:`SeededTPESampler` with ``seed`` (default: the
    profile's seed); the pruner is ``pruner`` or :func:`default_pruner`.  Sampler and pruner
    are not stored in the database: every process that works on the study passes its own, the
    same ones.
    """
    if isinstance(storage, optuna.storages.BaseStorage):
        store = storage
    else:
        store = rdb_storage(
            storage or storage_url(), heartbeat_interval=heartbeat_interval, grace_period=grace_period,
            ride_out=ride_out,
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
    Errors raised by ``objective`` (other than ``optuna.TrialPruned``) stop the call.  A
    database unreachable for longer than the storage rides out raises
    :class:`~.storage.DatabaseUnreachable` (whatever Optuna made of it); the trial it cut
    short stays RUNNING until its heartbeat is stale, and is then run again.
    """
    if n_trials < 1:
        raise ValueError(f"n_trials={n_trials}; expected a positive number of trials")
    try:
        return _run(study, _admitted(objective, n_trials), n_trials, poll_seconds)
    except Exception as err:
        unreachable = unreachable_in(err)
        if unreachable is None or unreachable is err:
            raise
        raise DatabaseUnreachable(*unreachable.args) from None


def _run(study: optuna.Study, objective: Objective, n_trials: int, poll_seconds: float) -> optuna.Study:
    """:func:`run_study`'s loop, with the admitted ``objective``."""
    # Counting RUNNING trials too, a worker stops asking when the rest are in flight elsewhere
    # (with COMPLETE and PRUNED only, it would ask for a trial that _admitted then refuses).
    stop = optuna.study.MaxTrialsCallback(n_trials, states=(*FINISHED, TrialState.RUNNING))
    # Optuna has no public way to ask a study whether its storage keeps heartbeats.
    heartbeat = optuna.storages._heartbeat.is_heartbeat_enabled(study._storage)
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
                stacklevel=3,
            )
            return study
