"""The embedded data, its Kaggle-shaped split, label isolation, and loading."""

import dataclasses
import hashlib

import numpy as np
import pandas as pd
import pytest

from digits_helpers import data, fingerprints, paths
from digits_helpers.data import embedded, loading
from digits_helpers.profiles import PROFILES


@pytest.fixture(scope="module")
def embedded_folder(tmp_path_factory):
    """The CSVs written from the embedded digits, in a folder of their own."""
    return data.ensure_csvs(tmp_path_factory.mktemp("embedded"))


def test_embedded_file_matches_its_checksum():
    digest = hashlib.sha256((paths.repo_data_dir() / embedded.EMBEDDED_NAME).read_bytes()).hexdigest()
    assert digest == embedded.EMBEDDED_SHA256


def test_damaged_embedded_file_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "data"
    fake.mkdir()
    np.savez_compressed(fake / embedded.EMBEDDED_NAME, images=np.zeros((2, 28, 28), np.uint8), labels=[0, 1])
    monkeypatch.setattr(embedded, "repo_data_dir", lambda: fake)
    embedded.embedded_arrays.cache_clear()
    try:
        with pytest.raises(ValueError, match="SHA-256"):
            embedded.embedded_arrays()
    finally:
        embedded.embedded_arrays.cache_clear()


def test_split_is_kaggle_shaped_and_deterministic():
    X, y, X_test = embedded.embedded_train_test()
    y_test = embedded.held_out_test_labels()
    assert X.shape == (42_000, 784) and X.dtype == np.uint8
    assert X_test.shape == (28_000, 784) and y_test.shape == (28_000,)
    assert set(np.unique(y)) == set(range(10))
    # The split of shared/bench/seed_reference.py: pinned so that no change goes unnoticed.
    assert fingerprints.fingerprint(X, y) == "5fd82ed50f37e5cb"
    assert fingerprints.fingerprint(X_test) == "07e71756bf1e2291"
    embedded._split.cache_clear()
    X2, y2, _ = embedded.embedded_train_test()
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_csvs_are_in_kaggle_format(embedded_folder):
    train = pd.read_csv(embedded_folder / "train.csv", nrows=3)
    test = pd.read_csv(embedded_folder / "test.csv", nrows=3)
    assert list(train.columns) == ["label"] + [f"pixel{i}" for i in range(784)]
    assert list(test.columns) == [f"pixel{i}" for i in range(784)]
    X, y, X_test = embedded.embedded_train_test()
    assert np.array_equal(train.drop(columns="label").to_numpy(), X[:3])
    assert np.array_equal(train["label"].to_numpy(), y[:3])
    assert np.array_equal(test.to_numpy(), X_test[:3])


def test_test_labels_are_not_reachable_through_loading(embedded_folder):
    digits = data.load_digits(PROFILES["full"], folder=embedded_folder)
    assert len(digits.X_test) == 28_000
    fields = {f.name for f in dataclasses.fields(digits)}
    assert not any("test" in name and name != "X_test" for name in fields)
    for path in embedded_folder.iterdir():
        assert "label" not in path.read_text()[:10_000] or path.name == "train.csv"
    public = [name for name in dir(data) if not name.startswith("_")]
    assert all(not callable(getattr(data, n)) or "label" not in n for n in public)


def test_load_digits_embedded_full_and_smoke(embedded_folder):
    full = data.load_digits(PROFILES["full"], folder=embedded_folder)
    assert full.is_embedded and full.X.shape == (42_000, 784) and full.side == 28
    smoke = data.load_digits(PROFILES["smoke"], folder=embedded_folder)
    assert smoke.X.shape == (PROFILES["smoke"].n_rows, 784)
    assert smoke.n_labelled_on_disk == 42_000
    # stratified: every class keeps its share to within one row
    expected = np.bincount(full.y) * len(smoke.y) / len(full.y)
    assert np.abs(np.bincount(smoke.y) - expected).max() <= 1
    again = data.load_digits(PROFILES["smoke"], folder=embedded_folder)
    assert np.array_equal(smoke.X, again.X)


def test_existing_files_are_never_overwritten(tmp_path):
    rng = np.random.default_rng(1)
    train = pd.DataFrame(rng.integers(0, 256, (20, 784)), columns=data.pixel_columns())
    train.insert(0, "label", np.arange(20) % 10)
    test = pd.DataFrame(rng.integers(0, 256, (7, 784)), columns=data.pixel_columns())
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    digits = data.load_digits(PROFILES["full"], folder=tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert digits.source == data.SOURCE_KAGGLE and not digits.is_embedded
    assert digits.X.shape == (20, 784) and digits.X_test.shape == (7, 784)


def test_one_file_alone_is_an_error(tmp_path):
    (tmp_path / "train.csv").write_text("label,pixel0\n1,0\n")
    with pytest.raises(FileNotFoundError, match=r"train\.csv exists but .*test\.csv does not"):
        data.ensure_csvs(tmp_path)
    assert not (tmp_path / "test.csv").exists()


def test_split_is_stratified_and_seeded():
    X, y, _ = embedded.embedded_train_test()
    a = data.split(X[:5000], y[:5000], seed=0)
    b = data.split(X[:5000], y[:5000], seed=0)
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    assert len(a[1]) == 1000
    assert np.abs(np.bincount(a[2]) / 4000 - np.bincount(a[3]) / 1000).max() < 0.005


def test_side_length():
    assert data.side_length(784) == 28
    with pytest.raises(ValueError, match="783 pixels do not form a square"):
        data.side_length(783)


def test_parsed_csvs_are_kept_and_reread_when_a_file_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("DIGITS_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(2)
    train = pd.DataFrame(rng.integers(0, 256, (12, 784)), columns=data.pixel_columns())
    train.insert(0, "label", np.arange(12) % 10)
    train.to_csv(tmp_path / "train.csv", index=False)
    test = pd.DataFrame(rng.integers(0, 256, (5, 784)), columns=data.pixel_columns())
    test.to_csv(tmp_path / "test.csv", index=False)
    first = data.load_digits(PROFILES["full"], folder=tmp_path)
    kept = loading.parsed_path(tmp_path.resolve())
    assert kept.is_file()
    loading._read_pair.cache_clear()  # as in a new process
    reading = []
    monkeypatch.setattr(loading, "read_digits_csv", lambda *a, **k: reading.append(a) or pytest.fail("re-read"))
    again = data.load_digits(PROFILES["full"], folder=tmp_path)
    assert not reading and np.array_equal(first.X, again.X) and np.array_equal(first.X_test, again.X_test)
    monkeypatch.undo()
    monkeypatch.setenv("DIGITS_CACHE_DIR", str(tmp_path / "cache"))
    # a changed file is read (and validated) again: a bad label is reported, not served from the cache
    train.loc[3, "label"] = 11
    train.to_csv(tmp_path / "train.csv", index=False)
    with pytest.raises(ValueError, match=r"train\.csv.*label"):
        data.load_digits(PROFILES["full"], folder=tmp_path)
    # a damaged kept file (cut short, or not an npz at all) is only a cache miss
    train.loc[3, "label"] = 3
    train.to_csv(tmp_path / "train.csv", index=False)
    data.load_digits(PROFILES["full"], folder=tmp_path)
    for damage in (kept.read_bytes()[:1000], b"not an npz"):
        kept.write_bytes(damage)
        loading._read_pair.cache_clear()
        assert np.array_equal(data.load_digits(PROFILES["full"], folder=tmp_path).y, train["label"].to_numpy())
