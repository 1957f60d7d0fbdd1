"""What fits take and give: a :class:`Split` of rows to fit and validate on, and the
:class:`FitResult` of one fit."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..fingerprints import fingerprint


@dataclass(frozen=True, eq=False)
class Split:
    """Rows to fit on and (optionally) rows to validate on, already preprocessed."""

    X_fit: np.ndarray
    y_fit: np.ndarray
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None

    @cached_property
    def fingerprint(self) -> str:
        arrays = [a for a in (self.X_fit, self.y_fit, self.X_val, self.y_val) if a is not None]
        return fingerprint(*arrays)

    @property
    def has_validation(self) -> bool:
        return self.X_val is not None


@dataclass
class FitResult:
    """What one fit produced: accuracies, curves, time, and predictions for named sets.

    ``curves`` maps a name (``"loss"``, ``"val_accuracy"``, ...) to one value per
    iteration or epoch; ``predictions`` maps the name of an extra input set (``"test"``)
    to its predicted class probabilities.  ``fit_seconds`` is the wall time of the fit
    itself, measured when it ran, also when the result comes from the cache.  ``weights``
    are a Keras network's trained weights (``model.get_weights()``), from which
    :func:`~digits_helpers.training.keras_fit.trained_network` rebuilds it (for test-time
    augmentation, exports, the drawing page); ``None`` for scikit-learn fits.  ``runs_on``
    names where a Keras fit ran (its weights depend on the thread count; its key names it).
    """

    model: str
    params: dict[str, Any]
    train_accuracy: float
    val_accuracy: float | None
    fit_seconds: float
    n_train: int
    n_val: int
    n_iter: int | None = None
    curves: dict[str, list[float]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    predictions: dict[str, np.ndarray] = field(default_factory=dict)
    val_proba: np.ndarray | None = None
    weights: list[np.ndarray] | None = None
    key: str = ""
    from_cache: bool = False
    runs_on: str = ""  # a Keras fit's device and CPU threads ("cpu, 2 threads", "gpu")

    def summary(self) -> dict[str, Any]:
        """The scalar fields, for a table row."""
        return {
            "train_accuracy": self.train_accuracy,
            "val_accuracy": self.val_accuracy,
            "fit_seconds": self.fit_seconds,
            "n_iter": self.n_iter,
            "warnings": "; ".join(self.warnings),
            "from_cache": self.from_cache,
        }
