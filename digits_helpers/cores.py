"""How many CPU cores this process may use (part of a fit's cache key, and of the banner a
page prints): those of its CPU affinity, capped by a cgroup CPU quota when one is set
(containers, CI runners) and by ``$DIGITS_CPUS`` when a user sets it."""

from __future__ import annotations

import os
from pathlib import Path

from .paths import CPUS_ENV, setting

__all__ = ["CPUS_ENV", "affinity_cores", "available_cores", "quota_cores"]
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def affinity_cores() -> int:
    """The cores the process may run on (its CPU affinity; ``os.cpu_count()`` where the
    platform has no affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def quota_cores(cpu_max: Path = CGROUP_CPU_MAX) -> int | None:
    """The cgroup v2 CPU quota in whole cores (``"200000 100000"`` -> 2), or ``None`` when
    there is none (``"max ..."``) or no cgroup file to read."""
    try:
        quota, period = cpu_max.read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    return max(1, int(quota) // int(period))


def available_cores() -> int:
    """The cores this process may use: affinity, cgroup quota and ``$DIGITS_CPUS``, the
    smallest of them.

    Raises :class:`ValueError` when ``$DIGITS_CPUS`` is not a positive whole number.
    """
    cores = affinity_cores()
    quota = quota_cores()
    if quota is not None:
        cores = min(cores, quota)
    cap = setting(CPUS_ENV)
    if cap:
        if not cap.isdigit() or int(cap) < 1:
            raise ValueError(f"${CPUS_ENV} must be a whole number of cores, 1 or more; found {cap!r}")
        cores = min(cores, int(cap))
    return cores
