"""The fit cache the pages take as given: ``@cached`` on a training function.

A page writes its training function in plain library code and puts ``@cached`` above it.
Called again with the same arguments, the function returns what it returned the first
time, read from disk, instead of training again; the result keeps whatever the function
measured (its fit seconds among them).  The key is made of everything the result depends
on:

- the function's name and statements (its syntax tree without docstrings or comments, so
  editing a docstring, a comment or the layout retrains nothing, and the same function
  written on a page or imported from the package is the same fit);
- its arguments: arrays by their bytes, estimators with every parameter (``joblib.hash``),
  a NumPy scalar as the number it holds, a Keras schedule or optimizer by its
  configuration (and, for a class a page or the package defines, its statements), a Keras
  callback by its class and settings, and a function passed as an argument (a network
  builder) by its statements, with the values its closure and defaults hold;
- the profile and its seed, the versions of the libraries that train, the number of CPU
  cores this process may use, the device TensorFlow computes on (a GPU, if it sees
  one, where it is imported), and Keras' dtype policy when a page set one other than
  float32 (``keras.mixed_precision.set_global_policy``).

Entries are written atomically (a killed run leaves no half-written entry) and a damaged
one is trained again.  With ``DIGITS_FIT_LOG`` set, each call that trains adds a JSON line
to that file, so a benchmark can list what a chapter trained.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import sys
import textwrap
import time
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import joblib
import numpy as np

from .cores import available_cores
from .fingerprints import behaviour, library_versions
from .paths import FIT_LOG_ENV, atomic_write, cache_dir, setting
from .profiles import get_profile

F = TypeVar("F", bound=Callable[..., Any])

LIBRARIES = ("scikit-learn", "numpy", "scipy", "pandas", "tensorflow", "keras")


def function_identity(fn: Callable[..., Any]) -> str:
    """A hash of ``fn``'s name and statements (docstrings, comments and layout left out).

    A function whose source is not a statement of its own (a lambda inside a longer line)
    is known by its compiled code instead: its instructions, constants and names.
    """
    fn = inspect.unwrap(fn)
    try:
        statements = behaviour(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        statements = repr(_code_parts(fn.__code__))
    return hashlib.sha256(f"{fn.__name__}\0{statements}".encode()).hexdigest()[:16]


def _code_parts(code: types.CodeType) -> tuple:
    """What a code object computes, without its file or line numbers."""
    consts = tuple(_code_parts(c) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.co_code, consts, code.co_names, code.co_varnames


def _argument(value: Any) -> Any:
    """``value`` as its key sees it: a NumPy scalar as the Python number it holds; a function
    (or a ``functools.partial`` of one) by its statements and the values of its closure and
    defaults; an object with a ``get_config`` (a Keras schedule, optimizer or layer) by its
    class and configuration; lists, tuples and dicts item by item; anything else as it is."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, functools.partial):
        return ("partial", _argument(value.func), [_argument(a) for a in value.args],
                {k: _argument(v) for k, v in value.keywords.items()})
    if isinstance(value, types.FunctionType):
        closure = [_argument(cell.cell_contents) for cell in value.__closure__ or ()]
        defaults = [_argument(d) for d in value.__defaults__ or ()]
        keywords = {k: _argument(v) for k, v in (value.__kwdefaults__ or {}).items()}
        return ("function", function_identity(value), closure, defaults, keywords)
    if type(value) in (list, tuple):  # exactly: a named tuple keeps its type
        return type(value)(_argument(v) for v in value)
    if type(value) is dict:
        return {k: _argument(v) for k, v in value.items()}
    if callable(getattr(value, "set_model", None)) and callable(getattr(value, "on_epoch_end", None)):
        kind = type(value)  # a Keras callback: by its class and its settings
        state = {k: _argument(v) for k, v in sorted(vars(value).items())
                 if not k.startswith("_") and k != "model"}
        return ("callback", kind.__qualname__, state, *_own_class(kind))
    if not isinstance(value, type) and callable(getattr(value, "get_config", None)):
        kind = type(value)
        return ("config", kind.__qualname__, _argument(value.get_config()), *_own_class(kind))
    return value


def _own_class(kind: type) -> tuple[str, ...]:
    """``(class_identity(kind),)`` for a class a page or the package defines (keyed by its
    statements too), ``()`` for a library's (its version is in the key already)."""
    if kind.__module__ == "__main__" or kind.__module__.startswith("digits_helpers"):
        return (class_identity(kind),)
    return ()


def class_identity(kind: type) -> str:
    """A hash of a class's name, bases and methods (each as :func:`function_identity` sees
    it), so the same class written on a page or imported from the package is the same."""
    methods = sorted((name, function_identity(fn)) for name, fn in vars(kind).items()
                     if isinstance(fn, types.FunctionType))
    bases = [base.__qualname__ for base in kind.__bases__]
    return hashlib.sha256(repr((kind.__name__, bases, methods)).encode()).hexdigest()[:16]


def device() -> str:
    """``"gpu"`` where TensorFlow is imported and sees a GPU, else ``"cpu"``."""
    tf = sys.modules.get("tensorflow")
    return "gpu" if tf is not None and tf.config.list_physical_devices("GPU") else "cpu"


def dtype_policy() -> str:
    """Keras' global dtype policy where Keras is imported (``"float32"`` by default)."""
    keras = sys.modules.get("keras")
    return keras.config.dtype_policy().name if keras is not None else "float32"


def call_key(fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> str:
    """The cache key of calling ``fn(*args, **kwargs)`` (see the module's docstring)."""
    bound = inspect.signature(inspect.unwrap(fn)).bind(*args, **kwargs)
    bound.apply_defaults()
    profile = get_profile()
    parts = {
        "function": function_identity(fn),
        "arguments": joblib.hash({k: _argument(v) for k, v in bound.arguments.items()}),
        "profile": profile.name,
        "seed": profile.seed,
        "libraries": library_versions(*LIBRARIES),
        "cores": available_cores(),
        "device": device(),
    }
    if dtype_policy() != "float32":  # e.g. a page's keras.mixed_precision policy
        parts["precision"] = dtype_policy()
    return joblib.hash(parts)[:20]


def entry_path(name: str, key: str) -> Path:
    """Where the result of the call ``key`` of the function ``name`` is stored."""
    return cache_dir() / "calls" / name / f"{key}.joblib"


def log_call(name: str, key: str, seconds: float, rows: int | None, epochs: int | None = None) -> None:
    """Add one JSON line naming a call just trained to ``$DIGITS_FIT_LOG``, when it is set."""
    log = setting(FIT_LOG_ENV)
    if not log:
        return
    line = {"time": time.time(), "model": name, "rows": rows, "epochs": epochs,
            "seconds": round(seconds, 2), "runs_on": f"{device()}, {available_cores()} cores", "key": key}
    with open(log, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def _rows(args: tuple) -> int | None:
    """The length of the first array-like argument (the rows a fit took), for the log."""
    return next((len(a) for a in args if hasattr(a, "shape") and getattr(a, "ndim", 0) >= 1), None)


def cached(fn: F) -> F:
    """``fn``, reading its result from the fit cache when this exact call has run before."""

    @functools.wraps(fn)
    def through_cache(*args: Any, **kwargs: Any) -> Any:
        key = call_key(fn, args, kwargs)
        path = entry_path(fn.__name__, key)
        if path.is_file():
            try:
                return joblib.load(path)
            except Exception as err:  # a damaged entry is trained again, never trusted
                warnings.warn(f"fit cache entry {path} could not be read ({type(err).__name__}: "
                              f"{err}); training again", stacklevel=2)
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        atomic_write(path, lambda tmp: joblib.dump(result, tmp, compress=3))
        log_call(fn.__name__, key, time.perf_counter() - start, _rows((*args, *kwargs.values())),
                 kwargs.get("epochs"))
        return result

    return through_cache  # type: ignore[return-value]
