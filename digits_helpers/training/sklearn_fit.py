"""Fit a scikit-learn estimator and measure it (uncached: :func:`digits_helpers.training.fit`
goes through the cache)."""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.neural_network import MLPClassifier

from .results import FitResult, Split


def describe_params(estimator: Any) -> dict[str, Any]:
    """The estimator's non-default parameters (the last step's, for a pipeline)."""
    last = _final_step(estimator)
    defaults = type(last)().get_params()
    return {k: v for k, v in last.get_params().items() if not callable(v) and defaults.get(k) != v}


def _format_warning(w: warnings.WarningMessage) -> str:
    return f"{w.category.__name__}: {str(w.message).strip().splitlines()[0]}"


def _final_step(estimator: Any) -> Any:
    return estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator


def _trains_by_epoch(estimator: Any, split: Split) -> bool:
    """Whether to train epoch by epoch (``partial_fit``), tracking validation accuracy."""
    return split.has_validation and isinstance(_final_step(estimator), MLPClassifier) and (
        _final_step(estimator).solver in ("sgd", "adam")
    )


def _fit_by_epoch(estimator: Any, split: Split) -> tuple[float, dict[str, list[float]]]:
    """Train ``max_iter`` epochs with ``partial_fit``, scoring the validation rows after each.

    The fit seconds count the preprocessing of the fit rows and the epochs, not the
    validation scoring.  Unlike ``fit``, no tolerance stops training early: the whole
    curve is recorded, and the number of epochs is chosen from it afterwards.
    """
    final = _final_step(estimator)
    head = estimator[:-1] if hasattr(estimator, "steps") else None
    start = time.perf_counter()
    X_fit = head.fit_transform(split.X_fit, split.y_fit) if head is not None else split.X_fit
    seconds = time.perf_counter() - start
    X_val = head.transform(split.X_val) if head is not None else split.X_val
    classes = np.unique(split.y_fit)
    curves: dict[str, list[float]] = {"val_accuracy": [], "seconds": []}
    for _ in range(final.max_iter):
        start = time.perf_counter()
        final.partial_fit(X_fit, split.y_fit, classes=classes)
        seconds += time.perf_counter() - start
        curves["val_accuracy"].append(float((final.predict(X_val) == split.y_val).mean()))
        curves["seconds"].append(seconds)
    return seconds, curves


def fit_sklearn(
    estimator: Any,
    split: Split,
    model: str,
    predict: dict[str, np.ndarray] | None = None,
) -> FitResult:
    """Fit a scikit-learn estimator (uncached) and measure it.

    Networks trained by stochastic gradient (``MLPClassifier``) are trained epoch by
    epoch when there are validation rows, so their validation accuracy per epoch is
    recorded.  Warnings raised by the fit (e.g. ``ConvergenceWarning``) are recorded in
    the result, not hidden.
    """
    estimator = clone(estimator)
    curves: dict[str, list[float]] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if _trains_by_epoch(estimator, split):
            seconds, curves = _fit_by_epoch(estimator, split)
        else:
            start = time.perf_counter()
            estimator.fit(split.X_fit, split.y_fit)
            seconds = time.perf_counter() - start
    final = _final_step(estimator)
    if getattr(final, "loss_curve_", None) is not None:
        curves["loss"] = [float(v) for v in final.loss_curve_]
    n_iter = getattr(final, "n_iter_", None)
    if "val_accuracy" in curves:  # trained by partial_fit, which counts one epoch per call
        n_iter = len(curves["val_accuracy"])
    elif n_iter is not None:
        n_iter = int(np.max(n_iter))
    val_proba = estimator.predict_proba(split.X_val).astype(np.float32) if split.has_validation else None
    return FitResult(
        model=model,
        params=describe_params(estimator),
        train_accuracy=float(estimator.score(split.X_fit, split.y_fit)),
        val_accuracy=float((val_proba.argmax(1) == split.y_val).mean()) if val_proba is not None else None,
        fit_seconds=seconds,
        n_train=len(split.X_fit),
        n_val=len(split.X_val) if split.has_validation else 0,
        n_iter=n_iter,
        curves=curves,
        warnings=sorted({_format_warning(w) for w in caught if not issubclass(w.category, DeprecationWarning)}),
        predictions={k: estimator.predict_proba(v).astype(np.float32) for k, v in (predict or {}).items()},
        val_proba=val_proba,
    )
