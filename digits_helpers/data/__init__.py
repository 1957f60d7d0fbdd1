"""The data: the embedded MNIST digits (:mod:`.embedded`), Kaggle's CSV format
(:mod:`.kaggle_csv`), and loading a profile's rows and splitting them (:mod:`.loading`).

The names chapters use most are here: ``from digits_helpers import data``, then
``data.load_digits()``, ``data.split(...)``.
"""

from .embedded import N_TEST, N_TRAIN
from .kaggle_csv import (
    N_CLASSES,
    N_PIXELS,
    CsvSource,
    csv_identity,
    csv_sources,
    ensure_csvs,
    pixel_columns,
    read_digits_csv,
    side_length,
)
from .loading import SOURCE_EMBEDDED, SOURCE_KAGGLE, VAL_FRACTION, Digits, load_digits, read_csvs, split, subsample

__all__ = ["N_CLASSES", "N_PIXELS", "N_TEST", "N_TRAIN", "SOURCE_EMBEDDED", "SOURCE_KAGGLE", "VAL_FRACTION",
           "CsvSource", "Digits", "csv_identity", "csv_sources", "ensure_csvs", "load_digits", "pixel_columns",
           "read_csvs", "read_digits_csv", "side_length", "split", "subsample"]
