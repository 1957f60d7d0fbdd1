"""Sphinx extension: keep each profile's executed outputs apart.

The notebooks read ``$DIGITS_PROFILE`` at run time, which Jupyter Book's execution cache
cannot see.  This extension gives every profile its own cache folder and makes the profile
a Sphinx config value that invalidates the environment, so a build under one profile never
shows outputs executed under another.
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import get_profile


def _use_profile_cache(app, config) -> None:
    profile = get_profile()
    config.digits_profile = profile.name
    config.nb_execution_cache_path = str(Path(app.outdir).parent / f".jupyter_cache-{profile.name}")


def setup(app):
    # kernels started by the build inherit this: no progress bars in the built pages
    os.environ.setdefault("DIGITS_NO_PROGRESS", "1")
    app.add_config_value("digits_profile", "full", "env")
    app.connect("config-inited", _use_profile_cache)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
