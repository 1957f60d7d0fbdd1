"""Run profiles: how much of the study a run does.

``DIGITS_PROFILE=full`` (the default) runs the study as specified: all 42,000 labelled
rows, the full grids and epochs.  ``DIGITS_PROFILE=smoke`` runs the same code on a small
stratified subset with two values per grid and one or two epochs, for CI and quick checks.
The profile only subsamples in memory; the CSV files on disk are always complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from .paths import PROFILE_ENV, setting

T = TypeVar("T")

SEED = 0


@dataclass(frozen=True)
class Profile:
    """What one run of the book trains on.

    Attributes:
        name: ``"full"`` or ``"smoke"``.
        n_rows: labelled rows used (a stratified subset), ``None`` for all of them.
        max_grid: values kept from each hyperparameter grid, ``None`` for all.
        epochs_scale: factor on the number of epochs/iterations of every fit.
        seed: the one seed every split, subsample and fit derives from.
    """

    name: str
    n_rows: int | None
    max_grid: int | None
    epochs_scale: float
    seed: int = SEED

    @property
    def is_full(self) -> bool:
        return self.name == "full"

    def grid(self, values: Sequence[T]) -> list[T]:
        """The values of a grid this profile runs: all, or evenly spread ones incl. both ends."""
        values = list(values)
        if self.max_grid is None or len(values) <= self.max_grid:
            return values
        if self.max_grid == 1:
            return values[:1]
        step = (len(values) - 1) / (self.max_grid - 1)
        return [values[round(i * step)] for i in range(self.max_grid)]

    def epochs(self, n: int, minimum: int = 1) -> int:
        """Epochs (or iterations) for a fit that takes ``n`` under the full profile."""
        return max(minimum, round(n * self.epochs_scale))

    def describe(self) -> str:
        rows = "all labelled rows" if self.n_rows is None else f"{self.n_rows:,} labelled rows"
        grid = "full grids" if self.max_grid is None else f"{self.max_grid} values per grid"
        return f"profile '{self.name}': {rows}, {grid}, seed {self.seed}"


PROFILES: dict[str, Profile] = {
    "full": Profile("full", n_rows=None, max_grid=None, epochs_scale=1.0),
    "smoke": Profile("smoke", n_rows=2000, max_grid=2, epochs_scale=0.08),
}


def get_profile(name: str | None = None) -> Profile:
    """The profile named, or the one in ``$DIGITS_PROFILE`` (default ``full``)."""
    if name is None:
        name = setting(PROFILE_ENV) or "full"
    key = name.strip().lower()
    if key not in PROFILES:
        raise ValueError(
            f"{PROFILE_ENV}={name!r} is not a known profile; expected one of {sorted(PROFILES)}"
        )
    return PROFILES[key]
