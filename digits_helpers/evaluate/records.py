"""The final result of each model family, recorded for the comparison chapter.

One JSON file per family and profile under ``results/<profile>/``, written by the chapter
that trains the family's final model.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import paths
from ..data.loading import Digits
from ..profiles import Profile, get_profile


def results_dir(profile: Profile | None = None) -> Path:
    """Where the records go: ``results/<profile>/`` (``$DIGITS_RESULTS_DIR/<profile>/`` if set)."""
    return paths.results_dir((profile or get_profile()).name)


def submissions_dir(profile: Profile | None = None) -> Path:
    """Where the chapters write their submission files: ``submissions/<profile>/``
    (``$DIGITS_SUBMISSIONS_DIR/<profile>/`` if set)."""
    return paths.submissions_dir((profile or get_profile()).name)


@dataclass
class ModelRecord:
    """One model family's final model: how it scored and what it cost.

    ``n_parameters`` counts the model's learned weights and biases; ``val_proba`` names the
    ``.npy`` file of its validation probabilities (:func:`save_val_proba`); ``test_proba`` and
    ``fitted`` name the test probabilities of the same model, fitted on the fitting rows, and
    the files of that model or of an ensemble's members (:func:`save_fitted`);
    ``calibration`` what chapter 11 fitted on its validation probabilities (``temperature``,
    the confidence ``threshold`` to answer) and measured after it on the test set.
    ``val_params``, when set, are the settings whose fit on the fitting rows measured
    ``val_accuracy`` (e.g. a search with early stopping whose outcome ``params`` replays).
    """

    model: str
    description: str
    test_accuracy: float | None
    val_accuracy: float | None
    fit_seconds: float
    n_train: int
    params: dict[str, Any] = field(default_factory=dict)
    submission: str = ""
    data_source: str = ""
    val_params: dict[str, Any] | None = None
    n_parameters: int | None = None
    val_proba: str = ""
    test_proba: str = ""
    fitted: list[str] = field(default_factory=list)
    calibration: dict[str, float] = field(default_factory=dict)


def jsonable_params(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` in a form JSON gives back unchanged (tuples as lists)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}


def record(result: ModelRecord, profile: Profile | None = None) -> Path:
    """Write (or replace) the record of ``result.model`` for this profile.

    A record that names no validation probabilities keeps the files the record it replaces
    named (probabilities and fitted models), while they exist: a chapter refits and records
    its final model first and saves the probabilities after (:func:`save_fitted`), and a
    run of its shown cells alone does only the first.
    """
    path = results_dir(profile) / f"{result.model}.json"
    if not result.val_proba and path.is_file():
        before = json.loads(path.read_text())
        kept = {name: before.get(name) for name in ("val_proba", "test_proba", "fitted")}
        files = [f for value in kept.values() if value
                 for f in ([value] if isinstance(value, str) else value)]
        if kept["val_proba"] and all(Path(f).is_file() for f in files):
            result = replace(result, **{k: v for k, v in kept.items() if v is not None})
    return paths.atomic_write_text(path, json.dumps(asdict(result), indent=2, default=str))


def load_records(profile: Profile | None = None) -> dict[str, ModelRecord]:
    """Every recorded family for this profile, by model name."""
    folder = results_dir(profile)
    out = {}
    for path in sorted(folder.glob("*.json")):
        out[path.stem] = ModelRecord(**json.loads(path.read_text()))
    return out


def save_val_proba(result: ModelRecord, proba: np.ndarray, profile: Profile | None = None) -> Path:
    """Keep the validation probabilities behind ``result.val_accuracy`` (of the model fitted on
    the fitting rows) beside its record, and record again naming them; return the record's path."""
    path = results_dir(profile) / f"{result.model}-val-proba.npy"
    paths.atomic_write(path, lambda tmp: np.save(tmp, np.asarray(proba, dtype=np.float32)))
    return record(replace(result, val_proba=str(path)), profile)


def save_fitted(result: ModelRecord, models: list[Any], val_proba: np.ndarray,
                test_proba: np.ndarray, profile: Profile | None = None) -> Path:
    """Keep beside ``result``'s record what its model fitted on the fitting rows gives: the
    model, or an ensemble's members in order (a Keras network as ``.keras``, a scikit-learn
    one with joblib), and its validation and test probabilities; return the record's path."""
    import joblib

    folder = results_dir(profile) / "models"
    files = []
    for i, model in enumerate(models):
        stem = f"{result.model}-fitting-rows" + (f"-{i + 1}" if len(models) > 1 else "")
        if hasattr(model, "save") and hasattr(model, "predict_on_batch"):  # Keras
            files.append(paths.atomic_write(folder / f"{stem}.keras", model.save))
        else:
            files.append(paths.atomic_write(folder / f"{stem}.joblib",
                                            lambda tmp, model=model: joblib.dump(model, tmp)))
    test_path = results_dir(profile) / f"{result.model}-test-proba.npy"
    paths.atomic_write(test_path,
                       lambda tmp: np.save(tmp, np.asarray(test_proba, dtype=np.float32)))
    return save_val_proba(replace(result, fitted=[str(f) for f in files],
                                  test_proba=str(test_path)), val_proba, profile)


def usable_records(records: dict[str, ModelRecord], data_source: str | None = None) -> dict[str, ModelRecord]:
    """The records made on ``data_source`` (all of them when it is ``None``)."""
    return {k: r for k, r in records.items() if data_source is None or r.data_source == data_source}


def load_results(digits: Digits) -> pd.DataFrame:
    """The final model each model chapter saved for this run's profile and data: one row a
    family (``model``, ``description``, ``val_accuracy``, ``test_accuracy``, ``fit_seconds``,
    ``n_train``, ``n_parameters``, ``submission``, ``val_proba``: the file of its validation
    probabilities, ``params``), most accurate on validation first; empty before any has run."""
    rows = [asdict(r) for r in usable_records(load_records(digits.profile), digits.source).values()]
    columns = [f.name for f in fields(ModelRecord)]
    table = pd.DataFrame(rows, columns=columns).drop(columns=["data_source", "val_params"])
    return table.sort_values(["val_accuracy", "model"], ascending=[False, True],
                             na_position="last").reset_index(drop=True)
