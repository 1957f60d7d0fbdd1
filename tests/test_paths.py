"""Folders and variables in one place; writes that are atomic; progress bars that obey."""

import os

import pytest

from digits_helpers import paths, progress


def test_every_folder_follows_its_variable(tmp_path, monkeypatch):
    for env, folder in ((paths.CACHE_ENV, paths.cache_dir), (paths.RESULTS_ENV, paths.results_root),
                        (paths.SUBMISSIONS_ENV, paths.submissions_root)):
        monkeypatch.delenv(env, raising=False)
        assert folder().parent == paths.REPO_ROOT
        monkeypatch.setenv(env, f"  {tmp_path / env}  ")
        assert folder() == tmp_path / env
    monkeypatch.delenv(paths.DATA_DIR_ENV, raising=False)
    assert paths.data_dir() == paths.repo_data_dir() == paths.REPO_ROOT / "data"
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "mine"))
    assert paths.data_dir() == (tmp_path / "mine").resolve()
    assert paths.results_dir("smoke") == paths.results_root() / "smoke"


def test_atomic_write_leaves_the_old_file_or_the_new_one(tmp_path):
    target = tmp_path / "sub" / "record.json"
    paths.atomic_write_text(target, "old")
    assert target.read_text() == "old"

    def fails(tmp):
        tmp.write_text("half")
        raise RuntimeError("killed half-way")

    with pytest.raises(RuntimeError):
        paths.atomic_write(target, fails)
    assert target.read_text() == "old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["record.json"]  # no partial file left
    paths.atomic_write_text(target, "new")
    assert target.read_text() == "new"


def test_progress_bars_hide_when_asked(monkeypatch):
    monkeypatch.setenv(paths.QUIET_ENV, "1")
    assert not paths.progress_enabled() and progress.progress_bar(3, "x").disable
    monkeypatch.setenv(paths.QUIET_ENV, "0")
    assert paths.progress_enabled()
    monkeypatch.delenv(paths.QUIET_ENV)
    assert paths.progress_enabled() and os.environ.get(paths.QUIET_ENV) is None
