"""Figures for the book, in one style; every function returns its figure."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

PALETTE = "colorblind"


def set_style() -> None:
    """One look for every page: readable fonts, a colour-blind-safe palette, and tables
    whose text cells pandas never cuts to "..."."""
    import pandas as pd

    pd.set_option("display.max_colwidth", None)
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font_scale=1.0)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "axes.titleweight": "bold",
                         "figure.autolayout": False, "image.cmap": "gray_r"})


def _is_log_grid(values: Sequence) -> bool:
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return False
    return v.ndim == 1 and len(v) > 1 and bool((v > 0).all()) and v.max() / v.min() >= 100


def _labels(values: Sequence) -> list[str]:
    return [str(v) if not isinstance(v, float) else f"{v:g}" for v in values]


def sweep_plot(table, xlabel: str | None = None, log_x: bool | None = None) -> Figure:
    """Train and validation accuracy against one hyperparameter, beside the fit time.

    ``table`` is a :meth:`digits_helpers.training.tuning.Tuner.sweep` table; the chosen value is
    ringed.  Numeric grids spanning two orders of magnitude or more get a log axis.
    """
    values = list(table["value"])
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    log_x = _is_log_grid(values) if log_x is None else log_x
    x = np.asarray(values, dtype=float) if numeric else np.arange(len(values))
    colours = sns.color_palette(PALETTE)
    fig, (acc_ax, time_ax) = plt.subplots(1, 2, figsize=(10, 3.6))
    acc_ax.plot(x, 100 * table["train_accuracy"], "o-", color=colours[0], label="train")
    acc_ax.plot(x, 100 * table["val_accuracy"], "s-", color=colours[1], label="validation")
    chosen = table["chosen"].to_numpy()
    acc_ax.scatter(x[chosen], 100 * table["val_accuracy"][chosen], s=220, facecolors="none",
                   edgecolors="0.2", linewidths=1.5, label="chosen", zorder=3)
    acc_ax.set_ylabel("accuracy (%)")
    time_ax.plot(x, table["fit_seconds"], "o-", color=colours[2])
    time_ax.set_ylabel("fit time (s)")
    time_ax.set_ylim(bottom=0)
    name = xlabel or str(table["param"].iloc[0])
    for ax in (acc_ax, time_ax):
        ax.set_xlabel(name)
        if log_x:
            ax.set_xscale("log")
        if not numeric:
            ax.set_xticks(x, _labels(values))
        elif not log_x:
            ax.set_xticks(x, _labels(values))
    acc_ax.legend(loc="best")
    fig.tight_layout()
    return fig


def curves_plot(fits, labels: Sequence, curves: Sequence[str] = ("loss", "val_accuracy"),
                title: str | None = None) -> Figure:
    """Per-epoch curves (training loss, validation accuracy, ...) of several fits, one line
    each, marked at every epoch (a one-epoch fit still shows a point) on whole-epoch ticks."""
    names = {"loss": "training loss", "val_accuracy": "validation accuracy (%)",
             "accuracy": "training accuracy (%)", "val_loss": "validation loss"}
    fig, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 3.6), squeeze=False)
    for ax, curve in zip(axes.flat, curves, strict=True):
        for fit, label in zip(fits, labels, strict=True):
            values = np.asarray(fit.curves.get(curve, []), dtype=float)
            if not len(values):
                continue
            scale = 100 if "accuracy" in curve else 1
            ax.plot(np.arange(1, len(values) + 1), scale * values, marker="o", markersize=3,
                    label=str(label))
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole epochs
        ax.set_ylabel(names.get(curve, curve))
        if curve == "loss":
            ax.set_yscale("log")
    axes.flat[0].legend(title=title, loc="best")
    fig.tight_layout()
    return fig


def schedules_plot(rates: dict[str, Sequence[float]]) -> Figure:
    """Learning rate per epoch (log axis) for each labelled schedule."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for label, values in rates.items():
        ax.step(np.arange(1, len(values) + 1), values, where="post", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.set_yscale("log")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


def time_to_accuracy(fits, labels: Sequence, floor: float | None = None) -> Figure:
    """Validation accuracy after each epoch against the seconds of training so far, one line
    per fit: which recipe gets how far how soon.  ``floor`` (%) cuts the first epochs off the
    axis when they would squash the rest."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for fit, label in zip(fits, labels, strict=True):
        ax.plot(fit.curves["seconds"], 100 * np.asarray(fit.curves["val_accuracy"]), "o-", markersize=3,
                label=str(label))
    ax.set_xlabel("training time (s)")
    ax.set_ylabel("validation accuracy (%)")
    if floor is not None:
        ax.set_ylim(bottom=floor)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


