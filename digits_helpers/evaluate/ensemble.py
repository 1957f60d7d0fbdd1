"""Ensembles of networks: average the members' class probabilities, choose the members on
validation rows only.

:func:`forward_selection` is greedy ensemble selection (Caruana et al., 2004) without
replacement: it starts from the most accurate candidate on validation and adds, one at a
time, the candidate whose probabilities make the most accurate average, up to a maximum
size.  The test labels play no part: the size is the smallest one whose average is the most
accurate *on validation*, and the finished ensemble is scored on the test set afterwards.

:func:`shared_errors` and :func:`oracle_accuracy` measure how differently candidates fail;
:func:`member_split` gives a candidate of :mod:`digits_helpers.models.members` the rows and
inputs it trains on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score

from ..models import members
from ..profiles import Profile
from ..training.results import Split

EPS = 1e-7


def average(probas: Sequence[np.ndarray]) -> np.ndarray:
    """The mean of several ``(n, classes)`` probability arrays (the ensemble's prediction)."""
    if not probas:
        raise ValueError("an ensemble needs at least one member's probabilities")
    shapes = {np.shape(p) for p in probas}
    if len(shapes) != 1:
        raise ValueError(f"members' probabilities differ in shape: {sorted(shapes)}")
    return np.mean(np.stack(probas), axis=0)


def log_loss(proba: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-probability of the true classes.

    (scikit-learn's ``log_loss`` warns on every call here: the networks' float32
    probabilities sum to one only to float32 precision.)
    """
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], EPS, 1.0))))


def accuracy(proba: np.ndarray, y: np.ndarray) -> float:
    """Share of rows whose most probable class is the true one."""
    return float(accuracy_score(y, np.asarray(proba).argmax(axis=1)))


@dataclass(frozen=True)
class Selection:
    """What :func:`forward_selection` chose.

    Attributes:
        order: candidate names in the order they were added (``max_size`` or fewer).
        curve: one row per ensemble size: ``size``, the ``added`` member, the average's
            ``val_accuracy`` and ``val_log_loss``.
        size: the chosen size; the ensemble is ``order[:size]``.
    """

    order: list[str]
    curve: pd.DataFrame
    size: int

    @property
    def members(self) -> list[str]:
        return self.order[:self.size]


def forward_selection(val_probas: Mapping[str, np.ndarray], y_val: np.ndarray, max_size: int = 5) -> Selection:
    """Choose ensemble members greedily on validation probabilities.

    At each step the candidate (not yet in the ensemble) whose addition gives the most
    accurate average on ``y_val`` is added; ties go to the lower log loss, then to the
    earlier candidate.  The chosen size is the smallest whose validation accuracy equals the
    best of the curve.
    """
    if max_size < 1:
        raise ValueError(f"max_size={max_size}; expected at least 1")
    names = list(val_probas)
    if not names:
        raise ValueError("no candidates to choose from")
    y_val = np.asarray(y_val)
    expected = (len(y_val), np.shape(val_probas[names[0]])[-1])
    for name, proba in val_probas.items():
        if np.shape(proba) != expected:
            raise ValueError(f"candidate {name!r}: expected probabilities of shape {expected} (validation rows,"
                             f" classes), found {np.shape(proba)}")
    order: list[str] = []
    total = np.zeros_like(np.asarray(val_probas[names[0]], dtype=np.float64))
    rows = []
    while len(order) < min(max_size, len(names)):
        best = None
        for name in names:
            if name in order:
                continue
            mean = (total + val_probas[name]) / (len(order) + 1)
            score = (accuracy(mean, y_val), -log_loss(mean, y_val))
            if best is None or score > best[0]:
                best = (score, name)
        (acc, neg_loss), name = best
        order.append(name)
        total += val_probas[name]
        rows.append({"size": len(order), "added": name, "val_accuracy": acc, "val_log_loss": -neg_loss})
    curve = pd.DataFrame(rows)
    size = int(curve.loc[curve["val_accuracy"] == curve["val_accuracy"].max(), "size"].min())
    return Selection(order, curve, size)


def member_split(name: str, split: Split, profile: Profile) -> Split:
    """The rows and inputs candidate ``name`` trains and is validated on: its share of the
    fitting rows (:func:`~digits_helpers.models.members.member_rows`), and all validation
    rows, both as it sees them (:func:`~digits_helpers.models.members.member_inputs`)."""
    rows = members.member_rows(name, len(split.X_fit), profile)
    X_val = None if split.X_val is None else members.member_inputs(name, split.X_val)
    return Split(members.member_inputs(name, split.X_fit[rows]), split.y_fit[rows], X_val, split.y_val)


def shared_errors(probas: Mapping[str, np.ndarray], y: np.ndarray) -> pd.DataFrame:
    """For every pair of candidates, the number of rows both get wrong (on the diagonal:
    each one's own errors), as a square table indexed by the candidates' names."""
    wrong = np.array([np.asarray(p).argmax(axis=1) != y for p in probas.values()], dtype=np.int64)
    return pd.DataFrame(wrong @ wrong.T, index=list(probas), columns=list(probas))


def oracle_accuracy(probas: Sequence[np.ndarray], y: np.ndarray) -> float:
    """Share of rows that at least one of the members gets right: what no average of them
    can exceed, since a row every member gets wrong cannot be right on average."""
    right = np.array([np.asarray(p).argmax(axis=1) == y for p in probas])
    return float(right.any(axis=0).mean())
