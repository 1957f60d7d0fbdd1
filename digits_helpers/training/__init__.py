"""Training: the rows a fit takes and what it gives (:mod:`.results`), the fit cache
(:mod:`.cache`), scikit-learn fitting (:mod:`.sklearn_fit`), Keras fitting
(:mod:`.keras_fit`), the TensorFlow runtime (:mod:`.runtime`), one fit through the cache
(:mod:`.fit_model`) and one-hyperparameter-at-a-time tuning (:mod:`.tuning`).

The names chapters use are here (TensorFlow is not imported until a network trains)::

    from digits_helpers import training
    result = training.fit(estimator, training.Split(X_fit, y_fit, X_val, y_val), "logistic")
"""

from ..models.keras_recipe import KerasRecipe
from .cache import fit_key
from .fit_model import cached_fit, fit
from .keras_fit import fit_keras, network_inputs, trained_network
from .results import FitResult, Split
from .runtime import gpu_available, import_tensorflow, native_bfloat16, resolve_precision
from .tuning import Confirmation, Tuner, best_index, run_fits, standard_error

__all__ = ["Confirmation", "FitResult", "KerasRecipe", "Split", "Tuner", "best_index", "cached_fit", "fit",
           "fit_key", "fit_keras", "gpu_available", "import_tensorflow", "native_bfloat16", "network_inputs",
           "resolve_precision", "run_fits", "standard_error", "trained_network"]
