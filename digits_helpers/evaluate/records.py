"""The final result of each model family, recorded for the comparison chapter.

One JSON file per family and profile under ``results/<profile>/``, written by the chapter
that trains the family's final model.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import paths
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


def jsonable_params(params: dict[str, Any], fit: Any = None) -> dict[str, Any]:
    """``params`` in a form JSON gives back unchanged (tuples as lists); with ``fit`` (a
    :class:`~digits_helpers.training.results.FitResult`), naming the precision it trained in (``"auto"`` resolved)."""
    if fit is not None and "precision" in fit.params:
        params = {**params, "precision": fit.params["precision"]}
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}


def record(result: ModelRecord, profile: Profile | None = None) -> Path:
    """Write (or replace) the record of ``result.model`` for this profile."""
    path = results_dir(profile) / f"{result.model}.json"
    return paths.atomic_write_text(path, json.dumps(asdict(result), indent=2, default=str))


def load_records(profile: Profile | None = None) -> dict[str, ModelRecord]:
    """Every recorded family for this profile, by model name."""
    folder = results_dir(profile)
    out = {}
    for path in sorted(folder.glob("*.json")):
        out[path.stem] = ModelRecord(**json.loads(path.read_text()))
    return out
