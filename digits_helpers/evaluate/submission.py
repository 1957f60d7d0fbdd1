"""Kaggle submissions: write, validate, and score them locally on the embedded test set.

A submission is a CSV with the header ``ImageId,Label`` and one row per test image,
``ImageId`` 1..N numbering the test rows (written in that order; read in any order, as
Kaggle matches rows by ``ImageId``).  When the test set in use is the embedded one
(recognised by the fingerprint of its pixels, not by a file name) the 28,000 held-out
labels score it: this module is the only place that reads them.  With Kaggle's own files
the labels are hidden, and the file is ready to upload instead.

Command line::

    python -m digits_helpers.evaluate.submission score FILE
    python -m digits_helpers.evaluate.submission validate FILE
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.embedded import held_out_test_labels
from ..data.kaggle_csv import decode_text
from ..data.loading import Digits, is_embedded_test_set, read_csvs
from ..paths import atomic_write_text

HEADER = ["ImageId", "Label"]


class LabelsHiddenError(ValueError):
    """The test set in use is not the embedded one, so its labels are not known here."""


def _to_frame(labels: np.ndarray) -> pd.DataFrame:
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"expected a 1-D array of integer labels, found shape {labels.shape} of {labels.dtype}")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        bad = int(np.flatnonzero((labels < 0) | (labels > 9))[0])
        raise ValueError(f"label {labels[bad]} at position {bad} is outside 0-9")
    return pd.DataFrame({"ImageId": np.arange(1, len(labels) + 1), "Label": labels.astype(int)})


def write_submission(labels: np.ndarray, path: Path | str, overwrite: bool = False) -> Path:
    """Write predicted labels (in test-row order) as a Kaggle submission; return the path.

    An existing file with the same content is left as it is; one with other content is
    replaced only with ``overwrite=True``.
    """
    path = Path(path)
    text = _to_frame(labels).to_csv(index=False, lineterminator="\n")
    if path.exists() and not overwrite:
        if path.read_text() == text:
            return path
        raise FileExistsError(f"{path} exists with other predictions; pass overwrite=True to replace it")
    return atomic_write_text(path, text)


def validate_submission(path: Path | str, n_rows: int | None = None) -> pd.DataFrame:
    """Check a submission file; return it as a frame sorted by ``ImageId``, or raise naming the
    line and the problem.

    ``n_rows`` is the size of the test set (default: the ``test.csv`` in use).  Rows may come
    in any order (Kaggle matches them by ``ImageId``); each ``ImageId`` 1..N must appear once.
    UTF-8 (with or without a byte-order mark) and UTF-16 with its byte-order mark are read;
    blank lines are ignored.
    """
    path = Path(path)
    if n_rows is None:
        n_rows = len(_test_pixels())
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such submission file")
    numbered = [(i + 1, line) for i, line in enumerate(decode_text(path, path.read_bytes()).splitlines())]
    numbered = [(n, line) for n, line in numbered if line.strip()]
    if not numbered:
        raise ValueError(f"{path}: empty file; expected the header 'ImageId,Label'")
    (_, first), rows = numbered[0], numbered[1:]
    header = [h.strip().strip('"') for h in first.split(",")]
    if header != HEADER:
        raise ValueError(f"{path}: header is {first!r}; expected 'ImageId,Label'")
    if len(rows) != n_rows:
        raise ValueError(f"{path}: {len(rows)} data rows; expected {n_rows}, one per test image")
    ids = np.empty(n_rows, dtype=np.int64)
    labels = np.empty(n_rows, dtype=np.int64)
    line_of: dict[int, int] = {}
    for i, (n, line) in enumerate(rows):
        where = f"{path}: row {i + 1} (line {n})"
        fields = [f.strip().strip('"') for f in line.split(",")]
        if len(fields) != 2:
            raise ValueError(f"{where} has {len(fields)} fields {line!r}; expected 'ImageId,Label'")
        if not fields[0] or not fields[1]:
            raise ValueError(f"{where} has a blank field {line!r}")
        try:
            ids[i], labels[i] = (_integer(f) for f in fields)
        except ValueError:
            raise ValueError(f"{where}: {line!r} is not two integers") from None
        if not 1 <= ids[i] <= n_rows:
            raise ValueError(f"{where}: ImageId {ids[i]} is outside 1-{n_rows}")
        if ids[i] in line_of:
            raise ValueError(f"{where}: ImageId {ids[i]} is a duplicate (first on line {line_of[ids[i]]});"
                             " expected each ImageId once")
        line_of[int(ids[i])] = n
        if not 0 <= labels[i] <= 9:
            raise ValueError(f"{where}: Label {labels[i]} is outside 0-9")
    order = np.argsort(ids, kind="stable")
    return pd.DataFrame({"ImageId": ids[order], "Label": labels[order]})


def _integer(text: str) -> int:
    """An integer written as ``7`` or as an integral float (``7.0``)."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise
        return int(value)


def _test_pixels(folder: Path | None = None) -> np.ndarray:
    return read_csvs(folder)[2]


@dataclass(frozen=True)
class Score:
    """A submission's accuracy on the held-out labels, overall and per true class."""

    accuracy: float
    n: int
    per_class: pd.DataFrame

    def __str__(self) -> str:
        return f"accuracy {self.accuracy:.2%} on {self.n:,} test images"


def _held_out_labels(test_pixels: np.ndarray) -> np.ndarray:
    if not is_embedded_test_set(test_pixels):
        raise LabelsHiddenError(
            "the test set in use is not the embedded MNIST test set (its fingerprint differs), so its"
            " labels are hidden: upload the submission to Kaggle to score it"
        )
    return held_out_test_labels()


def score_submission(path: Path | str, folder: Path | None = None) -> Score:
    """Validate a submission and score it on the embedded test set's held-out labels.

    Raises :class:`LabelsHiddenError` when the test set in ``folder`` (default: the data
    folder in use) is not the embedded one.
    """
    pixels = _test_pixels(folder)
    truth = _held_out_labels(pixels)
    predicted = validate_submission(path, n_rows=len(pixels))["Label"].to_numpy()
    correct = predicted == truth
    per_class = (
        pd.DataFrame({"digit": truth, "correct": correct})
        .groupby("digit")["correct"]
        .agg(images="size", accuracy="mean")
        .reset_index()
    )
    return Score(float(correct.mean()), len(truth), per_class)


def check_submission(path: Path | str, digits: Digits) -> Score | None:
    """Check a submission for ``digits``' test set before it is uploaded: raise naming the
    line and the problem, or, when the test set is the embedded one, return its score on the
    held-out labels (``None`` with Kaggle's own files, whose labels only Kaggle knows)."""
    validate_submission(path, n_rows=len(digits.X_test))
    return score_submission(path, digits.folder) if digits.is_embedded else None


def held_out_labels(folder: Path | None = None) -> np.ndarray:
    """The embedded test set's held-out labels, to score finished models (never to choose them).

    Raises :class:`LabelsHiddenError` when the test set in ``folder`` is not the embedded one.
    """
    return _held_out_labels(_test_pixels(folder))


def labels_are_available(folder: Path | None = None) -> bool:
    """Whether the test set in use is the embedded one, which can be scored locally."""
    return is_embedded_test_set(_test_pixels(folder))


def main(argv: list[str] | None = None) -> int:
    """``score FILE`` or ``validate FILE``; exit 0, or 2 with one ``error:`` line."""
    parser = argparse.ArgumentParser(prog="python -m digits_helpers.evaluate.submission",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["score", "validate"])
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            frame = validate_submission(args.file)
            print(f"{args.file}: valid submission of {len(frame):,} rows")
            return 0
        try:
            score = score_submission(args.file)
        except LabelsHiddenError as hidden:
            validate_submission(args.file)
            print(f"{args.file}: valid; {hidden}")
            return 0
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{args.file}: {score}")
    print(score.per_class.to_string(index=False, formatters={"accuracy": "{:.2%}".format}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
