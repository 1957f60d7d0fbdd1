"""Fitting, the on-disk fit cache, and one-at-a-time tuning."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from digits_helpers import data, training
from digits_helpers.data import embedded
from digits_helpers.models import pipelines
from digits_helpers.profiles import PROFILES
from digits_helpers.training import Split, Tuner, best_index, cache, fit_model, sklearn_fit, standard_error

SMOKE = PROFILES["smoke"]
ROOT = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("private_cache")  # every test fits into a cache of its own


@pytest.fixture(scope="module")
def small_split():
    X, y, _ = embedded.embedded_train_test()
    X_fit, X_val, y_fit, y_val = data.split(X[:800], y[:800], seed=0)
    return Split(X_fit, y_fit, X_val, y_val)


def test_fit_result_fields_and_warnings(small_split):
    result = training.fit(pipelines.logistic_model(max_iter=3), small_split, "logistic", profile=SMOKE)
    assert 0 < result.val_accuracy <= 1 and 0 < result.train_accuracy <= 1
    assert result.fit_seconds > 0 and result.n_train == 640 and result.n_val == 160
    assert result.params == {"max_iter": 3}
    assert any(w.startswith("ConvergenceWarning") for w in result.warnings), result.warnings
    assert result.val_proba.shape == (160, 10)


def test_cache_returns_the_stored_fit_with_its_seconds(small_split, private_cache):
    first = training.fit(pipelines.logistic_model(C=0.1), small_split, "logistic", profile=SMOKE)
    again = training.fit(pipelines.logistic_model(C=0.1), small_split, "logistic", profile=SMOKE)
    assert not first.from_cache and again.from_cache
    assert again.fit_seconds == first.fit_seconds and again.key == first.key
    other = training.fit(pipelines.logistic_model(C=0.2), small_split, "logistic", profile=SMOKE)
    assert not other.from_cache and other.key != first.key
    assert len(list((private_cache / "fits" / "logistic").glob("*.joblib"))) == 2


def test_fit_log_names_each_fit_trained_not_those_read_back(small_split, tmp_path, monkeypatch):
    log = tmp_path / "fits.jsonl"
    monkeypatch.setenv("DIGITS_FIT_LOG", str(log))
    first = training.fit(pipelines.logistic_model(max_iter=3), small_split, "logistic", profile=SMOKE)
    training.fit(pipelines.logistic_model(max_iter=3), small_split, "logistic", profile=SMOKE)  # a cache hit
    training.fit(pipelines.logistic_model(max_iter=4), small_split, "logistic", profile=SMOKE)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(line["model"], line["rows"]) for line in lines] == [("logistic", 640)] * 2
    assert lines[0]["key"] == first.key and lines[1]["key"] != first.key
    assert lines[0]["seconds"] == round(first.fit_seconds, 2) and lines[0]["time"] <= lines[1]["time"]


def test_key_covers_data_profile_and_code(small_split, monkeypatch):
    est = pipelines.logistic_model()
    key = training.fit_key(est, small_split, SMOKE)
    assert training.fit_key(est, small_split, PROFILES["full"]) != key
    other = Split(small_split.X_fit[::-1].copy(), small_split.y_fit[::-1].copy(), small_split.X_val, small_split.y_val)
    assert training.fit_key(est, other, SMOKE) != key
    monkeypatch.setattr(cache, "training_code", lambda estimator: "changed")
    assert training.fit_key(est, small_split, SMOKE) != key


def test_changed_training_code_is_not_served_stale(small_split, monkeypatch):
    training.fit(pipelines.logistic_model(), small_split, "logistic", profile=SMOKE)
    monkeypatch.setattr(cache, "training_code", lambda estimator: "new code")
    assert not training.fit(pipelines.logistic_model(), small_split, "logistic", profile=SMOKE).from_cache


def test_damaged_cache_entry_is_refitted(small_split, private_cache):
    first = training.fit(pipelines.logistic_model(), small_split, "logistic", profile=SMOKE)
    path = private_cache / "fits" / "logistic" / f"{first.key}.joblib"
    path.write_bytes(b"not a pickle")
    assert not training.fit(pipelines.logistic_model(), small_split, "logistic", profile=SMOKE).from_cache


def test_mlp_records_validation_accuracy_per_epoch(small_split):
    result = training.fit(pipelines.mlp_model(hidden_layer_sizes=(20,), max_iter=4, learning_rate_init=0.05),
                         small_split, "mlp", profile=SMOKE)
    assert len(result.curves["val_accuracy"]) == 4 and len(result.curves["loss"]) == 4
    assert np.all(np.diff(result.curves["seconds"]) > 0)
    assert result.curves["val_accuracy"][-1] == pytest.approx(result.val_accuracy)


def test_fits_are_deterministic(small_split, private_cache, tmp_path, monkeypatch):
    a = training.fit(pipelines.mlp_model(hidden_layer_sizes=(20,), max_iter=2), small_split, "mlp", profile=SMOKE)
    monkeypatch.setenv("DIGITS_CACHE_DIR", str(tmp_path / "other"))
    b = training.fit(pipelines.mlp_model(hidden_layer_sizes=(20,), max_iter=2), small_split, "mlp", profile=SMOKE)
    assert not b.from_cache and np.array_equal(a.val_proba, b.val_proba)


def test_tuner_keeps_the_best_value_and_cuts_grids(small_split):
    tuner = Tuner(pipelines.logistic_model, {"max_iter": 50}, small_split, "logistic", profile=SMOKE, n_jobs=1)
    table = tuner.sweep("C", [1e-4, 1e-2, 1.0])
    assert list(table["value"]) == [1e-4, 1.0]  # smoke: two values, both ends
    assert table["chosen"].sum() == 1
    best = table.loc[table["val_accuracy"].idxmax(), "value"]
    assert tuner.params["C"] == best == tuner.best("C")
    assert set(table.columns) >= {"value", "train_accuracy", "val_accuracy", "fit_seconds", "warnings", "from_cache"}
    before = dict(tuner.params)
    tuner.compare({"a": {"tol": 1e-2}, "b": {}}, step="cmp")
    assert tuner.params == before
    assert len(tuner.history()) == 4
    capped = tuner.sweep("C", [1e-4, 1.0], step="capped", eligible=lambda params: params["C"] < 1)
    assert capped["eligible"].tolist() == [True, False] and capped["chosen"].tolist() == [True, False]
    assert tuner.params["C"] == 1e-4


def test_confirm_trains_the_choice_and_its_runner_up_again(small_split):
    full = PROFILES["full"]  # full grids: three values, so there is a runner-up to find
    tuner = Tuner(pipelines.logistic_model, {"max_iter": 30}, small_split, "logistic", profile=full, n_jobs=1)
    table = tuner.sweep("C", [1e-4, 1e-2, 1.0])
    tuner.sweep("tol", [1e-4, 1e-2])  # a later sweep: confirm uses the parameters of its own sweep
    done = tuner.confirm("C", {"max_iter": 200})
    chosen = table.loc[table["chosen"], "value"].iloc[0]
    others = table[~table["chosen"]]
    assert done.chosen == chosen
    assert done.runner_up == others.loc[others["val_accuracy"].idxmax(), "value"]
    assert done.table["role"].tolist() == ["chosen", "runner-up"]
    assert done.table["val_accuracy"].tolist() == [table.set_index("value").loc[v, "val_accuracy"]
                                                   for v in (done.chosen, done.runner_up)]
    for fit, value in zip(done.fits, (done.chosen, done.runner_up), strict=True):
        params = {**LogisticRegression().get_params(), **fit.params}  # fits list non-defaults
        assert params["C"] == value and params["max_iter"] == 200 and params["tol"] == 1e-4
    a, b = done.table["confirmed_val_accuracy"]
    assert done.held == (a >= b if table["value"].tolist().index(done.chosen) <
                         table["value"].tolist().index(done.runner_up) else a > b)
    assert tuner.params["max_iter"] == 30  # confirming changes nothing
    assert tuner.confirmations["C"] is done
    assert tuner.runner_up("C") == table["value"].tolist().index(done.runner_up)
    # adopting: where the longer budget reverses the ranking, its winner becomes the value
    adopted = tuner.confirm("C", {"max_iter": 200}, adopt=True)
    assert tuner.params["C"] == adopted.winner == (adopted.chosen if adopted.held else adopted.runner_up)
    assert type(tuner.params["C"]) is float and type(tuner.best("C")) is float  # not numpy scalars
    tuner.params["C"] = chosen
    reversed_rule = Tuner(pipelines.logistic_model, {"max_iter": 30}, small_split, "logistic", profile=full,
                          n_jobs=1)
    reversed_rule.sweep("C", [1e-4, 1e-2, 1.0], within=1.0, prefer="first")  # everything within: 1e-4
    rev = reversed_rule.confirm("C", {"max_iter": 200}, adopt=True)
    assert rev.chosen == 1e-4 and rev.held and reversed_rule.params["C"] == 1e-4
    with pytest.raises(ValueError, match="no sweep named"):
        tuner.confirm("nope", {})
    tuner.sweep("C", [1.0], step="one value")
    with pytest.raises(ValueError, match="no runner-up"):
        tuner.confirm("one value", {})


def test_parallel_sweep_matches_serial(small_split, monkeypatch, tmp_path):
    grid = [0.01, 1.0]
    serial = Tuner(pipelines.logistic_model, {}, small_split, "logistic", profile=SMOKE, n_jobs=1).sweep("C", grid)
    monkeypatch.setenv("DIGITS_CACHE_DIR", str(tmp_path / "parallel"))
    parallel = Tuner(pipelines.logistic_model, {}, small_split, "logistic", profile=SMOKE, n_jobs=2).sweep("C", grid)
    assert not parallel["from_cache"].any()
    assert np.allclose(serial["val_accuracy"], parallel["val_accuracy"])


def test_best_index_rules():
    class R:
        def __init__(self, acc, n_val=1000):
            self.val_accuracy, self.n_val = acc, n_val

    results = [R(0.940), R(0.9495), R(0.950), R(0.950)]
    assert best_index(results) == 2  # most accurate, ties to the first
    assert best_index(results, within=0.001) == 1  # first within 0.1 point
    assert best_index(results, within=0.001, prefer="last") == 3
    # one standard error of 95 % on 1,000 rows is 0.69 points: 94.0 % is outside it
    assert best_index(results, within="se") == 1
    assert best_index([R(0.940, 100), R(0.950, 100)], within="se") == 0  # 2.2 points on 100 rows
    assert standard_error(0.95, 1000) == pytest.approx(0.00689, abs=1e-5)
    with pytest.raises(ValueError, match="prefer"):
        best_index(results, prefer="fastest")
    # a budget leaves fits out: the best and the margin come from the eligible ones only
    assert best_index(results, eligible=[True, True, False, False]) == 1
    assert best_index(results, within=0.02, eligible=[False, True, True, True]) == 1
    with pytest.raises(ValueError, match="eligible"):
        best_index(results, eligible=[False] * 4)


def test_killed_sweep_resumes_without_refitting(private_cache, monkeypatch):
    """Kill a sweep half-way (SIGKILL), run it again: only the missing fits are trained."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from digits_helpers import data
        from digits_helpers.data import embedded
        from digits_helpers.models import pipelines
        from digits_helpers.profiles import PROFILES
        from digits_helpers.training import Split, Tuner
        X, y, _ = embedded.embedded_train_test()
        Xf, Xv, yf, yv = data.split(X[:3000], y[:3000], seed=0)
        tuner = Tuner(pipelines.mlp_model, {{"hidden_layer_sizes": (64,), "max_iter": 15}}, Split(Xf, yf, Xv, yv),
                      "mlp", profile=PROFILES["full"], n_jobs=1)
        tuner.sweep("learning_rate_init", [0.001, 0.003, 0.01, 0.03, 0.1])
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "DIGITS_NO_PROGRESS": "1"})
    folder = private_cache / "fits" / "mlp"
    deadline = time.time() + 240
    def stored() -> int:  # whole entries: not the dot-named one a killed write leaves half done
        return sum(not p.name.startswith(".") for p in folder.glob("*.joblib"))

    while time.time() < deadline and stored() < 2 and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = stored()
    assert 2 <= done < 5, f"the sweep was not caught half-way ({done} fits done)"

    calls = []
    real = sklearn_fit.fit_sklearn
    monkeypatch.setattr(fit_model, "fit_sklearn", lambda *a, **k: calls.append(1) or real(*a, **k))
    X, y, _ = embedded.embedded_train_test()
    Xf, Xv, yf, yv = data.split(X[:3000], y[:3000], seed=0)
    tuner = Tuner(pipelines.mlp_model, {"hidden_layer_sizes": (64,), "max_iter": 15}, Split(Xf, yf, Xv, yv),
                  "mlp", profile=PROFILES["full"], n_jobs=1)
    table = tuner.sweep("learning_rate_init", [0.001, 0.003, 0.01, 0.03, 0.1])
    assert len(calls) == 5 - done
    assert table["from_cache"].sum() == done
    assert len(list(folder.glob("*.joblib"))) == 5
