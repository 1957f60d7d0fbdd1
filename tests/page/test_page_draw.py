"""The drawing page's data: networks as JSON the page's script evaluates, and hard digits."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from digits_helpers.page import draw


def test_network_export_covers_every_layer_and_round_trips_the_weights():
    import keras

    from digits_helpers.fast_and_deep import deep_cnn

    net = deep_cnn(dense_units=16)
    exported = draw.export_network(net, "deep", "Deeper CNN")
    at_inference = [type(layer).__name__ for layer in net.layers
                    if type(layer).__name__ not in draw.TRAINING_ONLY]
    assert len(at_inference) < len(net.layers)  # the augmentation layers are left out
    assert [layer["type"] for layer in exported["layers"]] == at_inference
    assert exported["centre"] is True
    rebuilt = keras.models.model_from_json(exported["config"])
    assert [type(layer) for layer in rebuilt.layers] == [type(layer) for layer in net.layers]
    weights = [np.frombuffer(base64.b64decode(w["data"]), "<f4").reshape(w["shape"])
               for layer in exported["layers"] for w in layer["weights"]]
    for got, want in zip(weights, net.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    json.dumps(exported)  # plain JSON


def test_an_unknown_layer_is_refused():
    import keras

    net = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.AveragePooling2D(2), keras.layers.Flatten()])
    with pytest.raises(ValueError, match="is a AveragePooling2D; the page knows"):
        draw.export_network(net, "x", "x")


def test_hard_digits_are_the_wrong_then_the_least_sure():
    X = np.arange(5 * 784, dtype=np.int64).reshape(5, 784) % 256
    y = np.array([0, 1, 2, 3, 4])
    proba = np.full((5, 10), 0.01)
    proba[[0, 1, 2, 3, 4], [0, 7, 2, 3, 9]] = [0.9, 0.6, 0.5, 0.99, 0.8]  # rows 1 and 4 wrong
    hard = draw.hard_digits(X, y, proba, n=3)
    assert [(d["label"], d["guess"]) for d in hard] == [(1, 7), (4, 9), (2, 2)]
    assert np.frombuffer(base64.b64decode(hard[0]["pixels"]), np.uint8).tolist() == X[1].tolist()


def test_page_data_cannot_end_its_script_element():
    html = draw.page_data([], [], note="a </script> in a note")
    assert html.count("</script>") == 1 and html.endswith("</script>")
    assert "</script>" in draw.widget() and "digits-draw-pad" in draw.widget()
