"""Progress bars for sweeps, searches and epochs (hidden under ``DIGITS_NO_PROGRESS=1``)."""

from __future__ import annotations

from typing import Any

from .paths import progress_enabled


def progress_bar(total: int, desc: str) -> Any:
    """A ``tqdm`` bar of ``total`` steps: a widget in Jupyter when ipywidgets is there, else
    text; disabled (but still callable) when progress bars are off."""
    try:
        import ipywidgets  # noqa: F401
        from tqdm.notebook import tqdm
    except ImportError:
        from tqdm.std import tqdm
    return tqdm(total=total, desc=desc, disable=not progress_enabled(), leave=False)
