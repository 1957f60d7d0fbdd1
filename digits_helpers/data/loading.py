"""Load the digits a run uses: the CSVs in the data folder (the embedded ones, or a reader's
own, e.g. Kaggle's), validated once and kept parsed, the profile's subset, and the splits.

A reader who puts Kaggle's own ``train.csv`` and ``test.csv`` in the data folder gets
those instead of the embedded digits: nothing of theirs is overwritten, and scoring then
says the labels are hidden.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from ..fingerprints import code_identity, fingerprint
from ..paths import atomic_write, cache_dir, results_dir, submissions_dir
from ..profiles import Profile, get_profile
from .embedded import embedded_test_fingerprint
from .kaggle_csv import csv_identity, csv_sources, ensure_csvs, read_digits_csv, side_length

VAL_FRACTION = 0.2

SOURCE_EMBEDDED = "embedded MNIST (test labels kept for local scoring)"
SOURCE_KAGGLE = "your own train.csv/test.csv (e.g. Kaggle's; test labels hidden)"

# the code the parsed arrays depend on: a change to it reads and validates the CSVs again
PARSING_CODE = ("data.kaggle_csv", "data.loading")


@dataclass(frozen=True)
class Digits:
    """The data one run of the book uses.

    ``X``/``y`` are the labelled rows the profile selects (all 42,000 under ``full``);
    ``X_test`` is the whole unlabelled test set.  Pixels are uint8 ``(n, 784)``.
    """

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    source: str
    folder: Path
    profile: Profile
    n_labelled_on_disk: int

    @property
    def is_embedded(self) -> bool:
        return self.source == SOURCE_EMBEDDED

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.X, self.y)

    @property
    def submissions(self) -> Path:
        """The folder for this profile's submission files: ``submissions/<profile>/`` at the
        repository's root (``$DIGITS_SUBMISSIONS_DIR/<profile>/`` if set)."""
        return submissions_dir(self.profile.name)

    @property
    def models(self) -> Path:
        """The folder for this profile's saved Keras models: ``models/`` in the profile's
        results folder (``results/<profile>/models/``, or under ``$DIGITS_RESULTS_DIR``)."""
        return results_dir(self.profile.name) / "models"

    @property
    def side(self) -> int:
        return side_length(self.X.shape[1])


def parsed_identity(folder: Path) -> str:
    """What the parsed arrays of ``folder``'s CSVs depend on: the files (:func:`csv_identity`)
    and the behaviour of the reading and validation code (not its docstrings or comments)."""
    h = hashlib.sha256(code_identity(*PARSING_CODE).encode())
    h.update(csv_identity(folder).encode())
    return h.hexdigest()[:20]


def parsed_path(folder: Path) -> Path:
    """Where the validated arrays of ``folder``'s CSVs are kept between runs: one file per
    data folder, in the cache folder (``$DIGITS_CACHE_DIR`` or ``.cache/``)."""
    return cache_dir() / "data" / f"{hashlib.sha256(str(folder).encode()).hexdigest()[:16]}.npz"


@lru_cache(maxsize=4)
def _read_pair(folder: Path, identity: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``train.csv``'s pixels and labels and ``test.csv``'s pixels, validated.

    Reading and checking 70,000 CSV rows takes seconds, which every notebook would pay at
    its start; the arrays are therefore kept (uncompressed ``.npz``) under the files'
    ``identity`` and read back while the files and the parsing code are unchanged.  Any change
    of either reads and validates the CSVs again.  The CSVs themselves are never written.
    """
    kept = parsed_path(folder)
    try:
        with np.load(kept) as npz:
            if str(npz["identity"]) == identity:
                return npz["X"], npz["y"], npz["X_test"]
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):
        pass  # absent, from another version, or unreadable: read the CSVs
    train, test = csv_sources(folder)
    X, y = read_digits_csv(train, labelled=True)
    X_test, _ = read_digits_csv(test, labelled=False)
    try:
        atomic_write(kept, lambda tmp: np.savez(tmp, identity=np.array(identity), X=X, y=y, X_test=X_test))
    except OSError:
        pass  # a read-only cache folder only costs the next run the reading
    return X, y, X_test


def subsample(X: np.ndarray, y: np.ndarray, n: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stratified, seeded subset of ``n`` rows (all rows when ``n`` is None or too big)."""
    if n is None or n >= len(X):
        return X, y
    keep, _ = train_test_split(np.arange(len(X)), train_size=n, stratify=y, random_state=seed)
    keep = np.sort(keep)
    return X[keep], y[keep]


def read_csvs(folder: Path | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All of ``folder``'s digits (default: the data folder in use), validated: ``train.csv``'s
    pixels and labels and ``test.csv``'s pixels (read back from the cache while unchanged)."""
    folder = ensure_csvs(folder).resolve()
    return _read_pair(folder, parsed_identity(folder))


def load_digits(profile: Profile | None = None, folder: Path | None = None) -> Digits:
    """Load the labelled and test digits for ``profile`` (default: ``$DIGITS_PROFILE``)."""
    profile = profile or get_profile()
    folder = ensure_csvs(folder).resolve()
    X, y, X_test = read_csvs(folder)
    source = SOURCE_EMBEDDED if is_embedded_test_set(X_test) else SOURCE_KAGGLE
    X_sub, y_sub = subsample(X, y, profile.n_rows, profile.seed)
    return Digits(X_sub, y_sub, X_test, source, folder, profile, len(X))


def is_embedded_test_set(X_test: np.ndarray) -> bool:
    """Whether ``X_test`` is the embedded test set (whose labels can score submissions here).

    A missing or damaged ``mnist.npz`` makes it ``False``: users with their own CSVs need not
    have the embedded digits at all."""
    try:
        return fingerprint(X_test) == embedded_test_fingerprint()
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return False


def split(
    X: np.ndarray, y: np.ndarray, seed: int, val_fraction: float = VAL_FRACTION
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified, seeded train/validation split: ``X_train, X_val, y_train, y_val``."""
    return train_test_split(X, y, test_size=val_fraction, stratify=y, random_state=seed)
