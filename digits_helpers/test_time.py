"""Test-time augmentation, taught in chapter 09 (:ref:`chap-ensemble`): a network's class
probabilities for the images as given and in four fixed, slightly rotated or zoomed views.
"""

from __future__ import annotations

import numpy as np
from keras import layers

fill = {"fill_mode": "constant", "fill_value": -0.5}  # the background
VIEWS = {"as given": None,
         "rotated -6°": layers.RandomRotation((-6 / 360, -6 / 360), **fill),
         "rotated +6°": layers.RandomRotation((6 / 360, 6 / 360), **fill),
         "zoomed out 6 %": layers.RandomZoom((0.06, 0.06), **fill),
         "zoomed in 6 %": layers.RandomZoom((-0.06, -0.06), **fill)}


def view_probabilities(model, images):
    """The model's class probabilities for each view of the images: (views, n, 10)."""
    viewed = [images if view is None else view(images, training=True)
              for view in VIEWS.values()]
    return np.stack([model.predict(v, batch_size=1024, verbose=0) for v in viewed])
