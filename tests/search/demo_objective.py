"""Cheap objectives for the search tests: importable by worker processes as
``demo_objective:quadratic`` or ``demo_objective:steady`` (the tests put this folder on their
``PYTHONPATH``)."""

from __future__ import annotations

import time

import optuna


def quadratic(trial: optuna.Trial, n_steps: int = 5, step_seconds: float = 0.02) -> float:
    """``-((x - 1)^2 + (y + 2)^2)``, best 0, reported over ``n_steps`` steps that approach it.

    Sleeps ``step_seconds`` per step, like a (very) short epoch; prunable at every step.
    """
    x = trial.suggest_float("x", -5.0, 5.0)
    y = trial.suggest_float("y", -5.0, 5.0)
    final = -((x - 1.0) ** 2 + (y + 2.0) ** 2)
    value = final
    for step in range(n_steps):
        time.sleep(step_seconds)
        value = final - (n_steps - 1 - step) / n_steps
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned(f"pruned at step {step}")
    return value


def steady(trial: optuna.Trial, n_steps: int = 5, step_seconds: float = 0.1) -> float:
    """:func:`quadratic`'s value, reported over ``n_steps`` steps of ``step_seconds`` but never
    pruned: every trial that runs to its end is COMPLETE (about half a second each)."""
    x = trial.suggest_float("x", -5.0, 5.0)
    y = trial.suggest_float("y", -5.0, 5.0)
    final = -((x - 1.0) ** 2 + (y + 2.0) ** 2)
    for step in range(n_steps):
        time.sleep(step_seconds)
        trial.report(final - (n_steps - 1 - step) / n_steps, step)
    return final
