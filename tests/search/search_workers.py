"""Worker processes for the search tests: ``python -m digits_helpers.search worker`` started
with a 1-second heartbeat and the demo objectives (this folder on their ``PYTHONPATH``), their
output in files, and the study as an observer sees it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import optuna

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEMO = "demo_objective:quadratic"  # importable by the workers: HERE is on their PYTHONPATH


def start_worker(tmp_path: Path, url: str, name: str, n_trials: int, tag: str, grace: int, *options: str,
                 objective: str = DEMO) -> subprocess.Popen:
    """A worker on study ``name`` (more command-line ``options`` after the usual ones); its
    stdout and stderr go to ``tmp_path / f"{tag}.out"`` and ``.err``."""
    command = [sys.executable, "-m", "digits_helpers.search", "worker", "--study", name, "--trials", str(n_trials)]
    command += ["--storage", url, "--heartbeat-interval", "1", "--grace-period", str(grace), "--objective", objective]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
    out, err = (open(tmp_path / f"{tag}.{kind}", "w") for kind in ("out", "err"))
    with out, err:
        return subprocess.Popen([*command, *options], cwd=ROOT, stdout=out, stderr=err, env=env)


def finish(process: subprocess.Popen, tmp_path: Path, tag: str) -> dict:
    """Wait for a worker; return its JSON summary."""
    assert process.wait(timeout=120) == 0, (tmp_path / f"{tag}.err").read_text()[-3000:]
    return json.loads((tmp_path / f"{tag}.out").read_text())


def view(url: str, name: str) -> optuna.Study:
    """The study as an observer sees it (no heartbeat, no sampler)."""
    return optuna.load_study(study_name=name, storage=url)
