"""What the ensemble chapter records and says: the ensemble's record, and the phrases its
prose glues in, built from the chapter's fits and probabilities, so the page shows the
selection, the refit and the submission, and one call for its words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..evaluate import comparison, ensemble, records, submission, tta
from ..models import members
from ..profiles import Profile
from ..training.results import FitResult
from .wording import and_join, percent, plural

STOP_GAIN = 0.0005  # below this gain on validation, the members still fail alike
TARGET = 0.9965  # the test accuracy the chapter aims at


def shared_phrases(shared: pd.DataFrame, plain: Mapping[str, np.ndarray], y_val: np.ndarray) -> dict[str, str]:
    """How many of the deeper network's validation errors the other candidates share, and
    what the candidates together still miss (``shared``: :func:`ensemble.shared_errors`)."""
    def share_of(a: str, b: str) -> str:
        return f"{shared.loc[a, b]} of the {shared.loc[a, a]}"

    wrong = np.all([p.argmax(1) != y_val for p in plain.values()], axis=0)
    return {"ens_shared_deskewed": share_of("deep", "deep_deskewed"),
            "ens_shared_bagged": share_of("deep", "deep_bagged"),
            "ens_shared_lenet": share_of("deep", "lenet"),
            "ens_oracle_all": percent(ensemble.oracle_accuracy(list(plain.values()), y_val)),
            "ens_all_wrong": f"{int(wrong.sum())}"}


def selection_phrases(selection: ensemble.Selection, by_plain: ensemble.Selection, by_tta: ensemble.Selection,
                      use_tta: bool, best_single: str, plain: Mapping[str, np.ndarray],
                      augmented: Mapping[str, np.ndarray], y_val: np.ndarray) -> dict[str, str]:
    """The chosen ensemble against the best single network, on validation."""
    def best(sel: ensemble.Selection) -> float:
        return float(sel.curve["val_accuracy"].iloc[sel.size - 1])

    single = ensemble.accuracy(plain[best_single], y_val)
    gain = best(selection) - single
    return {"ens_best_single": best_single, "ens_val_single": percent(single),
            "ens_val_single_tta": percent(ensemble.accuracy(augmented[best_single], y_val)),
            "ens_val_plain": percent(best(by_plain)), "ens_val_tta": percent(best(by_tta)),
            "ens_size_networks": plural(selection.size, "network"), "ens_members": and_join(selection.members),
            "ens_tta_choice": "with test-time augmentation" if use_tta else "without test-time augmentation",
            "ens_val": percent(best(selection)),
            "ens_gain": f"{100 * gain:.2f} point{'' if round(100 * gain, 2) == 1 else 's'}",
            "ens_gain_images": f"{round(gain * len(y_val))}", "ens_val_point_images": f"{len(y_val) / 100:g}",
            "ens_gain_verdict": "reaches" if gain >= STOP_GAIN else "stays below",
            "ens_stop_gain": f"{100 * STOP_GAIN:.2f} point",
            "ens_oracle_chosen": percent(ensemble.oracle_accuracy([plain[m] for m in selection.members], y_val))}


def test_phrases(score: submission.Score | None, truth: np.ndarray | None, proba: np.ndarray,
                 member_probas: Sequence[np.ndarray], as_chosen: np.ndarray | None,
                 best_single: np.ndarray | None, minutes: float, n_rows: int) -> dict[str, str]:
    """The refitted ensemble on the test set, beside the same members before refitting
    (``as_chosen``) and the best single network on validation (``best_single``); every
    test figure ``"(hidden)"`` when the test labels are (``score`` is ``None``)."""
    out = {"ens_target": percent(TARGET), "ens_minutes": f"{minutes:.1f}", "ens_refit_rows": f"{n_rows:,}"}
    keys = ("ens_test", "ens_test_errors", "ens_test_chosen", "ens_test_chosen_errors", "ens_test_single",
            "ens_test_single_errors", "ens_test_se", "ens_target_verdict", "ens_target_errors", "ens_errors_all")
    if score is None or truth is None:
        return out | dict.fromkeys(keys, "(hidden)")
    chosen, single = ensemble.accuracy(as_chosen, truth), ensemble.accuracy(best_single, truth)
    wrong = np.array([p.argmax(axis=1) != truth for p in member_probas])
    se = np.sqrt(score.accuracy * (1 - score.accuracy) / len(truth))
    return out | {
        "ens_test": percent(score.accuracy), "ens_test_errors": f"{int((proba.argmax(axis=1) != truth).sum()):,}",
        "ens_test_chosen": percent(chosen), "ens_test_chosen_errors": f"{round((1 - chosen) * len(truth)):,}",
        "ens_test_single": percent(single), "ens_test_single_errors": f"{round((1 - single) * len(truth)):,}",
        "ens_test_se": f"{100 * se:.2f} point",
        "ens_target_verdict": "reaches" if score.accuracy >= TARGET else "stays below",
        "ens_target_errors": f"{round((1 - TARGET) * len(truth)):,}",
        "ens_errors_all": f"{int(wrong.all(axis=0).sum()):,}"}


def ensemble_record(refits: Mapping[str, FitResult], profile: Profile, use_tta: bool, val_accuracy: float,
                    score: submission.Score | None, path: Path, n_train: int,
                    data_source: str) -> records.ModelRecord:
    """The record of the refitted ensemble: its members (family, what sets each apart, rows,
    settings), how they are averaged, its size, and its validation accuracy (of the members
    as chosen, trained on the fitting rows)."""
    chosen = list(refits)
    return records.ModelRecord(
        model="ensemble",
        description=f"Ensemble of {plural(len(chosen), 'CNN')} (chosen on validation{', TTA' if use_tta else ''}, "
                    "refitted)",
        test_accuracy=score.accuracy if score else None, val_accuracy=float(val_accuracy),
        fit_seconds=sum(fit.fit_seconds for fit in refits.values()), n_train=n_train,
        params={"members": {m: {"family": fit.model, "differs_by": members.CANDIDATES[m].differs_by,
                                "rows": fit.n_train,
                                **records.jsonable_params(members.member_params(m, profile)[1], fit)}
                            for m, fit in refits.items()},
                "averaging": "mean of class probabilities",
                "test_time_augmentation": [v[0] for v in tta.VIEWS] if use_tta else None,
                "n_parameters": sum(comparison.n_parameters(fit.model, fit.params) for fit in refits.values()),
                "val_accuracy_of": "the members as chosen, trained on the fitting rows"},
        submission=str(path), data_source=data_source)
