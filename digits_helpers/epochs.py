"""Training one epoch at a time, taught in chapter 03 (:ref:`chap-mlp`): ``train_by_epoch``
records the training loss and the validation accuracy after each epoch; ``epoch_sweep`` runs
it at each value of one parameter."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score

from .fit_cache import cached


@cached
def train_by_epoch(model, X_fit, y_fit, X_val, y_val, epochs: int):
    """Train a copy of ``model`` for ``epochs`` passes of ``partial_fit``; return it
    and its history: training loss, validation accuracy and seconds after each epoch."""
    model = clone(model)
    classes = np.unique(y_fit)
    history, seconds = [], 0.0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.partial_fit(X_fit, y_fit, classes=classes)
        seconds += time.perf_counter() - start  # the scoring below is not training time
        history.append({"epoch": epoch, "loss": model.loss_, "seconds": seconds,
                        "val_accuracy": accuracy_score(y_val, model.predict(X_val))})
    return model, pd.DataFrame(history).set_index("epoch")


def epoch_sweep(model, param: str, values, X_fit, y_fit, X_val, y_val, epochs: int):
    """``train_by_epoch`` at each value of ``param``: the histories by value, a table
    with ``validation_sweep``'s columns (train and validation accuracy, fit seconds)."""
    histories, rows = {}, []
    for value in values:
        variant = clone(model).set_params(**{param: value})
        fitted, history = train_by_epoch(variant, X_fit, y_fit, X_val, y_val, epochs)
        histories[value] = history
        rows.append({f"param_{param}": value,
                     "mean_train_score": fitted.score(X_fit, y_fit),
                     "mean_test_score": history["val_accuracy"].iloc[-1],
                     "mean_fit_time": history["seconds"].iloc[-1]})
    return histories, pd.DataFrame(rows)
