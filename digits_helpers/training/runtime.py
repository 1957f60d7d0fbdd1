"""The TensorFlow runtime: importing it, the devices, the precision a recipe trains
in, CPU threads (and where a fit runs, which its key names), and keeping Python's garbage
collector out of training."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..models.keras_recipe import KerasRecipe
from .cores import available_cores


def import_tensorflow() -> tuple[Any, Any]:
    """Import TensorFlow and Keras; returns ``(tensorflow, keras)``.

    It changes no setting of the process (no environment variable, no logger level): the
    start-up messages TensorFlow writes land in the cell that first imports it, which the
    pages hide.
    """
    import keras
    import tensorflow as tf

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


def cpu_threads() -> int:
    """The TensorFlow CPU threads this process trains on: set to the cores it may use
    (:func:`~digits_helpers.training.cores.available_cores`) before its first operation
    when nothing set them, else what was set."""
    tf, _ = import_tensorflow()
    threads = tf.config.threading.get_intra_op_parallelism_threads()
    if threads == 0:
        try:
            limit_cpu_threads(available_cores())
        except RuntimeError:  # TensorFlow already started with its own default
            return available_cores()
        threads = tf.config.threading.get_intra_op_parallelism_threads()
    return threads


def runs_on(threads: int | None = None) -> str:
    """Where a Keras fit runs, as its cache key names it: ``"gpu"``, or ``"cpu, N threads"``
    (``threads``, or this process's :func:`cpu_threads`); a fit's weights depend on it."""
    if gpu_available():
        return "gpu"
    return f"cpu, {threads or cpu_threads()} threads"


@contextmanager
def no_full_collections():
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
