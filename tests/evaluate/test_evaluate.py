"""Error analysis and comparison helpers: confusions, confidence, model choice, the family table."""

from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from digits_helpers import paths
from digits_helpers.evaluate import comparison, confusions, records, submission
from digits_helpers.evaluate.choice import choose_model
from digits_helpers.evaluate.comparison import tradeoff
from digits_helpers.evaluate.confusions import (
    confused_pairs,
    confusion,
    coverage_curve,
    errors_per_class,
    pair_rank,
    prediction_table,
)
from digits_helpers.page import plotting, wording
from digits_helpers.profiles import PROFILES


def record(model, val, test=0.9, seconds=1.0, params=None, source="embedded", path=""):
    return SimpleNamespace(model=model, description=f"{model} model", val_accuracy=val, test_accuracy=test,
                           fit_seconds=seconds, n_train=100, params=params or {}, submission=path,
                           data_source=source, val_params=None)


@pytest.fixture
def labels():
    # 4 -> 9 three times, 9 -> 4 once, 2 -> 7 twice, 3 -> 5 once; class 0 always right
    y_true = np.array([0, 0, 4, 4, 4, 4, 9, 9, 2, 2, 2, 3, 3])
    y_pred = np.array([0, 0, 9, 9, 9, 4, 4, 9, 7, 7, 2, 5, 3])
    return y_true, y_pred


def test_confusion_counts(labels):
    cm = confusion(*labels)
    assert cm.shape == (10, 10) and cm.sum() == len(labels[0])
    assert cm[4, 9] == 3 and cm[9, 4] == 1 and cm[2, 7] == 2 and cm[0, 0] == 2
    assert np.trace(confusions.off_diagonal(cm)) == 0 and cm.trace() == 6


def test_confusion_rejects_bad_input():
    with pytest.raises(ValueError, match="one length"):
        confusion(np.array([1, 2]), np.array([1]))
    with pytest.raises(ValueError, match="0-9"):
        confusion(np.array([1, 12]), np.array([1, 2]))


def test_errors_per_class(labels):
    table = errors_per_class(confusion(*labels)).set_index("digit")
    assert table.loc[4, "missed"] == 3 and table.loc[4, "wrongly_predicted"] == 1
    assert table.loc[9, "missed"] == 1 and table.loc[9, "wrongly_predicted"] == 3
    assert table.loc[4, "error_rate"] == pytest.approx(0.75)
    assert table.loc[1, "rows"] == 0 and table.loc[1, "error_rate"] == 0  # no rows: no division by zero
    assert table["missed"].sum() == table["wrongly_predicted"].sum() == 7


def test_confused_pairs_directed_and_symmetric(labels):
    cm = confusion(*labels)
    directed = confused_pairs(cm)
    assert list(directed.columns) == ["rank", "true", "predicted", "errors", "share"]
    assert directed.iloc[0][["true", "predicted", "errors"]].tolist() == [4, 9, 3]
    assert directed["share"].sum() == pytest.approx(1)
    assert pair_rank(directed, 2, 7) == (2, 2)
    assert pair_rank(directed, 9, 4) == (3, 1) and pair_rank(directed, 3, 5) == (3, 1)  # ties share a rank
    assert pair_rank(directed, 7, 2) == (None, 0)
    symmetric = confused_pairs(cm, symmetric=True)
    assert symmetric.iloc[0][["a", "b", "errors", "a_to_b", "b_to_a"]].tolist() == [4, 9, 4, 3, 1]
    assert pair_rank(symmetric, 9, 4) == pair_rank(symmetric, 4, 9) == (1, 4)


def test_confused_pairs_without_errors():
    cm = confusion(np.array([1, 2]), np.array([1, 2]))
    assert confused_pairs(cm).empty and confused_pairs(cm, symmetric=True).empty


@pytest.mark.parametrize(("n", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"),
                                         (12, "12th"), (21, "21st"), (22, "22nd"), (113, "113th")])
def test_ordinal(n, text):
    assert wording.ordinal(n) == text


def test_prediction_table_and_coverage():
    proba = np.array([[0.9, 0.1, 0.0], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.45, 0.55, 0.0]])
    y = np.array([0, 2, 2, 0])
    table = prediction_table(proba, y)
    assert table["predicted"].tolist() == [0, 1, 2, 1]
    assert table["second"].tolist() == [1, 2, 1, 0]
    assert table["confidence"].tolist() == pytest.approx([0.9, 0.5, 0.6, 0.55])
    assert table["correct"].tolist() == [True, False, True, False]
    curve = coverage_curve(table["confidence"], table["correct"])
    # kept in order of confidence: 0.9 (right), 0.6 (right), 0.55 (wrong), 0.5 (wrong)
    assert curve["accuracy"].tolist() == pytest.approx([1, 1, 2 / 3, 0.5])
    assert curve["errors_kept"].tolist() == pytest.approx([0, 0, 0.5, 1])
    assert confusions.accuracy_at_coverage(curve, 0.5) == (pytest.approx(1.0), pytest.approx(0.0))
    assert confusions.accuracy_at_coverage(curve, 1.0) == (pytest.approx(0.5), pytest.approx(1.0))
    with pytest.raises(ValueError, match="probabilities"):
        prediction_table(proba[:2], y)


def test_choose_model_picks_best_refittable_record():
    records = {"cnn": record("cnn", 0.99), "mlp": record("mlp", 0.97, params={"hidden_layer_sizes": [400, 300]}),
               "logistic": record("logistic", 0.92), "old": record("mlp2", 0.995, source="other data")}
    choice = choose_model(records, builders=["logistic", "mlp"], fallback=("mlp", {}, "recipe"),
                          data_source="embedded")
    assert choice.model == "mlp" and choice.from_record and choice.val_accuracy == 0.97
    assert choice.params == {"hidden_layer_sizes": (400, 300)}  # JSON lists back to tuples
    assert choice.passed_over == [("cnn", 0.99)]
    # a CNN builder added later is picked up without changing the chapter
    assert choose_model(records, ["logistic", "mlp", "cnn"], ("mlp", {}, "recipe")).model == "cnn"


def test_choose_model_keeps_the_settings_behind_the_validation_accuracy():
    search = {"epochs": 24, "early_stopping": 4, "dropouts": [0.25, 0.4]}
    records = {"cnn_deep": record("cnn_deep", 0.996, params={"epochs": 13})}
    records["cnn_deep"].val_params = search
    choice = choose_model(records, ["cnn_deep"], ("mlp", {}, "recipe"))
    assert choice.params == {"epochs": 13}
    assert choice.fitting_params == {"epochs": 24, "early_stopping": 4, "dropouts": (0.25, 0.4)}
    assert choose_model({"mlp": record("mlp", 0.97)}, ["mlp"], ("mlp", {}, "r")).fitting_params == {}


def test_choose_model_falls_back_without_usable_records():
    records = {"mlp": record("mlp", None), "logistic": record("logistic", 0.9, source="other")}
    choice = choose_model(records, ["mlp"], ("mlp", {"max_iter": 3}, "the recipe"), data_source="embedded")
    assert (choice.model, choice.params, choice.description, choice.from_record) == ("mlp", {"max_iter": 3},
                                                                                     "the recipe", False)
    assert choose_model({}, ["mlp"], ("mlp", {}, "r")).passed_over == []


def test_n_parameters():
    assert comparison.n_parameters("logistic", {"C": 1}) == 7850
    assert comparison.n_parameters("logistic", {"fit_intercept": False}) == 7840
    mlp = 784 * 400 + 400 + 400 * 300 + 300 + 3010
    assert comparison.n_parameters("mlp", {"hidden_layer_sizes": [400, 300]}) == mlp
    assert comparison.n_parameters("mlp", {}) == 784 * 100 + 100 + 1010  # scikit-learn's default (100,)
    assert comparison.n_parameters("mlp", {"hidden_layer_sizes": 50}) == 784 * 50 + 50 + 510
    assert comparison.n_parameters("forest", {}) is None  # a family it cannot count
    assert comparison.n_parameters("cnn", {"n_parameters": 1234}) == 1234


def test_describe_settings():
    text = comparison.describe_settings({"prep": "deskew", "C": 0.1, "hidden_layer_sizes": (600,), "n_parameters": 5})
    assert text == "prep=deskew, C=0.1, hidden_layer_sizes=(600,)"


def test_changed_settings_leave_out_the_familys_defaults():
    # scikit-learn: the maker's default prep ("scale") and the classifier's defaults drop out
    assert comparison.changed_settings("logistic", {"prep": "scale", "C": 1.0, "tol": 1e-3, "n_parameters": 9}) == \
        {"tol": 1e-3}
    assert comparison.changed_settings("mlp", {"prep": "deskew", "solver": "sgd", "alpha": 0.0001,
                                               "hidden_layer_sizes": [100]}) == {"prep": "deskew"}
    # a Keras recipe: its fields' defaults and its network builder's (JSON lists read as tuples)
    lenet = {"builder": "lenet", "filters": 16, "kernel_size": 5, "dropouts": [0.2, 0.2, 0.3], "epochs": 12}
    changed = comparison.changed_settings("cnn_lenet", lenet)
    assert "kernel_size" in changed and "filters" not in changed and "dropouts" not in changed
    assert comparison.changed_settings("cnn_lenet", {**lenet, "batch_norm": 0}) == changed | {"batch_norm": 0}
    ensemble = {"members": {"deep": {"family": "cnn_deep"}, "small": {}}, "test_time_augmentation": ["as given"]}
    assert comparison.describe_settings(comparison.changed_settings("ensemble", ensemble)) == \
        "members=(deep, small), test-time augmentation=yes"
    # a family without a maker keeps every setting
    assert comparison.changed_settings("forest", {"trees": 100}) == {"trees": 100}


def test_comparison_sentences():
    from digits_helpers.page import comparison_text

    families = pd.DataFrame({"model": ["b", "a"], "description": ["B net", "A net"],
                             "test_accuracy": [0.99, 0.98], "val_accuracy": [0.991, 0.981],
                             "fit_seconds": [40.0, 20.0], "n_parameters": [2000, 100]})
    said = comparison_text.conclusions(families, n_test=28_000)
    assert said["cmp_best"] == "“B net”" and "99.10 % on validation and 99.00 % on the test set" in said["cmp_best_acc"]
    assert said["cmp_headline"].startswith("its fit takes twice as long as the fit of the next most accurate")
    assert "1.00 points more accurate there: 10.0 fewer errors per 1,000 digits" in said["cmp_headline"]
    assert said["cmp_fastest"] == "“A net”" and said["cmp_fastest_seconds"] == "20.0"
    assert said["cmp_params"] == "b has the most learned parameters (2,000), 20 times as many as a"
    ref = pd.DataFrame({"difference": [0.5, -0.25], "time_ratio": [0.5, None]}, index=["a", "b"])
    assert comparison_text.reference_sentences(ref) == ("a scores 0.50 points above the source's Kaggle score, "
                                                        "its fit taking half as long as the source's; "
                                                        "b scores 0.25 points below the source's Kaggle score")
    checks = pd.DataFrame({"model": ["a", "b"], "file": ["a.csv", "b.csv"], "status": ["valid", "no rows"],
                           "equal": [True, None]})
    assert comparison_text.submissions_verdict(checks, labels_known=True) == (
        "1 of the 2 files are valid submissions, and the local score of 1 of them equals, to the last "
        "digit, the test accuracy recorded with it; problems: b: no rows")


def test_family_and_reference_tables():
    records = {"logistic": record("logistic", 0.92, test=0.921, seconds=10.0),
               "mlp": record("mlp", 0.97, test=0.975, seconds=40.0, params={"hidden_layer_sizes": [10]})}
    families = comparison.family_table(records)
    assert families["model"].tolist() == ["mlp", "logistic"]
    assert families["n_parameters"].tolist() == [784 * 10 + 10 + 110, 7850]
    source = {"mlp": {"label": "MLP", "val_accuracy": 0.978, "kaggle": 0.9785, "seconds": 126.0},
              "cnn": {"label": "CNN", "val_accuracy": 0.99, "kaggle": 0.9925, "seconds": None}}
    ref = comparison.reference_table(source, families).set_index("model")
    assert ref.loc["mlp", "difference"] == pytest.approx(100 * (0.975 - 0.9785))
    assert ref.loc["mlp", "time_ratio"] == pytest.approx(40 / 126)
    assert pd.isna(ref.loc["cnn", "book_test_accuracy"]) and pd.isna(ref.loc["cnn", "time_ratio"])
    assert comparison.family_table({}).empty


def test_tradeoff():
    table = pd.DataFrame({"model": ["a", "b", "c"], "test_accuracy": [0.92, 0.97, 0.99],
                          "fit_seconds": [10.0, 40.0, 200.0]})
    t = tradeoff(table)
    assert (t.best, t.runner_up, t.fastest) == ("c", "b", "a")
    assert t.gain_points == pytest.approx(2.0) and t.speed_phrase == "5.0 times slower than"
    assert t.points_per_second == pytest.approx(2.0 / 160)
    faster = tradeoff(table.assign(fit_seconds=[10.0, 40.0, 20.0]))
    assert faster.speed_phrase == "2.0 times faster than" and faster.points_per_second is None
    single = tradeoff(table.iloc[:1])
    assert single.runner_up is None and single.best == "a"
    with pytest.raises(ValueError, match="no family"):
        tradeoff(table.assign(test_accuracy=None))


def test_recheck_submissions(tmp_path, monkeypatch):
    good = submission.write_submission(np.array([1, 2, 3]), tmp_path / "good.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("ImageId,Label\n1,1\n")
    records = {"good": record("good", 0.9, test=2 / 3, path=str(good)), "bad": record("bad", 0.9, path=str(bad)),
               "none": record("none", 0.9, path="")}
    table = comparison.recheck_submissions(records, n_rows=3, labels_available=False).set_index("model")
    assert table.loc["good", "status"] == "valid" and table.loc["good", "rows"] == 3
    assert "1 data rows; expected 3" in table.loc["bad", "status"]
    assert table.loc["none", "status"] == "no submission recorded"
    score = submission.Score(accuracy=2 / 3, n=3, per_class=pd.DataFrame())
    monkeypatch.setattr(comparison, "score_submission", lambda path, folder=None: score)
    table = comparison.recheck_submissions(records, n_rows=3, labels_available=True).set_index("model")
    assert table.loc["good", "local_score"] == pytest.approx(2 / 3) and table.loc["good", "equal"]


def test_plots_return_figures(labels):
    cm = confusion(*labels)
    assert plotting.confusion_matrices(cm).axes
    assert plotting.class_errors(errors_per_class(cm)).axes
    proba = np.eye(10)[labels[1]] * 0.8 + 0.02
    predictions = prediction_table(proba, labels[0])
    assert len(plotting.confidence_plot(predictions, coverage_curve(predictions["confidence"],
                                                                    predictions["correct"])).axes) == 2
    points = pd.DataFrame({"family": ["a", "a", "b"], "label": ["A", "A ref", "B"], "seconds": [1.0, 2.0, None],
                           "accuracy": [0.9, 0.91, 0.95], "source": ["book", "source", "book"]})
    assert plotting.accuracy_vs_time(points).axes


def test_wording_helpers():
    assert wording.and_join([4]) == "4" and wording.and_join([]) == ""
    assert wording.and_join(["5→6", "8→3", "9→7"]) == "5→6, 8→3 and 9→7"
    assert wording.plural(1, "error") == "1 error" and wording.plural(1200, "error") == "1,200 errors"
    assert wording.percent(0.99224) == "99.22 %" and wording.percent(0.5, decimals=0) == "50 %"
    assert wording.points(0.0012) == "0.12" and wording.points(-0.01, decimals=1) == "-1.0"
    assert wording.points(0.0012, signed=True) == "+0.12" and wording.points(-0.0005, signed=True) == "-0.05"
    table = pd.DataFrame({"digit": [1, 2, 3], "rate": [0.1, 0.3, 0.3]})
    assert confusions.tied_top(table, "rate")["digit"].tolist() == [2, 3]
    assert confusions.tied_top(table, "rate", largest=False)["digit"].tolist() == [1]


def test_per_class_table_is_one_row_of_percentages():
    from digits_helpers.page.display import per_class_table

    score = SimpleNamespace(per_class=pd.DataFrame({"digit": [0, 1], "rows": [10, 20], "accuracy": [0.9, 0.955]}))
    table = per_class_table(score)
    assert list(table.columns) == [0, 1]
    assert table.loc["test accuracy (%)"].tolist() == [90.0, 95.5]
    assert [type(n) for n in table.loc["rows"]] == [int, int]  # counts shown as counts


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


def test_recorded_params_are_json_and_name_the_precision_the_fit_used():
    params = {"filters": (16, 32), "precision": "auto"}
    assert records.jsonable_params(params) == {"filters": [16, 32], "precision": "auto"}
    fit = SimpleNamespace(params={"filters": (16, 32), "precision": "mixed_bfloat16"})
    assert records.jsonable_params(params, fit) == {"filters": [16, 32], "precision": "mixed_bfloat16"}
    assert records.jsonable_params({"C": 1.0}, SimpleNamespace(params={"C": 1.0})) == {"C": 1.0}


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


def test_refit_and_submit_records_only_what_it_is_asked_to(private_cache, tmp_path, monkeypatch):
    from digits_helpers.data import load_digits
    from digits_helpers.page.final import refit_and_submit

    monkeypatch.setenv("DIGITS_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("DIGITS_SUBMISSIONS_DIR", str(tmp_path / "submissions"))
    smoke = PROFILES["smoke"]
    digits = load_digits(smoke)
    reference = refit_and_submit("logistic", {"C": 0.01, "max_iter": 50}, digits, "a reference",
                                 record=False)
    assert reference.submission.is_file() and reference.record.model == "logistic"
    assert "logistic" not in records.load_records(smoke)  # a reference is not the family's record
    final = refit_and_submit("logistic", {"C": 0.1, "max_iter": 50}, digits, "the family's final")
    assert records.load_records(smoke)["logistic"].description == "the family's final"
    assert final.submission != reference.submission  # one file per model: nothing overwritten
    assert reference.submission.is_file()


def test_ratios_read_as_phrases():
    from digits_helpers.page.wording import as_long_as, times

    assert [as_long_as(r) for r in (1.02, 0.5, 2.03, 1.3, 0.62, 0.03, 0.0016)] == [
        "about as long as", "half as long as", "twice as long as", "1.3 times as long as",
        "62 % of the time of", "3 % of the time of", "under 1 % of the time of"]
    assert [times(r) for r in (1.0, 2.0, 5.44, 0.5, 0.3)] == [
        "the same", "twice", "5.4 times", "half", "0.3 times"]
