"""The small CNN: two convolutions with stride 2 and no pooling, taught in chapter 08
(:ref:`chap-small`), reused by chapter 09."""

from __future__ import annotations

import keras
from keras import layers


def strided_cnn():
    """Two convolutions that move two pixels at a time (28 -> 13 -> 6), no pooling."""
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, strides=2, activation="relu"),
        layers.Conv2D(32, 3, strides=2, activation="relu"),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
