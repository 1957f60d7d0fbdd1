"""What the comparison chapter says about its tables, as the sentences its prose glues in:
built here from the families table (:func:`~digits_helpers.evaluate.comparison.family_table`),
the source's figures beside it and the submissions checked again, so the page shows the
pandas and plotting code and one call for its words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..evaluate.comparison import tradeoff
from ..profiles import Profile
from .wording import and_join, as_long_as, percent


def missing(families: pd.DataFrame, source: Mapping[str, Any], final: Mapping[str, Any]) -> str:
    """The families the source studied or ``final`` names that have no record here."""
    have = set(families["model"])
    gone = [f"{ref['label']} ({key})" for key, ref in source.items() if key not in have]
    gone += [f"{model} (its chapter has not recorded it)" for model in final if model not in have and
             model not in source]
    return "; ".join(gone) or "none"


def reference_sentences(ref: pd.DataFrame) -> str:
    """Family by family, the book's test accuracy against the source's Kaggle score and its fit
    time against the source's (``ref``: :func:`~digits_helpers.evaluate.comparison.reference_table`
    indexed by family)."""
    sentences = []
    for model, row in ref.dropna(subset=["difference"]).iterrows():
        side = "above" if row["difference"] >= 0 else "below"
        text = f"{model} scores {abs(row['difference']):.2f} points {side} the source's Kaggle score"
        if pd.notna(row["time_ratio"]):
            text += f", its fit taking {as_long_as(row['time_ratio'])} the source's"
        sentences.append(text)
    return "; ".join(sentences) or "no family has both a test accuracy here and a Kaggle score there"


def caveat(profile: Profile, n_rows: int) -> str:
    """Why the book's figures and the source's compare, or do not, under ``profile``."""
    if profile.is_full:
        return (f"both fitted on all {n_rows:,} labelled rows, but on different machines, so a time "
                "ratio says as much about the machines as about the code; the book's benchmarks "
                "time both recipes on one machine")
    return (f"this is a {profile.name} run, whose models are fitted on {n_rows:,} rows and a few "
            "epochs, so neither its accuracies nor its times compare with the source's; the full "
            "profile makes them comparable")


def submissions_verdict(checks: pd.DataFrame, labels_known: bool) -> str:
    """What checking every recorded submission again found
    (:func:`~digits_helpers.evaluate.comparison.recheck_submissions`)."""
    valid = checks[checks["status"] == "valid"]
    if labels_known:
        n_equal = int(checks["equal"].fillna(False).astype(bool).sum())
        verdict = (f"{len(valid)} of the {len(checks)} files are valid submissions, and the local "
                   f"score of {n_equal} of them equals, to the last digit, the test accuracy "
                   "recorded with it")
    else:
        verdict = ("the test labels are hidden (these are your own files, e.g. Kaggle's), so nothing "
                   f"can be scored here; {len(valid)} of the {len(checks)} files are valid and ready "
                   f"to upload to Kaggle: {and_join(valid['file'])}")
    problems = checks[checks["status"] != "valid"]
    if not problems.empty:
        verdict += "; problems: " + "; ".join(f"{r.model}: {r.status}" for r in problems.itertuples())
    return verdict


def conclusions(families: pd.DataFrame, n_test: int) -> dict[str, str]:
    """The conclusions' glued phrases, by glue name: the most accurate family on validation
    (the test set ranks nothing) against the next, the fastest, and their sizes."""
    if families.empty:
        unknown = "not known: no chapter has recorded its model yet"
        return dict.fromkeys(["cmp_best", "cmp_best_acc", "cmp_headline", "cmp_fastest", "cmp_fastest_acc",
                              "cmp_fastest_seconds", "cmp_params"], unknown)
    by_model = families.set_index("model")

    def named(model: str) -> str:
        return f"“{by_model.loc[model, 'description']}”"

    def accuracy(model: str, column: str = "val_accuracy") -> str:
        value = by_model.loc[model, column]
        return percent(value) if pd.notna(value) else "no accuracy known"

    def both(model: str) -> str:
        shown = f"{accuracy(model)} on validation"
        if pd.notna(by_model.loc[model, "test_accuracy"]):
            shown += f" and {accuracy(model, 'test_accuracy')} on the test set"
        return shown

    out: dict[str, str] = {}
    ranked = families.dropna(subset=["val_accuracy"])
    if ranked.empty:
        out |= {"cmp_best": "not known", "cmp_best_acc": "no validation accuracy recorded",
                "cmp_headline": "run the model chapters to record their validation accuracies"}
    else:
        t = tradeoff(ranked, accuracy="val_accuracy")
        out |= {"cmp_best": named(t.best), "cmp_best_acc": both(t.best)}
        if t.runner_up is None:
            out["cmp_headline"] = "it is the only family with an accuracy to compare"
        else:
            ratio = by_model.loc[t.best, "fit_seconds"] / by_model.loc[t.runner_up, "fit_seconds"]
            headline = (f"its fit takes {as_long_as(ratio)} the fit of the next most accurate on "
                        f"validation, {named(t.runner_up)} ({both(t.runner_up)}), and it is "
                        f"{t.gain_points:.2f} points more accurate there: {10 * t.gain_points:.1f} fewer "
                        "errors per 1,000 digits")
            tests = by_model.loc[[t.best, t.runner_up], "test_accuracy"]
            if tests.notna().all():
                gap = 100 * (tests.iloc[0] - tests.iloc[1])
                se = 100 * float(np.sqrt(tests.iloc[0] * (1 - tests.iloc[0]) / n_test))
                headline += (f". On the test set the gap is {gap:+.2f} points, where one test "
                             f"accuracy near these has a standard error of {se:.2f} points")
            out["cmp_headline"] = headline
    fastest = str(families.loc[families["fit_seconds"].idxmin(), "model"])
    out |= {"cmp_fastest": named(fastest), "cmp_fastest_acc": accuracy(fastest),
            "cmp_fastest_seconds": f"{by_model.loc[fastest, 'fit_seconds']:.1f}"}
    sizes = by_model["n_parameters"].dropna()
    out["cmp_params"] = (f"{sizes.idxmax()} has the most learned parameters ({sizes.max():,.0f}), "
                         f"{sizes.max() / sizes.min():.0f} times as many as {sizes.idxmin()}"
                         if len(sizes) > 1 else "only one family has a known parameter count")
    return out
