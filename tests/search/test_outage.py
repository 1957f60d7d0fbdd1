"""Search workers and an outage of their database: a few seconds are ridden out (every trial
still counted once), a server that stays down ends the worker with one ``error:`` line.

The storage's retries are checked in-process on SQLite, failing statements on purpose; the
workers on a private PostgreSQL cluster of each test (``.ci/postgres.sh`` in a folder of the
test's, on a free port), stopped and started again, so the shared server of
``$DIGITS_TEST_POSTGRES`` is never disturbed; skipped where PostgreSQL is not installed.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import optuna
import pytest
import sqlalchemy
from optuna.trial import FrozenTrial, TrialState
from search_workers import ROOT, finish, start_worker, view

from digits_helpers import search
from digits_helpers.search import storage

STEADY = "demo_objective:steady"  # trials of about 0.5 s, never pruned: finished means COMPLETE
OUTAGE_SECONDS = 3


def fail_statements(store: storage.RideOutStorage, times: float, error: type = sqlalchemy.exc.OperationalError) -> None:
    """Make the next ``times`` statements of ``store`` fail with ``error`` (as a lost connection)."""
    left = [times]

    def fail(*_: object) -> None:
        if left[0] > 0:
            left[0] -= 1
            raise error("SELECT ...", {}, Exception("server closed the connection unexpectedly\n\tbye"))

    sqlalchemy.event.listen(store.engine, "before_cursor_execute", fail)


def test_storage_retries_a_lost_connection_then_gives_up(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "FIRST_DELAY", 0.01)
    url = search.storage_url(tmp_path / "studies.db")
    store = search.rdb_storage(url, ride_out=0.5)
    fail_statements(store, 3)
    assert store.get_all_studies() == []  # tried again through three failures
    fail_statements(store, 1, sqlalchemy.exc.ProgrammingError)
    with pytest.raises(optuna.exceptions.StorageInternalError):  # not a lost connection: not retried
        store.get_all_studies()
    fail_statements(store, float("inf"))
    began = time.monotonic()
    message = rf"database '{url}' unreachable for 0.5 s \(server closed the connection unexpectedly bye\); the study"
    with pytest.raises(search.DatabaseUnreachable, match=message):
        store.get_all_studies()
    assert 0.5 <= time.monotonic() - began < 2
    began = time.monotonic()
    with pytest.raises(search.DatabaseUnreachable):  # given up: a failing call raises at once
        store.get_study_id_from_name("x")
    assert time.monotonic() - began < 0.2


def test_storage_retries_a_transaction_the_server_dropped(tmp_path, monkeypatch):
    """After a restart, SQLAlchemy's session may first answer PendingRollbackError: a lost
    connection too, tried again (seen once in CI, where it failed a worker)."""
    monkeypatch.setattr(storage, "FIRST_DELAY", 0.01)
    store = search.rdb_storage(search.storage_url(tmp_path / "studies.db"), ride_out=0.5)
    left = [2]

    def fail(*args):
        if left[0] > 0:
            left[0] -= 1
            raise sqlalchemy.exc.PendingRollbackError("Can't reconnect until invalid transaction is rolled back")

    sqlalchemy.event.listen(store.engine, "before_cursor_execute", fail)
    assert store.get_all_studies() == [] and left[0] == 0


def test_run_study_stops_with_the_database_unreachable(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "FIRST_DELAY", 0.01)
    store = search.rdb_storage(search.storage_url(tmp_path / "studies.db"), heartbeat_interval=1, ride_out=0.3)
    study = search.open_study("cut", store, seed=0)

    def objective(trial: optuna.Trial) -> float:
        if trial.number == 2:
            fail_statements(store, float("inf"))
        trial.report(1.0, 0)  # trial 2: retried, then given up; the heartbeat is skipped meanwhile
        return 1.0

    # Optuna, unable to record trial 2's failure, raises an UnboundLocalError of its own: run_study says why
    with pytest.raises(search.DatabaseUnreachable, match="unreachable for 0.3 s") as raised:
        search.run_study(study, objective, 5)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


class Cluster:
    """A PostgreSQL cluster of ``.ci/postgres.sh`` in ``folder``, listening on ``port``."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.url = self._script("start")

    def _script(self, command: str) -> str:
        env = {**os.environ, "DIGITS_TEST_PG_DATA": str(self.folder), "DIGITS_TEST_PG_PORT": str(self.port)}
        done = subprocess.run(["bash", str(ROOT / ".ci" / "postgres.sh"), command], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"postgres.sh {command}: {done.stderr[-2000:]}"
        return done.stdout.strip()

    def stop(self) -> None:
        self._script("stop")

    def start(self) -> None:
        self._script("start")


def _no_postgresql() -> str | None:
    """Why no private cluster can be made here, or None."""
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        return "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; .ci/postgres.sh installs it)"
    if os.geteuid() == 0 and subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
        return "running as root without a `postgres` user to own the cluster (.ci/postgres.sh adds one)"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A private cluster, running; stopped and removed afterwards (in /tmp: open to `postgres`)."""
    reason = _no_postgresql()
    if reason:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="digits-pg-outage.", dir="/tmp"))
    try:
        server = Cluster(folder, _free_port())
        yield server
        server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def wait_for(study: optuna.Study, ready: Callable[[list[FrozenTrial]], bool],
             workers: dict[str, subprocess.Popen], tmp_path: Path) -> list[FrozenTrial]:
    """Poll the study until ``ready(trials)``; the workers (by tag) must stay alive meanwhile."""
    deadline = time.monotonic() + 60
    while True:
        trials = study.get_trials()
        if ready(trials):
            return trials
        for tag, worker in workers.items():
            assert worker.poll() is None, (tmp_path / f"{tag}.err").read_text()[-3000:]
        assert time.monotonic() < deadline, "the workers made no progress"
        time.sleep(0.02)


def in_flight(trials: list[FrozenTrial], finished: int) -> list[FrozenTrial]:
    """RUNNING trials with at least 3 of their 5 steps to go, once ``finished`` trials are COMPLETE."""
    if sum(t.state == TrialState.COMPLETE for t in trials) < finished:
        return []
    running = [t for t in trials if t.state == TrialState.RUNNING and len(t.params) == 2]
    return [t for t in running if len(t.intermediate_values) <= 2]


def error_lines(tmp_path: Path, tag: str) -> tuple[list[str], str]:
    """A worker's ``error:`` lines, and its whole stderr."""
    err = (tmp_path / f"{tag}.err").read_text()
    return [line for line in err.splitlines() if line.startswith("error:")], err


def test_two_workers_ride_out_a_server_restart(tmp_path, cluster):
    url, name, n = cluster.url, "restart", 12
    search.open_study(name, url)
    # grace 30 s > ride-out 20 s + heartbeat 1 s: no worker fails the other's trial in flight
    workers = {tag: start_worker(tmp_path, url, name, n, tag, 30, "--ride-out", "20", objective=STEADY)
               for tag in ("a", "b")}
    trials = wait_for(view(url, name), lambda trials: bool(in_flight(trials, 3)), workers, tmp_path)
    cut = [t.number for t in trials if t.state == TrialState.RUNNING]
    began = time.monotonic()
    cluster.stop()
    time.sleep(OUTAGE_SECONDS)
    cluster.start()
    summaries = [finish(worker, tmp_path, tag) for tag, worker in workers.items()]
    print(f"{n} trials, {OUTAGE_SECONDS} s outage: the workers ended {time.monotonic() - began:.1f} s after it began")

    trials = view(url, name).get_trials()  # a new observer: the old one's connections died
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) == n and all(s["finished"] == n for s in summaries)
    # nothing failed (lost) or run twice: the others are surplus asks refused in a race
    assert all(t.user_attrs.get("surplus") and not t.params for t in trials if t.state != TrialState.COMPLETE)
    assert [t.number for t in trials] == list(range(len(trials)))
    assert len({tuple(sorted(t.params.items())) for t in complete}) == n
    assert cut and all(trials[number].state == TrialState.COMPLETE for number in cut)  # ridden out
    for tag in workers:
        errors, err = error_lines(tmp_path, tag)
        # Optuna logs a refused surplus ask (a FAIL trial, caught) with its traceback; no other
        surplus = err.count("because of the following error: _Surplus(")
        assert not errors and err.count("Traceback") == surplus, err[-3000:]
    stderr = "".join((tmp_path / f"{tag}.err").read_text() for tag in workers)
    assert "unreachable" in stderr and "reachable again" in stderr  # the outage was felt, and said


def test_worker_gives_up_on_a_server_that_stays_down(tmp_path, cluster):
    # the server trusts every local connection: the password is there to be masked
    url, name, n, ride_out = cluster.url.replace("postgres@", "postgres:secret@"), "down", 6, 3
    search.open_study(name, url)
    first = start_worker(tmp_path, url, name, n, "first", 30, "--ride-out", str(ride_out), objective=STEADY)
    trials = wait_for(view(url, name), lambda trials: bool(in_flight(trials, 2)), {"first": first}, tmp_path)
    (cut,) = [t for t in trials if t.state == TrialState.RUNNING]
    done = {t.number: (t.value, t.params) for t in trials if t.state == TrialState.COMPLETE}
    began = time.monotonic()
    cluster.stop()
    assert first.wait(timeout=ride_out + 30) == 2
    waited = time.monotonic() - began
    errors, err = error_lines(tmp_path, "first")
    assert len(errors) == 1 and err.strip().splitlines()[-1] == errors[0], err[-3000:]
    masked = url.replace(":secret@", ":***@")
    assert errors[0].startswith(f"error: database '{masked}' unreachable for {ride_out} s (")
    assert "secret" not in err and "Traceback" not in err
    assert ride_out - 1 < waited < ride_out + 15  # (its first failed call may have begun before the stop)

    cluster.start()
    assert view(url, name).get_trials()[cut.number].state == TrialState.RUNNING  # kept, not lost
    second = start_worker(tmp_path, url, name, n, "second", 1, objective=STEADY)  # 1 s grace: fails it at once
    summary = finish(second, tmp_path, "second")
    print(f"gave up {waited:.1f} s into the outage (ride-out {ride_out} s)")
    trials = view(url, name).get_trials()
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) == n and summary["finished"] == n
    assert {t.number: (t.value, t.params) for t in trials if t.number in done} == done
    # the trial the outage cut short was failed (stale heartbeat) and run again with its parameters
    assert trials[cut.number].state == TrialState.FAIL
    (retry,) = [t for t in trials if t.system_attrs.get("failed_trial") == cut.number]
    assert retry.state == TrialState.COMPLETE and retry.params == cut.params
    others = [t for t in trials if t.number != cut.number]
    assert all(t.state == TrialState.COMPLETE or t.user_attrs.get("surplus") for t in others)
