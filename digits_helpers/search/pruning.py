"""A Keras callback that reports each epoch to an Optuna trial and ends the fit when the
study's pruner says so (chapter 07 writes the same on its page)."""

from __future__ import annotations

from typing import Any

import optuna


def pruning_callback(trial: optuna.Trial, monitor: str = "val_accuracy") -> Any:
    """A ``keras.callbacks.Callback`` reporting ``monitor`` to ``trial`` at each epoch's end.

    The step is the epoch (from 0).  When the study's pruner then prunes the trial, the
    callback raises ``optuna.TrialPruned``, which ends the fit and marks the trial PRUNED.
    A ``monitor`` missing from the epoch's logs is an error (a typo would never prune).
    """
    import keras  # here: importing the search does not import TensorFlow

    class OptunaPruning(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            logs = logs or {}
            if monitor not in logs:
                raise ValueError(f"pruning_callback: {monitor!r} is not in the epoch's logs {sorted(logs)}")
            value = float(logs[monitor])
            trial.report(value, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned at epoch {epoch}: {monitor}={value:.4f}")

    return OptunaPruning()
