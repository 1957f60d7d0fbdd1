"""The banner a page prints: the profile, data, seed and cores it was executed with."""

from __future__ import annotations

import platform

from IPython.display import Markdown

from ..cores import available_cores
from ..data.loading import Digits


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
        f"{cores} CPU core{'s' if cores != 1 else ''}.{smoke}"
    )
