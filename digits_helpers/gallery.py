"""Pictures of digits, taught in chapter 01 (:ref:`chap-data`): ``show_digits`` draws a grid."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def show_digits(images, titles=None, ncols: int = 10, size: float = 1.1) -> plt.Figure:
    """Draw digits (rows of 784 pixels, or 28 x 28 arrays) in a grid, titled."""
    images = np.asarray(images).reshape(len(images), 28, 28)
    nrows = -(-len(images) // ncols)  # rows needed, rounded up
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < len(images):
            ax.imshow(images[i], cmap="gray_r")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=10, pad=2)
    fig.tight_layout(pad=0.3)
    return fig
