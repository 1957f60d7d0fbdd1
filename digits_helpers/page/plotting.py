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


def digit_gallery(
    images: np.ndarray,
    titles: Sequence[str] | None = None,
    ncols: int = 10,
    size: float = 1.1,
) -> Figure:
    """A grid of digits (rows of ``side*side`` pixels or ``(n, side, side)``), titled."""
    images = np.asarray(images)
    n = len(images)
    side = int(round(np.sqrt(images[0].size)))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(images[i].reshape(side, side), cmap="gray_r", vmin=0, vmax=images.max() or 1)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=10, pad=2)
    fig.tight_layout(pad=0.3)
    return fig


def label_counts(y: np.ndarray, n_classes: int = 10) -> Figure:
    """Bar chart of how many rows each digit has, with the mean as a dashed line."""
    counts = np.bincount(np.asarray(y), minlength=n_classes)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(np.arange(n_classes), counts, color=sns.color_palette(PALETTE)[0])
    ax.axhline(counts.mean(), color="0.3", linestyle="--", linewidth=1, label="mean")
    ax.set_xticks(np.arange(n_classes))
    ax.set_xlabel("digit")
    ax.set_ylabel("rows")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def pixel_histogram(X: np.ndarray) -> Figure:
    """Histogram of all pixel values (log count axis: most pixels are background)."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(np.asarray(X).ravel(), bins=64, range=(0, 256), color=sns.color_palette(PALETTE)[0])
    ax.set_yscale("log")
    ax.set_xlabel("pixel value (0 = background, 255 = ink)")
    ax.set_ylabel("pixels (log scale)")
    fig.tight_layout()
    return fig


def class_shares(shares: dict[str, np.ndarray]) -> Figure:
    """Grouped bars of each class's share (%) in several sets, e.g. fit and validation."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    width = 0.8 / len(shares)
    for k, (name, share) in enumerate(shares.items()):
        ax.bar(np.arange(len(share)) + (k - (len(shares) - 1) / 2) * width, 100 * share, width, label=name)
    ax.set_xticks(np.arange(len(next(iter(shares.values())))))
    ax.set_xlabel("digit")
    ax.set_ylabel("share of rows (%)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


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


def bars_plot(frame, x: str, y: str, ylabel: str, hue: str | None = None, fmt: str = "{:.1f}") -> Figure:
    """A labelled bar chart of one column of a small table."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    sns.barplot(data=frame, x=x, y=y, hue=hue, ax=ax, palette=PALETTE if hue else None,
                color=None if hue else sns.color_palette(PALETTE)[0])
    for container in ax.containers:
        ax.bar_label(container, fmt=lambda v: fmt.format(v), fontsize=9)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    fig.tight_layout()
    return fig


def _count_heatmap(ax, counts: np.ndarray, cmap: str, title: str, blank_zeros: bool) -> None:
    counts = np.asarray(counts)
    annot = np.where((counts == 0) & blank_zeros, "", counts.astype(str))
    sns.heatmap(counts, annot=annot, fmt="", cmap=cmap, cbar=False, square=True, linewidths=0.5,
                linecolor="white", annot_kws={"fontsize": 8}, ax=ax)
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title)
    ax.tick_params(axis="y", rotation=0)


def confusion_matrices(cm: np.ndarray) -> Figure:
    """The confusion matrix (left) and its errors alone, the diagonal zeroed (right)."""
    cm = np.asarray(cm)
    errors = cm.copy()
    np.fill_diagonal(errors, 0)
    fig, (whole, off) = plt.subplots(1, 2, figsize=(11, 5))
    _count_heatmap(whole, cm, "Blues", "all predictions", blank_zeros=False)
    _count_heatmap(off, errors, "Reds", "errors only (diagonal zeroed)", blank_zeros=True)
    fig.tight_layout()
    return fig


def class_errors(per_class) -> Figure:
    """Errors per digit, counted by true class (missed) and by predicted class (wrongly given).

    ``per_class`` is a :func:`digits_helpers.evaluate.confusions.errors_per_class` table.
    """
    colours = sns.color_palette(PALETTE)
    x = np.asarray(per_class["digit"])
    fig, ax = plt.subplots(figsize=(8, 3.4))
    width = 0.4
    bars_true = ax.bar(x - width / 2, per_class["missed"], width, color=colours[0],
                       label="as the true digit (missed)")
    bars_pred = ax.bar(x + width / 2, per_class["wrongly_predicted"], width, color=colours[3],
                       label="as the predicted digit (wrongly given)")
    for bars in (bars_true, bars_pred):
        ax.bar_label(bars, fontsize=8)
    ax.set_xticks(x)
    ax.set_xlabel("digit")
    ax.set_ylabel("validation errors")
    ax.legend(loc="upper left", fontsize=9)
    ax.margins(y=0.15)
    fig.tight_layout()
    return fig


def confidence_plot(predictions, curve) -> Figure:
    """Left: the predicted probability of right and wrong predictions (each group's share).
    Right: accuracy on the most confident predictions against the share of them kept.

    ``predictions`` is a :func:`digits_helpers.evaluate.confusions.prediction_table`, ``curve`` a
    :func:`digits_helpers.evaluate.confusions.coverage_curve`.
    """
    colours = sns.color_palette(PALETTE)
    fig, (hist_ax, cov_ax) = plt.subplots(1, 2, figsize=(10, 3.6))
    bins = np.linspace(0, 1, 21)
    for correct, name, colour in ((True, "right", colours[0]), (False, "wrong", colours[3])):
        values = np.asarray(predictions.loc[predictions["correct"] == correct, "confidence"])
        if len(values):
            hist_ax.hist(values, bins=bins, weights=np.full(len(values), 100 / len(values)), color=colour,
                         alpha=0.6, label=f"{name} ({len(values):,})")
    hist_ax.set_xlabel("predicted probability of the chosen digit")
    hist_ax.set_ylabel("share of the group (%)")
    hist_ax.legend(loc="upper left")
    cov_ax.plot(100 * curve["coverage"], 100 * curve["accuracy"], color=colours[2])
    cov_ax.set_xlabel("most confident predictions kept (%)")
    cov_ax.set_ylabel("accuracy on them (%)")
    cov_ax.set_xlim(0, 100)
    fig.tight_layout()
    return fig


def accuracy_vs_time(points) -> Figure:
    """Accuracy against fit time (log axis), one point per model family and source.

    ``points`` has columns ``family``, ``label``, ``seconds``, ``accuracy`` (a fraction) and
    ``source``; the first source listed is drawn filled, the others hollow.  A family
    keeps its colour across sources.
    """
    points = points.dropna(subset=["seconds", "accuracy"])
    families = list(dict.fromkeys(points["family"]))
    colours = dict(zip(families, sns.color_palette(PALETTE, len(families)), strict=True))
    sources = list(dict.fromkeys(points["source"]))
    markers = ["o", "s", "D", "^"]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for k, source in enumerate(sources):
        rows = points[points["source"] == source]
        for _, row in rows.iterrows():
            colour = colours[row["family"]]
            ax.scatter(row["seconds"], 100 * row["accuracy"], s=80, marker=markers[k % len(markers)],
                       facecolors=colour if k == 0 else "none", edgecolors=colour, linewidths=1.8, zorder=3)
            ax.annotate(row["label"], (row["seconds"], 100 * row["accuracy"]), textcoords="offset points",
                        xytext=(7, -3 if k == 0 else 5), fontsize=8, color="0.25")
        ax.scatter([], [], s=60, marker=markers[k % len(markers)], facecolors="0.4" if k == 0 else "none",
                   edgecolors="0.4", label=source)
    ax.set_xscale("log")
    ax.set_xlabel("fit time (s, log scale)")
    ax.set_ylabel("accuracy (%)")
    ax.margins(x=0.25, y=0.15)
    ax.legend(loc="lower right", fontsize=9)
    fig.tight_layout()
    return fig
