"""One-hyperparameter-at-a-time tuning on the validation split.

A :class:`Tuner` holds the current parameters of a model.  Each :meth:`Tuner.sweep`
fits the model once per value of one parameter (in parallel, through the fit cache),
returns a tidy table, picks the value with the best validation accuracy, and keeps it for
the next sweep.  The model is a scikit-learn estimator or a Keras network: a ``make`` that
returns a :class:`~digits_helpers.models.keras_recipe.KerasRecipe` (e.g. ``KerasRecipe.from_flat``)
tunes a network the same way: one fit at a time on all cores, or, with
``keras_side_by_side``, several at a time on a CPU, sharing its cores by the rule of
:mod:`.cores` (more fits per hour; each fit's seconds are then those of a share of the machine).
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, parallel_config

from ..models.keras_recipe import KerasRecipe
from ..paths import CACHE_ENV, QUIET_ENV, cache_dir
from ..profiles import Profile, get_profile
from ..progress import progress_bar
from .cores import available_cores, plan
from .fit_model import cached_fit, fit
from .keras_fit import fit_keras
from .results import FitResult, Split
from .runtime import gpu_available, limit_cpu_threads


def run_fits(
    jobs: Sequence[tuple[Any, Split, str]],
    profile: Profile,
    n_jobs: int | None = None,
    desc: str = "fits",
    keras_side_by_side: bool = False,
    predict: dict[str, np.ndarray] | None = None,
) -> list[FitResult]:
    """Fit ``(estimator, split, model)`` jobs, cached ones read back, the rest in parallel.

    ``predict`` (e.g. ``{"test": X_test}``) names sets whose class probabilities every fit
    returns in its ``predictions``, as in :func:`~digits_helpers.training.fit`.

    ``n_jobs`` caps the fits at a time (default: the cores this process may use,
    :func:`~digits_helpers.training.cores.available_cores`).  scikit-learn fits run in worker
    processes of one BLAS thread each, so they share the cores without oversubscription;
    each worker writes its result to the cache as soon as it ends.

    Keras jobs (an estimator that is a :class:`~digits_helpers.models.keras_recipe.KerasRecipe`) run one
    at a time in this process by default, on all its cores (or the GPU).  With
    ``keras_side_by_side`` on a machine without a GPU, the group shares the cores by
    :func:`~digits_helpers.training.cores.plan` for the *whole job list*: ``min(k, cores)``
    worker processes of ``cores // that`` TensorFlow threads each — every uncached fit, even a
    lone one, so that a fit's thread count (part of its key) never depends on which of its
    neighbours were cached.  On two cores two one-thread fits finish about 1.5x sooner than
    the same fits one after the other, each taking about 1.4x as long as alone: compare such
    fits' seconds with each other only.
    """
    cores = available_cores() if n_jobs is None else max(1, min(n_jobs, available_cores()))
    keras_all = [i for i, job in enumerate(jobs) if isinstance(job[0], KerasRecipe)]
    shared = plan(len(keras_all), cores, gpu=bool(keras_all) and gpu_available())
    side_by_side = keras_side_by_side and shared.at_once > 1
    threads = shared.threads if side_by_side else None
    predict = predict or {}
    results: list[FitResult | None] = [None] * len(jobs)
    todo = []
    for i, (estimator, split, model) in enumerate(jobs):
        hit = cached_fit(estimator, split, model, predict, profile, threads=threads)
        if hit is None:
            todo.append(i)
        else:
            results[i] = hit
    bar = progress_bar(len(jobs), desc)
    bar.update(len(jobs) - len(todo))
    keras_jobs = [i for i in todo if isinstance(jobs[i][0], KerasRecipe)]
    todo = [i for i in todo if i not in keras_jobs]
    if side_by_side:
        todo, keras_jobs = todo + keras_jobs, []
    for i in keras_jobs:
        recipe, split, model = jobs[i]
        results[i] = fit_keras(recipe, split, model, predict, profile=profile)
        bar.update()
    if (len(todo) == 1 and not side_by_side) or cores == 1:
        for i in todo:
            estimator, split, model = jobs[i]
            results[i] = fit(estimator, split, model, predict, profile=profile)
            bar.update()
    elif todo:
        inner = threads or 1  # a new pool of workers when the threads per fit change
        with parallel_config(backend="loky", inner_max_num_threads=inner), warnings.catch_warnings():
            # loky replaces a worker whose memory grew (TensorFlow's does) and says so: harmless
            warnings.filterwarnings("ignore", message="A worker stopped while some jobs", category=UserWarning)
            # at least two: with one, joblib would run a lone job in this process, and a Keras
            # job would leave this process on one TensorFlow thread for good
            at_once = shared.at_once if side_by_side else cores
            parallel = Parallel(n_jobs=max(2, min(at_once, len(todo))), return_as="generator_unordered")
            calls = (delayed(_fit_indexed)(i, *jobs[i], profile, str(cache_dir()), predict, inner)
                     for i in todo)
            for i, result in parallel(calls):
                results[i] = result
                bar.update()
    bar.close()
    return results  # type: ignore[return-value]


def _fit_indexed(i: int, estimator: Any, split: Split, model: str, profile: Profile, cache: str,
                 predict: dict[str, np.ndarray], threads: int = 1) -> tuple[int, FitResult]:
    os.environ[CACHE_ENV] = cache  # a reused worker may have started under another cache
    if isinstance(estimator, KerasRecipe):  # in a worker: its share of TensorFlow threads, no bars
        os.environ[QUIET_ENV] = "1"
        # nor TensorFlow's retracing warnings, which the worker forwards to the page
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        limit_cpu_threads(threads)
    return i, fit(estimator, split, model, predict, profile=profile)


def as_python(value: Any) -> Any:
    """A numpy scalar (as a table cell returns it) as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value


def standard_error(accuracy: float, n: int) -> float:
    """Standard error of an accuracy measured on ``n`` rows: ``sqrt(p (1 - p) / n)``."""
    return math.sqrt(accuracy * (1 - accuracy) / max(n, 1))


def best_index(results: Sequence[FitResult], within: float | str = 0.0, prefer: str = "first",
               eligible: Sequence[bool] | None = None) -> int:
    """The index of the chosen fit, by validation accuracy only (never by time, which varies).

    Candidates are the fits whose validation accuracy is within ``within`` of the best
    (``"se"``: one standard error of the best accuracy, the *one-standard-error rule*);
    among them the ``"first"`` or ``"last"`` in grid order is chosen.  With ``within=0``
    that is the most accurate fit, ties going to the first.  ``eligible`` (one flag per
    fit) leaves the flagged-off fits out of the choice, the best included.
    """
    eligible = [True] * len(results) if eligible is None else list(eligible)
    if len(eligible) != len(results) or not any(eligible):
        raise ValueError(f"eligible must flag {len(results)} fits with at least one True, got {eligible}")
    accuracies = [r.val_accuracy if ok else -np.inf for r, ok in zip(results, eligible, strict=True)]
    top = max(accuracies)
    if within == "se":
        within = standard_error(top, results[accuracies.index(top)].n_val)
    candidates = [i for i, a in enumerate(accuracies) if a >= top - float(within) - 1e-12]
    if prefer not in ("first", "last"):
        raise ValueError(f"prefer={prefer!r}; expected 'first' or 'last'")
    return candidates[0] if prefer == "first" else candidates[-1]


@dataclass(frozen=True)
class Confirmation:
    """A sweep's choice tried again at another budget (:meth:`Tuner.confirm`).

    Attributes:
        step: the sweep.
        table: one row each for the chosen value and the runner-up: ``value``, ``role``,
            ``val_accuracy`` at the sweep's budget and ``confirmed_val_accuracy``,
            ``confirmed_fit_seconds`` at the confirming one.
        held: whether the sweep's own rule (its margin and preference) picks the same value
            of the two at the confirming budget.
        fits: the confirming fits, the chosen value's first.
    """

    step: str
    table: pd.DataFrame
    held: bool
    fits: list[FitResult]

    @property
    def chosen(self) -> Any:
        return self.table["value"].iloc[0]

    @property
    def runner_up(self) -> Any:
        return self.table["value"].iloc[1]

    @property
    def winner(self) -> Any:
        """The value the confirming budget picks: the chosen one if the ranking held."""
        return self.chosen if self.held else self.runner_up


class Tuner:
    """Tune ``make(**params)`` one parameter at a time on ``split``.

    Args:
        make: builds an unfitted estimator, or a :class:`~digits_helpers.models.keras_recipe.KerasRecipe`,
            from keyword parameters.
        params: the starting parameters.
        split: fit and validation rows.
        model: the model family's name (cache folder, table column).
        profile: the run profile (grids are cut to it); default ``$DIGITS_PROFILE``.
        n_jobs: at most this many fits side by side (default: the machine's cores; scikit-learn,
            and Keras fits too with ``keras_side_by_side``).
        keras_side_by_side: run a sweep's Keras fits as :func:`run_fits` does with that flag.
    """

    def __init__(
        self,
        make: Callable[..., Any],
        params: dict[str, Any],
        split: Split,
        model: str,
        profile: Profile | None = None,
        n_jobs: int | None = None,
        keras_side_by_side: bool = False,
    ) -> None:
        self.make = make
        self.params = dict(params)
        self.split = split
        self.model = model
        self.profile = profile or get_profile()
        self.n_jobs = n_jobs
        self.keras_side_by_side = keras_side_by_side
        self.fits: dict[str, list[FitResult]] = {}
        self.tables: dict[str, pd.DataFrame] = {}
        self.rules: dict[str, tuple[dict[str, Any], float | str, str]] = {}
        self.confirmations: dict[str, Confirmation] = {}

    def fit(self, **overrides: Any) -> FitResult:
        """One fit with the current parameters (and any overrides)."""
        estimator = self.make(**{**self.params, **overrides})
        return run_fits([(estimator, self.split, self.model)], self.profile, n_jobs=1)[0]

    def sweep(
        self,
        name: str,
        values: Sequence[Any],
        fixed: dict[str, Any] | None = None,
        step: str | None = None,
        keep_best: bool = True,
        within: float | str = 0.0,
        prefer: str = "first",
        eligible: Callable[[dict[str, Any]], bool] | None = None,
    ) -> pd.DataFrame:
        """Fit once per value of ``name`` (grid cut to the profile), with ``fixed`` set too.

        Returns one row per value: the value, train and validation accuracy, fit seconds,
        iterations, warnings, whether it came from the cache, and whether it was chosen.
        The chosen value is the most accurate on validation or, with ``within`` (a margin,
        or ``"se"`` for one standard error), the ``prefer``-most value in grid order within
        that margin of the most accurate: order the grid from the simplest or cheapest
        model to choose it when the difference is noise.  With ``keep_best`` the chosen
        value (and ``fixed``) becomes part of the parameters.
        """
        step = step or name
        values = [as_python(v) for v in self.profile.grid(values)]
        base = {**self.params, **(fixed or {})}
        jobs = [(self.make(**{**base, name: v}), self.split, self.model) for v in values]
        flags = [True if eligible is None else bool(eligible({**base, name: v})) for v in values]
        results = run_fits(jobs, self.profile, self.n_jobs, desc=f"{self.model}: {step}",
                           keras_side_by_side=self.keras_side_by_side)
        best = best_index(results, within, prefer, flags)
        table = pd.DataFrame(
            [{"step": step, "param": name, "value": v, **r.summary()} for v, r in zip(values, results, strict=True)]
        )
        if eligible is not None:
            table["eligible"] = flags
        table["chosen"] = [i == best for i in range(len(values))]
        if keep_best:
            self.params = {**base, name: values[best]}
        self.fits[step] = results
        self.tables[step] = table
        self.rules[step] = (base, within, prefer)
        return table

    def runner_up(self, step: str) -> int | None:
        """The row of sweep ``step``'s runner-up: the most accurate other value the sweep could
        choose (ties: the first in grid order), or ``None`` when there is no such value."""
        if step not in self.rules:
            raise ValueError(f"no sweep named {step!r}; the sweeps are {sorted(self.rules)}")
        table = self.tables[step]
        chosen = int(np.flatnonzero(table["chosen"])[0])
        allowed = table["eligible"] if "eligible" in table else pd.Series(True, index=table.index)
        others = [i for i in range(len(table)) if i != chosen and bool(allowed.iloc[i])]
        if not others:
            return None
        return max(others, key=lambda i: (table["val_accuracy"].iloc[i], -i))

    def confirm(self, step: str, changes: dict[str, Any], split: Split | None = None,
                adopt: bool = False) -> Confirmation:
        """Train the chosen value of sweep ``step`` and its runner-up again, with the sweep's
        other parameters and ``changes`` (a longer training, say), on ``split`` (default the
        tuner's), and say whether the sweep's rule still picks the same of the two.

        The runner-up is :meth:`runner_up`.  The rule is the sweep's own ``within`` and
        ``prefer`` applied to the two confirming fits, in grid order.  The parameters are not
        changed unless ``adopt``: then, where the ranking did not hold, the runner-up becomes
        the parameter's value (the longer budget decides).
        """
        runner = self.runner_up(step)  # also says when there is no such sweep
        base, within, prefer = self.rules[step]
        table = self.tables[step]
        if runner is None:
            raise ValueError(f"sweep {step!r} has no runner-up: no other value it could choose to confirm it against")
        chosen = int(np.flatnonzero(table["chosen"])[0])
        name = table["param"].iloc[0]
        pair = [chosen, runner]
        values = [as_python(table["value"].iloc[i]) for i in pair]
        jobs = [(self.make(**{**base, name: v, **changes}), split or self.split, self.model) for v in values]
        results = run_fits(jobs, self.profile, self.n_jobs, desc=f"{self.model}: {step}, confirmed",
                           keras_side_by_side=self.keras_side_by_side)
        in_grid_order = sorted(range(2), key=lambda k: pair[k])
        picked = in_grid_order[best_index([results[k] for k in in_grid_order], within, prefer)]
        out = pd.DataFrame({
            "value": values, "role": ["chosen", "runner-up"],
            "val_accuracy": [table["val_accuracy"].iloc[i] for i in pair],
            "confirmed_val_accuracy": [r.val_accuracy for r in results],
            "confirmed_fit_seconds": [r.fit_seconds for r in results],
        })
        confirmation = Confirmation(step, out, picked == 0, results)
        self.confirmations[step] = confirmation
        if adopt and not confirmation.held:
            self.params[name] = confirmation.winner
        return confirmation

    def compare(self, configs: dict[str, dict[str, Any]], step: str,
                split: Split | None = None) -> pd.DataFrame:
        """Fit the current parameters with each labelled set of overrides, on ``split``
        (default the tuner's); change nothing.

        Returns one row per configuration (``value`` is its label), for evidence tables.
        """
        labels = list(configs)
        jobs = [(self.make(**{**self.params, **configs[k]}), split or self.split, self.model) for k in labels]
        results = run_fits(jobs, self.profile, self.n_jobs, desc=f"{self.model}: {step}",
                           keras_side_by_side=self.keras_side_by_side)
        table = pd.DataFrame(
            [{"step": step, "param": "configuration", "value": k, **r.summary()}
             for k, r in zip(labels, results, strict=True)]
        )
        table["chosen"] = False
        self.fits[step] = results
        self.tables[step] = table
        return table

    def best(self, step: str) -> Any:
        """The value chosen at ``step``."""
        table = self.tables[step]
        return as_python(table.loc[table["chosen"], "value"].iloc[0])

    def history(self) -> pd.DataFrame:
        """Every sweep so far, one table."""
        return pd.concat(self.tables.values(), ignore_index=True)
