"""The model builders the chapters tune, and the final recipes the benchmarks time.

Each builder takes the tuned hyperparameters as keywords and returns an unfitted
scikit-learn pipeline: a preprocessing step (``prep``) and the classifier.

``FINAL`` holds each chapter's final recipe as the full-profile run of that chapter
chose it on the validation split; the chapter shows whether its own choice still matches.
"""

from __future__ import annotations

from typing import Any

from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from . import features
from .config import SEED

PREPS = {
    "scale": "x / 255 - 0.5 as float32",
    "scale64": "x / 255 - 0.5 as float64",
    "centred": "x / 255, each pixel centred on its training mean, float32",
    "deskew": "deskewed, then x / 255 - 0.5 as float32",
    "deskew_centred": "deskewed, x / 255, each pixel centred on its training mean, float32",
}


def preprocessing(prep: str) -> FunctionTransformer | Pipeline:
    """The input step named ``prep`` (one of :data:`PREPS`)."""
    if prep == "scale":
        return features.scaler()
    if prep == "scale64":
        return FunctionTransformer(features.to_unit64)
    if prep == "deskew":
        return features.deskewer()
    if prep in ("centred", "deskew_centred"):
        to_01 = features.deskew_01 if prep == "deskew_centred" else features.to_01
        return Pipeline([("scale", FunctionTransformer(to_01)), ("centre", StandardScaler(with_std=False))])
    raise ValueError(f"prep={prep!r} is not one of {sorted(PREPS)}")


def logistic_model(prep: str = "scale", **params: Any) -> Pipeline:
    """Multinomial logistic regression on the ``prep`` inputs; ``params`` go to the classifier."""
    return Pipeline([("prep", preprocessing(prep)), ("clf", LogisticRegression(**params))])


def mlp_model(prep: str = "scale", **params: Any) -> Pipeline:
    """A fully connected network trained by SGD; ``params`` go to ``MLPClassifier``."""
    params = {"solver": "sgd", "random_state": SEED, **params}
    return Pipeline([("prep", preprocessing(prep)), ("clf", MLPClassifier(**params))])


BUILDERS = {"logistic": logistic_model, "mlp": mlp_model}

# What the full-profile chapters chose on the validation split.
FINAL = {
    "logistic": {"prep": "deskew_centred", "solver": "newton-cg", "C": 0.1, "tol": 1e-3},
    "mlp": {"prep": "deskew", "hidden_layer_sizes": (400,), "learning_rate_init": 0.1,
            "learning_rate": "invscaling", "power_t": 0.0, "batch_size": 256, "alpha": 0.01, "max_iter": 17},
}


def build(model: str, **params: Any) -> Pipeline:
    """``BUILDERS[model](**params)``."""
    return BUILDERS[model](**params)
