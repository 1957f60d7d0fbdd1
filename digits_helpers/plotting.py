"""Figures for the book, in one style; every function returns its figure."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.figure import Figure

PALETTE = "colorblind"


def set_style() -> None:
    """One look for every page: readable fonts, a colour-blind-safe palette."""
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
