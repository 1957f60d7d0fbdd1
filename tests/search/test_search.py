"""The Optuna layer: storage URLs, resuming a killed worker, workers sharing a study, seeds,
pruning.  Workers are real processes (:mod:`search_workers`) on an SQLite file or a PostgreSQL
database; the objective is the cheap quadratic.  Database outages: test_outage.py."""

from __future__ import annotations

import os
import time
from functools import partial

import optuna
import pytest
from demo_objective import quadratic
from optuna.trial import TrialState
from search_workers import DEMO, finish, start_worker, view

from digits_helpers import paths, search

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
fast_quadratic = partial(quadratic, step_seconds=0.0)


POSTGRES_ENV = "DIGITS_TEST_POSTGRES"  # a server URL; .ci/run starts a throw-away server and sets it


@pytest.fixture(params=["sqlite", "postgresql"])
def storage(request, tmp_path):
    """A new, empty database for one test's study: an SQLite file, or a database of its own on
    the PostgreSQL server of ``$DIGITS_TEST_POSTGRES`` (skipped without one)."""
    if request.param == "sqlite":
        yield search.storage_url(tmp_path / "studies.db")
        return
    server = os.environ.get(POSTGRES_ENV, "").strip()
    if not server:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV}=postgresql://user@host:port/db (.ci/run starts one)")
    import uuid

    import psycopg

    name = f"digits_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(server.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


# --------------------------------------------------------------------------- storage
def test_storage_url_honours_env_and_falls_back_to_sqlite(private_cache, monkeypatch, tmp_path):
    postgres = "postgresql://user:pw@db.example.org/optuna"
    monkeypatch.setenv(paths.STORAGE_ENV, postgres)
    assert search.storage_url() == postgres
    monkeypatch.delenv(paths.STORAGE_ENV)
    db = private_cache.resolve() / "optuna" / "studies.db"
    assert search.storage_url() == f"sqlite:///{db}"
    assert db.parent.is_dir() and not db.exists()  # the folder is made, the file left to Optuna
    assert search.storage_url(tmp_path / "x" / "my.db") == f"sqlite:///{tmp_path.resolve() / 'x' / 'my.db'}"

    # an existing database is reopened with its trials, never replaced
    study = search.open_study("kept", seed=0)
    search.run_study(study, fast_quadratic, 2)
    values = [t.value for t in study.trials]
    again = search.open_study("kept", search.storage_url(), seed=0)
    assert [t.value for t in again.trials] == values and len(values) == 2
    search.run_study(again, fast_quadratic, 2)  # already complete: no trial added
    assert len(view(search.storage_url(), "kept").trials) == 2


def test_bad_storage_urls_give_clear_errors(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.STORAGE_ENV, "not a url")
    with pytest.raises(ValueError, match=r"'not a url' is not a database URL; expected .*DIGITS_OPTUNA_STORAGE"):
        search.storage_url()
    with pytest.raises(ValueError, match=r"'nosuchdb://user:\*\*\*@host/db' is not usable .*expected") as err:
        search.open_study("s", "nosuchdb://user:secret@host/db")
    assert "secret" not in str(err.value)
    missing = f"sqlite:///{tmp_path}/no/such/folder/studies.db"
    with pytest.raises(ValueError, match=f"cannot open the Optuna storage '{missing}'"):
        search.open_study("s", missing)
    with pytest.raises(ValueError, match="expected a positive number"):
        search.run_study(optuna.create_study(), fast_quadratic, 0)


# --------------------------------------------------------------------------- sequential runs
@pytest.fixture(scope="module")
def sequential(tmp_path_factory) -> list[optuna.Study]:
    """Two studies run one trial at a time in fresh storages, same seed; a third, seed 1."""
    path = tmp_path_factory.mktemp("sequential")
    runs = [(0, 12), (0, 12), (1, 3)]
    studies = []
    for i, (seed, n) in enumerate(runs):
        study = search.open_study("seq", search.storage_url(path / f"{i}.db"), seed=seed)
        studies.append(search.run_study(study, fast_quadratic, n))
    return studies


def test_same_seed_gives_same_params_in_fresh_storages(sequential):
    a, b, other = sequential
    # 12 trials: TPE's 10 random start-up trials, then 2 chosen by the model
    assert [t.params for t in a.trials] == [t.params for t in b.trials]
    assert [(t.state, t.value) for t in a.trials] == [(t.state, t.value) for t in b.trials]
    assert [t.params for t in other.trials] != [t.params for t in a.trials[:3]]


def test_quadratic_objective_is_pruned(sequential):
    trials = sequential[0].trials
    assert len(trials) == 12 and all(t.state in FINISHED for t in trials)
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    assert pruned and len(pruned) < len(trials)
    assert all(len(t.intermediate_values) < 5 for t in pruned)  # stopped before the last step
    assert all(len(t.intermediate_values) == 5 for t in trials if t.state == TrialState.COMPLETE)


def test_pruning_callback_reports_epochs_and_prunes():
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=0.5))
    trial = study.ask()
    callback = search.pruning_callback(trial)
    callback.on_epoch_end(0, {"val_accuracy": 0.9, "loss": 0.3})
    with pytest.raises(optuna.TrialPruned, match="epoch 1"):
        callback.on_epoch_end(1, {"val_accuracy": 0.2})
    assert study.trials[0].intermediate_values == {0: 0.9, 1: 0.2}
    with pytest.raises(ValueError, match="'val_acc' is not in the epoch's logs"):
        search.pruning_callback(trial, monitor="val_acc").on_epoch_end(2, {"val_accuracy": 0.9})


# --------------------------------------------------------------------------- workers
def test_killed_worker_resumes_with_exactly_n_trials(tmp_path, storage):
    url, name, n = storage, "resume", 8
    search.open_study(name, url)
    study = view(url, name)
    first = start_worker(tmp_path, url, name, n, "first", grace=1)
    deadline = time.monotonic() + 60
    while True:  # kill it in the middle of a trial, after 3 finished
        trials = study.get_trials()
        early = [t for t in trials if t.state == TrialState.RUNNING and len(t.params) == 2]
        early = [t for t in early if len(t.intermediate_values) <= 1]  # 3+ steps (60+ ms) to go
        if sum(t.state in FINISHED for t in trials) >= 3 and early:
            first.kill()
            first.wait()
            break
        assert first.poll() is None and time.monotonic() < deadline, (tmp_path / "first.err").read_text()[-3000:]
        time.sleep(0.01)
    at_kill = study.get_trials()
    (orphan,) = [t for t in at_kill if t.state == TrialState.RUNNING]
    done = {t.number: (t.state, t.value, t.params) for t in at_kill if t.state in FINISHED}

    second = start_worker(tmp_path, url, name, n, "second", grace=1)
    summary = finish(second, tmp_path, "second")
    trials = study.get_trials()
    finished = [t for t in trials if t.state in FINISHED]
    assert len(finished) == n and summary["finished"] == n
    assert summary["ran_here"] == n - len(done)
    assert {t.number: (t.state, t.value, t.params) for t in trials if t.number in done} == done
    # the killed trial was failed (stale heartbeat) and run again with its parameters
    assert trials[orphan.number].state == TrialState.FAIL
    (retry,) = [t for t in trials if t.system_attrs.get("failed_trial") == orphan.number]
    assert retry.state in FINISHED and retry.params == orphan.params
    assert retry.user_attrs["worker_pid"] == second.pid
    assert [t.number for t in trials] == list(range(len(trials)))
    assert all(t.state in (*FINISHED, TrialState.FAIL) for t in trials)


def test_two_workers_share_one_study(tmp_path, storage):
    url, name, n = storage, "shared", 16
    # both start on a database without Optuna's tables (SQLite: no file yet): they race to create them
    workers = [start_worker(tmp_path, url, name, n, tag, grace=30) for tag in ("a", "b")]
    summaries = [finish(w, tmp_path, tag) for w, tag in zip(workers, ("a", "b"), strict=True)]
    trials = view(url, name).get_trials()
    finished = [t for t in trials if t.state in FINISHED]
    assert len(finished) == n and all(s["finished"] == n for s in summaries)
    assert [t.number for t in trials] == list(range(len(trials)))  # no number lost or repeated
    # a trial asked for in a race once n were finished or running is not run, and says so
    assert all(t.user_attrs.get("surplus") and not t.params for t in trials if t.state not in FINISHED)
    pids = [t.user_attrs["worker_pid"] for t in finished]
    assert set(pids) == {w.pid for w in workers}
    assert sorted(s["ran_here"] for s in summaries) == sorted(pids.count(w.pid) for w in workers)
    assert len({tuple(sorted(t.params.items())) for t in finished}) == n  # no parameters drawn twice


def test_worker_objectives(tmp_path):
    url = search.storage_url(tmp_path / "studies.db")
    summary = search.worker("by-path", 2, url, objective=DEMO)
    assert summary["finished"] == 2 and summary["ran_here"] == 2
    assert view(url, "by-path").user_attrs["objective"] == DEMO
    assert search.worker("by-path", 3, url)["finished"] == 3  # no --objective: the one the study records
    with pytest.raises(ValueError, match=f"optimises objective '{DEMO}', not 'deep_cnn'"):
        search.worker("by-path", 2, url, objective="deep_cnn")
    with pytest.raises(ValueError, match="'nope' is not registered; expected one of \\['deep_cnn'\\]"):
        search.worker("other", 1, url, objective="nope")
    with pytest.raises(ValueError, match="'demo_objective:nope' cannot be imported"):
        search.worker("other", 1, url, objective="demo_objective:nope")
    with pytest.raises(ValueError, match="records no objective yet; expected --objective"):
        search.worker("fresh", 1, url)
    assert search.find_objective("deep_cnn").__module__ == "digits_helpers.search.deep_cnn"


# --------------------------------------------------------------------------- the deeper network's search
def test_deep_search_objective_is_chapter_07_s_trial(monkeypatch):
    from digits_helpers.search import deep_cnn as deep_search

    monkeypatch.setenv("DIGITS_PROFILE", "smoke")
    deep_search.search_rows.cache_clear()
    images, labels, val_images, val_labels = deep_search.search_rows()
    assert images.shape[1:] == (28, 28, 1) and len(images) == len(labels) <= deep_search.SEARCH_ROWS
    assert len(val_images) == len(val_labels) and set(labels) == set(val_labels) == set(range(10))
    params = {"dropout_block1": 0.1, "dropout_block2": 0.2, "dropout_block3": 0.3, "dropout_dense": 0.45,
              "dense_units": 128, "optimizer": "rmsprop"}
    trial = optuna.trial.FixedTrial(params)
    value = deep_search.objective(trial)
    assert 0 <= value <= 1 and trial.user_attrs["seconds"] > 0
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=1.01))
    study.enqueue_trial(params)
    study.optimize(deep_search.objective, n_trials=1)  # no accuracy reaches 101 %: pruned after its first epoch
    assert study.trials[0].state == TrialState.PRUNED and list(study.trials[0].intermediate_values) == [0]
    deep_search.search_rows.cache_clear()


SAME_TRIAL = '''
import json, sys
import jupytext, numpy as np, optuna, pandas as pd
from digits_helpers import keras_training

calls = []


def recorded(build, X, y, **settings):
    """train_network without training: what it was asked to train, on which rows."""
    validation = settings.pop("validation_data")
    calls.append({"network": build.func.__name__, "args": list(build.args),
                  "rows": [X.shape, y.shape, validation[0].shape], "pixels": float(X.sum()),
                  "labels": np.bincount(y).tolist(), "val_labels": np.bincount(validation[1]).tolist(),
                  "optimizer": settings.pop("optimizer").__name__,
                  "callbacks": len(settings.pop("callbacks")), **settings})
    return None, pd.DataFrame({"val_accuracy": [0.5]})


keras_training.train_network.__wrapped__ = recorded  # both objectives train through it
page = {}
for cell in jupytext.read("notebooks/07_bayesian_search.md").cells:
    if cell.cell_type == "code" and "google.colab" not in cell.source and any(
            key in cell.source for key in ("import ", "OPTIMIZERS =", "def train_trial",
                                           "class Pruning", "def objective")):
        exec(cell.source, page)
    if "def objective" in cell.source:
        break
params = json.loads(sys.argv[1])
page["objective"](optuna.trial.FixedTrial(params))
from digits_helpers.search import deep_cnn
deep_cnn.objective(optuna.trial.FixedTrial(params))
print(json.dumps(calls, default=list))
'''


def test_the_workers_deep_search_trains_what_chapter_07_s_objective_trains(tmp_path):
    """The command line's objective and the chapter's, given the same trial, ask
    ``train_network`` for the same network, rows, epochs, optimiser and settings."""
    import json
    import subprocess
    import sys

    params = {"dropout_block1": 0.1, "dropout_block2": 0.2, "dropout_block3": 0.3, "dropout_dense": 0.45,
              "dense_units": 512, "optimizer": "rmsprop"}
    env = {**os.environ, "DIGITS_PROFILE": "smoke", "DIGITS_CACHE_DIR": str(tmp_path),
           "DIGITS_NO_PROGRESS": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-c", SAME_TRIAL, json.dumps(params)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    page, worker = json.loads(done.stdout.strip().splitlines()[-1])
    assert page == worker
    assert page["args"] == [[0.1, 0.2, 0.3, 0.45], 512] and page["optimizer"] == "RMSprop"
