"""Studies that resume and that several workers share: TPE seeded per trial, median pruning,
and :func:`run_study`, which stops at exactly ``n_trials`` finished trials.

How the count stays exact: ``optuna.study.MaxTrialsCallback`` alone checks the count only after
a trial ends, so several workers overshoot.  Here a worker stops asking once the finished and
running trials reach ``n_trials`` (``MaxTrialsCallback`` counting RUNNING too) and waits while
others' trials are in flight; and as two workers can still ask at the same instant, each new
trial first counts the trials ahead of it (finished, or waiting or running with a smaller
number): if ``n_trials`` are there it is not run but ends FAIL with no parameters and the user
attribute ``surplus``.  Every trial records ``worker_pid`` and ``worker_host``.  A trial whose
worker died, or whose database connection was lost, stays RUNNING until its heartbeat is stale;
then it is failed and queued again with its parameters (system attribute ``failed_trial``).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import numpy as np
import optuna
from optuna.samplers import BaseSampler, TPESampler
from optuna.storages import BaseStorage, RDBStorage
from optuna.trial import FrozenTrial, TrialState

from ..profiles import get_profile
from .storage import lost_connection, rdb_storage, storage_url

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
Objective = Callable[[optuna.Trial], float]


class SeededTPESampler(BaseSampler):
    """TPE whose randomness for each trial comes from ``(seed, trial number)``.

    One seed gives one sequence of parameters when trials run one after another, as a seeded
    ``TPESampler`` does; unlike it, workers sharing a study with the same seed draw different
    parameters (each trial number is drawn by one worker), where a ``TPESampler(seed=...)`` in
    each would repeat the same random start-up trials.  ``tpe_options`` go to ``TPESampler``.
    """

    def __init__(self, seed: int, **tpe_options: Any) -> None:
        self.seed, self.tpe_options = seed, tpe_options
        self.current: tuple[int, TPESampler] | None = None  # (trial number, its sampler)

    def tpe(self, trial: FrozenTrial) -> TPESampler:
        if self.current is None or self.current[0] != trial.number:
            seed = int(np.random.SeedSequence([self.seed, trial.number]).generate_state(1)[0])
            self.current = trial.number, TPESampler(seed=seed, **self.tpe_options)
        return self.current[1]

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial) -> dict[str, Any]:
        return self.tpe(trial).infer_relative_search_space(study, trial)

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial, space: dict[str, Any]) -> dict[str, Any]:
        return self.tpe(trial).sample_relative(study, trial, space)

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, name: str, distribution: Any) -> Any:
        return self.tpe(trial).sample_independent(study, trial, name, distribution)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self.tpe(trial).before_trial(study, trial)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        self.tpe(trial).after_trial(study, trial, state, values)


def default_pruner() -> optuna.pruners.MedianPruner:
    """Prune a trial below the median of earlier trials at its step; not before 5 trials have
    finished (the median of fewer is noise) nor at epochs 0 and 1 (early accuracy ranks poorly)."""
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)


def open_study(name: str, storage: str | BaseStorage | None = None, seed: int | None = None,
               direction: str = "maximize", pruner: optuna.pruners.BasePruner | None = None) -> optuna.Study:
    """Create the study ``name``, or reopen it with its trials.

    ``storage`` is a database URL (default :func:`~.storage.storage_url`), opened by
    :func:`~.storage.rdb_storage`, or an Optuna storage used as it is.  The sampler is
    :class:`SeededTPESampler` with ``seed`` (default: the profile's), the pruner ``pruner`` or
    :func:`default_pruner`: neither is stored, every process on the study passes the same.
    """
    store = storage if isinstance(storage, BaseStorage) else rdb_storage(storage or storage_url())
    seed = get_profile().seed if seed is None else seed
    study = optuna.create_study(storage=store, sampler=SeededTPESampler(seed), pruner=pruner or default_pruner(),
                                study_name=name, direction=direction, load_if_exists=True)
    if study.direction.name.lower() != direction.lower():
        raise ValueError(f"study {name!r} exists with direction {study.direction.name.lower()!r}, not {direction!r}")
    return study


class _Surplus(Exception):
    """A trial asked for once ``n_trials`` were already finished or in flight (a race)."""


@contextmanager
def _heartbeat(storage: RDBStorage, trial: optuna.Trial) -> Iterator[None]:
    """Record ``trial``'s heartbeat at ``storage``'s interval, skipping those a lost connection
    prevents.  Optuna's own heartbeat thread ends at its first failed write: without this, a trial
    that outlives a database outage would be failed as stale by another worker while it runs."""
    study_id = storage.get_study_id_from_name(trial.study.study_name)
    trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
    stop, interval = threading.Event(), storage.get_heartbeat_interval()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                storage.record_heartbeat(trial_id)
            except Exception as err:
                if not lost_connection(err):
                    raise

    thread = threading.Thread(target=beat, name=f"heartbeat of trial {trial.number}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _admitted(objective: Objective, n_trials: int, storage: RDBStorage | None) -> Objective:
    """``objective``, run only while fewer than ``n_trials`` trials are ahead of the trial (no
    more than ``n_trials`` can then finish: of any ``n_trials + 1``, the last-created would have
    counted the others ahead), its heartbeat kept through outages when ``storage`` is given."""

    def run(trial: optuna.Trial) -> float:
        trial.set_user_attr("worker_pid", os.getpid())
        trial.set_user_attr("worker_host", socket.gethostname())
        ahead = sum(t.state in FINISHED or (t.state in (TrialState.RUNNING, TrialState.WAITING)
                                            and t.number < trial.number)
                    for t in trial.study.get_trials(deepcopy=False))
        if ahead >= n_trials:
            trial.set_user_attr("surplus", True)
            trial.study.stop()
            raise _Surplus(f"not run: {ahead} trials of {n_trials} were already finished or running")
        with _heartbeat(storage, trial) if storage else nullcontext():
            return objective(trial)

    return run


def run_study(study: optuna.Study, objective: Objective, n_trials: int, storage: RDBStorage | None = None,
              poll_seconds: float = 1.0) -> optuna.Study:
    """Run ``objective`` until ``study`` holds ``n_trials`` finished (COMPLETE/PRUNED) trials.

    Trials already in the study count, so a call after an interruption runs only the rest, and
    calls from several processes share the work.  ``storage``, the study's storage as
    :func:`~.storage.rdb_storage` opened it (heartbeats on), makes the call wait, polling every
    ``poll_seconds``, while the remaining trials run elsewhere (a dead worker's are failed once
    stale and run again here), and keeps each trial's heartbeat through an outage; without it,
    the call returns at once then, with a warning.  Errors of ``objective`` (other than
    ``optuna.TrialPruned``) and of the database are raised.
    """
    if n_trials < 1:
        raise ValueError(f"n_trials={n_trials}; expected a positive number of trials")
    if storage is not None and storage.get_heartbeat_interval() is None:
        storage = None  # no heartbeats: nothing to keep, nor to wait on
    admitted = _admitted(objective, n_trials, storage)
    stop = optuna.study.MaxTrialsCallback(n_trials, states=(*FINISHED, TrialState.RUNNING))
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)  # nothing to do without heartbeats
        trials = study.get_trials(deepcopy=False)
        finished = sum(t.state in FINISHED for t in trials)
        running = [t.number for t in trials if t.state == TrialState.RUNNING]
        if finished >= n_trials:
            return study
        if finished + len(running) < n_trials:
            study.optimize(admitted, callbacks=[stop], catch=(_Surplus,))
        elif storage is not None:
            time.sleep(poll_seconds)
        else:
            warnings.warn(f"study {study.study_name!r}: {finished} of {n_trials} trials finished and trials "
                          f"{running} RUNNING; without the study's heartbeats (storage=), not waiting", stacklevel=2)
            return study
