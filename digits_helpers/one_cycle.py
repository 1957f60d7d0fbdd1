"""The one-cycle learning rate as Keras' ``CosineDecay`` with a warm-up, taught in chapter 05
(:ref:`sec-cnn-one-cycle`) and reused by chapters 07 and 08."""

from __future__ import annotations

import math

import keras


def one_cycle(peak: float, epochs: int, batch_size: int, n_rows: int):
    """Up from peak / 25 to peak over 30 % of the steps, then a cosine down to 0."""
    steps = epochs * math.ceil(n_rows / batch_size)
    warmup = int(0.3 * steps)
    return keras.optimizers.schedules.CosineDecay(
        peak / 25, decay_steps=steps - warmup, warmup_target=peak, warmup_steps=warmup)
