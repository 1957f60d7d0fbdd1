"""The Bayesian search of chapter 07 as an objective for the workers' command line.

The same trial as the chapter's (:ref:`chap-bayes`): the deeper network of chapter 06
(``fast_and_deep.deep_cnn``) with four dropout rates, a dense width and an optimiser drawn
by the sampler, trained by chapter 04's ``train_network`` on a stratified subset of the
fitting rows for a few epochs, its validation accuracy reported after each epoch (the
median pruner stops the hopeless ones); the last one is the trial's value.  So workers can
add trials to the chapter's own study::

    python -m digits_helpers.search worker --study deep-cnn-full-0 --trials 24 \\
        --objective deep_cnn
"""

from __future__ import annotations

import time
from functools import cache, partial
from typing import Any

import optuna

from ..data.loading import load_digits
from ..profiles import get_profile
from .pruning import pruning_callback

SEARCH_ROWS = 3_000  # fitting rows each trial trains on (all rows of a smaller profile)
PARTS = ("block1", "block2", "block3", "dense")  # where the four dropout rates act


@cache
def search_rows() -> tuple[Any, Any, Any, Any]:
    """The trials' training images and labels, and the validation images and labels, as
    chapter 07 draws them for this profile."""
    from sklearn.model_selection import train_test_split

    from ..keras_training import to_images

    digits = load_digits()
    seed = digits.profile.seed
    X_fit, X_val, y_fit, y_val = train_test_split(
        digits.X, digits.y, test_size=0.2, stratify=digits.y, random_state=seed)
    if len(y_fit) > SEARCH_ROWS:
        X_fit, _, y_fit, _ = train_test_split(
            X_fit, y_fit, train_size=SEARCH_ROWS, stratify=y_fit, random_state=seed)
    return to_images(X_fit), y_fit, to_images(X_val), y_val


def objective(trial: optuna.Trial) -> float:
    """Train one trial's network with pruning; its last validation accuracy.  The training
    seconds, pruned or not, go to the trial's user attribute ``seconds``."""
    import keras

    from ..fast_and_deep import deep_cnn
    from ..keras_training import train_network

    optimizers = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}
    dropouts = tuple(trial.suggest_float(f"dropout_{part}", 0.0, 0.5, step=0.05) for part in PARTS)
    dense_units = trial.suggest_categorical("dense_units", [128, 256, 512])
    optimizer = trial.suggest_categorical("optimizer", list(optimizers))
    images, labels, val_images, val_labels = search_rows()
    profile = get_profile()
    start = time.perf_counter()
    try:
        _, history = train_network.__wrapped__(  # not cached: the study records the trial
            partial(deep_cnn, dropouts, dense_units), images, labels,
            epochs=profile.epochs(5, minimum=2), batch_size=128, optimizer=optimizers[optimizer],
            validation_data=(val_images, val_labels), callbacks=[pruning_callback(trial)],
            steps_per_execution=16, seed=profile.seed)
    finally:
        trial.set_user_attr("seconds", time.perf_counter() - start)
    return float(history["val_accuracy"].iloc[-1])
