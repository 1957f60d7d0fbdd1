"""One-hyperparameter-at-a-time tuning on the validation split.

A :class:`Tuner` holds the current parameters of a model.  Each :meth:`Tuner.sweep`
fits the model once per value of one parameter (in parallel, through the fit cache),
returns a tidy table, picks the value with the best validation accuracy, and keeps it for
the next sweep.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from joblib import Parallel, delayed, parallel_config

from . import fitting
from .config import Profile, get_profile
from .fitting import FitResult, Split

QUIET_ENV = "DIGITS_NO_PROGRESS"


def progress_enabled() -> bool:
    """Progress bars show when a person runs a notebook, not in builds or tests."""
    return os.environ.get(QUIET_ENV, "") in ("", "0")


def _progress(total: int, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=not progress_enabled(), leave=False)


def run_fits(
    jobs: Sequence[tuple[Any, Split, str]],
    profile: Profile,
    n_jobs: int = 2,
    desc: str = "fits",
) -> list[FitResult]:
    """Fit ``(estimator, split, model)`` jobs, cached ones read back, the rest in parallel.

    Workers run one BLAS thread each, so two fits share the two cores without
    oversubscription; each worker writes its result to the cache as soon as it ends.
    """
    results: list[FitResult | None] = [None] * len(jobs)
    todo = []
    for i, (estimator, split, model) in enumerate(jobs):
        key = fitting.fit_key(estimator, split, profile, {})
        hit = fitting.load_cached(model, key)
        if hit is None:
            todo.append(i)
        else:
            results[i] = hit
    bar = _progress(len(jobs), desc)
    bar.update(len(jobs) - len(todo))
    if len(todo) == 1 or n_jobs == 1:
        for i in todo:
            estimator, split, model = jobs[i]
            results[i] = fitting.fit(estimator, split, model, profile=profile)
            bar.update()
    elif todo:
        with parallel_config(backend="loky", inner_max_num_threads=1):
            parallel = Parallel(n_jobs=min(n_jobs, len(todo)), return_as="generator_unordered")
            calls = (delayed(_fit_indexed)(i, *jobs[i], profile) for i in todo)
            for i, result in parallel(calls):
                results[i] = result
                bar.update()
    bar.close()
    return results  # type: ignore[return-value]


def _fit_indexed(i: int, estimator: Any, split: Split, model: str, profile: Profile) -> tuple[int, FitResult]:
    return i, fitting.fit(estimator, split, model, profile=profile)


def best_index(results: Sequence[FitResult], within: float = 0.0) -> int:
    """The fastest fit whose validation accuracy is within ``within`` of the best one.

    With ``within=0`` that is the most accurate fit, ties going to the faster.
    """
    top = max(r.val_accuracy for r in results)
    candidates = [i for i, r in enumerate(results) if r.val_accuracy >= top - within - 1e-9]
    return min(candidates, key=lambda i: results[i].fit_seconds)


class Tuner:
    """Tune ``make(**params)`` one parameter at a time on ``split``.

    Args:
        make: builds an unfitted estimator from keyword parameters.
        params: the starting parameters.
        split: fit and validation rows.
        model: the model family's name (cache folder, table column).
        profile: the run profile (grids are cut to it); default ``$DIGITS_PROFILE``.
        n_jobs: fits run side by side.
    """

    def __init__(
        self,
        make: Callable[..., Any],
        params: dict[str, Any],
        split: Split,
        model: str,
        profile: Profile | None = None,
        n_jobs: int = 2,
    ) -> None:
        self.make = make
        self.params = dict(params)
        self.split = split
        self.model = model
        self.profile = profile or get_profile()
        self.n_jobs = n_jobs
        self.fits: dict[str, list[FitResult]] = {}
        self.tables: dict[str, pd.DataFrame] = {}

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
        within: float = 0.0,
    ) -> pd.DataFrame:
        """Fit once per value of ``name`` (grid cut to the profile), with ``fixed`` set too.

        Returns one row per value: the value, train and validation accuracy, fit seconds,
        iterations, warnings, whether it came from the cache, and whether it was chosen.
        The chosen value is the most accurate on validation or, with ``within`` > 0, the
        fastest one within that much accuracy of the most accurate.  With ``keep_best`` the
        chosen value (and ``fixed``) becomes part of the parameters.
        """
        step = step or name
        values = self.profile.grid(values)
        base = {**self.params, **(fixed or {})}
        jobs = [(self.make(**{**base, name: v}), self.split, self.model) for v in values]
        results = run_fits(jobs, self.profile, self.n_jobs, desc=f"{self.model}: {step}")
        best = best_index(results, within)
        table = pd.DataFrame(
            [{"step": step, "param": name, "value": v, **r.summary()} for v, r in zip(values, results, strict=True)]
        )
        table["chosen"] = [i == best for i in range(len(values))]
        if keep_best:
            self.params = {**base, name: values[best]}
        self.fits[step] = results
        self.tables[step] = table
        return table

    def compare(self, configs: dict[str, dict[str, Any]], step: str) -> pd.DataFrame:
        """Fit the current parameters with each labelled set of overrides; change nothing.

        Returns one row per configuration (``value`` is its label), for evidence tables.
        """
        labels = list(configs)
        jobs = [(self.make(**{**self.params, **configs[k]}), self.split, self.model) for k in labels]
        results = run_fits(jobs, self.profile, self.n_jobs, desc=f"{self.model}: {step}")
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
        return table.loc[table["chosen"], "value"].iloc[0]

    def history(self) -> pd.DataFrame:
        """Every sweep so far, one table."""
        return pd.concat(self.tables.values(), ignore_index=True)
