"""The records the model chapters save and the later chapters read, the submission check,
and the words the glued sentences are made of."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from digits_helpers import check_submission, load_results, paths
from digits_helpers.evaluate import records
from digits_helpers.page import wording
from digits_helpers.profiles import PROFILES


@pytest.mark.parametrize(("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"),
                                         (12, "12th"), (21, "21st"), (22, "22nd"), (113, "113th")])
def test_ordinal(n, text):
    assert wording.ordinal(n) == text


def test_wording_helpers():
    assert wording.and_join([4]) == "4" and wording.and_join([]) == ""
    assert wording.and_join(["5→6", "8→3", "9→7"]) == "5→6, 8→3 and 9→7"
    assert wording.plural(1, "error") == "1 error" and wording.plural(1200, "error") == "1,200 errors"
    assert wording.percent(0.99224) == "99.22 %" and wording.percent(0.5, decimals=0) == "50 %"
    assert wording.points(0.0012) == "0.12" and wording.points(-0.01, decimals=1) == "-1.0"
    assert wording.points(0.0012, signed=True) == "+0.12" and wording.points(-0.0005, signed=True) == "-0.05"


def test_named_list_and_rank_phrase():
    assert wording.named_list("digit", [8]) == "digit 8"
    assert wording.named_list("digit", [8, 9]) == "digits 8 and 9"
    assert wording.rank_phrase(1, 1, "pair") == "the most frequent pair"
    assert wording.rank_phrase(3, 1, "pair") == "the 3rd most frequent pair"
    assert wording.rank_phrase(1, 3, "confusion") == "the most frequent confusion, tied with 2 others"
    assert wording.rank_phrase(2, 2, "pair") == "the 2nd most frequent pair, tied with 1 other"
    assert wording.rank_phrase(None, 0, "pair") == "not among the pairs seen at all"


def test_time_change_says_what_a_timing_resolves():
    assert wording.time_change(10.0, 8.7) == "saves 13 % of the epoch"
    assert wording.time_change(10.0, 10.8, "an epoch") == "adds 8 % to an epoch"
    assert wording.time_change(10.0, 10.2) == "changes the epoch by less than this timing resolves (+2 %)"
    assert wording.time_change(10.0, 9.6, resolution=0.02) == "saves 4 % of the epoch"


def test_recorded_params_are_json():
    params = {"filters": (16, 32), "precision": "float32"}
    assert records.jsonable_params(params) == {"filters": [16, 32], "precision": "float32"}
    assert json.loads(json.dumps(records.jsonable_params(params))) == records.jsonable_params(params)


def test_records_and_submissions_go_where_the_environment_says(tmp_path, monkeypatch):
    smoke = PROFILES["smoke"]
    monkeypatch.delenv(paths.RESULTS_ENV, raising=False)
    monkeypatch.delenv(paths.SUBMISSIONS_ENV, raising=False)
    assert records.submissions_dir(smoke).parts[-2:] == ("submissions", "smoke")
    assert records.results_dir(smoke).parts[-2:] == ("results", "smoke")
    monkeypatch.setenv(paths.RESULTS_ENV, str(tmp_path / "r"))
    monkeypatch.setenv(paths.SUBMISSIONS_ENV, str(tmp_path / "s"))
    assert records.results_dir(smoke) == tmp_path / "r" / "smoke"
    assert records.submissions_dir(smoke) == tmp_path / "s" / "smoke"


def test_seconds_and_speed_read_as_phrases():
    assert wording.seconds(8.34) == "8.3" and wording.seconds(0.041) == "0.04"
    assert wording.faster(8.31, 3.62) == "2.3 times faster than"
    assert wording.faster(3.0, 4.5) == "1.5 times slower than"
    assert wording.faster(1.0, 1.02) == "about as fast as"


def test_ratios_read_as_phrases():
    from digits_helpers.page.wording import as_long_as, times

    assert [as_long_as(r) for r in (1.02, 0.5, 2.03, 1.3, 0.62, 0.03, 0.0016)] == [
        "about as long as", "half as long as", "twice as long as", "1.3 times as long as",
        "62 % of the time of", "3 % of the time of", "under 1 % of the time of"]
    assert [times(r) for r in (1.0, 2.0, 5.44, 0.5, 0.3)] == [
        "the same", "twice", "5.4 times", "half", "0.3 times"]



def test_results_saved_with_their_validation_probabilities_are_read_back_best_first(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.RESULTS_ENV, str(tmp_path / "results"))
    smoke = PROFILES["smoke"]
    digits = SimpleNamespace(profile=smoke, source="embedded")
    assert load_results(digits).empty  # before any chapter has run
    proba = np.eye(10, dtype=np.float32)[[1, 2, 3]]
    for model, val in (("logistic", 0.9), ("mlp", 0.95)):
        record = records.ModelRecord(model=model, description=f"{model} model", test_accuracy=None,
                                     val_accuracy=val, fit_seconds=1.0, n_train=100, data_source="embedded",
                                     n_parameters=10)
        records.save_val_proba(record, proba, smoke)
    records.record(records.ModelRecord(model="other", description="made on other data", test_accuracy=None,
                                       val_accuracy=0.99, fit_seconds=1.0, n_train=100, data_source="kaggle"),
                   smoke)
    results = load_results(digits)
    assert results["model"].tolist() == ["mlp", "logistic"]  # most accurate on validation first
    assert np.array_equal(np.load(results.loc[0, "val_proba"]), proba)
    assert "data_source" not in results and results["n_parameters"].tolist() == [10, 10]
    # recorded again without probabilities (a chapter's shown cells alone): the file is kept
    again = records.ModelRecord(model="mlp", description="mlp refitted", test_accuracy=0.96,
                                val_accuracy=0.95, fit_seconds=2.0, n_train=100, data_source="embedded")
    records.record(again, smoke)
    kept = load_results(digits).set_index("model").loc["mlp"]
    assert kept.description == "mlp refitted" and np.array_equal(np.load(kept.val_proba), proba)



def test_a_fitted_model_is_kept_with_its_probabilities_and_reloads_to_give_them(tmp_path, monkeypatch):
    import joblib
    from sklearn.linear_model import LogisticRegression

    monkeypatch.setenv(paths.RESULTS_ENV, str(tmp_path / "results"))
    smoke = PROFILES["smoke"]
    digits = SimpleNamespace(profile=smoke, source="embedded")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 4)), np.arange(60) % 3
    model = LogisticRegression().fit(X, y)
    record = records.ModelRecord(model="logistic", description="lr", test_accuracy=None,
                                 val_accuracy=0.9, fit_seconds=1.0, n_train=60, data_source="embedded")
    records.save_fitted(record, [model], model.predict_proba(X[:10]), model.predict_proba(X[10:]), smoke)
    row = load_results(digits).set_index("model").loc["logistic"]
    assert len(row.fitted) == 1 and row.fitted[0].endswith(".joblib")
    np.testing.assert_allclose(joblib.load(row.fitted[0]).predict_proba(X[10:]), np.load(row.test_proba),
                               rtol=1e-6)
    assert row.calibration == {}
    # recorded again without probabilities (the refit's record): files and calibration stay named
    records.record(records.ModelRecord(model="logistic", description="lr refitted", test_accuracy=0.9,
                                       val_accuracy=0.9, fit_seconds=1.0, n_train=60,
                                       data_source="embedded"), smoke)
    again = load_results(digits).set_index("model").loc["logistic"]
    assert again.fitted == row.fitted and again.test_proba == row.test_proba
    records.record(records.ModelRecord(**{**records.load_records(smoke)["logistic"].__dict__,
                                          "calibration": {"temperature": 1.5}}), smoke)
    assert load_results(digits).set_index("model").loc["logistic"].calibration == {"temperature": 1.5}


def test_check_submission_names_the_problem_and_scores_only_the_embedded_test_set(tmp_path):
    X_test = np.zeros((3, 784), dtype=np.uint8)
    digits = SimpleNamespace(X_test=X_test, folder=tmp_path, is_embedded=False)
    good = tmp_path / "good.csv"
    pd.DataFrame({"ImageId": [1, 2, 3], "Label": [0, 1, 2]}).to_csv(good, index=False)
    assert check_submission(good, digits) is None  # Kaggle's own files: only Kaggle can score
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"ImageId": [1, 2, 3], "Label": [0, 11, 2]}).to_csv(bad, index=False)
    with pytest.raises(ValueError, match="bad.csv"):
        check_submission(bad, digits)
    short = tmp_path / "short.csv"
    pd.DataFrame({"ImageId": [1, 2], "Label": [0, 1]}).to_csv(short, index=False)
    with pytest.raises(ValueError, match="short.csv"):
        check_submission(short, digits)
