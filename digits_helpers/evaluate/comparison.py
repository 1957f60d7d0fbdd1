"""The comparison of the model families: their size, their settings, the source's figures
beside the book's, the recorded submissions checked again, and the accuracy/time trade-off."""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..models import recipes
from ..models.keras_recipe import KerasRecipe
from ..training.runtime import import_tensorflow
from .submission import score_submission, validate_submission

N_CLASSES = 10
N_FEATURES = 784


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
        import_tensorflow()  # quietly, before Keras
        from ..models import networks

        recipe = recipes.cnn_model(**params)
        return int(networks.build_network(recipe.builder, **recipe.params).count_params())
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


def family_defaults(model: str, builder: str | None = None) -> dict[str, Any]:
    """What a family's maker (``recipes.FAMILIES[model]``) uses for each setting left out: the
    maker's own defaults, then its scikit-learn classifier's, or a Keras recipe's fields' and
    its network builder's (``builder``); ``{}`` for a family without a maker."""
    maker = recipes.FAMILIES.get(model)
    if maker is None:
        return {}
    defaults = {n: p.default for n, p in inspect.signature(maker).parameters.items() if p.default is not p.empty}
    if maker is not recipes.cnn_model:
        estimator = maker()
        final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
        return defaults | final.get_params(deep=False)
    for f in fields(KerasRecipe):
        if f.default is not MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not MISSING:
            defaults[f.name] = f.default_factory()
    if builder is not None:
        import_tensorflow()  # quietly, before Keras
        from ..models import networks

        if builder in networks.NETWORKS:
            signature = inspect.signature(networks.NETWORKS[builder]).parameters
            defaults |= {n: p.default for n, p in signature.items() if p.default is not p.empty}
    return defaults


def changed_settings(model: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The settings in ``params`` that differ from the family's defaults
    (:func:`family_defaults`): what the chapter chose or the recipe changed; for an
    ensemble, its members' names and whether it averages test-time-augmented views."""
    def same(a: Any, b: Any) -> bool:
        seq = (list, tuple)
        if isinstance(a, seq) and isinstance(b, seq):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        if isinstance(a, bool) or isinstance(b, bool):  # True is not 1 here
            return a is b
        return a == b

    if "members" in params:  # an ensemble: its members and how they are averaged
        tta = params.get("test_time_augmentation")
        return {"members": tuple(params["members"]), "test-time augmentation": "yes" if tta else "no"}
    defaults = family_defaults(model, params.get("builder"))
    return {k: v for k, v in params.items()
            if k != "n_parameters" and (k not in defaults or not same(v, defaults[k]))}


def family_table(records: Mapping[str, Any], n_features: int = N_FEATURES,
                 n_classes: int = N_CLASSES) -> pd.DataFrame:
    """One row per recorded family, most accurate first (test, then validation accuracy);
    ``settings`` names only what differs from the family's defaults (:func:`changed_settings`)."""
    rows = [{
        "model": r.model, "description": r.description, "test_accuracy": r.test_accuracy,
        "val_accuracy": r.val_accuracy, "fit_seconds": r.fit_seconds, "n_train": r.n_train,
        "n_parameters": n_parameters(r.model, r.params, n_features, n_classes),
        "settings": describe_settings(changed_settings(r.model, r.params)), "submission": r.submission,
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
    rows = []
    for r in records.values():
        path = Path(r.submission) if r.submission else None
        row = {"model": r.model, "file": str(path) if path else "", "status": "valid", "rows": None,
               "local_score": None, "recorded": r.test_accuracy, "equal": None}
        try:
            if path is None:
                raise FileNotFoundError("no submission recorded")
            row["rows"] = len(validate_submission(path, n_rows=n_rows))
            if labels_available:
                row["local_score"] = score_submission(path, folder).accuracy
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
