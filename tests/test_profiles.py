import pytest

from digits_helpers.profiles import PROFILES, get_profile


def test_default_profile_is_full(monkeypatch):
    monkeypatch.delenv("DIGITS_PROFILE", raising=False)
    assert get_profile().name == "full"
    assert get_profile().n_rows is None


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("DIGITS_PROFILE", " Smoke ")
    profile = get_profile()
    assert profile.name == "smoke"
    assert profile.n_rows and profile.n_rows < 42_000


def test_unknown_profile_names_the_choices(monkeypatch):
    monkeypatch.setenv("DIGITS_PROFILE", "fast")
    with pytest.raises(ValueError, match=r"DIGITS_PROFILE='fast'.*\['full', 'smoke'\]"):
        get_profile()


def test_grid_keeps_both_ends_under_smoke():
    smoke, full = PROFILES["smoke"], PROFILES["full"]
    grid = [1e-3, 1e-2, 1e-1, 1, 10]
    assert full.grid(grid) == grid
    assert smoke.grid(grid) == [1e-3, 10]
    assert smoke.grid([32]) == [32]


def test_epochs_scale_with_a_floor():
    assert PROFILES["full"].epochs(25) == 25
    assert 1 <= PROFILES["smoke"].epochs(25) <= 2
    assert PROFILES["smoke"].epochs(3, minimum=1) == 1
