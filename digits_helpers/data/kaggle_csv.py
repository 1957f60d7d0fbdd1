"""Kaggle's CSV format: materialise it from the embedded digits, read and validate it.

``train.csv`` holds a ``label`` column and then ``pixel0``..``pixel783``; ``test.csv`` the
pixel columns only.  A reader's own files are never modified; errors name the file, the row
(and line) and the column, what was expected and what was found.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..paths import atomic_write, data_dir
from .embedded import embedded_train_test

N_PIXELS = 784
N_CLASSES = 10


def pixel_columns(n: int = N_PIXELS) -> list[str]:
    return [f"pixel{i}" for i in range(n)]


def side_length(n_pixels: int) -> int:
    """The side of a square image with ``n_pixels`` pixels (784 -> 28)."""
    side = math.isqrt(n_pixels)
    if side * side != n_pixels:
        raise ValueError(f"{n_pixels} pixels do not form a square image")
    return side


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


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
    X, y, X_test = embedded_train_test()
    frame = pd.DataFrame(X, columns=pixel_columns(X.shape[1]))
    frame.insert(0, "label", y)
    _write_csv(train, frame)
    _write_csv(test, pd.DataFrame(X_test, columns=pixel_columns(X_test.shape[1])))
    return folder


def csv_identity(folder: Path) -> str:
    """The identity of ``folder``'s ``train.csv`` and ``test.csv``: their paths, sizes and
    modification times (what changes when a file is replaced or edited)."""
    stats = [(folder / name, (folder / name).stat()) for name in ("train.csv", "test.csv")]
    return "; ".join(f"{path} {stat.st_size} {stat.st_mtime_ns}" for path, stat in stats)


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


