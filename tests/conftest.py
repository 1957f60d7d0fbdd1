"""Fixtures shared by the test files: a fit cache of each test's own, and one smoke build of
the book per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """A fit cache of the test's own (``DIGITS_CACHE_DIR``): no test reads another's fits."""
    monkeypatch.setenv("DIGITS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@dataclass(frozen=True)
class SmokeBuild:
    """`jupyter-book build book -W -n --keep-going` under the smoke profile, in `path`."""

    path: Path  # the --path-output folder
    result: subprocess.CompletedProcess

    @property
    def html(self) -> Path:
        return self.path / "_build" / "html"

    def log(self) -> str:
        return self.result.stdout[-5000:] + self.result.stderr[-5000:]


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory) -> SmokeBuild:
    """The book built once per session into a throw-away folder (its own execution cache)."""
    path = tmp_path_factory.mktemp("smoke-book")
    env = {**os.environ, "DIGITS_PROFILE": "smoke"}
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jb), "build", "book", "-W", "-n", "--keep-going", "--path-output", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    return SmokeBuild(path, result)
