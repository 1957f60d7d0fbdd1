"""Fit one model and return a :class:`FitResult`; every fit is cached on disk.

A fit's cache key covers everything its result depends on: the estimator and all its
parameters, the fingerprint of the data, the profile and seed, the versions of the
libraries, and a hash of the training code itself.  A rebuild therefore retrains
nothing, an interrupted sweep keeps every fit it finished (each is written atomically as
it ends), and a change to the training code never serves a stale result.  A result read
back from the cache keeps the seconds of the fit that produced it.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import time
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.neural_network import MLPClassifier

from .config import Profile, get_profile
from .data import fingerprint

CACHE_ENV = "DIGITS_CACHE_DIR"


@dataclass(frozen=True, eq=False)
class Split:
    """Rows to fit on and (optionally) rows to validate on, already preprocessed."""

    X_fit: np.ndarray
    y_fit: np.ndarray
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None

    @cached_property
    def fingerprint(self) -> str:
        arrays = [a for a in (self.X_fit, self.y_fit, self.X_val, self.y_val) if a is not None]
        return fingerprint(*arrays)

    @property
    def has_validation(self) -> bool:
        return self.X_val is not None


@dataclass
class FitResult:
    """What one fit produced: accuracies, curves, time, and predictions for named sets.

    ``curves`` maps a name (``"loss"``, ``"val_accuracy"``, ...) to one value per
    iteration or epoch; ``predictions`` maps the name of an extra input set (``"test"``)
    to its predicted class probabilities.  ``fit_seconds`` is the wall time of the fit
    itself, measured when it ran, also when the result comes from the cache.
    """

    model: str
    params: dict[str, Any]
    train_accuracy: float
    val_accuracy: float | None
    fit_seconds: float
    n_train: int
    n_val: int
    n_iter: int | None = None
    curves: dict[str, list[float]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    predictions: dict[str, np.ndarray] = field(default_factory=dict)
    val_proba: np.ndarray | None = None
    key: str = ""
    from_cache: bool = False

    def summary(self) -> dict[str, Any]:
        """The scalar fields, for a table row."""
        return {
            "train_accuracy": self.train_accuracy,
            "val_accuracy": self.val_accuracy,
            "fit_seconds": self.fit_seconds,
            "n_iter": self.n_iter,
            "warnings": "; ".join(self.warnings),
            "from_cache": self.from_cache,
        }


# --------------------------------------------------------------------------- cache
def cache_dir() -> Path:
    """``$DIGITS_CACHE_DIR``, else ``.cache/`` at the repository root."""
    override = os.environ.get(CACHE_ENV, "").strip()
    return Path(override) if override else Path(__file__).resolve().parents[1] / ".cache"


def code_version() -> str:
    """Hash of the training code and library versions: a change invalidates cached fits."""
    from . import features

    h = hashlib.sha256()
    for module in (inspect.getmodule(code_version), features):
        h.update(inspect.getsource(module).encode())
    h.update(f"sklearn {sklearn.__version__} numpy {np.__version__}".encode())
    return h.hexdigest()[:12]


def fit_key(estimator: Any, split: Split, profile: Profile, extra: dict | None = None) -> str:
    """The cache key of fitting ``estimator`` on ``split`` under ``profile``."""
    parts = {
        "estimator": joblib.hash(estimator),
        "data": split.fingerprint,
        "profile": profile.name,
        "seed": profile.seed,
        "code": code_version(),
        "extra": joblib.hash(extra or {}),
    }
    return joblib.hash(parts)[:20]


def _cache_path(model: str, key: str) -> Path:
    return cache_dir() / "fits" / model / f"{key}.joblib"


def load_cached(model: str, key: str) -> FitResult | None:
    path = _cache_path(model, key)
    if not path.is_file():
        return None
    try:
        result = joblib.load(path)
    except Exception:  # a damaged entry is refitted, never trusted
        return None
    return replace(result, from_cache=True)


def store(result: FitResult) -> None:
    """Write a result atomically (a killed process leaves no half-written entry)."""
    path = _cache_path(result.model, result.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    joblib.dump(result, tmp, compress=3)
    tmp.replace(path)


# --------------------------------------------------------------------------- scikit-learn
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


def fit(
    estimator: Any,
    split: Split,
    model: str,
    predict: dict[str, np.ndarray] | None = None,
    profile: Profile | None = None,
    use_cache: bool = True,
) -> FitResult:
    """Fit through the cache: return the stored result for this exact fit, or fit and store it."""
    profile = profile or get_profile()
    predict = predict or {}
    key = fit_key(estimator, split, profile, {k: fingerprint(v) for k, v in predict.items()})
    if use_cache and (hit := load_cached(model, key)) is not None:
        return hit
    result = fit_sklearn(estimator, split, model, predict)
    result.key = key
    if use_cache:
        store(result)
    return result
