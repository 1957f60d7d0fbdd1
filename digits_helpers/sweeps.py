"""Sweeps on the validation rows, taught in chapter 02 (:ref:`sec-lr-sweep`): a grid fitted on
the fitting rows and scored on the validation rows (``validation_sweep``), its picture
(``plot_sweep``), the one-standard-error rule (``one_se_choice``) and one timed fit
(``fit_timed``).  Chapter 03 reuses them."""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, PredefinedSplit

from .fit_cache import cached


@cached
def validation_sweep(model, grid: dict, X_fit, y_fit, X_val, y_val) -> pd.DataFrame:
    """Fit ``model`` at each point of ``grid`` on the fitting rows, score it on the
    validation rows; ``GridSearchCV``'s results (one row a point) as a table."""
    X, y = np.concatenate([X_fit, X_val]), np.concatenate([y_fit, y_val])
    # -1: rows only fitted on; 0: the one validation fold
    fold = np.r_[np.full(len(y_fit), -1), np.zeros(len(y_val))]
    search = GridSearchCV(model, grid, cv=PredefinedSplit(fold), refit=False,
                          return_train_score=True, n_jobs=-1)  # -1: on all cores
    search.fit(X, y)
    return pd.DataFrame(search.cv_results_)


def one_se_choice(scores: pd.Series, n_val: int):
    """The first label of ``scores`` (validation accuracies, simplest model first) whose
    accuracy is within one standard error of the best: the one-standard-error rule."""
    best = scores.max()
    se = np.sqrt(best * (1 - best) / n_val)
    return scores.index[scores >= best - se - 1e-12][0]


def plot_sweep(table: pd.DataFrame, param: str, xlabel: str, chosen=None,
               log_x: bool = True) -> plt.Figure:
    """Train and validation accuracy against ``param`` (left), fit time (right)."""
    x = table[f"param_{param}"].astype(float if log_x else str)
    fig, (acc, secs) = plt.subplots(1, 2, figsize=(10, 3.4))
    acc.plot(x, table["mean_train_score"], "o-", label="train")
    acc.plot(x, table["mean_test_score"], "o-", label="validation")
    if chosen is not None:
        acc.plot(x[chosen], table.loc[chosen, "mean_test_score"], "o", markersize=14,
                 markerfacecolor="none", color="0.2", label="chosen")
    secs.plot(x, table["mean_fit_time"], "o-", color="0.4")
    acc.set(xlabel=xlabel, ylabel="accuracy")
    secs.set(xlabel=xlabel, ylabel="fit time (s)")
    if log_x:
        acc.set_xscale("log")
        secs.set_xscale("log")
    acc.legend()
    fig.tight_layout()
    return fig


@cached
def fit_timed(model, X, y):
    """Fit a copy of ``model`` on ``X``, ``y``; return it and the fit's seconds."""
    model = clone(model)
    start = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - start
