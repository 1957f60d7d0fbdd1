"""Data augmentation for the networks: a random rotation, zoom and shift of each training
image, as Keras layers (:func:`augmentation`) or as one resampling in a ``tf.data`` map
(:func:`random_affine`), with pixels moved in from outside filled with the background.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers


def background(centre: bool) -> float:
    """The value of an empty (background) pixel: ``-0.5`` for ``x/255 - 0.5``, ``0`` for ``x/255``."""
    return -0.5 if centre else 0.0


def augmentation(rotation_deg: float = 10, zoom: float = 0.1, shift: float = 0.1, *,
                 background: float) -> keras.Sequential:
    """Random rotation (up to ``rotation_deg`` degrees either way), zoom (by up to ``zoom``)
    and shift (by up to ``shift`` of the height and width).

    Pixels moved in from outside the image get ``background``.  Keras would otherwise
    reflect the image at its border, and its ``"constant"`` fill defaults to 0, which is
    mid-grey, not background, once pixels are scaled to ``x/255 - 0.5``.
    """
    fill = {"fill_mode": "constant", "fill_value": background}
    return keras.Sequential([
        layers.RandomRotation(rotation_deg / 360, **fill),
        layers.RandomZoom(zoom, **fill),
        layers.RandomTranslation(shift, shift, **fill),
    ], name="augmentation")


def affine_matrices(u: np.ndarray | object, rotation_deg: float, zoom: float, shift: float,
                    size: int = 28) -> object:
    """Projective-transform rows (8 numbers each, as ``ImageProjectiveTransformV3`` takes
    them) for one rotation, zoom and shift per image, from uniform draws ``u`` in [-1, 1]
    of shape ``(n, 4)``: rotation by up to ``rotation_deg`` degrees about the centre, zoom
    by a factor in ``1 ± zoom``, shift by up to ``shift`` of the side.

    Each row maps an *output* pixel to the input pixel it is read from, so one resampling
    does all three transforms.  Works on NumPy arrays and TensorFlow tensors alike.
    """
    ops = keras.ops
    angle = u[:, 0] * (rotation_deg * math.pi / 180)
    scale = 1 + u[:, 1] * zoom  # > 1 zooms in
    tx, ty = u[:, 2] * (shift * size), u[:, 3] * (shift * size)
    cos, sin = ops.cos(angle) / scale, ops.sin(angle) / scale
    c = (size - 1) / 2
    zero = ops.zeros_like(cos)
    return ops.stack([cos, -sin, c - cos * c + sin * c - tx,
                      sin, cos, c - sin * c - cos * c - ty, zero, zero], axis=1)


def random_affine(images, seed, rotation_deg: float = 10, zoom: float = 0.1, shift: float = 0.1, *,
                  background: float):
    """The augmentation of :func:`augmentation` as one resampling per image (TensorFlow ops,
    for a ``tf.data`` map): a random rotation, zoom and shift composed into one affine
    transform, pixels from outside filled with ``background``.

    ``seed`` is a pair of integers (a stateless seed: the same seed gives the same
    transforms).  One bilinear resampling instead of the three of the Keras layers: about
    half the cost, and one interpolation blurs the digit less than three.
    """
    import tensorflow as tf

    u = tf.random.stateless_uniform((tf.shape(images)[0], 4), seed, minval=-1.0, maxval=1.0)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=affine_matrices(u, rotation_deg, zoom, shift, images.shape[1]),
        output_shape=tf.shape(images)[1:3], fill_value=background, interpolation="BILINEAR",
        fill_mode="CONSTANT")
