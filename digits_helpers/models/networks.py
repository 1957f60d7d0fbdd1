"""The Keras networks: small builders whose arguments are the tuned hyperparameters.

Each builder returns an *uncompiled* ``keras.Sequential`` on 28x28 one-channel images that
ends in a 10-way softmax; :func:`digits_helpers.training.keras_fit.fit_keras` compiles and
trains it.
The softmax computes in float32 also under a mixed-precision policy (as Keras advises), so
the probabilities and the loss keep float32's resolution.
``augment``, when given, is put in front of the network: random-transform layers are
active only in training and pass images through unchanged at inference.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)
N_CLASSES = 10


def lenet(filters: int = 16, kernel_size: int = 3, dense_units: int = 256,
          dropouts: Sequence[float] = (0.2, 0.2, 0.3), batch_norm: bool | Sequence[bool] = False,
          bn_momentum: float = 0.99, bn_after_pool: bool = False,
          augment: keras.Layer | None = None) -> keras.Sequential:
    """LeNet-like: conv(f)-pool-dropout, conv(2f)-pool-dropout, dense-dropout, softmax.

    With ``batch_norm``, batch normalisation follows each conv and the dense layer (three
    flags: after which of them).  ``bn_momentum`` is the weight of the old value in its
    running mean and variance (Keras' default 0.99; 0.9 follows a fast-changing network
    more closely).  With ``bn_after_pool``, a conv's normalisation comes after its pooling
    instead of before: a quarter of the values to normalise, forwards and backwards.
    """
    flags = (batch_norm,) * 3 if isinstance(batch_norm, bool) else tuple(batch_norm)

    def norm(i):
        return [layers.BatchNormalization(momentum=bn_momentum)] if flags[i] else []

    def conv_block(i, f):
        conv, pool = layers.Conv2D(f, kernel_size, padding="same", activation="relu"), layers.MaxPooling2D()
        return [conv, pool, *norm(i)] if bn_after_pool else [conv, *norm(i), pool]

    return keras.Sequential([
        keras.Input(INPUT_SHAPE),
        *([augment] if augment is not None else []),
        *conv_block(0, filters), layers.Dropout(dropouts[0]),
        *conv_block(1, 2 * filters), layers.Dropout(dropouts[1]),
        layers.Flatten(),
        layers.Dense(dense_units, activation="relu"), *norm(2), layers.Dropout(dropouts[2]),
        layers.Dense(N_CLASSES, activation="softmax", dtype="float32"),
    ], name="lenet")


def deep(filters: Sequence[int] = (32, 64, 128), dropouts: Sequence[float] = (0.5, 0.4, 0.2, 0.1),
         dense_units: int = 512, batch_norm: bool = False, bn_momentum: float = 0.99,
         bn_after_pool: bool = False, augment: keras.Layer | None = None) -> keras.Sequential:
    """Blocks of conv-conv-pool-dropout (3x3, one block per entry of ``filters``), then
    dense-dropout and softmax; ``dropouts`` has one rate per block and one for the dense layer.

    With ``batch_norm``, batch normalisation (running statistics with ``bn_momentum``)
    follows each conv and the dense layer; with ``bn_after_pool`` as well, one normalisation
    per block, after its pooling, instead of one after each of its convs (at full resolution,
    normalising costs a CPU about as much time as the convolution).
    """
    if len(dropouts) != len(filters) + 1:
        raise ValueError(f"{len(filters)} blocks need {len(filters) + 1} dropout rates, got {len(dropouts)}")

    def norm():
        return [layers.BatchNormalization(momentum=bn_momentum)] if batch_norm else []

    def block(f, rate):
        if bn_after_pool:
            return [layers.Conv2D(f, 3, padding="same", activation="relu"),
                    layers.Conv2D(f, 3, padding="same", activation="relu"),
                    layers.MaxPooling2D(padding="same"), *norm(), layers.Dropout(rate)]
        return [layers.Conv2D(f, 3, padding="same", activation="relu"), *norm(),
                layers.Conv2D(f, 3, padding="same", activation="relu"), *norm(),
                layers.MaxPooling2D(padding="same"), layers.Dropout(rate)]

    return keras.Sequential([
        keras.Input(INPUT_SHAPE),
        *([augment] if augment is not None else []),
        *[layer for f, rate in zip(filters, dropouts, strict=False) for layer in block(f, rate)],
        layers.Flatten(),
        layers.Dense(dense_units, activation="relu"), *norm(), layers.Dropout(dropouts[-1]),
        layers.Dense(N_CLASSES, activation="softmax", dtype="float32"),
    ], name="deep")


def small(filters: Sequence[int] = (16, 32), kernel_size: int = 3, dense_units: int = 256, dropout: float = 0.2,
          augment: keras.Layer | None = None) -> keras.Sequential:
    """A CNN for a small CPU budget: two convolutions with stride 2 and no padding (28 → 13 → 6
    pixels a side) instead of convolution-then-pooling, then dense-dropout and softmax.

    A stride-2 convolution computes a quarter of the outputs of a full-resolution one and
    needs no pooling layer, whose forward and backward passes at full resolution cost about as
    much on a CPU as the convolution itself.
    """
    return keras.Sequential([
        keras.Input(INPUT_SHAPE),
        *([augment] if augment is not None else []),
        layers.Conv2D(filters[0], kernel_size, strides=2, activation="relu"),
        layers.Conv2D(filters[1], 3, strides=2, activation="relu"),
        layers.Flatten(),
        layers.Dense(dense_units, activation="relu"), layers.Dropout(dropout),
        layers.Dense(N_CLASSES, activation="softmax", dtype="float32"),
    ], name="small")


NETWORKS = {"lenet": lenet, "deep": deep, "small": small}


def multiply_adds(net: keras.Model) -> int:
    """Multiply-adds of one image's forward pass through the conv and dense layers.

    A conv layer costs output height x width x filters x kernel area x input channels, a
    dense layer inputs x units; pooling, normalisation and activations are left out (they
    are a few operations per value).  Training costs about three times this per image.
    """
    total = 0
    for layer in net.layers:
        if isinstance(layer, layers.Conv2D):
            _, height, width, filters = layer.output.shape
            kh, kw = layer.kernel_size
            total += height * width * filters * kh * kw * layer.input.shape[-1]
        elif isinstance(layer, layers.Dense):
            total += layer.input.shape[-1] * layer.units
    return int(total)


def build_network(builder: str, **params) -> keras.Sequential:
    """``NETWORKS[builder](**params)``: the network a recipe names."""
    if builder not in NETWORKS:
        raise ValueError(f"builder={builder!r}; expected one of {sorted(NETWORKS)}")
    return NETWORKS[builder](**params)
