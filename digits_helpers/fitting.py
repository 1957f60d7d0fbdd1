"""Fit one model and return a :class:`FitResult`; every fit is cached on disk.

Two kinds of fit go through it: a scikit-learn estimator (:func:`fit_sklearn`) and a Keras
network described by a :class:`KerasRecipe` (:func:`fit_keras`; TensorFlow is imported only
then, so the scikit-learn chapters never load it).  :func:`fit` takes either.

A fit's cache key covers everything its result depends on: the estimator (or recipe) and all
its parameters, the fingerprint of the data, the profile and seed, the versions of the
libraries, and a hash of the training code itself (for Keras fits, also of the model
builders and schedules).  A rebuild therefore retrains nothing, an interrupted sweep keeps
every fit it finished (each is written atomically as it ends), and a change to the training
code never serves a stale result.  A result read back from the cache keeps the seconds of
the fit that produced it.
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import math
import os
import time
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.neural_network import MLPClassifier

from . import features, schedules
from .config import Profile, get_profile
from .data import fingerprint

CACHE_ENV = "DIGITS_CACHE_DIR"


@dataclass(frozen=True, eq=False)
class Split:
    """Rows to fit on and (optionally) rows to validate on, already preprocessed."""

    X_fit: np.ndarray
    y_fit: np.ndarray
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None

    @cached_property
    def fingerprint(self) -> str:
        arrays = [a for a in (self.X_fit, self.y_fit, self.X_val, self.y_val) if a is not None]
        return fingerprint(*arrays)

    @property
    def has_validation(self) -> bool:
        return self.X_val is not None


@dataclass
class FitResult:
    """What one fit produced: accuracies, curves, time, and predictions for named sets.

    ``curves`` maps a name (``"loss"``, ``"val_accuracy"``, ...) to one value per
    iteration or epoch; ``predictions`` maps the name of an extra input set (``"test"``)
    to its predicted class probabilities.  ``fit_seconds`` is the wall time of the fit
    itself, measured when it ran, also when the result comes from the cache.
    """

    model: str
    params: dict[str, Any]
    train_accuracy: float
    val_accuracy: float | None
    fit_seconds: float
    n_train: int
    n_val: int
    n_iter: int | None = None
    curves: dict[str, list[float]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    predictions: dict[str, np.ndarray] = field(default_factory=dict)
    val_proba: np.ndarray | None = None
    key: str = ""
    from_cache: bool = False

    def summary(self) -> dict[str, Any]:
        """The scalar fields, for a table row."""
        return {
            "train_accuracy": self.train_accuracy,
            "val_accuracy": self.val_accuracy,
            "fit_seconds": self.fit_seconds,
            "n_iter": self.n_iter,
            "warnings": "; ".join(self.warnings),
            "from_cache": self.from_cache,
        }


# --------------------------------------------------------------------------- cache
def cache_dir() -> Path:
    """``$DIGITS_CACHE_DIR``, else ``.cache/`` at the repository root."""
    override = os.environ.get(CACHE_ENV, "").strip()
    return Path(override) if override else Path(__file__).resolve().parents[1] / ".cache"


def code_version() -> str:
    """Hash of the training code and library versions: a change invalidates cached fits."""
    h = hashlib.sha256()
    for module in (inspect.getmodule(code_version), features):
        h.update(inspect.getsource(module).encode())
    h.update(f"sklearn {sklearn.__version__} numpy {np.__version__}".encode())
    return h.hexdigest()[:12]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


KERAS_SOURCES = tuple(Path(__file__).with_name(name) for name in ("models.py", "schedules.py"))


def keras_code_version() -> str:
    """:func:`code_version` plus the model builders, the schedules and the TensorFlow and
    Keras versions (read without importing TensorFlow): what a Keras fit depends on."""
    h = hashlib.sha256(code_version().encode())
    for path in KERAS_SOURCES:
        h.update(path.read_bytes())
    h.update(f"tensorflow {_version('tensorflow')} keras {_version('keras')}".encode())
    return h.hexdigest()[:12]


def fit_key(estimator: Any, split: Split, profile: Profile, extra: dict | None = None) -> str:
    """The cache key of fitting ``estimator`` (or a :class:`KerasRecipe`) on ``split`` under ``profile``."""
    parts = {
        "estimator": joblib.hash(estimator),
        "data": split.fingerprint,
        "profile": profile.name,
        "seed": profile.seed,
        "code": keras_code_version() if isinstance(estimator, KerasRecipe) else code_version(),
        "extra": joblib.hash(extra or {}),
    }
    return joblib.hash(parts)[:20]


def _cache_path(model: str, key: str) -> Path:
    return cache_dir() / "fits" / model / f"{key}.joblib"


def load_cached(model: str, key: str) -> FitResult | None:
    path = _cache_path(model, key)
    if not path.is_file():
        return None
    try:
        result = joblib.load(path)
    except Exception:  # a damaged entry is refitted, never trusted
        return None
    return replace(result, from_cache=True)


def store(result: FitResult) -> None:
    """Write a result atomically (a killed process leaves no half-written entry)."""
    path = _cache_path(result.model, result.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    joblib.dump(result, tmp, compress=3)
    tmp.replace(path)


# --------------------------------------------------------------------------- scikit-learn
def describe_params(estimator: Any) -> dict[str, Any]:
    """The estimator's non-default parameters (the last step's, for a pipeline)."""
    last = _final_step(estimator)
    defaults = type(last)().get_params()
    return {k: v for k, v in last.get_params().items() if not callable(v) and defaults.get(k) != v}


def _format_warning(w: warnings.WarningMessage) -> str:
    return f"{w.category.__name__}: {str(w.message).strip().splitlines()[0]}"



def _final_step(estimator: Any) -> Any:
    return estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator


def _trains_by_epoch(estimator: Any, split: Split) -> bool:
    """Whether to train epoch by epoch (``partial_fit``), tracking validation accuracy."""
    return split.has_validation and isinstance(_final_step(estimator), MLPClassifier) and (
        _final_step(estimator).solver in ("sgd", "adam")
    )


def _fit_by_epoch(estimator: Any, split: Split) -> tuple[float, dict[str, list[float]]]:
    """Train ``max_iter`` epochs with ``partial_fit``, scoring the validation rows after each.

    The fit seconds count the preprocessing of the fit rows and the epochs, not the
    validation scoring.  Unlike ``fit``, no tolerance stops training early: the whole
    curve is recorded, and the number of epochs is chosen from it afterwards.
    """
    final = _final_step(estimator)
    head = estimator[:-1] if hasattr(estimator, "steps") else None
    start = time.perf_counter()
    X_fit = head.fit_transform(split.X_fit, split.y_fit) if head is not None else split.X_fit
    seconds = time.perf_counter() - start
    X_val = head.transform(split.X_val) if head is not None else split.X_val
    classes = np.unique(split.y_fit)
    curves: dict[str, list[float]] = {"val_accuracy": [], "seconds": []}
    for _ in range(final.max_iter):
        start = time.perf_counter()
        final.partial_fit(X_fit, split.y_fit, classes=classes)
        seconds += time.perf_counter() - start
        curves["val_accuracy"].append(float((final.predict(X_val) == split.y_val).mean()))
        curves["seconds"].append(seconds)
    return seconds, curves


def fit_sklearn(
    estimator: Any,
    split: Split,
    model: str,
    predict: dict[str, np.ndarray] | None = None,
) -> FitResult:
    """Fit a scikit-learn estimator (uncached) and measure it.

    Networks trained by stochastic gradient (``MLPClassifier``) are trained epoch by
    epoch when there are validation rows, so their validation accuracy per epoch is
    recorded.  Warnings raised by the fit (e.g. ``ConvergenceWarning``) are recorded in
    the result, not hidden.
    """
    estimator = clone(estimator)
    curves: dict[str, list[float]] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if _trains_by_epoch(estimator, split):
            seconds, curves = _fit_by_epoch(estimator, split)
        else:
            start = time.perf_counter()
            estimator.fit(split.X_fit, split.y_fit)
            seconds = time.perf_counter() - start
    final = _final_step(estimator)
    if getattr(final, "loss_curve_", None) is not None:
        curves["loss"] = [float(v) for v in final.loss_curve_]
    n_iter = getattr(final, "n_iter_", None)
    if "val_accuracy" in curves:  # trained by partial_fit, which counts one epoch per call
        n_iter = len(curves["val_accuracy"])
    elif n_iter is not None:
        n_iter = int(np.max(n_iter))
    val_proba = estimator.predict_proba(split.X_val).astype(np.float32) if split.has_validation else None
    return FitResult(
        model=model,
        params=describe_params(estimator),
        train_accuracy=float(estimator.score(split.X_fit, split.y_fit)),
        val_accuracy=float((val_proba.argmax(1) == split.y_val).mean()) if val_proba is not None else None,
        fit_seconds=seconds,
        n_train=len(split.X_fit),
        n_val=len(split.X_val) if split.has_validation else 0,
        n_iter=n_iter,
        curves=curves,
        warnings=sorted({_format_warning(w) for w in caught if not issubclass(w.category, DeprecationWarning)}),
        predictions={k: estimator.predict_proba(v).astype(np.float32) for k, v in (predict or {}).items()},
        val_proba=val_proba,
    )


def fit(
    estimator: Any,
    split: Split,
    model: str,
    predict: dict[str, np.ndarray] | None = None,
    profile: Profile | None = None,
    use_cache: bool = True,
) -> FitResult:
    """Fit through the cache: return the stored result for this exact fit, or fit and store it.

    ``estimator`` is a scikit-learn estimator or a :class:`KerasRecipe` (then this is
    :func:`fit_keras`).
    """
    if isinstance(estimator, KerasRecipe):
        return fit_keras(estimator, split, model, predict, profile, use_cache)
    profile = profile or get_profile()
    predict = predict or {}
    return _through_cache(estimator, split, model, predict, profile, use_cache,
                          lambda: fit_sklearn(estimator, split, model, predict))


def _predict_key(estimator: Any, split: Split, profile: Profile, predict: dict[str, np.ndarray]) -> str:
    """:func:`fit_key` of a fit that also predicts the sets in ``predict``."""
    return fit_key(estimator, split, profile, {k: fingerprint(v) for k, v in predict.items()})


def cached_fit(estimator: Any, split: Split, model: str, predict: dict[str, np.ndarray] | None = None,
               profile: Profile | None = None) -> FitResult | None:
    """What :func:`fit` would read from the cache for these arguments (a Keras recipe's
    ``"auto"`` precision resolved, as :func:`fit_keras` does), or ``None``; trains nothing."""
    if isinstance(estimator, KerasRecipe):
        estimator = resolve_precision(estimator)
    return load_cached(model, _predict_key(estimator, split, profile or get_profile(), predict or {}))


def _through_cache(estimator: Any, split: Split, model: str, predict: dict[str, np.ndarray], profile: Profile,
                   use_cache: bool, train: Any) -> FitResult:
    """The stored result of this exact fit, or ``train()``'s, stored under its key."""
    key = _predict_key(estimator, split, profile, predict)
    if use_cache and (hit := load_cached(model, key)) is not None:
        return hit
    result = train()
    result.key = key
    if use_cache:
        store(result)
    return result


# --------------------------------------------------------------------------- Keras
OPTIMIZERS = ("adam", "adamw", "nadam", "rmsprop", "sgd")
PRECISIONS = ("float32", "mixed_bfloat16", "auto")
EVAL_BATCH = 1024  # batch size for validation and predictions (the results do not depend on it)


def _freeze(value: Any) -> Any:
    """Lists to tuples and numpy scalars to Python ones, so equal recipes hash equally."""
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class KerasRecipe:
    """Everything a Keras fit depends on; part of the fit's cache key.

    Attributes:
        builder, params: the network, ``models.BUILDERS[builder](**params)``.
        optimizer: one of :data:`OPTIMIZERS` (``"sgd"`` has Nesterov momentum 0.9).
        learning_rate: the starting (or, for ``warmup_cosine``/``one_cycle``, peak) rate.
        schedule: ``None`` (constant), ``"compound"`` (the source's scheduler,
            ``lr0 * decay ** (e (e + 1) / 2)``), ``"exponential"`` (``lr0 * decay ** e``),
            ``"warmup_cosine"`` or ``"one_cycle"``; see :mod:`digits_helpers.schedules`.
        decay: the per-epoch factor of ``compound`` and ``exponential``.
        warmup: the fraction of training that ``warmup_cosine``/``one_cycle`` spend rising.
        batch_size, epochs: as in ``model.fit``.
        centre: inputs ``x/255 - 0.5`` (the source's) or, when ``False``, ``x/255``.
        augment: random rotation (``rotation_deg``), zoom and shift of each training batch,
            filled with the background value.
        augment_impl: ``"affine"``, the three transforms as one resampling
            (:func:`digits_helpers.models.random_affine`), or ``"layers"``, Keras' three
            random-transform layers one after the other (:func:`digits_helpers.models.augmentation`).
        label_smoothing: of the cross-entropy loss.
        early_stopping: patience in epochs on validation accuracy (best weights restored),
            or ``None``; used only when there are validation rows.
        reduce_lr_on_plateau: patience in epochs on validation accuracy, or ``None``; the
            rate is multiplied by ``plateau_factor``; only with validation rows and no schedule.
        epoch_rates: the learning rate of each epoch, for ``schedule="per_epoch"`` (e.g. the
            rates a plateau callback chose in an earlier fit, replayed in a refit).
        steps_per_execution: training steps run per call into the compiled graph (as in
            ``model.compile``): fewer Python round trips, the same arithmetic.
        precision: ``"float32"``, ``"mixed_bfloat16"`` (Keras' mixed precision: weights in
            float32, layers computing in bfloat16, the softmax in float32) or ``"auto"``
            (mixed where the machine computes bfloat16 natively, :func:`native_bfloat16`;
            the fit resolves it, so its params and cache key name the precision it used).
        seed: the fit's seed; ``None`` takes the profile's.
    """

    builder: str = "lenet"
    params: dict[str, Any] = field(default_factory=dict)
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    schedule: str | None = None
    decay: float = 1.0
    warmup: float = 0.1
    batch_size: int = 32
    epochs: int = 25
    centre: bool = True
    augment: bool = False
    augment_impl: str = "affine"
    rotation_deg: float = 10.0
    zoom: float = 0.1
    shift: float = 0.1
    label_smoothing: float = 0.0
    early_stopping: int | None = None
    reduce_lr_on_plateau: int | None = None
    plateau_factor: float = 0.1
    epoch_rates: tuple[float, ...] = ()
    steps_per_execution: int = 16
    precision: str = "float32"
    seed: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _freeze(getattr(self, f.name)))
        object.__setattr__(self, "params", {k: _freeze(v) for k, v in sorted(dict(self.params).items())})
        if self.schedule is not None and self.schedule not in schedules.SCHEDULES:
            raise ValueError(f"schedule={self.schedule!r}; expected None or one of {schedules.SCHEDULES}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer={self.optimizer!r}; expected one of {OPTIMIZERS}")
        if self.schedule is not None and self.reduce_lr_on_plateau is not None:
            raise ValueError(f"schedule={self.schedule!r} and reduce_lr_on_plateau={self.reduce_lr_on_plateau}:"
                             " a plateau callback cannot change a scheduled rate; use one of them")
        if self.augment_impl not in ("affine", "layers"):
            raise ValueError(f"augment_impl={self.augment_impl!r}; expected 'affine' or 'layers'")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision={self.precision!r}; expected one of {PRECISIONS}")
        if (self.schedule == "per_epoch") != bool(self.epoch_rates):
            raise ValueError("epoch_rates go with schedule='per_epoch', and only with it")
        for name in ("batch_size", "epochs", "steps_per_execution"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)!r}; expected a positive integer")

    def __hash__(self) -> int:
        return hash(repr(self))

    @classmethod
    def from_flat(cls, **settings: Any) -> KerasRecipe:
        """A recipe from one flat set of keywords: the recipe's fields go to the fields, the
        rest to the builder, e.g. ``from_flat(builder="lenet", filters=32, epochs=10)``.
        Made for :class:`~digits_helpers.tuning.Tuner`, which then sweeps either kind by name."""
        names = {f.name for f in fields(cls)} - {"params"}
        return cls(**{k: v for k, v in settings.items() if k in names},
                   params={k: v for k, v in settings.items() if k not in names})

    def flat(self) -> dict[str, Any]:
        """The inverse of :meth:`from_flat`: every field and builder parameter in one dict."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "params"}
        return {"builder": self.builder, **self.params, **out}

    def rate(self, steps_per_epoch: int = 1) -> list[float]:
        """The learning rate at each training step (each epoch with the default ``1``), as
        the schedule gives it (a plateau callback may lower it further during the fit)."""
        fn = schedules.schedule(self.schedule, self.learning_rate, self.decay, self.epochs, self.warmup,
                                self.epoch_rates)
        return [fn(i / steps_per_epoch) for i in range(steps_per_epoch * self.epochs)]


def _check_pixels(X: np.ndarray, name: str) -> None:
    """Raise unless ``X`` holds images of 784 pixels valued 0-255 (not yet scaled)."""
    X = np.asarray(X)
    if X.ndim < 2 or int(np.prod(X.shape[1:])) != 784:
        raise ValueError(f"{name}: expected images of 784 pixels, (n, 784) or (n, 28, 28); found shape {X.shape}")
    if X.dtype.kind == "f" and X.size and float(X.max()) <= 1.0:
        raise ValueError(f"{name}: expected pixels 0-255 (the recipe scales them); found floats no larger"
                         " than 1, which look already scaled")


def _images(X: np.ndarray, centre: bool) -> np.ndarray:
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


def import_tensorflow() -> tuple[Any, Any]:
    """Import TensorFlow and Keras with their start-up chatter kept out of the pages.

    Returns ``(tensorflow, keras)``.  TensorFlow's C++ logging below errors is silenced
    (unless ``TF_CPP_MIN_LOG_LEVEL`` is already set), its Python logger shows errors only,
    and the devices are listed once, with standard error muted, so the messages of that
    probe never land on a page or in the middle of a training.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _quiet_stderr():  # absl's and CUDA's start-up lines bypass the log level
        import keras
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
        tf.config.list_physical_devices()
    return tf, keras


def gpu_available() -> bool:
    """Whether TensorFlow sees a GPU."""
    tf, _ = import_tensorflow()
    return bool(tf.config.list_physical_devices("GPU"))


def native_bfloat16() -> bool:
    """Whether this machine computes bfloat16 natively, where mixed precision pays: a GPU of
    compute capability 8.0 or more, or, without a GPU, a CPU with AMX or AVX-512 BF16
    instructions (Linux's ``/proc/cpuinfo`` flags).  Elsewhere bfloat16 is emulated, slower
    than float32."""
    tf, _ = import_tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return tuple(details.get("compute_capability") or (0, 0)) >= (8, 0)
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_precision(recipe: KerasRecipe) -> KerasRecipe:
    """``recipe`` with ``precision="auto"`` replaced by what this machine uses (see
    :func:`native_bfloat16`); other recipes unchanged."""
    if recipe.precision != "auto":
        return recipe
    return replace(recipe, precision="mixed_bfloat16" if native_bfloat16() else "float32")


def limit_cpu_threads(n: int) -> None:
    """Run TensorFlow's operations on ``n`` CPU threads in this process (set once, before the
    first operation; a process that already runs on ``n`` is left alone)."""
    tf, _ = import_tensorflow()
    threading = tf.config.threading
    if threading.get_intra_op_parallelism_threads() != n:
        threading.set_intra_op_parallelism_threads(n)
        threading.set_inter_op_parallelism_threads(n)


@contextmanager
def _quiet_stderr():
    """Send the process's standard error (file descriptor 2, where C++ libraries write) to
    the null device for the duration."""
    import sys

    sys.stderr.flush()
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


@contextmanager
def _no_full_collections():
    """Keep Python's garbage collector off the objects that exist before training.

    A full collection scans every object TensorFlow, Keras and the rest have made — on a
    two-core machine a pause of one to two seconds, about once an epoch.  Here the objects
    alive before the fit are frozen (never scanned), automatic collection is off during the
    fit, and the young generations are collected at each epoch's end instead.
    """
    gc.collect()
    gc.freeze()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()


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

    from . import models
    from .tuning import _progress

    curves: dict[str, list[float]] = {"lr": [], "seconds": []}
    bar = _progress(recipe.epochs, f"{model}: epochs")
    start = time.perf_counter()
    X_fit = _images(split.X_fit, recipe.centre)
    one_hot = recipe.label_smoothing > 0

    def targets(y):
        return np.eye(10, dtype=np.float32)[y] if one_hot else y

    train = tf.data.Dataset.from_tensor_slices((X_fit, targets(split.y_fit)))
    train = train.shuffle(len(X_fit), seed=seed).batch(recipe.batch_size)
    fill = models.background(recipe.centre)
    if recipe.augment and recipe.augment_impl == "layers":
        augment = models.augmentation(recipe.rotation_deg, recipe.zoom, recipe.shift, background=fill)
        train = train.map(lambda x, y: (augment(x, training=True), y))
    elif recipe.augment:  # a fresh, seeded pair of stateless seeds per batch, different every epoch
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        train = tf.data.Dataset.zip(train, seeds).map(
            lambda xy, s: (models.random_affine(xy[0], s, recipe.rotation_deg, recipe.zoom, recipe.shift,
                                                background=fill), xy[1]),
            num_parallel_calls=tf.data.AUTOTUNE)
    train = train.prefetch(tf.data.AUTOTUNE)
    net = models.build(recipe.builder, **recipe.params)
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
        X_val = _images(split.X_val, recipe.centre)
        validation = tf.data.Dataset.from_tensor_slices((X_val, targets(split.y_val))).batch(EVAL_BATCH)
        if recipe.early_stopping is not None:
            callbacks.append(keras.callbacks.EarlyStopping(
                monitor="val_accuracy", patience=recipe.early_stopping, restore_best_weights=True))
        if recipe.reduce_lr_on_plateau is not None:
            callbacks.append(keras.callbacks.ReduceLROnPlateau(
                monitor="val_accuracy", patience=recipe.reduce_lr_on_plateau, factor=recipe.plateau_factor))
    with _no_full_collections():
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
        predictions={k: proba(_images(v, recipe.centre)) for k, v in predict.items()},
        val_proba=val_proba,
    )


def fit_keras(
    recipe: KerasRecipe,
    split: Split,
    model: str,
    predict: dict[str, np.ndarray] | None = None,
    profile: Profile | None = None,
    use_cache: bool = True,
    callbacks: Sequence[Any] | None = None,
) -> FitResult:
    """Train the network of ``recipe`` on ``split`` through the cache, like :func:`fit`.

    ``split`` holds pixel rows 0-255 (the recipe scales them); ``predict`` names extra sets
    (e.g. ``{"test": X_test}``) whose class probabilities land in ``predictions``.  The
    result's ``curves`` hold one value per epoch: ``loss`` and ``accuracy`` (running, on
    the augmented training batches with dropout active), ``val_loss`` and ``val_accuracy``
    when there are validation rows, ``lr`` (at the epoch's start) and ``seconds``
    (cumulative).  ``train_accuracy`` is the trained network's accuracy on the fit rows
    at inference, like a scikit-learn score; ``n_iter`` counts the epochs run (fewer when
    early stopping ended the fit).  ``callbacks`` (Keras callbacks, e.g.
    :func:`digits_helpers.search.pruning_callback`) run after the book's own at every epoch;
    they cannot change the cache key, so use them with ``use_cache=False`` when they change
    the training (an exception they raise ends the fit and is passed on, uncached).

    Runs on a GPU when TensorFlow sees one, else on all CPU cores; no XLA (``jit_compile``
    made this network about 4x slower on a 2-core CPU).  The seed fixes the weights, the
    shuffling, dropout and the augmentation: on a CPU the same recipe, data and seed give
    bit-identical results without ``tf.config.experimental.enable_op_determinism()``
    (tested); on a GPU some cuDNN kernels are not deterministic, so call it before fitting
    when a rerun must match to the bit (it slows training down).
    """
    profile = profile or get_profile()
    predict = predict or {}
    for name, X in {"X_fit": split.X_fit, "X_val": split.X_val, **predict}.items():
        if X is not None:
            _check_pixels(X, name)
    seed = profile.seed if recipe.seed is None else recipe.seed
    recipe = resolve_precision(recipe)
    return _through_cache(recipe, split, model, predict, profile, use_cache,
                          lambda: _train_keras(recipe, split, model, predict, seed, callbacks or ()))
