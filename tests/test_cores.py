"""The cores a process may use: affinity, cgroup quota and $DIGITS_CPUS."""

import os
import subprocess
import sys

import pytest

from digits_helpers import cores


@pytest.mark.parametrize("allowed", [{0}, {0, 1}])
def test_the_affinity_decides_the_cores(allowed, monkeypatch):
    if not hasattr(os, "sched_setaffinity") or not allowed <= os.sched_getaffinity(0):
        pytest.skip("no CPU affinity to set here")
    monkeypatch.delenv(cores.CPUS_ENV, raising=False)
    code = (f"import os; os.sched_setaffinity(0, {allowed!r});"
            "from digits_helpers.cores import available_cores;"
            "print(available_cores())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    quota = cores.quota_cores()
    n = min(len(allowed), quota) if quota else len(allowed)
    assert out.stdout.split() == [str(n)]


def test_a_faked_affinity_of_eight_cores(monkeypatch):
    monkeypatch.setattr(cores, "affinity_cores", lambda: 8)
    monkeypatch.setattr(cores, "quota_cores", lambda: None)
    monkeypatch.delenv(cores.CPUS_ENV, raising=False)
    assert cores.available_cores() == 8


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
