"""Training a Keras network, taught in chapter 04 (:ref:`sec-cnn-train-function`): the pixel
rows as images (``to_images``) and one training function (``train_network``) that the
later chapters call with their own networks and settings."""

from __future__ import annotations

import time

import keras
import numpy as np
import pandas as pd

from .fit_cache import cached


def to_images(X: np.ndarray) -> np.ndarray:
    """Pixel rows 0-255, (n, 784), as (n, 28, 28, 1) float32 images in [-0.5, 0.5]."""
    return (X.astype("float32") / 255 - 0.5).reshape(-1, 28, 28, 1)


@cached
def train_network(build, X, y, *, epochs: int, batch_size: int = 32,
                  optimizer=keras.optimizers.Adam, learning_rate=1e-3,
                  validation_data=None, callbacks=(), steps_per_execution: int = 1,
                  seed: int = 0):
    """Seed, build ``build()``'s network, compile it (``optimizer`` at
    ``learning_rate``, a rate or a schedule; cross-entropy; accuracy) and fit it; return
    the fitted model and its history, one row an epoch, with the seconds since the fit
    began."""
    keras.utils.set_random_seed(seed)  # the weights, the shuffling, the dropout
    model = build()
    model.compile(optimizer=optimizer(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=steps_per_execution)
    start, seconds = time.perf_counter(), []
    clock = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seconds.append(time.perf_counter() - start))
    fitted = model.fit(X, y, batch_size=batch_size, epochs=epochs,
                       validation_data=validation_data,
                       callbacks=[*callbacks, clock], verbose=0)
    history = pd.DataFrame({**fitted.history, "seconds": seconds},
                           index=pd.RangeIndex(1, len(seconds) + 1, name="epoch"))
    return model, history
