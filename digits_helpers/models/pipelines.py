"""The scikit-learn models of chapters 02 and 03: a preprocessing step and a classifier.

``prep`` names the input step (:data:`PREPS`): scaling, centring, deskewing
(:mod:`digits_helpers.data.features`).
"""

from __future__ import annotations

from typing import Any

from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from ..data import features
from ..profiles import SEED

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
