"""Fixtures shared by the test files: a fit cache of each test's own (the smoke build of the
book is tests/book/conftest.py's)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """A fit cache of the test's own (``DIGITS_CACHE_DIR``): no test reads another's fits."""
    monkeypatch.setenv("DIGITS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"
