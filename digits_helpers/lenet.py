"""The LeNet-like network with its settings as arguments, the source's compounding decay as
a Keras schedule, and a network's multiply-adds per layer: taught in chapter 05
(:ref:`chap-cnn-tuning`), reused by the later chapters."""

from __future__ import annotations

import math

import keras
import pandas as pd
from keras import layers

from .augmentation import RandomAffine


def lenet(filters=16, kernel_size=3, dense_units=256, conv_dropout=0.2,
          dense_dropout=0.3, batch_norm=False, bn_momentum=0.99, augment=False):
    """Chapter 04's network; its sizes and rates as arguments."""
    stack = [keras.Input((28, 28, 1))]
    if augment:
        stack.append(RandomAffine(degrees=10, zoom=0.1, shift=0.1))
    for n_filters in (filters, 2 * filters):
        stack.append(layers.Conv2D(int(n_filters), int(kernel_size), padding="same",
                                   activation="relu"))  # int: a NumPy integer too
        if batch_norm:
            stack.append(layers.BatchNormalization(momentum=bn_momentum))
        stack += [layers.MaxPooling2D(), layers.Dropout(conv_dropout)]
    stack += [layers.Flatten(), layers.Dense(int(dense_units), activation="relu")]
    if batch_norm:
        stack.append(layers.BatchNormalization(momentum=bn_momentum))
    stack += [layers.Dropout(dense_dropout), layers.Dense(10, activation="softmax")]
    return keras.Sequential(stack)


@keras.saving.register_keras_serializable(package="digits_book")  # loadable by name
class CompoundingDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The source's scheduler: in epoch e (from 0), rate * decay ** (e (e + 1) / 2)."""

    def __init__(self, rate, decay, steps_per_epoch):
        self.rate, self.decay, self.steps_per_epoch = rate, decay, steps_per_epoch

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        epoch = keras.ops.floor(step / self.steps_per_epoch)  # epochs completed
        return self.rate * keras.ops.power(self.decay, epoch * (epoch + 1) / 2)

    def get_config(self):
        return {"rate": self.rate, "decay": self.decay,
                "steps_per_epoch": self.steps_per_epoch}


def multiply_adds(model):
    """Multiply-adds per image of each Conv2D and Dense layer of a network."""
    counts = {}
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            _, height, width, filters = layer.output.shape
            window = math.prod(layer.kernel_size) * layer.input.shape[-1]
            counts[layer.name] = height * width * filters * window
        elif isinstance(layer, layers.Dense):
            counts[layer.name] = layer.input.shape[-1] * layer.units
    return pd.Series(counts)
