"""Submissions: writing, every defect the validator names, local scoring, the command line."""

import numpy as np
import pandas as pd
import pytest

from digits_helpers import data
from digits_helpers.data import embedded
from digits_helpers.evaluate import submission
from digits_helpers.evaluate.submission import (
    LabelsHiddenError,
    score_submission,
    validate_submission,
    write_submission,
)


def write_rows(path, rows, header="ImageId,Label"):
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def good_rows(n=5):
    return [f"{i},{i % 10}" for i in range(1, n + 1)]


def test_write_then_validate(tmp_path):
    path = write_submission(np.array([3, 1, 4, 1, 5]), tmp_path / "sub.csv")
    assert path.read_text().splitlines()[:2] == ["ImageId,Label", "1,3"]
    frame = validate_submission(path, n_rows=5)
    assert list(frame["Label"]) == [3, 1, 4, 1, 5]


def test_existing_submission_is_not_replaced_silently(tmp_path):
    path = write_submission(np.array([1, 2]), tmp_path / "sub.csv")
    write_submission(np.array([1, 2]), path)  # the same content: nothing to do
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_submission(np.array([2, 1]), path)
    assert validate_submission(path, n_rows=2)["Label"].tolist() == [1, 2]
    write_submission(np.array([2, 1]), path, overwrite=True)
    assert validate_submission(path, n_rows=2)["Label"].tolist() == [2, 1]


def test_write_refuses_bad_labels(tmp_path):
    with pytest.raises(ValueError, match="label 12 at position 1 is outside 0-9"):
        write_submission(np.array([1, 12]), tmp_path / "sub.csv")
    with pytest.raises(ValueError, match="integer labels"):
        write_submission(np.array([0.5, 1.0]), tmp_path / "sub.csv")


@pytest.mark.parametrize("rows, header, message", [
    (good_rows(), "Id,Label", r"header is 'Id,Label'; expected 'ImageId,Label'"),
    (good_rows(4), "ImageId,Label", r"4 data rows; expected 5"),
    (["1,1", "2,2", "2,3", "4,4", "5,5"], "ImageId,Label",
     r"row 3 \(line 4\): ImageId 2 is a duplicate \(first on line 3\); expected each ImageId once"),
    (["1,1", "9,2", "2,3", "4,4", "5,5"], "ImageId,Label", r"row 2 \(line 3\): ImageId 9 is outside 1-5"),
    (["1,1", "2,2", "3,10", "4,4", "5,5"], "ImageId,Label", r"row 3 \(line 4\): Label 10 is outside 0-9"),
    (["1,1", "2,", "3,3", "4,4", "5,5"], "ImageId,Label", r"row 2 \(line 3\) has a blank field"),
    (["1,1", "2,2", "3,three", "4,4", "5,5"], "ImageId,Label", r"row 3 \(line 4\): '3,three' is not two integers"),
    (["1,1", "2,2,2", "3,3", "4,4", "5,5"], "ImageId,Label", r"row 2 \(line 3\) has 3 fields"),
    (["1,1", "2,2.5", "3,3", "4,4", "5,5"], "ImageId,Label", r"row 2 \(line 3\): '2,2.5' is not two integers"),
])
def test_each_defect_is_named(tmp_path, rows, header, message):
    path = write_rows(tmp_path / "sub.csv", rows, header)
    with pytest.raises(ValueError, match=message):
        validate_submission(path, n_rows=5)


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="empty file"):
        validate_submission(tmp_path / "empty.csv", n_rows=5)
    with pytest.raises(FileNotFoundError, match="no such submission file"):
        validate_submission(tmp_path / "none.csv", n_rows=5)


@pytest.fixture(scope="module")
def embedded_folder(tmp_path_factory):
    return data.ensure_csvs(tmp_path_factory.mktemp("embedded"))


def test_scores_on_the_held_out_labels(tmp_path, embedded_folder):
    truth = embedded.held_out_test_labels()
    perfect = write_submission(truth, tmp_path / "perfect.csv")
    score = score_submission(perfect, embedded_folder)
    assert score.accuracy == 1.0 and score.n == 28_000
    assert list(score.per_class["digit"]) == list(range(10)) and (score.per_class["accuracy"] == 1).all()
    wrong = truth.copy()
    wrong[:280] = (wrong[:280] + 1) % 10
    score = score_submission(write_submission(wrong, tmp_path / "wrong.csv"), embedded_folder)
    assert score.accuracy == pytest.approx(0.99)


def test_refuses_to_score_another_test_set(tmp_path):
    rng = np.random.default_rng(0)
    train = pd.DataFrame(rng.integers(0, 256, (10, 784)), columns=data.pixel_columns())
    train.insert(0, "label", np.arange(10))
    train.to_csv(tmp_path / "train.csv", index=False)
    test = pd.DataFrame(rng.integers(0, 256, (3, 784)), columns=data.pixel_columns())
    test.to_csv(tmp_path / "test.csv", index=False)
    path = write_submission(np.array([1, 2, 3]), tmp_path / "sub.csv")
    assert not submission.labels_are_available(tmp_path)
    with pytest.raises(LabelsHiddenError, match="labels are hidden"):
        score_submission(path, tmp_path)


def test_command_line(tmp_path, monkeypatch, capsys, embedded_folder):
    monkeypatch.setenv("DIGITS_DATA_DIR", str(embedded_folder))
    truth = embedded.held_out_test_labels()
    path = write_submission(truth, tmp_path / "sub.csv")
    assert submission.main(["score", str(path)]) == 0
    assert "accuracy 100.00% on 28,000 test images" in capsys.readouterr().out
    bad = write_rows(tmp_path / "bad.csv", good_rows(3))
    assert submission.main(["validate", str(bad)]) == 2
    assert "3 data rows; expected 28000" in capsys.readouterr().err
