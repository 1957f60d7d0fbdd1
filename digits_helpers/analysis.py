"""Error analysis and comparison: confusions, confidence, and the table of model families.

The error-analysis chapter works on validation predictions (never on the test labels):
:func:`confusion`, :func:`errors_per_class`, :func:`confused_pairs`, :func:`prediction_table`
and :func:`coverage_curve`.  The comparison chapter reads the recorded final models:
:func:`choose_model`, :func:`family_table`, :func:`reference_table`,
:func:`recheck_submissions` and :func:`tradeoff`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

N_CLASSES = 10
N_FEATURES = 784


# --------------------------------------------------------------------------- confusions
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


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def and_join(items: Iterable[Any]) -> str:
    """``["a"] -> "a"``, ``["a", "b", "c"] -> "a, b and c"``."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def plural(n: int, word: str) -> str:
    """``plural(1, "error") -> "1 error"``, ``plural(3, "error") -> "3 errors"``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def named_list(noun: str, items: Iterable[Any]) -> str:
    """``named_list("digit", [8]) -> "digit 8"``, ``[8, 9] -> "digits 8 and 9"``."""
    items = list(items)
    return f"{noun}{'s' if len(items) > 1 else ''} {and_join(items)}"


def rank_phrase(rank: int | None, n_tied: int, noun: str) -> str:
    """How a competition rank reads: ``"the most frequent pair"``, ``"the 3rd most frequent
    pair"``, ``"tied 2nd most frequent pair (with 1 other)"``; ``None``: never seen."""
    if rank is None:
        return f"not among the {noun}s seen at all"
    place = "the" if rank == 1 else f"the {ordinal(rank)}"
    if n_tied <= 1:
        return f"{place} most frequent {noun}"
    others = n_tied - 1
    return f"{place} most frequent {noun}, tied with {others} other{'s' if others > 1 else ''}"


def time_change(before: float, after: float, what: str = "the epoch", resolution: float = 0.05) -> str:
    """How going from ``before`` to ``after`` seconds reads: ``"saves 13 % of the epoch"``,
    ``"adds 8 % to the epoch"``, or, for a change within ``resolution`` (a share of ``before``;
    short timings on a shared machine vary that much), ``"changes the epoch by less than this
    timing resolves (+2 %)"``."""
    change = after / before - 1
    if change <= -resolution:
        return f"saves {-100 * change:.0f} % of {what}"
    if change >= resolution:
        return f"adds {100 * change:.0f} % to {what}"
    return f"changes {what} by less than this timing resolves ({100 * change:+.0f} %)"


def tied_top(table: pd.DataFrame, column: str, largest: bool = True) -> pd.DataFrame:
    """The rows sharing the largest (or smallest) value of ``column``."""
    value = table[column].max() if largest else table[column].min()
    return table[table[column] == value]


# --------------------------------------------------------------------------- confidence
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


# --------------------------------------------------------------------------- which model
@dataclass(frozen=True)
class Choice:
    """The model an analysis uses and why.

    ``from_record`` says whether it is a recorded final model (else the fallback recipe);
    ``passed_over`` names recorded families with a higher validation accuracy that cannot
    be refitted here (no builder); ``val_params`` are the settings whose fit on the fitting
    rows gave the recorded validation accuracy, when they differ from ``params``.
    """

    model: str
    params: dict[str, Any]
    description: str
    val_accuracy: float | None
    from_record: bool
    passed_over: list[tuple[str, float]] = field(default_factory=list)
    val_params: dict[str, Any] | None = None

    @property
    def fitting_params(self) -> dict[str, Any]:
        """The settings to fit on the fitting rows: ``val_params`` if recorded, else ``params``."""
        return self.val_params if self.val_params is not None else self.params


def restore_tuples(value: Any) -> Any:
    """JSON turns tuples into lists; turn them back (``hidden_layer_sizes`` and the like)."""
    if isinstance(value, dict):
        return {k: restore_tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(restore_tuples(v) for v in value)
    return value


def usable_records(records: Mapping[str, Any], data_source: str | None = None) -> dict[str, Any]:
    """The records made on ``data_source`` (all of them when it is ``None``)."""
    return {k: r for k, r in records.items() if data_source is None or r.data_source == data_source}


def choose_model(
    records: Mapping[str, Any],
    builders: Iterable[str],
    fallback: tuple[str, dict[str, Any], str],
    data_source: str | None = None,
) -> Choice:
    """The recorded final model with the highest validation accuracy that ``builders`` can
    refit, else ``fallback = (model, params, description)``.

    Records without a validation accuracy, or made on another data source, are skipped.
    """
    builders = set(builders)
    ranked = sorted(
        (r for r in usable_records(records, data_source).values() if r.val_accuracy is not None),
        key=lambda r: (-r.val_accuracy, r.model),
    )
    passed_over = []
    for r in ranked:
        if r.model in builders:
            val_params = restore_tuples(r.val_params) if r.val_params is not None else None
            return Choice(r.model, restore_tuples(r.params), r.description, r.val_accuracy, True, passed_over,
                          val_params)
        passed_over.append((r.model, r.val_accuracy))
    model, params, description = fallback
    return Choice(model, dict(params), description, None, False, passed_over)


# --------------------------------------------------------------------------- comparison
def _dense(sizes: list[int]) -> int:
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=False))


def n_parameters(model: str, params: Mapping[str, Any], n_features: int = N_FEATURES,
                 n_classes: int = N_CLASSES) -> int | None:
    """Learned weights and biases of a family's model, from its settings; ``None`` if unknown.

    A record may state its own count as ``params["n_parameters"]`` (e.g. a Keras model).
    """
    if "n_parameters" in params:
        return int(params["n_parameters"])
    if "builder" in params:  # a Keras recipe: build its network and count
        from . import fitting, recipes

        fitting.import_tensorflow()
        from . import models

        recipe = recipes.cnn_model(**params)
        return int(models.build(recipe.builder, **recipe.params).count_params())
    if model == "logistic":
        return n_features * n_classes + (n_classes if params.get("fit_intercept", True) else 0)
    if model == "mlp":
        hidden = params.get("hidden_layer_sizes", (100,))
        hidden = [int(hidden)] if isinstance(hidden, int | np.integer) else [int(h) for h in hidden]
        return _dense([n_features, *hidden, n_classes])
    return None


def describe_settings(params: Mapping[str, Any]) -> str:
    """Settings as one short line: ``C=0.1, prep=deskew, ...``."""
    def show(v: Any) -> str:
        if isinstance(v, list | tuple):
            return "(" + ", ".join(show(x) for x in v) + ("," if len(v) == 1 else "") + ")"
        return f"{v:g}" if isinstance(v, float) else str(v)
    return ", ".join(f"{k}={show(v)}" for k, v in params.items() if k != "n_parameters")


def family_table(records: Mapping[str, Any], n_features: int = N_FEATURES,
                 n_classes: int = N_CLASSES) -> pd.DataFrame:
    """One row per recorded family, most accurate first (test, then validation accuracy)."""
    rows = [{
        "model": r.model, "description": r.description, "test_accuracy": r.test_accuracy,
        "val_accuracy": r.val_accuracy, "fit_seconds": r.fit_seconds, "n_train": r.n_train,
        "n_parameters": n_parameters(r.model, r.params, n_features, n_classes),
        "settings": describe_settings(r.params), "submission": r.submission,
    } for r in records.values()]
    columns = ["model", "description", "test_accuracy", "val_accuracy", "fit_seconds", "n_train",
               "n_parameters", "settings", "submission"]
    table = pd.DataFrame(rows, columns=columns)
    if table.empty:
        return table
    return table.sort_values(["test_accuracy", "val_accuracy"], ascending=False,
                             na_position="last").reset_index(drop=True)


def reference_table(source: Mapping[str, Mapping[str, Any]], families: pd.DataFrame) -> pd.DataFrame:
    """The source write-ups' figures beside this book's, family by family.

    ``difference`` is this book's test accuracy minus the source's Kaggle score (points of
    %); ``time_ratio`` this book's fit seconds over the source's (below 1: faster here).
    """
    book = families.set_index("model") if not families.empty else pd.DataFrame()
    rows = []
    for key, ref in source.items():
        ours = book.loc[key] if key in book.index else None
        test = None if ours is None else ours["test_accuracy"]
        seconds = None if ours is None else ours["fit_seconds"]
        test = None if test is None or pd.isna(test) else float(test)
        rows.append({
            "model": key, "source": ref["label"], "source_val_accuracy": ref.get("val_accuracy"),
            "source_kaggle": ref.get("kaggle"), "source_seconds": ref.get("seconds"),
            "book_test_accuracy": test, "book_seconds": None if seconds is None else float(seconds),
            "difference": None if test is None or ref.get("kaggle") is None else 100 * (test - ref["kaggle"]),
            "time_ratio": None if seconds is None or not ref.get("seconds") else float(seconds) / ref["seconds"],
        })
    return pd.DataFrame(rows)


def recheck_submissions(records: Mapping[str, Any], n_rows: int, labels_available: bool,
                        folder: Path | None = None) -> pd.DataFrame:
    """Validate every recorded submission file again and, with the labels, score it again.

    Columns: ``model``, ``file``, ``status`` (``valid`` or the problem), ``rows``,
    ``local_score`` and ``recorded`` (test accuracies), ``equal`` (the two agree).
    """
    from . import submission

    rows = []
    for r in records.values():
        path = Path(r.submission) if r.submission else None
        row = {"model": r.model, "file": str(path) if path else "", "status": "valid", "rows": None,
               "local_score": None, "recorded": r.test_accuracy, "equal": None}
        try:
            if path is None:
                raise FileNotFoundError("no submission recorded")
            row["rows"] = len(submission.validate_submission(path, n_rows=n_rows))
            if labels_available:
                row["local_score"] = submission.score_submission(path, folder).accuracy
                row["equal"] = r.test_accuracy is not None and math.isclose(
                    row["local_score"], r.test_accuracy, rel_tol=0, abs_tol=1e-12)
        except (FileNotFoundError, ValueError) as err:
            row["status"] = str(err)
        rows.append(row)
    return pd.DataFrame(rows, columns=["model", "file", "status", "rows", "local_score", "recorded", "equal"])


@dataclass(frozen=True)
class Tradeoff:
    """The most accurate family against the next most accurate one."""

    best: str
    runner_up: str | None
    gain_points: float | None  # accuracy points (of %) the best adds
    speed_phrase: str  # e.g. "4.2 times slower than" / "1.5 times faster than"
    points_per_second: float | None  # gain per extra second of fitting; None if not slower
    fastest: str


def tradeoff(table: pd.DataFrame, accuracy: str = "test_accuracy") -> Tradeoff:
    """Compare the two most accurate rows of ``table`` (columns ``model``, ``accuracy``, ``fit_seconds``)."""
    rows = table.dropna(subset=[accuracy]).sort_values([accuracy, "fit_seconds"], ascending=[False, True])
    if rows.empty:
        raise ValueError(f"no family has a {accuracy} to compare")
    fastest = str(table.loc[table["fit_seconds"].idxmin(), "model"])
    best = rows.iloc[0]
    if len(rows) == 1:
        return Tradeoff(str(best["model"]), None, None, "", None, fastest)
    nxt = rows.iloc[1]
    gain = 100 * (best[accuracy] - nxt[accuracy])
    t_best, t_next = float(best["fit_seconds"]), float(nxt["fit_seconds"])
    if t_best >= t_next:
        phrase = f"{t_best / t_next:.1f} times slower than"
        per_second = gain / (t_best - t_next) if t_best > t_next else None
    else:
        phrase = f"{t_next / t_best:.1f} times faster than"
        per_second = None
    return Tradeoff(str(best["model"]), str(nxt["model"]), gain, phrase, per_second, fastest)
