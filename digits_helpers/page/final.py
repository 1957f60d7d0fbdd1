"""The last step of each model chapter: refit on all labelled rows, submit, score, record."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data.loading import Digits
from ..evaluate import comparison, records, submission
from ..models import recipes
from ..training.fit_model import fit as fit_model
from ..training.results import FitResult, Split


@dataclass
class Final:
    """A family's final model: its fit, its submission file, its local score and record."""

    fit: FitResult
    submission: Path
    score: submission.Score | None
    record: records.ModelRecord

    @property
    def test_accuracy(self) -> float | None:
        return self.score.accuracy if self.score else None


def refit_and_submit(
    model: str,
    params: dict[str, Any],
    digits: Digits,
    description: str,
    val_accuracy: float | None = None,
    val_params: dict[str, Any] | None = None,
    record: bool = True,
) -> Final:
    """Fit ``recipes.make_model(model, **params)`` (a scikit-learn pipeline or, for the ``cnn_*``
    families, a Keras recipe) on all of ``digits``' labelled rows (cached),
    write its submission, score it when the test labels are known, and record the result.

    The submission's file name carries the fit's cache key, so a different model never
    overwrites an earlier submission.  ``val_params`` are recorded when the validation
    accuracy comes from fitting other settings than ``params`` on the fitting rows.  Without
    ``record`` the result is not stored as the family's (a reference the chapter compares with).
    """
    estimator = recipes.make_model(model, **params)
    fit = fit_model(estimator, Split(digits.X, digits.y), model, predict={"test": digits.X_test},
                    profile=digits.profile)
    path, score = submit_fit(fit, digits, model)
    model_record = records.ModelRecord(
        model=model,
        description=description,
        test_accuracy=score.accuracy if score else None,
        val_accuracy=val_accuracy,
        fit_seconds=fit.fit_seconds,
        n_train=fit.n_train,
        params=records.jsonable_params(params, fit),
        submission=str(path),
        data_source=digits.source,
        val_params=None if val_params is None else records.jsonable_params(val_params),
        n_parameters=comparison.n_parameters(model, params),
    )
    if record:
        records.record(model_record, digits.profile)
    return Final(fit, path, score, model_record)


def submit_fit(fit: FitResult, digits: Digits, name: str) -> tuple[Path, submission.Score | None]:
    """Write the submission of a fit that predicted ``{"test": digits.X_test}``
    (``<name>-<key>.csv``: a different fit never overwrites it) and score it when the test
    labels are known."""
    if "test" not in fit.predictions:
        raise ValueError(f"{name}: the fit has no test predictions; fit it with predict={{'test': X_test}}")
    labels = fit.predictions["test"].argmax(axis=1)
    path = submission.write_submission(labels, records.submissions_dir(digits.profile) / f"{name}-{fit.key[:8]}.csv")
    submission.validate_submission(path, n_rows=len(digits.X_test))
    return path, submission.score_submission(path, digits.folder) if digits.is_embedded else None


def score_fit(fit: FitResult, digits: Digits, name: str) -> submission.Score | None:
    """:func:`submit_fit`'s score alone: a reference scored on the test set, never recorded."""
    return submit_fit(fit, digits, name)[1]
