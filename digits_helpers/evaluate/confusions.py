"""Where models go wrong, from validation predictions (never the test labels): confusion
counts, errors per class, the most confused pairs, and accuracy against confidence."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

N_CLASSES = 10


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = N_CLASSES) -> np.ndarray:
    """Confusion counts: ``cm[i, j]`` rows of true class ``i`` predicted as ``j``."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"expected two 1-D label arrays of one length, found {y_true.shape} and {y_pred.shape}")
    for name, y in (("true", y_true), ("predicted", y_pred)):
        if len(y) and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"{name} labels must lie in 0-{n_classes - 1}, found {y.min()}-{y.max()}")
    flat = np.bincount(n_classes * y_true.astype(np.int64) + y_pred.astype(np.int64), minlength=n_classes**2)
    return flat.reshape(n_classes, n_classes)


def off_diagonal(cm: np.ndarray) -> np.ndarray:
    """A copy of ``cm`` with the diagonal (the correct predictions) set to zero: the errors."""
    out = np.array(cm, copy=True)
    np.fill_diagonal(out, 0)
    return out


def errors_per_class(cm: np.ndarray) -> pd.DataFrame:
    """Per digit: its rows, its errors as the true class (``missed``), the errors that
    predicted it (``wrongly_predicted``), and the share of its rows missed (``error_rate``)."""
    cm = np.asarray(cm)
    errors = off_diagonal(cm)
    rows = cm.sum(axis=1)
    missed = errors.sum(axis=1)
    rate = np.divide(missed, rows, out=np.zeros(len(rows)), where=rows > 0)
    return pd.DataFrame({"digit": np.arange(len(cm)), "rows": rows, "missed": missed,
                         "wrongly_predicted": errors.sum(axis=0), "error_rate": rate})


def confused_pairs(cm: np.ndarray, symmetric: bool = False) -> pd.DataFrame:
    """The confusions that happened, most frequent first, with a competition ``rank``
    (ties share the best rank) and their ``share`` of all errors.

    Directed (default): one row per ``true -> predicted``.  With ``symmetric`` the two
    directions of each pair of digits are summed: columns ``a < b``, ``a_to_b``, ``b_to_a``.
    """
    errors = off_diagonal(cm)
    total = errors.sum()
    n = len(errors)
    if symmetric:
        rows = [{"a": a, "b": b, "errors": int(errors[a, b] + errors[b, a]),
                 "a_to_b": int(errors[a, b]), "b_to_a": int(errors[b, a])}
                for a in range(n) for b in range(a + 1, n)]
        keys = ["a", "b"]
    else:
        rows = [{"true": t, "predicted": p, "errors": int(errors[t, p])}
                for t in range(n) for p in range(n) if t != p]
        keys = ["true", "predicted"]
    columns = ["rank", *keys, "errors", "share"] + (["a_to_b", "b_to_a"] if symmetric else [])
    table = pd.DataFrame(rows, columns=[*keys, "errors"] + (["a_to_b", "b_to_a"] if symmetric else []))
    table = table[table["errors"] > 0].sort_values(["errors", *keys], ascending=[False] + [True] * len(keys))
    table["share"] = table["errors"] / total if total else 0.0
    table["rank"] = table["errors"].rank(method="min", ascending=False).astype(int)
    return table[columns].reset_index(drop=True)


def pair_rank(pairs: pd.DataFrame, a: int, b: int) -> tuple[int | None, int]:
    """``(rank, errors)`` of a pair in a :func:`confused_pairs` table; rank ``None`` when it
    never happened.  For a symmetric table the order of ``a`` and ``b`` does not matter."""
    if "true" in pairs:
        hit = pairs[(pairs["true"] == a) & (pairs["predicted"] == b)]
    else:
        lo, hi = sorted((a, b))
        hit = pairs[(pairs["a"] == lo) & (pairs["b"] == hi)]
    if hit.empty:
        return None, 0
    return int(hit["rank"].iloc[0]), int(hit["errors"].iloc[0])


def tied_top(table: pd.DataFrame, column: str, largest: bool = True) -> pd.DataFrame:
    """The rows sharing the largest (or smallest) value of ``column``."""
    value = table[column].max() if largest else table[column].min()
    return table[table[column] == value]


def prediction_table(proba: np.ndarray, y_true: np.ndarray) -> pd.DataFrame:
    """One row per validation digit: true and predicted label, the predicted probability
    (``confidence``), the second choice and its probability, and whether it was right."""
    proba, y_true = np.asarray(proba), np.asarray(y_true)
    if proba.ndim != 2 or len(proba) != len(y_true):
        raise ValueError(f"expected probabilities (n, classes) for {len(y_true)} labels, found {proba.shape}")
    order = np.argsort(-proba, axis=1, kind="stable")
    rows = np.arange(len(proba))
    predicted, second = order[:, 0], order[:, 1]
    return pd.DataFrame({
        "true": y_true, "predicted": predicted, "confidence": proba[rows, predicted],
        "second": second, "second_confidence": proba[rows, second], "correct": predicted == y_true,
    })


def coverage_curve(confidence: np.ndarray, correct: np.ndarray) -> pd.DataFrame:
    """Accuracy on the most confident predictions only, for every share of them kept.

    Row ``k`` keeps the ``k + 1`` most confident predictions: ``coverage`` is their share,
    ``accuracy`` the share of them that are right, ``errors_kept`` their share of all errors.
    """
    confidence, correct = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=bool)
    order = np.argsort(-confidence, kind="stable")
    right = correct[order]
    kept = np.arange(1, len(right) + 1)
    n_errors = max(int((~correct).sum()), 1)
    return pd.DataFrame({"coverage": kept / len(right), "accuracy": np.cumsum(right) / kept,
                         "errors_kept": np.cumsum(~right) / n_errors,
                         "threshold": confidence[order]})


def accuracy_at_coverage(curve: pd.DataFrame, coverage: float) -> tuple[float, float]:
    """``(accuracy, share of errors kept)`` when only the most confident ``coverage`` share is kept."""
    row = curve.iloc[min(len(curve) - 1, max(0, math.ceil(coverage * len(curve)) - 1))]
    return float(row["accuracy"]), float(row["errors_kept"])
