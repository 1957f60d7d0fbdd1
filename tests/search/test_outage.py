"""Search workers and an outage of their database: a few seconds are ridden out (every trial
still counted once), a server that stays down ends the worker with one ``error:`` line.

The worker's ride-out is checked in-process on SQLite, failing statements on purpose (an
SQLAlchemy event); the workers on a private PostgreSQL cluster of each test (``.ci/postgres.sh`` in a folder of the
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
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import optuna
import pytest
import sqlalchemy
from demo_objective import steady
from optuna.trial import FrozenTrial, TrialState
from search_workers import ROOT, finish, start_worker, view

from digits_helpers import search
from digits_helpers.search import cli

STEADY = "demo_objective:steady"  # trials of about 0.5 s, never pruned: finished means COMPLETE
OUTAGE_SECONDS = 3
fast_steady = partial(steady, step_seconds=0.02)


@contextmanager
def outage(first: type = sqlalchemy.exc.OperationalError) -> Iterator[list[float]]:
    """While ``window[0] <= now < window[1]`` (``window``, yielded, is set by the test), every
    statement of every engine in this process fails as on a lost connection: the first with
    ``first``, the others with ``OperationalError``."""
    window = [float("inf"), float("inf")]
    failed = [0]

    def fail(*_: object) -> None:
        if window[0] <= time.monotonic() < window[1]:
            failed[0] += 1
            error = first if failed[0] == 1 else sqlalchemy.exc.OperationalError
            if error is sqlalchemy.exc.PendingRollbackError:
                raise error("Can't reconnect until invalid transaction is rolled back")
            raise error("SELECT ...", {}, Exception("server closed the connection unexpectedly\n\tbye"))

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "before_cursor_execute", fail)
    try:
        yield window
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "before_cursor_execute", fail)


# Optuna's heartbeat thread ends with an error at its first failed write (said on stderr, not a test's failure)
ENDED_HEARTBEAT = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


@ENDED_HEARTBEAT
@pytest.mark.parametrize("first", [sqlalchemy.exc.OperationalError, sqlalchemy.exc.PendingRollbackError])
def test_worker_rides_out_a_lost_connection(tmp_path, monkeypatch, caplog, first):
    """The database lost for 1.5 s in the middle of trial 2: the worker waits, reopens the study and
    goes on; trial 2 stays RUNNING until its heartbeat is stale, then is run again with its parameters.
    (After a restart SQLAlchemy's session may first answer PendingRollbackError: a lost connection too.)"""
    url = search.storage_url(tmp_path / "studies.db")

    with outage(first) as window:
        def objective(trial: optuna.Trial) -> float:
            if trial.number == 2:  # once its parameters are drawn
                trial.suggest_float("x", -5.0, 5.0), trial.suggest_float("y", -5.0, 5.0)
                window[:] = [time.monotonic(), time.monotonic() + 1.5]
            return fast_steady(trial)

        monkeypatch.setitem(cli.OBJECTIVES, "cut-at-2", objective)
        summary = search.worker("cut", 6, url, objective="cut-at-2", heartbeat_interval=1, grace_period=2,
                                ride_out=10)
    trials = view(url, "cut").get_trials()
    assert summary["finished"] == 6 and sum(t.state == TrialState.COMPLETE for t in trials) == 6
    assert trials[2].state == TrialState.FAIL and len(trials[2].params) == 2
    (retry,) = [t for t in trials if t.system_attrs.get("failed_trial") == 2]
    assert retry.state == TrialState.COMPLETE and retry.params == trials[2].params
    assert all(t.state == TrialState.COMPLETE or t.user_attrs.get("surplus") for t in trials if t.number != 2)
    said = [r.getMessage() for r in caplog.records if r.name == cli.__name__]
    assert len(said) == 2 and said[0].startswith(f"database '{url}' unreachable (")
    assert said[0].endswith("retrying for up to 10 s")
    assert said[1].startswith(f"database '{url}' reachable again after ")


@ENDED_HEARTBEAT
def test_worker_gives_up_after_the_ride_out(tmp_path, monkeypatch):
    url = search.storage_url(tmp_path / "studies.db")
    with outage() as window:
        def objective(trial: optuna.Trial) -> float:
            if trial.number == 1:
                window[0] = time.monotonic()  # for good
            return fast_steady(trial)

        monkeypatch.setitem(cli.OBJECTIVES, "cut-at-1", objective)
        began = time.monotonic()
        message = rf"database '{url}' unreachable for 0.8 s \(server closed the connection unexpectedly bye\); the"
        with pytest.raises(search.DatabaseUnreachable, match=message) as raised:
            search.worker("down", 4, url, objective="cut-at-1", heartbeat_interval=1, ride_out=0.8)
        assert 0.8 <= time.monotonic() - began < 3
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    trials = view(url, "down").get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.RUNNING]  # kept for the next worker


@ENDED_HEARTBEAT
def test_a_trial_cut_before_its_first_heartbeat_is_run_again(tmp_path, monkeypatch):
    """The database is lost as soon as trial 2 is created, before its first heartbeat: once back,
    the worker gives every RUNNING trial a heartbeat, so this one too goes stale and is replaced
    (else it would stay RUNNING for good and the worker wait for it for ever)."""
    url = search.storage_url(tmp_path / "studies.db")
    monkeypatch.setitem(cli.OBJECTIVES, "steady", fast_steady)
    created, summary = [0], {}
    with outage() as window:
        def count(conn: object, cursor: object, statement: str, *_: object) -> None:
            created[0] += statement.startswith("INSERT INTO trials ")

        def commit(conn: object) -> None:  # the transaction that creates trial 2 commits, then the outage
            if created[0] == 3 and window[0] == float("inf"):
                window[:] = [time.monotonic(), time.monotonic() + 1.5]

        sqlalchemy.event.listen(sqlalchemy.engine.Engine, "after_cursor_execute", count)
        sqlalchemy.event.listen(sqlalchemy.engine.Engine, "commit", commit)
        try:
            run = threading.Thread(daemon=True, target=lambda: summary.update(search.worker(
                "orphan", 5, url, objective="steady", heartbeat_interval=1, grace_period=2, ride_out=10)))
            run.start()
            run.join(timeout=40)
        finally:
            sqlalchemy.event.remove(sqlalchemy.engine.Engine, "after_cursor_execute", count)
            sqlalchemy.event.remove(sqlalchemy.engine.Engine, "commit", commit)
    assert window[0] < float("inf") and not run.is_alive(), "the worker still waits for trial 2"
    trials = view(url, "orphan").get_trials()
    assert summary["finished"] == 5 and sum(t.state == TrialState.COMPLETE for t in trials) == 5
    assert trials[2].state == TrialState.FAIL and not trials[2].params  # cut before its parameters
    assert [t.system_attrs.get("failed_trial") for t in trials].count(2) == 1


@ENDED_HEARTBEAT
@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_a_trial_that_outlives_an_outage_keeps_its_heartbeat(tmp_path):
    """Optuna's heartbeat thread ends at its first failed write; run_study's goes on, so a trial that
    did not touch the database during an outage is not failed as stale once it is over."""
    url = search.storage_url(tmp_path / "studies.db")
    store = search.rdb_storage(url, heartbeat_interval=1, grace_period=3)
    study = search.open_study("quiet", store, seed=0)
    observer = optuna.load_study(study_name="quiet", storage=search.rdb_storage(url, heartbeat_interval=1,
                                                                               grace_period=3))
    states = []

    with outage() as window:
        def objective(trial: optuna.Trial) -> float:
            window[:] = [time.monotonic(), time.monotonic() + 2.5]  # heartbeats fail meanwhile
            time.sleep(5)  # a long epoch, during and after the outage
            optuna.storages.fail_stale_trials(observer)  # another worker looks for stale trials
            states.append(observer.get_trials()[0].state)
            return 1.0

        search.run_study(study, objective, 1, store)
    assert states == [TrialState.RUNNING] and study.get_trials()[0].state == TrialState.COMPLETE


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


def other_tracebacks(err: str) -> int:
    """Tracebacks in a worker's stderr (a chain of them counted once) other than Optuna's log of a
    refused surplus ask (a FAIL trial, caught) and the end of Optuna's heartbeat thread at its
    first failed write."""
    lines = [line for line in err.splitlines() if line.strip()]
    chained = ("The above exception was the direct cause", "During handling of the above exception")
    tracebacks = sum(line.startswith("Traceback") and not lines[i - 1].startswith(chained)
                     for i, line in enumerate(lines) if i)
    return tracebacks - err.count("because of the following error: _Surplus(") - err.count("Exception in thread")


def test_two_workers_ride_out_a_server_restart(tmp_path, cluster):
    url, name, n = cluster.url, "restart", 12
    search.open_study(name, url)
    # grace 3 s: a trial the restart cut short is failed and run again soon after it
    workers = {tag: start_worker(tmp_path, url, name, n, tag, 3, "--ride-out", "20", objective=STEADY)
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
    assert [t.number for t in trials] == list(range(len(trials)))
    assert len({tuple(sorted(t.params.items())) for t in complete}) == n  # none run twice
    # a trial the restart cut short (``cut`` is those seen before the stop) stayed RUNNING, then was
    # failed (stale) and run again with its parameters; so was any trial whose heartbeat a loaded
    # machine delayed past the 3 s grace; nothing else failed but surplus asks refused in a race
    failed = [t for t in trials if t.state != TrialState.COMPLETE and not t.user_attrs.get("surplus")]
    assert cut and set(cut) & {t.number for t in failed}
    for trial in failed:  # (one cut before its parameters were drawn has none: its retry draws them)
        assert trial.state == TrialState.FAIL
        (retry,) = [t for t in trials if t.system_attrs.get("failed_trial") == trial.number]
        assert retry.state == TrialState.COMPLETE and trial.params.items() <= retry.params.items()
    assert all(not t.params for t in trials if t.user_attrs.get("surplus"))
    for tag in workers:
        errors, err = error_lines(tmp_path, tag)
        assert not errors and not other_tracebacks(err), err[-3000:]
    stderr = "".join((tmp_path / f"{tag}.err").read_text() for tag in workers)
    assert "unreachable" in stderr and "reachable again" in stderr  # the outage was felt, and said


def test_worker_gives_up_on_a_server_that_stays_down(tmp_path, cluster):
    # the server trusts every local connection: the password is there to be masked
    url, name, n, ride_out = cluster.url.replace("postgres@", "postgres:secret@"), "down", 6, 3
    search.open_study(name, url)
    first = start_worker(tmp_path, url, name, n, "first", 30, "--ride-out", str(ride_out), objective=STEADY)
    trials = wait_for(view(url, name), lambda trials: bool(in_flight(trials, 2)), {"first": first}, tmp_path)
    began = time.monotonic()
    cluster.stop()
    assert first.wait(timeout=ride_out + 30) == 2
    waited = time.monotonic() - began
    errors, err = error_lines(tmp_path, "first")
    assert len(errors) == 1 and err.strip().splitlines()[-1] == errors[0], err[-3000:]
    masked = url.replace(":secret@", ":***@")
    assert errors[0].startswith(f"error: database '{masked}' unreachable for {ride_out} s (")
    assert "secret" not in err and not other_tracebacks(err)
    assert ride_out - 1 < waited < ride_out + 15  # (its first failed call may have begun before the stop)

    cluster.start()
    # the trial in flight when the server went down (not always the one seen before: it may have
    # ended first) is kept RUNNING, not lost
    trials = view(url, name).get_trials()
    (cut,) = [t for t in trials if t.state == TrialState.RUNNING]
    done = {t.number: (t.value, t.params) for t in trials if t.state == TrialState.COMPLETE}
    assert len(done) >= 2 and len(trials) == len(done) + 1
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
    assert retry.state == TrialState.COMPLETE and cut.params.items() <= retry.params.items()
    others = [t for t in trials if t.number != cut.number]
    assert all(t.state == TrialState.COMPLETE or t.user_attrs.get("surplus") for t in others)
