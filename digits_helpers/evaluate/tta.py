"""Test-time augmentation: a trained network's class probabilities for a few fixed views of
each image (the image itself, slightly rotated, slightly zoomed), whose mean is the
augmented prediction.  It costs no training, only a few more forward passes.

:func:`view_probabilities` computes them with the trained network rebuilt in float32
(:func:`digits_helpers.training.trained_network`) and keeps them on disk beside the fit
cache, under a key of the fit, the images, the views and the code, so a rebuild reads them.
"""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np

from ..fingerprints import code_identity, fingerprint, library_versions
from ..models.keras_recipe import KerasRecipe
from ..paths import atomic_write, cache_dir
from ..training.cache import KERAS_CODE, KERAS_LIBRARIES
from ..training.results import FitResult

# (name, rotation in degrees, zoom factor): small enough to keep every digit what it is
# (the training augmentation rotates by up to 10 degrees and zooms by up to 10 %).
VIEWS = (("as given", 0.0, 1.0), ("rotated -6°", -6.0, 1.0), ("rotated +6°", 6.0, 1.0),
         ("zoomed out 6 %", 0.0, 0.94), ("zoomed in 6 %", 0.0, 1.06))
PREDICT_BATCH = 1024


def view_transform(n: int, rotation_deg: float, zoom: float) -> np.ndarray:
    """``(n, 8)`` projective-transform rows that rotate 28x28 images by ``rotation_deg``
    about their centre and scale them by ``zoom`` (> 1 enlarges the digit)."""
    from ..models.augmentation import affine_matrices

    u = np.tile(np.array([[rotation_deg, zoom - 1, 0.0, 0.0]], dtype=np.float32), (n, 1))
    return np.asarray(affine_matrices(u, rotation_deg=1.0, zoom=1.0, shift=0.0), dtype=np.float32)


def viewed(inputs: np.ndarray, rotation_deg: float, zoom: float, background: float) -> np.ndarray:
    """Network inputs ``(n, 28, 28, 1)`` rotated and zoomed, pixels from outside filled with
    ``background``; the inputs themselves for the identity view."""
    if rotation_deg == 0 and zoom == 1:
        return inputs
    from ..training.runtime import import_tensorflow

    tf, _ = import_tensorflow()
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.constant(inputs), transforms=view_transform(len(inputs), rotation_deg, zoom),
        output_shape=tf.constant(inputs.shape[1:3]), fill_value=background, interpolation="BILINEAR",
        fill_mode="CONSTANT")
    return out.numpy()


def views_key(fit: FitResult, X: np.ndarray) -> str:
    """The key of the view probabilities of ``fit`` on images ``X``."""
    parts = {"fit": fit.key, "images": fingerprint(X), "views": VIEWS, "predict_batch": PREDICT_BATCH,
             "code": code_identity("evaluate.tta", *KERAS_CODE), "libraries": library_versions(*KERAS_LIBRARIES)}
    return joblib.hash(parts)[:20]


def views_path(fit: FitResult, X: np.ndarray) -> Path:
    return cache_dir() / "views" / fit.model / f"{views_key(fit, X)}.npy"


def view_probabilities(fit: FitResult, X: np.ndarray) -> np.ndarray:
    """Class probabilities of the network ``fit`` trained for each of :data:`VIEWS` of the
    pixel rows ``X`` (0-255, as the network's inputs are made from them): an array
    ``(len(VIEWS), n, 10)``, the first view the images as given.

    Read from the views cache when this fit's views of these images are there (a fit that
    was not cached, ``fit.key == ""``, is never stored)."""
    from ..models.augmentation import background
    from ..training.keras_fit import network_inputs, trained_network

    path = views_path(fit, X) if fit.key else None
    if path is not None and path.is_file():
        try:
            stored = np.load(path)
            if stored.shape == (len(VIEWS), len(X), 10):
                return stored
        except (OSError, ValueError):  # damaged: computed again
            pass
    centre = KerasRecipe.from_flat(**fit.params).centre
    net = trained_network(fit)
    inputs = network_inputs(X, centre)
    out = np.stack([net.predict(viewed(inputs, deg, zoom, background(centre)), batch_size=PREDICT_BATCH,
                                verbose=0).astype(np.float32) for _, deg, zoom in VIEWS])
    if path is not None:
        atomic_write(path, lambda tmp: np.save(tmp, out))
    return out
