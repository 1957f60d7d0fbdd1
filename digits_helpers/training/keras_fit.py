"""Train a Keras network described by a :class:`~digits_helpers.models.keras_recipe.KerasRecipe`
and measure it: a seeded ``tf.data`` pipeline, the recipe's optimiser and schedule, per-epoch
curves, validation and predictions.  TensorFlow is imported when a network trains, never at
import, so the scikit-learn chapters do not load it."""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..data import features
from ..models.keras_recipe import KerasRecipe
from ..profiles import Profile, get_profile
from ..progress import progress_bar
from .cache import through_cache
from .results import FitResult, Split
from .runtime import import_tensorflow, no_full_collections, resolve_precision, runs_on

EVAL_BATCH = 1024  # batch size for validation and predictions (the results do not depend on it)


def _check_pixels(X: np.ndarray, name: str) -> None:
    """Raise unless ``X`` holds images of 784 pixels valued 0-255 (not yet scaled)."""
    X = np.asarray(X)
    if X.ndim < 2 or int(np.prod(X.shape[1:])) != 784:
        raise ValueError(f"{name}: expected images of 784 pixels, (n, 784) or (n, 28, 28); found shape {X.shape}")
    if X.dtype.kind == "f" and X.size and float(X.max()) <= 1.0:
        raise ValueError(f"{name}: expected pixels 0-255 (the recipe scales them); found floats no larger"
                         " than 1, which look already scaled")


def network_inputs(X: np.ndarray, centre: bool) -> np.ndarray:
    """Pixel rows 0-255 (``(n, 784)`` or ``(n, 28, 28)``) as ``(n, 28, 28, 1)`` float32 inputs."""
    return (features.to_unit(X) if centre else features.to_01(X)).reshape(len(X), 28, 28, 1)


def _optimizer(keras: Any, recipe: KerasRecipe, steps_per_epoch: int) -> Any:
    """The recipe's optimizer; a schedule becomes a per-step rate table evaluated in the graph."""
    rate: Any = recipe.learning_rate
    if recipe.schedule is not None:
        table = keras.ops.convert_to_tensor(np.asarray(recipe.rate(steps_per_epoch), dtype=np.float32))

        class StepTable(keras.optimizers.schedules.LearningRateSchedule):
            def __call__(self, step):
                return keras.ops.take(table, keras.ops.minimum(keras.ops.cast(step, "int32"), len(table) - 1))

            def get_config(self):
                return {}

        rate = StepTable()
    if recipe.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=rate, momentum=0.9, nesterov=True)
    kinds = {"adam": keras.optimizers.Adam, "adamw": keras.optimizers.AdamW,
             "nadam": keras.optimizers.Nadam, "rmsprop": keras.optimizers.RMSprop}
    return kinds[recipe.optimizer](learning_rate=rate)


def _train_keras(recipe: KerasRecipe, split: Split, model: str, predict: dict[str, np.ndarray],
                 seed: int, extra_callbacks: Sequence[Any] = ()) -> FitResult:
    """Build, compile and train the recipe's network (uncached) and measure it.

    The training rows are shuffled by a seeded ``tf.data`` pipeline, batched, augmented
    batch by batch when the recipe says so (training only), and prefetched.
    ``fit_seconds`` runs from the scaling of the inputs to the end of ``model.fit``, the
    per-epoch validation included; ``curves["seconds"]`` is the same clock at each epoch's end.
    ``recipe.precision`` is already resolved (:func:`fit_keras` does it, before the cache key).
    """
    _, keras = import_tensorflow()
    keras.backend.clear_session()  # fresh layer names and graphs for every fit of a sweep
    keras.utils.set_random_seed(seed)  # Python, NumPy and TensorFlow: weights, dropout, augmentation
    keras.mixed_precision.set_global_policy(recipe.precision)  # clear_session resets it
    try:
        return _train_keras_network(recipe, split, model, predict, seed, extra_callbacks)
    finally:
        keras.mixed_precision.set_global_policy("float32")  # networks built later in the process


def _train_keras_network(recipe: KerasRecipe, split: Split, model: str, predict: dict[str, np.ndarray],
                         seed: int, extra_callbacks: Sequence[Any]) -> FitResult:
    """:func:`_train_keras` once the session, seed and precision are set."""
    tf, keras = import_tensorflow()

    from ..models import augmentation, networks  # Keras: imported when a network trains

    curves: dict[str, list[float]] = {"lr": [], "seconds": []}
    bar = progress_bar(recipe.epochs, f"{model}: epochs")
    start = time.perf_counter()
    X_fit = network_inputs(split.X_fit, recipe.centre)
    one_hot = recipe.label_smoothing > 0

    def targets(y):
        return np.eye(10, dtype=np.float32)[y] if one_hot else y

    train = tf.data.Dataset.from_tensor_slices((X_fit, targets(split.y_fit)))
    train = train.shuffle(len(X_fit), seed=seed).batch(recipe.batch_size)
    fill = augmentation.background(recipe.centre)
    if recipe.augment and recipe.augment_impl == "layers":
        augment = augmentation.augmentation(recipe.rotation_deg, recipe.zoom, recipe.shift, background=fill)
        train = train.map(lambda x, y: (augment(x, training=True), y))
    elif recipe.augment:  # a fresh, seeded pair of stateless seeds per batch, different every epoch
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        train = tf.data.Dataset.zip(train, seeds).map(
            lambda xy, s: (augmentation.random_affine(xy[0], s, recipe.rotation_deg, recipe.zoom, recipe.shift,
                                                background=fill), xy[1]),
            num_parallel_calls=tf.data.AUTOTUNE)
    train = train.prefetch(tf.data.AUTOTUNE)
    net = networks.build_network(recipe.builder, **recipe.params)
    net.compile(
        optimizer=_optimizer(keras, recipe, math.ceil(len(X_fit) / recipe.batch_size)),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing) if one_hot
        else keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.CategoricalAccuracy(name="accuracy") if one_hot
                 else keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        steps_per_execution=recipe.steps_per_execution,
    )

    class EpochLog(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            curves["lr"].append(float(keras.ops.convert_to_tensor(self.model.optimizer.learning_rate)))

        def on_epoch_end(self, epoch, logs=None):
            curves["seconds"].append(time.perf_counter() - start)
            bar.update()
            gc.collect(1)  # the young generations only: cheap

    callbacks: list[Any] = [EpochLog(), *extra_callbacks]
    validation = None
    if split.has_validation:
        X_val = network_inputs(split.X_val, recipe.centre)
        validation = tf.data.Dataset.from_tensor_slices((X_val, targets(split.y_val))).batch(EVAL_BATCH)
        if recipe.early_stopping is not None:
            callbacks.append(keras.callbacks.EarlyStopping(
                monitor="val_accuracy", patience=recipe.early_stopping, restore_best_weights=True))
        if recipe.reduce_lr_on_plateau is not None:
            callbacks.append(keras.callbacks.ReduceLROnPlateau(
                monitor="val_accuracy", patience=recipe.reduce_lr_on_plateau, factor=recipe.plateau_factor))
    with no_full_collections():
        history = net.fit(train, epochs=recipe.epochs, validation_data=validation, callbacks=callbacks,
                          shuffle=False, verbose=0)  # the pipeline shuffles
    seconds = time.perf_counter() - start
    bar.close()
    for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
        if name in history.history:
            curves[name] = [float(v) for v in history.history[name]]

    def proba(X):
        return net.predict(X, batch_size=EVAL_BATCH, verbose=0).astype(np.float32)

    val_proba = proba(X_val) if split.has_validation else None
    return FitResult(
        model=model,
        params=recipe.flat(),
        train_accuracy=float((proba(X_fit).argmax(1) == split.y_fit).mean()),
        val_accuracy=float((val_proba.argmax(1) == split.y_val).mean()) if val_proba is not None else None,
        fit_seconds=seconds,
        n_train=len(X_fit),
        n_val=len(split.X_val) if split.has_validation else 0,
        n_iter=len(curves["seconds"]),
        curves=curves,
        predictions={k: proba(network_inputs(v, recipe.centre)) for k, v in predict.items()},
        val_proba=val_proba,
        weights=[np.asarray(w) for w in net.get_weights()],
    )


def trained_network(result: FitResult) -> Any:
    """The network a Keras fit trained, rebuilt from its recipe (``result.params``) with its
    trained weights, computing in float32 (inputs as :func:`network_inputs` makes them)."""
    if result.weights is None:
        raise ValueError(f"the fit {result.model}/{result.key or '?'} has no trained weights: it is not a Keras"
                         " fit, or it was cached before fits kept their weights")
    _, keras = import_tensorflow()
    from ..models import networks

    recipe = KerasRecipe.from_flat(**result.params)
    keras.mixed_precision.set_global_policy("float32")
    net = networks.build_network(recipe.builder, **recipe.params)
    net.set_weights(result.weights)
    return net


def fit_keras(
    recipe: KerasRecipe,
    split: Split,
    model: str,
    predict: dict[str, np.ndarray] | None = None,
    profile: Profile | None = None,
    use_cache: bool = True,
    callbacks: Sequence[Any] | None = None,
) -> FitResult:
    """Train the network of ``recipe`` on ``split`` through the cache, like :func:`digits_helpers.training.fit`.

    ``split`` holds pixel rows 0-255 (the recipe scales them); ``predict`` names extra sets
    (e.g. ``{"test": X_test}``) whose class probabilities land in ``predictions``.  The
    result's ``curves`` hold one value per epoch: ``loss`` and ``accuracy`` (running, on
    the augmented training batches with dropout active), ``val_loss`` and ``val_accuracy``
    when there are validation rows, ``lr`` (at the epoch's start) and ``seconds``
    (cumulative).  ``train_accuracy`` is the trained network's accuracy on the fit rows
    at inference, like a scikit-learn score; ``n_iter`` counts the epochs run (fewer when
    early stopping ended the fit).  ``callbacks`` (Keras callbacks, e.g.
    :func:`digits_helpers.search.pruning.pruning_callback`) run after the book's own at every epoch;
    they cannot change the cache key, so use them with ``use_cache=False`` when they change
    the training (an exception they raise ends the fit and is passed on, uncached).

    Runs on a GPU when TensorFlow sees one, else on all CPU cores; no XLA (``jit_compile``
    made this network about 4x slower on a 2-core CPU).  The seed fixes the weights, the
    shuffling, dropout and the augmentation: on a CPU the same recipe, data and seed give
    bit-identical results without ``tf.config.experimental.enable_op_determinism()``
    (tested) *for the same number of TensorFlow threads* — with one thread and with two the
    same fit ends with other weights (reductions are split differently), so a fit that ran
    side by side (one thread) and the same fit alone (all cores) differ; on a GPU some
    cuDNN kernels are not deterministic, so call it before fitting when a rerun must match
    to the bit (it slows training down).
    """
    profile = profile or get_profile()
    predict = predict or {}
    for name, X in {"X_fit": split.X_fit, "X_val": split.X_val, **predict}.items():
        if X is not None:
            _check_pixels(X, name)
    seed = profile.seed if recipe.seed is None else recipe.seed
    recipe = resolve_precision(recipe)
    where = runs_on()  # the device and thread count: part of the key

    def train() -> FitResult:
        result = _train_keras(recipe, split, model, predict, seed, callbacks or ())
        result.runs_on = where
        return result

    return through_cache(recipe, split, model, predict, profile, use_cache, train, runs_on=where)
