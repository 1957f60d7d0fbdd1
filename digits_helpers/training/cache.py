"""The fit cache: every fit is stored on disk under a key made of all its result depends on.

A key covers the estimator (or Keras recipe) with all its parameters, the fingerprint of the
data, the profile and seed, the versions of the libraries, and the *behaviour* of the code
that trains it (:func:`digits_helpers.fingerprints.code_identity`: the modules' syntax trees
without docstrings or comments).  So a rebuild retrains nothing, an edit to a docstring or a
comment retrains nothing, a change to a training statement never serves a stale result, and
an interrupted sweep keeps every fit it finished (each is written atomically as it ends).
A result read back from the cache keeps the seconds of the fit that produced it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from ..fingerprints import code_identity, fingerprint, library_versions
from ..models.keras_recipe import KerasRecipe
from ..paths import FIT_LOG_ENV, atomic_write, cache_dir, setting
from ..profiles import Profile
from .results import FitResult, Split

# The modules whose code decides what a fit computes (dotted, relative to the package).  The
# estimator itself is hashed with its parameters; these are the code it runs by reference.
SKLEARN_CODE = ("training.sklearn_fit", "training.results", "data.features")
KERAS_CODE = ("training.keras_fit", "training.runtime", "training.results", "data.features",
              "models.keras_recipe", "models.networks", "models.augmentation", "models.schedules")
SKLEARN_LIBRARIES = ("scikit-learn", "numpy")
KERAS_LIBRARIES = ("tensorflow", "keras", "numpy")


def training_code(estimator: Any) -> str:
    """The identity of the code and libraries that train ``estimator`` (a scikit-learn
    estimator or a :class:`KerasRecipe`)."""
    if isinstance(estimator, KerasRecipe):
        return code_identity(*KERAS_CODE) + "; " + library_versions(*KERAS_LIBRARIES)
    return code_identity(*SKLEARN_CODE) + "; " + library_versions(*SKLEARN_LIBRARIES)


def fit_key(estimator: Any, split: Split, profile: Profile, extra: dict | None = None) -> str:
    """The cache key of fitting ``estimator`` (or a :class:`KerasRecipe`) on ``split`` under ``profile``."""
    parts = {
        "estimator": joblib.hash(estimator),
        "data": split.fingerprint,
        "profile": profile.name,
        "seed": profile.seed,
        "code": training_code(estimator),
        "extra": joblib.hash(extra or {}),
    }
    return joblib.hash(parts)[:20]


def predict_key(estimator: Any, split: Split, profile: Profile, predict: dict[str, np.ndarray],
                runs_on: str | None = None) -> str:
    """:func:`fit_key` of a fit that also predicts the sets in ``predict``; ``runs_on``
    (a Keras fit's device and thread count, :func:`~digits_helpers.training.runtime.runs_on`)
    is part of the key where it changes the numbers."""
    extra: dict[str, Any] = {k: fingerprint(v) for k, v in predict.items()}
    if runs_on is not None:
        extra["runs on"] = runs_on
    return fit_key(estimator, split, profile, extra)


def entry_path(model: str, key: str) -> Path:
    """Where the fit ``key`` of the family ``model`` is stored."""
    return cache_dir() / "fits" / model / f"{key}.joblib"


def load_cached(model: str, key: str) -> FitResult | None:
    """The stored result of ``key``, or ``None`` when there is none or it is damaged."""
    path = entry_path(model, key)
    if not path.is_file():
        return None
    try:
        result = joblib.load(path)
    except Exception:  # a damaged entry is refitted, never trusted
        return None
    if not isinstance(result, FitResult):  # another kind of object under this name: refit too
        return None
    return replace(result, from_cache=True)


def store(result: FitResult) -> None:
    """Write a result atomically (a killed process leaves no half-written entry)."""
    atomic_write(entry_path(result.model, result.key), lambda tmp: joblib.dump(result, tmp, compress=3))


def through_cache(estimator: Any, split: Split, model: str, predict: dict[str, np.ndarray], profile: Profile,
                  use_cache: bool, train: Callable[[], FitResult], runs_on: str | None = None) -> FitResult:
    """The stored result of this exact fit, or ``train()``'s, stored under its key."""
    key = predict_key(estimator, split, profile, predict, runs_on)
    if use_cache and (hit := load_cached(model, key)) is not None:
        return hit
    result = train()
    result.key = key
    if use_cache:
        store(result)
    log_trained(result)
    return result


def log_trained(result: FitResult) -> None:
    """Add one JSON line naming a fit just trained to ``$DIGITS_FIT_LOG``, when it is set
    (the benchmarks list what each chapter trained from it; one ``write`` a line, so the
    lines of fits trained side by side in other processes stay whole)."""
    log = setting(FIT_LOG_ENV)
    if not log:
        return
    line = {"time": time.time(), "model": result.model, "rows": result.n_train, "epochs": result.n_iter,
            "seconds": round(result.fit_seconds, 2), "runs_on": result.runs_on, "key": result.key}
    with open(log, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
