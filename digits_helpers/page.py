"""What every page shows first: the profile and the data it was executed with."""

from __future__ import annotations

import platform

from IPython.display import Markdown

from .data import Digits


def run_info(digits: Digits) -> Markdown:
    """A short note naming the profile, the data source and the seed of this execution."""
    profile = digits.profile
    rows = f"{len(digits.X):,} of the {digits.n_labelled_on_disk:,} labelled rows"
    smoke = (
        " This is a **smoke run**: a small subset and short fits, to check the code,"
        " not to measure it." if not profile.is_full else ""
    )
    return Markdown(
        f"**Executed with** profile `{profile.name}` ({rows}, seed {profile.seed}), "
        f"data: {digits.source}, Python {platform.python_version()}.{smoke}"
    )
