"""The fit cache the pages take as given (``@cached``): a call made before is read, not run;
the key follows the function's statements and arguments, not its docstring or layout."""

from __future__ import annotations

import json
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from digits_helpers import cached
from digits_helpers.fit_cache import call_key, entry_path

CALLS: list[int] = []


@cached
def fit_counted(model, X, y):
    """Fit ``model``, counting the calls that really ran."""
    CALLS.append(1)
    return model.fit(X, y).score(X, y)


def data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] > 0).astype(int)


def test_a_call_made_before_is_read_and_not_run_again(private_cache, tmp_path, monkeypatch):
    log = tmp_path / "fits.jsonl"
    monkeypatch.setenv("DIGITS_FIT_LOG", str(log))
    X, y = data()
    CALLS.clear()
    first = fit_counted(LogisticRegression(C=1.0), X, y)
    again = fit_counted(LogisticRegression(C=1.0), X, y)
    assert first == again and len(CALLS) == 1
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["model"] for line in lines] == ["fit_counted"] and lines[0]["rows"] == len(X)
    fit_counted(LogisticRegression(C=0.5), X, y)  # another setting: another fit
    fit_counted(LogisticRegression(C=1.0), *data(seed=1))  # other rows: another fit
    assert len(CALLS) == 3


def test_a_damaged_entry_is_fitted_again(private_cache):
    X, y = data()
    CALLS.clear()
    fit_counted(LogisticRegression(), X, y)
    path = entry_path("fit_counted", call_key(fit_counted, (LogisticRegression(), X, y), {}))
    path.write_bytes(b"not a joblib file")
    with pytest.warns(UserWarning, match="could not be read .*training again"):
        fit_counted(LogisticRegression(), X, y)
    assert len(CALLS) == 2


def test_a_model_with_a_registered_page_schedule_is_read_back(private_cache):
    import keras

    from digits_helpers.keras_training import train_network
    from digits_helpers.lenet import CompoundingDecay

    def tiny():
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])

    X, y = np.random.default_rng(0).normal(size=(40, 4)).astype("float32"), np.arange(40) % 3
    settings = {"epochs": 2, "batch_size": 8, "learning_rate": CompoundingDecay(1e-2, 0.9, 5)}
    model, history = train_network(tiny, X, y, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # read back, not trained again
        again, again_history = train_network(tiny, X, y, **settings)
    np.testing.assert_allclose(again.predict(X, verbose=0), model.predict(X, verbose=0))
    assert again_history.equals(history)


def define(source: str):
    namespace = {"cached": cached}
    exec(compile(textwrap.dedent(source), "<page>", "exec"), namespace)  # noqa: S102
    return namespace["train"]


def test_the_key_follows_statements_not_docstrings_comments_or_layout(monkeypatch):
    import inspect

    sources = {
        "plain": "@cached\ndef train(x):\n    return x + 1\n",
        "documented": '@cached\ndef train(x):\n    """Add one."""\n    # a comment\n    return (x\n            + 1)\n',
        "changed": "@cached\ndef train(x):\n    return x + 2\n",
    }
    functions = {name: define(src) for name, src in sources.items()}
    monkeypatch.setattr(inspect, "getsource", lambda fn: next(
        src for name, src in sources.items() if functions[name].__wrapped__ is fn))
    keys = {name: call_key(fn, (1,), {}) for name, fn in functions.items()}
    assert keys["plain"] == keys["documented"] != keys["changed"]
    assert call_key(functions["plain"], (1,), {}) != call_key(functions["plain"], (2,), {})


def builders(source: str) -> dict:
    """The functions ``source`` defines, compiled from a file of their own (so that
    ``inspect.getsource`` reads them, as it reads a page's cells)."""
    import linecache

    name = f"<builders {abs(hash(source))}>"
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    namespace: dict = {}
    exec(compile(source, name, "exec"), namespace)  # noqa: S102
    return namespace


@cached
def build_and_count(build, n):
    CALLS.append(1)
    return build() * n


def test_a_function_argument_is_keyed_by_its_statements_closure_and_defaults():
    import functools

    plain = builders("def net():\n    return 3\n")["net"]
    laid_out = builders('def net():\n    """Three."""\n    return (\n        3)  # three\n')["net"]
    other = builders("def net():\n    return 4\n")["net"]
    assert plain.__name__ == other.__name__ == "net"
    key = call_key(build_and_count, (plain, 2), {})
    assert key == call_key(build_and_count, (laid_out, 2), {})
    assert key != call_key(build_and_count, (other, 2), {})  # same name, other statements

    def width(units):
        return lambda: units  # a closure: its value is part of the key

    assert call_key(build_and_count, (width(8), 2), {}) != call_key(build_and_count, (width(16), 2), {})
    assert call_key(build_and_count, (width(8), 2), {}) == call_key(build_and_count, (width(8), 2), {})
    scaled = builders("def net(units=8):\n    return units\n")["net"]
    assert (call_key(build_and_count, (functools.partial(scaled, units=8), 2), {})
            != call_key(build_and_count, (functools.partial(scaled, units=16), 2), {}))


def test_a_builder_call_made_before_is_read(private_cache):
    net = builders("def net():\n    return 5\n")["net"]
    CALLS.clear()
    assert build_and_count(net, 2) == build_and_count(net, 2) == 10
    assert len(CALLS) == 1


def test_numpy_scalars_and_keras_schedules_are_keyed_by_their_values():
    import keras

    assert call_key(build_and_count, (int, 64), {}) == call_key(build_and_count, (int, np.int64(64)), {})

    def schedule(peak):
        return keras.optimizers.schedules.CosineDecay(peak / 25, 100, warmup_target=peak, warmup_steps=30)

    same = [call_key(build_and_count, (int, schedule(p)), {}) for p in (3e-3, np.float64(3e-3))]
    assert same[0] == same[1] != call_key(build_and_count, (int, schedule(1e-2)), {})


def test_keras_callbacks_schedule_classes_and_precision_are_in_the_key(monkeypatch):
    import keras

    from digits_helpers import fit_cache
    from digits_helpers.lenet import CompoundingDecay

    def key(*args):
        return call_key(fit_counted, args, {})

    X, y = data()
    plateau = keras.callbacks.ReduceLROnPlateau("val_accuracy", factor=0.3, patience=2)
    same = keras.callbacks.ReduceLROnPlateau("val_accuracy", factor=0.3, patience=2)
    other = keras.callbacks.ReduceLROnPlateau("val_accuracy", factor=0.3, patience=3)
    assert key([plateau], X, y) == key([same], X, y) != key([other], X, y)
    rates = [0.1, 0.2]
    replay = keras.callbacks.LearningRateScheduler(lambda epoch, rate: rates[epoch])
    rates_key = key([replay], X, y)
    rates[1] = 0.3  # the replayed rates are part of the key
    assert key([replay], X, y) != rates_key
    assert key(CompoundingDecay(1e-3, 0.95, 10), X, y) != key(CompoundingDecay(1e-3, 0.9, 10), X, y)

    class CompoundingDecay2(CompoundingDecay):  # the same settings, other statements
        def __call__(self, step):
            return 2 * super().__call__(step)

    assert fit_cache.class_identity(CompoundingDecay2) != fit_cache.class_identity(CompoundingDecay)
    plain = key(None, X, y)
    monkeypatch.setattr(fit_cache, "dtype_policy", lambda: "mixed_bfloat16")
    assert key(None, X, y) != plain
