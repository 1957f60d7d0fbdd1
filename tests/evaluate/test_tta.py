"""Test-time augmentation: the views are the transforms they say, the first view is the
network's own prediction, and the view probabilities are kept and read back."""

import numpy as np
import pytest

from digits_helpers import data, training
from digits_helpers.evaluate import tta
from digits_helpers.training import KerasRecipe, Split


@pytest.fixture
def small_fit(private_cache):
    digits = data.load_digits()
    X_fit, X_val, y_fit, y_val = data.split(digits.X[:600], digits.y[:600], seed=0)
    recipe = KerasRecipe.from_flat(builder="small", filters=(4, 8), dense_units=16, epochs=1, batch_size=64)
    return training.fit(recipe, Split(X_fit, y_fit, X_val, y_val), "small_cnn", profile=digits.profile), X_val


def test_a_half_turn_view_turns_the_image_exactly():
    image = np.zeros((1, 28, 28, 1), dtype=np.float32)
    image[0, 3, 5, 0], image[0, 10, 20, 0] = 1.0, 0.5
    turned = tta.viewed(image, 180.0, 1.0, background=0.0)
    np.testing.assert_allclose(turned[0, :, :, 0], image[0, ::-1, ::-1, 0], atol=1e-5)
    assert tta.viewed(image, 0.0, 1.0, background=0.0) is image  # the identity view is the image


def test_zooming_in_spreads_a_digit_and_fills_with_background():
    image = np.full((1, 28, 28, 1), -0.5, dtype=np.float32)
    image[0, 10:18, 10:18, 0] = 0.5  # an 8x8 square, centred
    bigger = tta.viewed(image, 0.0, 1.25, background=-0.5)
    smaller = tta.viewed(image, 0.0, 0.8, background=-0.5)
    ink = [(v[0, :, :, 0] > 0).sum() for v in (smaller, image, bigger)]
    assert ink[0] < ink[1] < ink[2]
    assert smaller[0, 0, 0, 0] == pytest.approx(-0.5)  # pixels from outside are background


def test_view_probabilities_start_with_the_network_itself_and_are_cached(small_fit, monkeypatch):
    fit, X_val = small_fit
    views = tta.view_probabilities(fit, X_val)
    assert views.shape == (len(tta.VIEWS), len(X_val), 10)
    np.testing.assert_allclose(views.sum(axis=2), 1.0, atol=1e-5)
    net = training.trained_network(fit)
    own = net.predict(training.network_inputs(X_val, centre=True), verbose=0)
    np.testing.assert_allclose(views[0], own, atol=1e-6)
    assert not np.allclose(views[1], views[0])  # a rotated view is another input
    assert tta.views_path(fit, X_val).is_file()

    def no_network(_fit):
        raise AssertionError("the views should have been read from the cache")

    with monkeypatch.context() as patch:
        patch.setattr(training.keras_fit, "trained_network", no_network)
        np.testing.assert_array_equal(tta.view_probabilities(fit, X_val), views)
    tta.views_path(fit, X_val).write_bytes(b"damaged")  # a damaged entry is computed again
    np.testing.assert_allclose(tta.view_probabilities(fit, X_val), views, atol=1e-6)
