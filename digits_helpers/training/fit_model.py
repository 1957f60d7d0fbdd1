"""Fit one model through the cache: :func:`fit` takes a scikit-learn estimator or a
:class:`~digits_helpers.models.keras_recipe.KerasRecipe` and returns a
:class:`~digits_helpers.training.results.FitResult`."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..models.keras_recipe import KerasRecipe
from ..profiles import Profile, get_profile
from .cache import load_cached, predict_key, through_cache
from .keras_fit import fit_keras
from .results import FitResult, Split
from .runtime import resolve_precision, runs_on
from .sklearn_fit import fit_sklearn


def fit(
    estimator: Any,
    split: Split,
    model: str,
    predict: dict[str, np.ndarray] | None = None,
    profile: Profile | None = None,
    use_cache: bool = True,
) -> FitResult:
    """Fit through the cache: return the stored result for this exact fit, or fit and store it.

    ``estimator`` is a scikit-learn estimator or a :class:`KerasRecipe` (then this is
    :func:`~digits_helpers.training.keras_fit.fit_keras`).  ``predict`` names extra sets
    (``{"test": X_test}``) whose class probabilities land in the result's ``predictions``.
    """
    if isinstance(estimator, KerasRecipe):
        return fit_keras(estimator, split, model, predict, profile, use_cache)
    profile = profile or get_profile()
    predict = predict or {}
    return through_cache(estimator, split, model, predict, profile, use_cache,
                         lambda: fit_sklearn(estimator, split, model, predict))


def cached_fit(estimator: Any, split: Split, model: str, predict: dict[str, np.ndarray] | None = None,
               profile: Profile | None = None, threads: int | None = None) -> FitResult | None:
    """What :func:`fit` would read from the cache for these arguments (a Keras recipe's
    ``"auto"`` precision resolved, as :func:`fit` does, and the fit run on ``threads`` CPU
    threads, default this process's), or ``None``; trains nothing."""
    where = None
    if isinstance(estimator, KerasRecipe):
        estimator, where = resolve_precision(estimator), runs_on(threads)
    return load_cached(model, predict_key(estimator, split, profile or get_profile(), predict or {}, where))
