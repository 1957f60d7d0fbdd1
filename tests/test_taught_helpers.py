"""The helpers the pages write and the package keeps (chapters 01-04): they compute what
the library computes, on the book's own split."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.neural_network import MLPClassifier

from digits_helpers.deskewing import deskew
from digits_helpers.epochs import epoch_sweep, train_by_epoch
from digits_helpers.gallery import show_digits
from digits_helpers.sweeps import fit_timed, one_se_choice, plot_sweep, validation_sweep


@pytest.fixture(scope="module")
def digits():
    from digits_helpers import load_digits
    from digits_helpers.profiles import PROFILES

    d = load_digits(PROFILES["smoke"])
    return d.X[:600], d.y[:600]


def test_deskew_stands_a_slanted_bar_upright_at_the_centre(digits):
    X, _ = digits
    ours = deskew(X)
    assert ours.dtype == np.float32 and ours.shape == X.shape
    assert not deskew(np.zeros((1, 784), dtype=np.uint8)).any()  # a blank image stays blank
    bar = np.zeros((28, 28))
    for row in range(6, 22):  # a bar slanting one column right per two rows, off centre
        bar[row, 6 + (row - 6) // 2: 9 + (row - 6) // 2] = 255
    image = deskew(bar.reshape(1, 784)).reshape(28, 28)
    rows, cols = np.mgrid[:28, :28]
    mass = image.sum()
    r, c = (rows * image).sum() / mass, (cols * image).sum() / mass
    assert abs(r - 14) < 0.5 and abs(c - 14) < 0.5  # its centre of mass at the centre
    slant = ((rows - r) * (cols - c) * image).sum() / ((rows - r) ** 2 * image).sum()
    assert abs(slant) < 0.05  # upright: no column drift from row to row


def test_one_se_choice_keeps_the_simplest_within_one_standard_error():
    scores = pd.Series([0.90, 0.95, 0.951], index=[0.01, 0.1, 1.0])  # simplest first
    assert one_se_choice(scores, n_val=100) == 0.1  # se of 0.951 on 100 rows is 0.022
    assert one_se_choice(scores, n_val=10**7) == 1.0  # a huge split tells them apart
    assert one_se_choice(scores[::-1], n_val=100) == 1.0  # listed the other way round


def test_validation_sweep_fits_on_the_fitting_rows_and_scores_the_validation_rows(
        digits, private_cache):
    X, y = digits
    X = X / 255
    X_fit, y_fit, X_val, y_val = X[:400], y[:400], X[400:], y[400:]
    table = validation_sweep(LogisticRegression(max_iter=200), {"C": [0.01, 1.0]},
                             X_fit, y_fit, X_val, y_val)
    for C, row in zip([0.01, 1.0], table.itertuples(), strict=True):
        model = LogisticRegression(max_iter=200, C=C).fit(X_fit, y_fit)
        assert row.mean_test_score == pytest.approx(accuracy_score(y_val, model.predict(X_val)))
        assert row.mean_train_score == pytest.approx(model.score(X_fit, y_fit))
    assert plot_sweep(table, "C", "C", chosen=1).axes
    fitted, seconds = fit_timed(LogisticRegression(max_iter=200), X_fit, y_fit)
    assert seconds > 0 and fitted.score(X_val, y_val) > 0.5


def test_train_by_epoch_records_each_epoch_on_the_validation_rows(digits, private_cache):
    X, y = digits
    X = X / 255 - 0.5
    net = MLPClassifier(hidden_layer_sizes=(16,), solver="sgd", learning_rate_init=0.05,
                        random_state=0)
    model, history = train_by_epoch(net, X[:400], y[:400], X[400:], y[400:], 3)
    assert history.index.tolist() == [1, 2, 3]
    assert history["val_accuracy"].iloc[-1] == pytest.approx(model.score(X[400:], y[400:]))
    assert history["loss"].iloc[-1] < history["loss"].iloc[0] and history["seconds"].is_monotonic_increasing
    histories, table = epoch_sweep(net, "alpha", [1e-4, 1.0], X[:400], y[:400], X[400:], y[400:], 2)
    assert list(histories) == [1e-4, 1.0] and list(table["param_alpha"]) == [1e-4, 1.0]


def test_show_digits_draws_one_titled_panel_per_digit(digits):
    X, y = digits
    fig = show_digits(X[:12], titles=y[:12], ncols=5)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 15 and len(shown) == 12 and shown[0].get_title() == str(y[0])


def test_train_network_is_seeded_and_cached_and_keeps_each_epoch(digits, private_cache, tmp_path, monkeypatch):
    import json

    import keras

    from digits_helpers.keras_training import to_images, train_network

    X, y = digits
    images = to_images(X)
    assert images.shape == (len(X), 28, 28, 1) and images.min() >= -0.5 and images.max() <= 0.5

    def tiny():
        return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                 keras.layers.Dense(10, activation="softmax")])

    log = tmp_path / "fits.jsonl"
    monkeypatch.setenv("DIGITS_FIT_LOG", str(log))
    settings = {"epochs": 2, "batch_size": 64, "validation_data": (images[500:], y[500:]), "seed": 3}
    model, history = train_network(tiny, images[:500], y[:500], **settings)
    assert list(history.index) == [1, 2] and history["seconds"].is_monotonic_increasing
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history.columns)
    assert history["val_accuracy"].iloc[-1] == pytest.approx(model.evaluate(images[500:], y[500:], verbose=0)[1])
    again, again_history = train_network(tiny, images[:500], y[:500], **settings)  # read, not trained
    pd.testing.assert_frame_equal(history, again_history)
    np.testing.assert_allclose(model.predict(images[:5], verbose=0), again.predict(images[:5], verbose=0))
    keras.backend.clear_session()
    private_cache.rename(tmp_path / "elsewhere")  # trained again, from the same seed: the same numbers
    _, retrained = train_network(tiny, images[:500], y[:500], **settings)
    pd.testing.assert_frame_equal(history.drop(columns="seconds"), retrained.drop(columns="seconds"))
    assert [json.loads(line)["epochs"] for line in log.read_text().splitlines()] == [2, 2]


def test_compounding_decay_is_the_source_s_scheduler_and_one_cycle_peaks_then_ends_near_zero():
    import keras

    from digits_helpers.lenet import CompoundingDecay
    from digits_helpers.one_cycle import one_cycle

    rate, by_callback = 1e-3, []
    for epoch in range(25):  # what LearningRateScheduler(lambda epoch, lr: lr * d ** epoch) does
        rate = rate * 0.95 ** epoch
        by_callback.append(rate)
    schedule = CompoundingDecay(1e-3, 0.95, steps_per_epoch=10)
    by_step = [float(schedule(step)) for step in range(0, 250, 10)]  # the first step of each epoch
    np.testing.assert_allclose(by_step, by_callback, rtol=1e-5)
    assert float(schedule(19)) == pytest.approx(by_callback[1], rel=1e-5)  # constant within an epoch
    assert keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(
        keras.optimizers.schedules.CosineDecay(1e-3, 10))).get_config()["decay_steps"] == 10
    cycle = one_cycle(3e-3, epochs=4, batch_size=100, n_rows=1000)  # 40 steps, 12 of warm-up
    rates = np.array([float(cycle(step)) for step in range(40)])
    assert rates[0] == pytest.approx(3e-3 / 25) and rates.argmax() == 12
    assert rates.max() == pytest.approx(3e-3) and rates[-1] < 1e-4


def test_multiply_adds_count_each_conv_and_dense_layer_of_the_lenet():
    from digits_helpers.lenet import lenet, multiply_adds

    counts = multiply_adds(lenet())
    assert list(counts) == [28 * 28 * 16 * 9, 14 * 14 * 32 * 9 * 16, 7 * 7 * 32 * 256, 256 * 10]
    bigger = multiply_adds(lenet(filters=32, kernel_size=5)).sum()
    assert bigger > 3 * counts.sum()  # twice the filters, a larger kernel
    layer_kinds = [type(layer).__name__ for layer in lenet(batch_norm=True, augment=True).layers]
    assert layer_kinds[0] == "RandomAffine"
    assert layer_kinds.count("BatchNormalization") == 3


def test_random_affine_moves_digits_in_training_only_and_fills_with_the_background(tmp_path):
    import keras

    from digits_helpers.augmentation import RandomAffine

    keras.utils.set_random_seed(0)
    images = np.full((64, 28, 28, 1), -0.5, dtype="float32")
    images[:, 10:18, 10:18] = 0.5  # a square of ink in the middle
    np.testing.assert_array_equal(RandomAffine()(images, training=False), images)
    unchanged = RandomAffine(degrees=0, zoom=0, shift=0)(images, training=True)
    np.testing.assert_allclose(unchanged, images, atol=1e-6)  # the identity transform
    shifted = keras.ops.convert_to_numpy(RandomAffine(degrees=0, zoom=0, shift=0.1)(
        images, training=True))
    ink = shifted[..., 0] + 0.5
    rows, cols = np.indices((28, 28))
    centre_rows = (ink * rows).sum(axis=(1, 2)) / ink.sum(axis=(1, 2))
    centre_cols = (ink * cols).sum(axis=(1, 2)) / ink.sum(axis=(1, 2))
    assert np.abs(centre_rows - 13.5).max() <= 2.8 + 1e-3  # up to 10 % of 28 pixels
    assert np.abs(centre_cols - 13.5).max() <= 2.8 + 1e-3
    assert np.abs(centre_rows - 13.5).std() > 0.5  # each image its own shift
    np.testing.assert_allclose(ink.sum(axis=(1, 2)), 64, rtol=1e-4)  # ink kept
    turned = keras.ops.convert_to_numpy(RandomAffine(degrees=45, zoom=0.2, shift=0.1)(
        images, training=True))
    assert turned.min() >= -0.5 - 1e-6 and (turned[:, 0, 0] == -0.5).all()  # background in
    model = keras.Sequential([keras.Input((28, 28, 1)), RandomAffine(degrees=8, zoom=0.05),
                              keras.layers.Flatten(), keras.layers.Dense(10)])
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert loaded.layers[0].get_config()["degrees"] == 8
    np.testing.assert_allclose(loaded.predict(images, verbose=0),
                               model.predict(images, verbose=0), rtol=1e-6)
