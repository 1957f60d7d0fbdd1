"""Augmentation as one resampling, taught in chapter 04 (:ref:`chap-cnn-first`): a Keras
layer that rotates, zooms and shifts each training image by one affine transform."""

from __future__ import annotations

import math

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="digits_book")  # loadable by name
class RandomAffine(layers.Layer):
    """In training, turn each image by up to ``degrees``, zoom it by up to ``zoom`` and
    shift it by up to ``shift`` of its side, in one resampling; as it is otherwise."""

    def __init__(self, degrees=10, zoom=0.1, shift=0.1, fill_value=-0.5, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.degrees, self.zoom, self.shift = degrees, zoom, shift
        self.fill_value, self.seed = fill_value, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images  # predictions see the digit as written
        ops, size = keras.ops, images.shape[1]
        draws = keras.random.uniform((ops.shape(images)[0], 4), minval=-1, maxval=1,
                                     seed=self.seed_generator)
        angle = draws[:, 0] * self.degrees * math.pi / 180
        scale = 1 + draws[:, 1] * self.zoom  # above 1: zoomed in
        cos, sin = ops.cos(angle) / scale, ops.sin(angle) / scale
        dx, dy = draws[:, 2] * self.shift * size, draws[:, 3] * self.shift * size
        c, zero = (size - 1) / 2, ops.zeros_like(cos)  # turn and zoom about the centre
        # one row per image: output pixel (x, y) reads input pixel (a0 x + a1 y + a2,
        # b0 x + b1 y + b2), the row [a0, a1, a2, b0, b1, b2, 0, 0]
        transforms = ops.stack([cos, -sin, c - c * cos + c * sin - dx,
                                sin, cos, c - c * sin - c * cos - dy, zero, zero],
                               axis=1)
        return ops.image.affine_transform(images, transforms,
                                          fill_value=self.fill_value)

    def get_config(self):
        return {**super().get_config(), "degrees": self.degrees, "zoom": self.zoom,
                "shift": self.shift, "fill_value": self.fill_value, "seed": self.seed}
