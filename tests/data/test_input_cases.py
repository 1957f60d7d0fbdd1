"""Every kind of file a user may have: a correct load or a clear error.

The table below is the list of cases these tests cover (a test checks that each case has its
test and each test its line).  "loads" means the same arrays as the plain file; "error"
means a ``ValueError``/``FileNotFoundError`` naming the file (and the line or variable).
"""

from __future__ import annotations

import codecs
import inspect
import os
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest

from digits_helpers import data, paths
from digits_helpers.data import embedded, kaggle_csv
from digits_helpers.evaluate import submission
from digits_helpers.evaluate.submission import validate_submission, write_submission
from digits_helpers.profiles import PROFILES

FULL = PROFILES["full"]

CASES = {  # test name -> (family, example, outcome)
    "test_integral_floats_load": ("numbers as other tools write them", "pixels and labels written as 5.0", "loads"),
    "test_fractional_value_is_refused": ("numbers as other tools write them", "a pixel 5.5",
                                         "error: file, row (line), column, 'expected an integer'"),
    "test_utf8_bom_loads": ("text encodings", "UTF-8 with a byte-order mark", "loads"),
    "test_utf16_loads": ("text encodings", "UTF-16 with its BOM, commas or tabs (Excel's Unicode text)", "loads"),
    "test_latin1_is_refused_with_its_line": ("text encodings", "a Latin-1 byte in a file",
                                             "error: file, line, byte; 'expected UTF-8 text'"),
    "test_semicolons_load": ("separators", "semicolons instead of commas", "loads"),
    "test_blank_lines_load": ("blank lines", "blank lines between rows and at the end", "loads"),
    "test_competition_zip_is_read_in_place": ("the data folder", "only the competition's zip",
                                              "loads from the zip; nothing extracted or written"),
    "test_data_dir_that_does_not_exist": ("the data folder", "DIGITS_DATA_DIR misspelt",
                                          "error naming the variable; no folder created"),
    "test_data_dir_that_is_a_file": ("the data folder", "DIGITS_DATA_DIR naming a file", "error naming the file"),
    "test_data_dir_without_the_files": ("the data folder", "DIGITS_DATA_DIR empty or holding other files",
                                        "error: 'holds neither train.csv nor test.csv'"),
    "test_damaged_embedded_file_spares_own_csvs": ("the data folder", "a damaged mnist.npz beside one's own CSVs",
                                                   "loads (labels hidden)"),
    "test_submission_rows_in_any_order": ("submissions", "rows not sorted by ImageId", "valid, sorted; same score"),
    "test_submission_encodings_and_blank_lines": ("submissions", "BOM, UTF-16, CRLF, blank trailing lines",
                                                  "valid"),
    "test_submission_latin1_is_refused": ("submissions", "a Latin-1 byte", "error: file, line"),
    "test_score_command_on_own_data_with_wrong_length": ("command lines", "score FILE of the wrong length, own data",
                                                         "exit 2, one 'error:' line"),
    "test_worker_command_errors_exit_2": ("command lines", "search worker with an unknown objective",
                                          "exit 2, one 'error:' line"),
    "test_damaged_study_database_is_named": ("caches and databases", "a study database that is not SQLite",
                                             "error naming the database"),
    "test_truncated_cache_entry_is_refitted": ("caches and databases", "a fit entry cut short (a full disk)",
                                               "refitted, with a warning naming the entry"),
    "test_two_processes_share_one_fit_cache": ("caches and databases", "two processes fitting into one cache",
                                               "every entry complete; none lost"),
    "test_first_run_killed_at_any_moment_leaves_both_files_or_neither": (
        "an interrupted first run", "killed at 14 moments while writing the embedded CSVs",
        "both files or neither; the next run completes them"),
}


def frames(n_train: int = 6, n_test: int = 3, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    train = pd.DataFrame(rng.integers(0, 256, (n_train, 784)), columns=data.pixel_columns())
    train.insert(0, "label", np.arange(n_train) % 10)
    test = pd.DataFrame(rng.integers(0, 256, (n_test, 784)), columns=data.pixel_columns())
    return train, test


def write_pair(folder, train, test, **to_csv):
    folder.mkdir(parents=True, exist_ok=True)
    train.to_csv(folder / "train.csv", index=False, **to_csv)
    test.to_csv(folder / "test.csv", index=False, **to_csv)
    return folder


def expected(train, test):
    return (train[data.pixel_columns()].to_numpy(np.uint8), train["label"].to_numpy(np.int64),
            test.to_numpy(np.uint8))


def assert_loads(folder, train, test):
    X, y, X_test = data.read_csvs(folder)
    for got, want in zip((X, y, X_test), expected(train, test), strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.fixture(autouse=True)
def own_cache(private_cache):
    return private_cache


def test_every_case_has_a_test_and_every_test_a_case():
    tests = {name for name, _ in inspect.getmembers(sys.modules[__name__], inspect.isfunction)
             if name.startswith("test_") and name != "test_every_case_has_a_test_and_every_test_a_case"}
    assert tests == set(CASES)


def test_integral_floats_load(tmp_path):
    train, test = frames()
    write_pair(tmp_path, train.astype(float), test.astype(float))
    assert "5.0" in (tmp_path / "train.csv").read_text() or ".0," in (tmp_path / "train.csv").read_text()
    assert_loads(tmp_path, train, test)


def test_fractional_value_is_refused(tmp_path):
    train, test = frames()
    train = train.astype(float)
    train.loc[2, "pixel7"] = 5.5
    write_pair(tmp_path, train, test)
    with pytest.raises(ValueError, match=r"train.csv: row 3 \(line 4\), column 'pixel7' holds 5.5; expected an int"):
        data.read_csvs(tmp_path)


def test_utf8_bom_loads(tmp_path):
    train, test = frames()
    write_pair(tmp_path, train, test, encoding="utf-8-sig")
    assert (tmp_path / "train.csv").read_bytes().startswith(codecs.BOM_UTF8)
    assert_loads(tmp_path, train, test)


@pytest.mark.parametrize("sep", [",", "\t"])
def test_utf16_loads(tmp_path, sep):
    train, test = frames()
    write_pair(tmp_path, train, test, encoding="utf-16", sep=sep)
    assert (tmp_path / "test.csv").read_bytes()[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    assert_loads(tmp_path, train, test)


def test_latin1_is_refused_with_its_line(tmp_path):
    train, test = frames()
    write_pair(tmp_path, train, test)
    lines = (tmp_path / "test.csv").read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b",", b",\xe9", 1)
    (tmp_path / "test.csv").write_bytes(b"\n".join(lines))
    with pytest.raises(ValueError, match=r"test.csv: line 3 is not UTF-8 text \(byte 0xe9 at offset \d+\); expected"):
        data.read_csvs(tmp_path)


def test_semicolons_load(tmp_path):
    train, test = frames()
    write_pair(tmp_path, train, test, sep=";")
    assert_loads(tmp_path, train, test)


def test_blank_lines_load(tmp_path):
    train, test = frames()
    write_pair(tmp_path, train, test)
    text = (tmp_path / "train.csv").read_text().splitlines()
    (tmp_path / "train.csv").write_text("\n".join(text[:3] + [""] + text[3:]) + "\n\n\n")
    assert_loads(tmp_path, train, test)


def test_competition_zip_is_read_in_place(tmp_path, monkeypatch):
    train, test = frames()
    staging = write_pair(tmp_path / "staging", train, test)
    folder = tmp_path / "download"
    folder.mkdir()
    with zipfile.ZipFile(folder / "digit-recognizer.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("train.csv", "test.csv"):
            z.write(staging / name, name)
        z.writestr("sample_submission.csv", "ImageId,Label\n1,0\n")
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(folder))
    digits = data.load_digits(FULL)
    np.testing.assert_array_equal(digits.X_test, expected(train, test)[2])
    assert digits.source == data.SOURCE_KAGGLE
    assert sorted(p.name for p in folder.iterdir()) == ["digit-recognizer.zip"]  # nothing extracted or written
    assert "digit-recognizer.zip:train.csv" in data.csv_identity(folder)
    source, _ = kaggle_csv.csv_sources(folder)
    assert str(source).endswith("digit-recognizer.zip (train.csv)") and source.name == "train.csv"


def test_data_dir_that_does_not_exist(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "my-dta"))
    with pytest.raises(FileNotFoundError, match=r"\$DIGITS_DATA_DIR=.*my-dta does not exist; expected a folder"):
        data.load_digits(FULL)
    assert not (tmp_path / "my-dta").exists()


def test_data_dir_that_is_a_file(tmp_path, monkeypatch):
    (tmp_path / "train.csv").write_text("label\n")
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "train.csv"))
    with pytest.raises(NotADirectoryError, match="train.csv is a file; expected a folder"):
        data.load_digits(FULL)


def test_data_dir_without_the_files(tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("my digits are elsewhere")
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="holds neither train.csv nor test.csv"):
        data.load_digits(FULL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_damaged_embedded_file_spares_own_csvs(tmp_path, monkeypatch):
    train, test = frames()
    write_pair(tmp_path / "mine", train, test)
    damaged = tmp_path / "fake-repo" / "mnist.npz"
    damaged.parent.mkdir()
    damaged.write_bytes(b"not a zip")
    monkeypatch.setattr(embedded, "embedded_path", lambda: damaged)
    embedded.embedded_arrays.cache_clear()
    embedded._split.cache_clear()
    try:
        digits = data.load_digits(FULL, folder=tmp_path / "mine")
        assert digits.source == data.SOURCE_KAGGLE and len(digits.X) == len(train)
        assert not submission.labels_are_available(tmp_path / "mine")
    finally:
        embedded.embedded_arrays.cache_clear()
        embedded._split.cache_clear()


def test_submission_rows_in_any_order(tmp_path):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 10, 50)
    plain = write_submission(labels, tmp_path / "plain.csv")
    rows = plain.read_text().splitlines()
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("\n".join([rows[0], *rng.permutation(rows[1:])]) + "\n")
    frame = validate_submission(shuffled, n_rows=50)
    assert frame["ImageId"].tolist() == list(range(1, 51)) and frame["Label"].tolist() == labels.tolist()


def test_submission_encodings_and_blank_lines(tmp_path):
    text = "ImageId,Label\n1,3\n2,4\n3,5\n"
    for name, raw in {"bom": codecs.BOM_UTF8 + text.encode(), "utf16": text.encode("utf-16"),
                      "crlf": text.replace("\n", "\r\n").encode(), "blank": (text + "\n\n").encode(),
                      "floats": text.replace(",3\n", ",3.0\n").encode()}.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(raw)
        assert validate_submission(path, n_rows=3)["Label"].tolist() == [3, 4, 5], name


def test_submission_latin1_is_refused(tmp_path):
    path = tmp_path / "sub.csv"
    path.write_bytes(b"ImageId,Label\n1,3\n2,\xe94\n")
    with pytest.raises(ValueError, match=r"sub.csv: line 3 is not UTF-8 text"):
        validate_submission(path, n_rows=2)


def test_score_command_on_own_data_with_wrong_length(tmp_path, monkeypatch, capsys):
    train, test = frames(n_test=3)
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(write_pair(tmp_path / "mine", train, test)))
    short = tmp_path / "short.csv"
    short.write_text("ImageId,Label\n1,1\n2,2\n")
    assert submission.main(["score", str(short)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "2 data rows; expected 3" in err[0]
    good = tmp_path / "good.csv"
    good.write_text("ImageId,Label\n1,1\n2,2\n3,3\n")
    assert submission.main(["score", str(good)]) == 0
    assert "labels are hidden" in capsys.readouterr().out


def test_worker_command_errors_exit_2(tmp_path, capsys):
    from digits_helpers.search import cli

    url = f"sqlite:///{tmp_path / 'studies.db'}"
    with pytest.raises(SystemExit) as stop:
        cli.main(["worker", "--study", "s", "--trials", "1", "--storage", url, "--objective", "nope"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("error: ")]
    assert len(errors) == 1 and "'nope' is not registered" in errors[0] and err[-1] == errors[0]


KILLED_WRITER = """
import sys
from pathlib import Path
import numpy as np
from digits_helpers.data import kaggle_csv
rng = np.random.default_rng(0)
X = rng.integers(0, 256, (4000, 784), dtype=np.uint8)
kaggle_csv.embedded_train_test = lambda: (X, np.arange(4000) % 10, X[:2500])
print("ready", flush=True)
kaggle_csv.ensure_csvs(Path(sys.argv[1]))
print("done", flush=True)
"""


def test_first_run_killed_at_any_moment_leaves_both_files_or_neither(tmp_path, monkeypatch):
    import signal
    import subprocess
    import time

    def start(folder):
        process = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(folder)], stdout=subprocess.PIPE,
                                   text=True)
        assert process.stdout.readline().strip() == "ready"
        return process, time.perf_counter()

    reference = tmp_path / "reference"
    process, began = start(reference)
    assert process.stdout.readline().strip() == "done" and process.wait() == 0
    duration = time.perf_counter() - began
    want = {name: (reference / name).read_bytes() for name in kaggle_csv.NAMES}
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (4000, 784), dtype=np.uint8)
    monkeypatch.setattr(kaggle_csv, "embedded_train_test", lambda: (X, np.arange(4000) % 10, X[:2500]))
    seen = set()
    for k in range(14):
        folder = tmp_path / f"killed-{k}"
        process, began = start(folder)
        time.sleep(max(0.0, duration * k / 12 - (time.perf_counter() - began)))
        process.send_signal(signal.SIGKILL)
        process.wait()
        visible = tuple(name for name in kaggle_csv.NAMES if (folder / name).exists())
        marker = (folder / kaggle_csv.MARKER).exists()
        seen.add((visible, marker))
        # what a later run sees: both files or neither (a pair half put in place carries the marker)
        assert len(visible) in (0, 2) or marker, (k, visible)
        kaggle_csv.ensure_csvs(folder)  # ... and a later run succeeds, with the complete files
        assert {name: (folder / name).read_bytes() for name in kaggle_csv.NAMES} == want, k
        assert sorted(p.name for p in folder.iterdir()) == ["test.csv", "train.csv"], k
    assert len(seen) >= 2, seen  # the kills fell at different stages


def test_damaged_study_database_is_named(tmp_path):
    from digits_helpers import search

    damaged = tmp_path / "studies.db"
    damaged.write_bytes(b"not a database" * 100)
    message = f"cannot open the Optuna storage 'sqlite:///{damaged}'.*file is not a database"
    with pytest.raises(ValueError, match=message):
        search.open_study("s", search.storage_url(damaged))


def test_truncated_cache_entry_is_refitted(tmp_path, private_cache):
    from sklearn.linear_model import LogisticRegression

    from digits_helpers import cached

    X, y, _ = embedded.embedded_train_test()

    @cached
    def fit_logistic(C, X, y):
        return LogisticRegression(C=C, max_iter=20).fit(X, y)

    first = fit_logistic(0.1, X[:300], y[:300])
    (entry,) = (private_cache / "calls" / "fit_logistic").iterdir()
    entry.write_bytes(entry.read_bytes()[:100])  # cut short
    with pytest.warns(UserWarning, match=f"{entry.name}.*could not be read"):
        again = fit_logistic(0.1, X[:300], y[:300])
    np.testing.assert_array_equal(again.coef_, first.coef_)
    assert entry.stat().st_size > 100  # written again, whole


SHARED_CACHE_FITTER = """
from sklearn.linear_model import LogisticRegression
from digits_helpers import cached
from digits_helpers.data import embedded
X, y, _ = embedded.embedded_train_test()
@cached
def fit_logistic(C, X, y):
    return LogisticRegression(C=C, max_iter=30).fit(X, y)
for C in (0.01, 0.1, 1.0, 10.0):
    fit_logistic(C, X[:400], y[:400])
"""


def test_two_processes_share_one_fit_cache(tmp_path, private_cache):
    import subprocess

    import joblib

    env = {**os.environ, "DIGITS_CACHE_DIR": str(private_cache)}
    workers = [subprocess.Popen([sys.executable, "-c", SHARED_CACHE_FITTER], env=env) for _ in range(2)]
    assert [w.wait(timeout=300) for w in workers] == [0, 0]
    entries = sorted((private_cache / "calls" / "fit_logistic").iterdir())
    assert [p.suffix for p in entries] == [".joblib"] * 4  # four fits, no temporary file left
    assert all(hasattr(joblib.load(p), "coef_") for p in entries)
