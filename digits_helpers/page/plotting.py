"""One look for every figure and table of the book (``set_style``, given)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns

PALETTE = "colorblind"


def set_style() -> None:
    """One look for every page: readable fonts, a colour-blind-safe palette, and tables
    whose text cells pandas never cuts to "..."."""
    import pandas as pd

    pd.set_option("display.max_colwidth", None)
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font_scale=1.0)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "axes.titleweight": "bold",
                         "figure.autolayout": False, "image.cmap": "gray_r"})
