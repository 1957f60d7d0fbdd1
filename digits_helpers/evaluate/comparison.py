"""The size of a model family's final model: its learned weights and biases, from its settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..models import recipes
from ..training.runtime import import_tensorflow

N_CLASSES = 10
N_FEATURES = 784

def _dense(sizes: list[int]) -> int:
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=False))


def n_parameters(model: str, params: Mapping[str, Any], n_features: int = N_FEATURES,
                 n_classes: int = N_CLASSES) -> int | None:
    """Learned weights and biases of a family's model, from its settings; ``None`` if unknown.

    A record may state its own count as ``params["n_parameters"]`` (e.g. a Keras model).
    """
    if "n_parameters" in params:
        return int(params["n_parameters"])
    if "builder" in params:  # a Keras recipe: build its network and count
        import_tensorflow()  # quietly, before Keras
        from ..models import networks

        recipe = recipes.cnn_model(**params)
        return int(networks.build_network(recipe.builder, **recipe.params).count_params())
    if model == "logistic":
        return n_features * n_classes + (n_classes if params.get("fit_intercept", True) else 0)
    if model == "mlp":
        hidden = params.get("hidden_layer_sizes", (100,))
        hidden = [int(hidden)] if isinstance(hidden, int | np.integer) else [int(h) for h in hidden]
        return _dense([n_features, *hidden, n_classes])
    return None

