"""The ensemble chapter's candidate networks: what each one is, sees and is trained on.

A :class:`Member` is a family and recipe (:mod:`.recipes`) plus what makes it fail
differently from the others: another architecture, another preprocessing of the images
(``inputs="deskewed"``), another share of the fitting rows (bagging), another seed.  Every
candidate trains on the fitting rows of the validation split (or a share of them), so the
members, their number and test-time augmentation are all chosen on validation rows; the
chosen members are then refitted on all labelled rows (the same recipe, seed and inputs, a
bagged member drawing its share of all rows), as every family's final model is.

``CANDIDATES`` lists them; the first four are the networks of chapters 05, 06 and 08.
Those of 05 and 06 are the same fits (the same recipe, rows and seed, so a whole-book build
reads them from the fit cache); chapter 08 now trains its small CNN in plain Keras
(``train_network``), so the ``small`` candidate, the package's recipe of it, trains here.
``FINAL_ENSEMBLE`` holds the members the full-profile chapter chose, which
``benchmarks/bench_models.py --model ensemble`` trains from nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data import features
from ..profiles import Profile
from .recipes import DEEP_ONE_CYCLE, FINAL, SOURCE_LENET, cut_epochs

INPUTS = ("pixels", "deskewed")
# The new deeper networks' one-cycle training: 30 epochs instead of chapter 06's 40, so that
# two of them, side by side on two cores, train in about ten minutes.
DEEP_MEMBER = {**DEEP_ONE_CYCLE, "epochs": 30}
BAG_SHARE = 0.9  # the share of the fitting rows a bagged member draws (without replacement)


@dataclass(frozen=True)
class Member:
    """One candidate network of the ensemble.

    Attributes:
        family, recipe: the model family and its hyperparameters (``recipes.make_model``).
        differs_by: what sets it apart, in words, for the chapter's table.
        seed_offset: added to the profile's seed; 0 keeps the profile's seed (and so the
            cache key of the chapter that trains the same recipe).
        inputs: ``"pixels"`` (the images as given) or ``"deskewed"``
            (:func:`digits_helpers.data.features.deskew`: centred and shear-corrected).
        rows: the share of the fitting rows it trains on (1 = all of them; less = a random
            subset drawn with its seed, as in bagging).
    """

    family: str
    recipe: dict[str, Any] = field(hash=False)
    differs_by: str
    seed_offset: int = 0
    inputs: str = "pixels"
    rows: float = 1.0

    def __post_init__(self) -> None:
        if self.inputs not in INPUTS:
            raise ValueError(f"inputs={self.inputs!r}; expected one of {INPUTS}")
        if not 0 < self.rows <= 1:
            raise ValueError(f"rows={self.rows!r}; expected a share in (0, 1]")


CANDIDATES = {
    "lenet": Member("cnn_lenet", SOURCE_LENET, "architecture: LeNet-like, the source's 25 epochs (chapter 05)"),
    "fast": Member("cnn_fast", FINAL["cnn_fast"], "architecture: leaner LeNet-like, one-cycle (chapter 06)"),
    "small": Member("small_cnn", FINAL["small_cnn"], "architecture: strided, no augmentation (chapter 08)"),
    "deep": Member("cnn_deep", DEEP_ONE_CYCLE, "the deeper network itself (chapter 06)"),
    "deep_deskewed": Member("cnn_deep", DEEP_MEMBER, "preprocessing: deskewed images; seed", seed_offset=1,
                            inputs="deskewed"),
    "deep_bagged": Member("cnn_deep", DEEP_MEMBER, f"bagging: a random {BAG_SHARE:.0%} of the rows; seed",
                          seed_offset=2, rows=BAG_SHARE),
}
# The members the full-profile chapter chose on the validation split, in the order forward
# selection added them, and whether it averages their test-time-augmented probabilities.
# (Full profile, 2026-12-01: validation 99.60 % for the best single network, 99.63 % for
# forward selection on plain probabilities, 99.68 % with test-time augmentation for these
# two; on the test set 99.58 %, 118 errors.)
FINAL_ENSEMBLE = ("deep_deskewed", "deep_bagged")
FINAL_TTA = True


def candidate(name: str) -> Member:
    """``CANDIDATES[name]``, with an error naming the candidates when there is none."""
    if name not in CANDIDATES:
        raise ValueError(f"{name!r} is not an ensemble candidate; expected one of {sorted(CANDIDATES)}")
    return CANDIDATES[name]


def member_params(name: str, profile: Profile) -> tuple[str, dict[str, Any]]:
    """The family and recipe of candidate ``name``: epochs cut to ``profile``, seed = the
    profile's seed + the member's offset (left unset for offset 0: the profile's seed)."""
    member = candidate(name)
    params = cut_epochs(member.recipe, profile)
    return member.family, (params if member.seed_offset == 0 else {**params, "seed": profile.seed + member.seed_offset})


def member_inputs(name: str, X: np.ndarray) -> np.ndarray:
    """Pixel rows ``X`` (0-255) as candidate ``name`` sees them: as given, or deskewed."""
    return features.deskew(X) if candidate(name).inputs == "deskewed" else X


def member_rows(name: str, n: int, profile: Profile) -> np.ndarray:
    """Indices of the ``n`` fitting rows candidate ``name`` trains on, sorted: all of them,
    or a random share drawn with its seed (the same profile gives the same rows)."""
    member = candidate(name)
    if member.rows == 1:
        return np.arange(n)
    rng = np.random.default_rng(profile.seed + member.seed_offset)
    return np.sort(rng.choice(n, size=round(member.rows * n), replace=False))
