"""The machine's share for fits: the cores a process may use, and how a group shares them."""

import os
import subprocess
import sys

import pytest

from digits_helpers.training import cores
from digits_helpers.training.cores import Plan, plan


@pytest.mark.parametrize(("n_cores", "n_fits", "expected"), [
    (1, 1, Plan(1, 1)), (1, 5, Plan(1, 1)),
    (2, 1, Plan(1, 2)), (2, 2, Plan(2, 1)), (2, 7, Plan(2, 1)),
    (8, 1, Plan(1, 8)), (8, 2, Plan(2, 4)), (8, 3, Plan(3, 2)), (8, 20, Plan(8, 1)),
    (16, 4, Plan(4, 4)),
])
def test_a_group_shares_the_cores_and_a_lone_fit_takes_them_all(n_cores, n_fits, expected):
    assert plan(n_fits, n_cores) == expected


def test_on_a_gpu_networks_run_one_at_a_time():
    assert plan(6, 16, gpu=True) == Plan(1, 16)


@pytest.mark.parametrize("allowed", [{0}, {0, 1}])
def test_the_affinity_decides_the_cores(allowed, monkeypatch):
    if not hasattr(os, "sched_setaffinity") or not allowed <= os.sched_getaffinity(0):
        pytest.skip("no CPU affinity to set here")
    monkeypatch.delenv(cores.CPUS_ENV, raising=False)
    code = (f"import os; os.sched_setaffinity(0, {allowed!r});"
            "from digits_helpers.training.cores import available_cores, plan;"
            "print(available_cores(), plan(4).at_once, plan(4).threads)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    quota = cores.quota_cores()
    n = min(len(allowed), quota) if quota else len(allowed)
    assert out.stdout.split() == [str(n), str(min(4, n)), str(max(1, n // min(4, n)))]


def test_a_faked_affinity_of_eight_cores(monkeypatch):
    monkeypatch.setattr(cores, "affinity_cores", lambda: 8)
    monkeypatch.setattr(cores, "quota_cores", lambda: None)
    monkeypatch.delenv(cores.CPUS_ENV, raising=False)
    assert cores.available_cores() == 8
    assert plan(3) == Plan(3, 2)


def test_the_variable_caps_the_cores(monkeypatch):
    monkeypatch.setattr(cores, "affinity_cores", lambda: 8)
    monkeypatch.setattr(cores, "quota_cores", lambda: None)
    monkeypatch.setenv(cores.CPUS_ENV, "3")
    assert cores.available_cores() == 3
    monkeypatch.setenv(cores.CPUS_ENV, "16")  # a cap above the machine changes nothing
    assert cores.available_cores() == 8


def test_a_cgroup_quota_in_whole_cores(tmp_path):
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("200000 100000\n")
    assert cores.quota_cores(cpu_max) == 2
    cpu_max.write_text("max 100000\n")
    assert cores.quota_cores(cpu_max) is None
    assert cores.quota_cores(tmp_path / "absent") is None


@pytest.mark.parametrize("bad", ["0", "two", "-1", "1.5"])
def test_a_bad_cap_is_a_clear_error(bad, monkeypatch):
    monkeypatch.setenv(cores.CPUS_ENV, bad)
    with pytest.raises(ValueError, match="DIGITS_CPUS must be a whole number"):
        cores.available_cores()
