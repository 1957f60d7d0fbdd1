"""The Bayesian search of the deeper network (the source's second write-up, with Optuna).

The space is the source's: the four dropout rates (three conv blocks and the dense layer),
the dense width and the optimiser.  Every trial trains the deeper network of
``recipes.DEEP_NETWORK`` with those settings on a stratified subset of the fitting
rows for a few epochs, reports its validation accuracy after each epoch (the median pruner
stops the hopeless ones) and returns the last one.  The study lives in the Optuna storage of
:mod:`digits_helpers.search.studies`, so a re-run resumes it and several workers can share it::

    python -m digits_helpers.search worker --study deep-full-0 --trials 24 \\
        --objective deep_cnn

(the study's name carries the profile and seed: ``study_name()``).
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import optuna

from ..data.loading import load_digits, split, subsample
from ..models import recipes
from ..profiles import Profile, get_profile
from ..training.keras_fit import fit_keras
from ..training.results import FitResult, Split
from .pruning import pruning_callback

SEARCH_ROWS = 3_000  # fitting rows each trial trains on (full profile; all rows of a smaller profile)
SEARCH_EPOCHS = 5  # epochs of a trial under the full profile
N_TRIALS = 24  # trials under the full profile
PARTS = ("block1", "block2", "block3", "dense")  # where the four dropout rates act
DROPOUT_RANGE = (0.0, 0.5, 0.05)  # low, high, step of each dropout rate
DENSE_UNITS = (128, 256, 512)
OPTIMIZERS = ("adam", "rmsprop")
MODEL = "cnn_search"  # the fits' family name in the cache


def n_trials(profile: Profile) -> int:
    """Trials of the study: :data:`N_TRIALS`, four under a profile that cuts the grids."""
    return N_TRIALS if profile.max_grid is None else 4


def study_name(profile: Profile) -> str:
    """One study per profile and seed (their trials are not comparable)."""
    return f"deep-{profile.name}-{profile.seed}"


def base_params(profile: Profile) -> dict[str, Any]:
    """The deeper network's recipe for a trial: Adam at a constant 1e-3, :data:`SEARCH_EPOCHS` epochs."""
    return {**recipes.DEEP_NETWORK, "learning_rate": 1e-3, "epochs": profile.epochs(SEARCH_EPOCHS, minimum=2)}


def suggest(trial: optuna.Trial) -> dict[str, Any]:
    """The trial's settings: four dropout rates, the dense width and the optimiser."""
    low, high, step = DROPOUT_RANGE
    dropouts = tuple(trial.suggest_float(f"dropout_{part}", low, high, step=step) for part in PARTS)
    return {"dropouts": dropouts, "dense_units": trial.suggest_categorical("dense_units", DENSE_UNITS),
            "optimizer": trial.suggest_categorical("optimizer", OPTIMIZERS)}


@cache
def search_split(profile: Profile) -> Split:
    """:data:`SEARCH_ROWS` stratified fitting rows and all validation rows of ``profile``."""
    digits = load_digits(profile)
    X_fit, X_val, y_fit, y_val = split(digits.X, digits.y, seed=profile.seed)
    X_sub, y_sub = subsample(X_fit, y_fit, SEARCH_ROWS, seed=profile.seed)
    return Split(X_sub, y_sub, X_val, y_val)


def train(settings: dict[str, Any], profile: Profile, callbacks: list[Any] | None = None,
          use_cache: bool = True) -> FitResult:
    """Train the deeper network with ``settings`` on :func:`search_split` (``callbacks`` into Keras)."""
    recipe = recipes.make_model("cnn_deep", **{**base_params(profile), **settings})
    return fit_keras(recipe, search_split(profile), MODEL, profile=profile, use_cache=use_cache,
                     callbacks=callbacks)


def objective(trial: optuna.Trial) -> float:
    """Train one trial's network with pruning; its last validation accuracy.

    The fit is not cached (the study is the record of its trials: a pruned fit has no result
    to store).  The trial's training seconds, pruned or not, go to its user attribute
    ``seconds``: the search's compute.
    """
    profile = get_profile()
    settings = suggest(trial)
    start = time.perf_counter()
    try:
        fit = train(settings, profile, callbacks=[pruning_callback(trial)], use_cache=False)
    finally:
        trial.set_user_attr("seconds", time.perf_counter() - start)
    return float(fit.val_accuracy)


def settings_of(params: dict[str, Any]) -> dict[str, Any]:
    """A trial's ``params`` (as Optuna stores them) as network settings."""
    dropouts = tuple(params[f"dropout_{part}"] for part in PARTS)
    return {"dropouts": dropouts, "dense_units": params["dense_units"], "optimizer": params["optimizer"]}
