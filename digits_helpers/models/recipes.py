"""The model families and the recipes the chapters recorded: what the benchmarks time.

:data:`FAMILIES` maps each family to its maker, which takes the tuned hyperparameters as
keywords and returns an unfitted model: for ``logistic`` and ``mlp`` a scikit-learn pipeline
(:mod:`.pipelines`), for the ``cnn_*`` and ``small_cnn`` families a
:class:`~digits_helpers.models.keras_recipe.KerasRecipe`, which
:func:`digits_helpers.training.fit` trains the same way.

``FINAL`` holds each chapter's final recipe as the full-profile run of that chapter
chose it on the validation split; the chapter shows whether its own choice still matches.
The ensemble chapter's networks are in :mod:`.members`.
"""

from __future__ import annotations

from typing import Any

from ..profiles import Profile
from .keras_recipe import KerasRecipe
from .pipelines import logistic_model, mlp_model


def cnn_model(**settings: Any) -> KerasRecipe:
    """A Keras network and its training, from one flat set of keywords
    (:meth:`KerasRecipe.from_flat <digits_helpers.models.keras_recipe.KerasRecipe.from_flat>`)."""
    return KerasRecipe.from_flat(**settings)


FAMILIES = {"logistic": logistic_model, "mlp": mlp_model, "cnn_lenet": cnn_model, "cnn_fast": cnn_model,
            "cnn_deep": cnn_model, "small_cnn": cnn_model}

# The deeper network (conv-conv-pool x3, batch normalisation after each block's pooling and
# the dense layer, augmentation) and its optimiser, batch size and precision: what the deeper
# network's trainings and searches share. Mixed bfloat16 where the machine computes it
# natively: on a two-core CPU with AMX, 1.7x faster than float32 for the same validation
# accuracy within seed noise (40 one-cycle epochs on the validation split: 99.64 % in 12.2
# minutes against float32's 99.67 % in 20.5, one thread each, two fits side by side).
DEEP_NETWORK = {"builder": "deep", "filters": (16, 32, 64), "dropouts": (0.25, 0.25, 0.25, 0.4),
                "dense_units": 256, "batch_norm": True, "bn_momentum": 0.9, "bn_after_pool": True,
                "optimizer": "adam", "batch_size": 128, "augment": True, "precision": "auto"}
# The deeper network's two trainings on the validation split, both at most DEEP_MAX_EPOCHS
# epochs: the study's (constant rate 1e-3, cut x DEEP_PLATEAU_FACTOR after DEEP_PLATEAU epochs
# without progress, early stopping after DEEP_PATIENCE; deep_study_params) and one-cycle.
DEEP_MAX_EPOCHS = 40
DEEP_PATIENCE = 4
DEEP_PLATEAU = 2
DEEP_PLATEAU_FACTOR = 0.3
DEEP_ONE_CYCLE = {**DEEP_NETWORK, "learning_rate": 3e-3, "schedule": "one_cycle", "warmup": 0.3,
                  "epochs": DEEP_MAX_EPOCHS}

# The source study's final network and training (STUDY.md, convolutional network; the "cnn0"
# of shared/bench/seed_reference.py), through this book's pipeline: the convolutional chapter's
# reference, the training-fast chapter's starting point, an ensemble candidate.
SOURCE_LENET = {"builder": "lenet", "filters": 16, "kernel_size": 3, "dense_units": 256,
                "dropouts": (0.2, 0.2, 0.3), "batch_norm": True, "optimizer": "adam", "learning_rate": 1e-3,
                "schedule": "compound", "decay": 0.95, "batch_size": 32, "epochs": 25, "augment": True}

# What the full-profile chapters chose on the validation split.
FINAL = {
    "logistic": {"prep": "deskew_centred", "solver": "newton-cg", "C": 0.1, "tol": 1e-3},
    "mlp": {"prep": "deskew", "hidden_layer_sizes": (400,), "learning_rate_init": 0.1,
            "learning_rate": "invscaling", "power_t": 0.0, "batch_size": 256, "alpha": 0.01, "max_iter": 17},
    # The convolutional chapter's own tuned network, refitted on all rows (the source's recipe
    # is SOURCE_LENET). Its one-cycle sweeps on a subset chose each value, the trainings at the
    # final length (12 epochs, all fitting rows) kept or replaced it: full profile, 2026-12-01,
    # validation 99.31 % against the source recipe's 99.21 %, test 99.33 % against 99.21 %.
    # (``warmup`` is the sweeps' one-cycle setting, kept so the recipe is the one refitted.)
    "cnn_lenet": {"builder": "lenet", "filters": 16, "kernel_size": 5, "dense_units": 256,
                  "dropouts": (0.2, 0.2, 0.1), "batch_norm": True, "bn_momentum": 0.9, "optimizer": "adam",
                  "learning_rate": 1e-3, "schedule": "compound", "decay": 0.95, "warmup": 0.3,
                  "batch_size": 64, "epochs": 12, "augment": True},
    # The training-fast chapter's recipe: one-cycle, batches of 128, a leaner LeNet-like network
    # (batch normalisation after pooling, half the dense units, lighter dropout, faster-tracking
    # batch-norm statistics), milder augmentation; its epochs are chosen on validation (grid 12/16).
    "cnn_fast": {"builder": "lenet", "filters": 16, "kernel_size": 3, "dense_units": 128,
                 "dropouts": (0.1, 0.1, 0.3), "batch_norm": True, "bn_momentum": 0.9, "bn_after_pool": True,
                 "optimizer": "adam", "learning_rate": 3e-3, "schedule": "one_cycle", "warmup": 0.3,
                 "batch_size": 128, "epochs": 16, "augment": True, "rotation_deg": 8.0, "zoom": 0.08, "shift": 0.08},
    # The deeper network as the full-profile chapter refitted it: one-cycle over 40 epochs beat
    # the study's plateau training on the validation split (mixed bfloat16: 99.64 % against
    # 99.50 %, early stopping after 16 epochs; float32: 99.67 % against 99.60 %, after 28), and
    # its refit is the same recipe.
    "cnn_deep": DEEP_ONE_CYCLE,
    # The small CNN of the chapter "A small CNN against the MLP": two passes over the data
    # (the chapter's budget), batch size and peak rate as its full-profile run chose them.
    "small_cnn": {"builder": "small", "filters": (16, 32), "kernel_size": 3, "dense_units": 256, "dropout": 0.2,
                  "optimizer": "adam", "learning_rate": 1e-2, "schedule": "one_cycle", "warmup": 0.3,
                  "batch_size": 64, "epochs": 2, "augment": False},
}



def deep_study_params(profile: Profile) -> dict[str, Any]:
    """The study's training of the deeper network: Adam at 1e-3, ``ReduceLROnPlateau`` and
    ``EarlyStopping`` on validation accuracy, at most :data:`DEEP_MAX_EPOCHS` epochs (cut to ``profile``)."""
    return {**DEEP_NETWORK, "learning_rate": 1e-3, "plateau_factor": DEEP_PLATEAU_FACTOR,
            "epochs": profile.epochs(DEEP_MAX_EPOCHS, minimum=2), "early_stopping": DEEP_PATIENCE,
            "reduce_lr_on_plateau": DEEP_PLATEAU}


def cut_epochs(params: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """``params`` with its training epochs (a Keras recipe's ``epochs``, if any) cut to ``profile``."""
    return {**params, "epochs": profile.epochs(params["epochs"])} if "epochs" in params else dict(params)


def deep_one_cycle_params(profile: Profile) -> dict[str, Any]:
    """The deeper network's one-cycle training (:data:`DEEP_ONE_CYCLE`), its epochs cut to ``profile``."""
    return cut_epochs(DEEP_ONE_CYCLE, profile)


def final_params(model: str, profile: Profile) -> dict[str, Any]:
    """``FINAL[model]`` with its training epochs (a Keras recipe's ``epochs``) cut to ``profile``."""
    return cut_epochs(FINAL[model], profile)


def make_model(model: str, **params: Any) -> Any:
    """``FAMILIES[model](**params)``: an unfitted pipeline or a Keras recipe."""
    if model not in FAMILIES:
        raise ValueError(f"model={model!r}; expected one of {sorted(FAMILIES)}")
    return FAMILIES[model](**params)
