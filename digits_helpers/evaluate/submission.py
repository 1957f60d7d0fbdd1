"""Kaggle submissions: write, validate, and score them locally on the embedded test set.

A submission is a CSV with the header ``ImageId,Label`` and one row per test image,
``ImageId`` running 1..N in test-row order.  When the test set in use is the embedded one
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

from ..data.embedded import embedded_test_fingerprint, held_out_test_labels
from ..data.loading import read_csvs
from ..fingerprints import fingerprint
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
    """Check a submission file; return it as a frame, or raise naming the row and the problem.

    ``n_rows`` is the size of the test set (default: the ``test.csv`` in use).
    """
    path = Path(path)
    if n_rows is None:
        n_rows = len(_test_pixels())
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such submission file")
    lines = path.read_text().splitlines()
    if not lines or not lines[0].strip():
        raise ValueError(f"{path}: empty file; expected the header 'ImageId,Label'")
    header = [h.strip() for h in lines[0].split(",")]
    if header != HEADER:
        raise ValueError(f"{path}: header is {lines[0]!r}; expected 'ImageId,Label'")
    rows = lines[1:]
    if len(rows) != n_rows:
        raise ValueError(f"{path}: {len(rows)} data rows; expected {n_rows}, one per test image")
    ids = np.empty(n_rows, dtype=np.int64)
    labels = np.empty(n_rows, dtype=np.int64)
    for i, line in enumerate(rows):
        where = f"{path}: row {i + 1} (line {i + 2})"
        fields = [f.strip() for f in line.split(",")]
        if len(fields) != 2:
            raise ValueError(f"{where} has {len(fields)} fields {line!r}; expected 'ImageId,Label'")
        if not fields[0] or not fields[1]:
            raise ValueError(f"{where} has a blank field {line!r}")
        try:
            ids[i], labels[i] = int(fields[0]), int(fields[1])
        except ValueError:
            raise ValueError(f"{where}: {line!r} is not two integers") from None
        if ids[i] != i + 1:
            seen = ids[:i]
            problem = "a duplicate" if ids[i] in seen else "out of order"
            raise ValueError(f"{where}: ImageId {ids[i]} is {problem}; expected {i + 1}")
        if not 0 <= labels[i] <= 9:
            raise ValueError(f"{where}: Label {labels[i]} is outside 0-9")
    return pd.DataFrame({"ImageId": ids, "Label": labels})


def _test_pixels(folder: Path | None = None) -> np.ndarray:
    return read_csvs(folder)[2]


@dataclass(frozen=True)
class Score:
    """A submission's accuracy on the held-out labels, overall and per true class."""

    accuracy: float
    n: int
    per_class: pd.DataFrame

    def __str__(self) -> str:
        return f"accuracy {self.accuracy:.4%} on {self.n:,} test images"


def _held_out_labels(test_pixels: np.ndarray) -> np.ndarray:
    if fingerprint(test_pixels) != embedded_test_fingerprint():
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


def held_out_labels(folder: Path | None = None) -> np.ndarray:
    """The embedded test set's held-out labels, to score finished models (never to choose them).

    Raises :class:`LabelsHiddenError` when the test set in ``folder`` is not the embedded one.
    """
    return _held_out_labels(_test_pixels(folder))


def labels_are_available(folder: Path | None = None) -> bool:
    """Whether the test set in use is the embedded one, which can be scored locally."""
    return fingerprint(_test_pixels(folder)) == embedded_test_fingerprint()


def main(argv: list[str] | None = None) -> int:
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
        score = score_submission(args.file)
    except LabelsHiddenError as err:
        validate_submission(args.file)
        print(f"{args.file}: valid; {err}")
        return 0
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{args.file}: {score}")
    print(score.per_class.to_string(index=False, formatters={"accuracy": "{:.2%}".format}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
