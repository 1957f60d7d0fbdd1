"""The fast recipe's network and the deeper network (three blocks of conv-conv-pool), taught in
chapter 06 (:ref:`chap-cnn-fast`), reused by chapters 07 and 09."""

from __future__ import annotations

import keras
from keras import layers

from .augmentation import RandomAffine


def lean_lenet(dense_units=128, conv_dropout=0.1, dense_dropout=0.3,
               bn_momentum=0.9, degrees=8, zoom=0.08, shift=0.08):
    """LeNet-like with batch normalisation after each pooling; augmented."""
    stack = [keras.Input((28, 28, 1)), RandomAffine(degrees, zoom, shift)]
    for filters in (16, 32):
        stack += [layers.Conv2D(filters, 3, padding="same", activation="relu"),
                  layers.MaxPooling2D(),
                  layers.BatchNormalization(momentum=bn_momentum),
                  layers.Dropout(conv_dropout)]
    stack += [layers.Flatten(),
              layers.Dense(dense_units, activation="relu"),
              layers.BatchNormalization(momentum=bn_momentum),
              layers.Dropout(dense_dropout),
              layers.Dense(10, activation="softmax")]
    return keras.Sequential(stack)


def deep_cnn(dropouts=(0.25, 0.25, 0.25, 0.4), dense_units=256):
    """Augmentation; three blocks of conv-conv-pool, batch norm, dropout; dense."""
    stack = [keras.Input((28, 28, 1)), RandomAffine(degrees=10, zoom=0.1, shift=0.1)]
    for filters, rate in zip((16, 32, 64), dropouts[:3], strict=True):
        stack += [layers.Conv2D(filters, 3, padding="same", activation="relu"),
                  layers.Conv2D(filters, 3, padding="same", activation="relu"),
                  layers.MaxPooling2D(padding="same"),
                  layers.BatchNormalization(momentum=0.9),
                  layers.Dropout(rate)]
    stack += [layers.Flatten(),
              layers.Dense(int(dense_units), activation="relu"),  # a NumPy integer too
              layers.BatchNormalization(momentum=0.9),
              layers.Dropout(dropouts[3]),
              layers.Dense(10, activation="softmax", dtype="float32")]
    return keras.Sequential(stack)
