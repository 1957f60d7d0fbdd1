"""What pages display: the profile and data a page was executed with, a function's source,
sweep tables for reading, and a test score's accuracy per digit."""

from __future__ import annotations

import inspect
import platform

import pandas as pd
from IPython.display import Markdown

from ..data.loading import Digits
from ..training.cores import available_cores


def run_info(digits: Digits) -> Markdown:
    """A short note naming the profile, the data source, the seed and the CPU cores of this execution."""
    profile = digits.profile
    rows = f"{len(digits.X):,} of the {digits.n_labelled_on_disk:,} labelled rows"
    smoke = (
        " This is a **smoke run**: a small subset and short fits, to check the code,"
        " not to measure it." if not profile.is_full else ""
    )
    cores = available_cores()
    return Markdown(
        f"**Executed with** profile `{profile.name}` ({rows}, seed {profile.seed}), "
        f"data: {digits.source}, Python {platform.python_version()}, "
        f"{cores} CPU core{'s' if cores != 1 else ''} (a lone network trains on all of them, "
        f"a group shares them).{smoke}"
    )


def show_source(obj) -> Markdown:
    """A function's source as a highlighted code block (the one definition stays in the package)."""
    return Markdown(f"```python\n{inspect.getsource(obj).rstrip()}\n```")


def format_table(table: pd.DataFrame, columns: dict[str, str] | None = None) -> pd.DataFrame:
    """A sweep table for reading: accuracies in %, seconds rounded, chosen row marked.

    ``columns`` renames and selects columns (default: the usual sweep columns).
    """
    columns = columns or {
        "value": "value", "train_accuracy": "train acc. (%)", "val_accuracy": "validation acc. (%)",
        "fit_seconds": "fit (s)", "n_iter": "iterations", "warnings": "warnings", "chosen": "chosen",
    }
    out = table[[c for c in columns if c in table]].copy()
    for c in ("train_accuracy", "val_accuracy"):
        if c in out:
            out[c] = (100 * out[c]).map("{:.2f}".format)
    if "fit_seconds" in out:
        out["fit_seconds"] = out["fit_seconds"].map("{:.1f}".format)
    if "value" in out:
        out["value"] = out["value"].map(lambda v: f"{v:g}" if isinstance(v, float) else str(v))
    if "chosen" in out:
        out["chosen"] = out["chosen"].map({True: "✔", False: ""})
    if "warnings" in out and not out["warnings"].astype(bool).any():
        out = out.drop(columns="warnings")
    return out.rename(columns=columns).reset_index(drop=True)


def per_class_table(score) -> pd.DataFrame:
    """A test score's accuracy for each digit, in %, as one row (the digits as columns)."""
    table = score.per_class.assign(accuracy=lambda f: (100 * f["accuracy"]).round(2))
    # one row per quantity: object columns, so counts stay integers beside the percentages
    return table.rename(columns={"accuracy": "test accuracy (%)"}).set_index("digit").astype(object).T
