"""Sphinx extension: keep each profile's executed outputs apart, and never serve outputs
that the package or the data have outgrown.

The notebooks read ``$DIGITS_PROFILE`` at run time, which Jupyter Book's execution cache
cannot see.  This extension gives every profile its own cache folder
(``_build/.jupyter_cache-<profile>``) and makes the profile a Sphinx config value that
invalidates the environment, so a build under one profile never shows outputs executed
under another.

The execution cache matches a notebook by its code cells alone, so a change to
``digits_helpers`` (a plot, a table, a rule that chooses) or to the data files would leave
every page showing what the old code computed.  The folder therefore carries a stamp of the
package's *behaviour* (its syntax trees with their docstrings, which pages may show; not
its comments or formatting) and of the data files' identity, also a config value that
invalidates the environment.  When the stamp differs, Sphinx reads every page again and the
executed notebooks are dropped and executed again, in the order Sphinx reads them (chapter
order).  Fits are cached apart (``.cache/``, keyed by the behaviour of their own training
code), so executing again retrains only what the change touched.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from sphinx.util import logging

from digits_helpers import data
from digits_helpers.fingerprints import PACKAGE_ROOT, package_identity
from digits_helpers.paths import QUIET_ENV
from digits_helpers.profiles import get_profile

LOGGER = logging.getLogger(__name__)
STAMP_NAME = "digits-sources-stamp"


def sources_stamp() -> str:
    """A hash of what every notebook's outputs depend on beyond its own cells: the behaviour
    of ``digits_helpers`` (and the scripts it writes into pages) and the identity (path, size,
    modification time) of the data files."""
    h = hashlib.sha256(package_identity(docstrings=True).encode())
    for asset in sorted(PACKAGE_ROOT.rglob("*.js")):  # scripts the package writes into pages
        h.update(asset.name.encode() + b"\0" + asset.read_bytes())
    h.update(data.csv_identity(data.ensure_csvs().resolve()).encode())  # ensure: what the first notebook writes
    return h.hexdigest()[:20]


def renew_if_outgrown(cache: Path, stamp: str) -> bool:
    """Empty the execution cache folder ``cache`` unless it was filled under ``stamp``; mark
    it with ``stamp``.  Returns whether executed notebooks were dropped."""
    mark = cache / STAMP_NAME
    if mark.is_file() and mark.read_text().strip() == stamp:
        return False
    dropped = cache.is_dir() and any(p.name != STAMP_NAME for p in cache.iterdir())
    if dropped:
        shutil.rmtree(cache)
    cache.mkdir(parents=True, exist_ok=True)
    mark.write_text(stamp + "\n")
    return dropped


def use_profile_cache(app, config) -> None:
    """``config-inited``: the profile's own execution cache, emptied when outgrown."""
    profile = get_profile()
    config.digits_profile = profile.name
    cache = Path(app.outdir).parent / f".jupyter_cache-{profile.name}"
    config.nb_execution_cache_path = str(cache)
    if config.nb_execution_mode != "cache":
        return
    # A config value that invalidates the environment: Sphinx reads every page again when it
    # changes (dropping the executed notebooks alone would leave the pages it has read).
    config.digits_sources_stamp = sources_stamp()
    if renew_if_outgrown(cache, config.digits_sources_stamp):
        LOGGER.info(f"digits_helpers or the data changed since {cache} was filled: every notebook is executed"
                    " again (fits come from the fit cache where their training code is unchanged)")


def setup(app):
    # kernels started by the build inherit this: no progress bars in the built pages
    os.environ.setdefault(QUIET_ENV, "1")
    app.add_config_value("digits_profile", "full", "env")
    app.add_config_value("digits_sources_stamp", "", "env")
    app.connect("config-inited", use_profile_cache)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
