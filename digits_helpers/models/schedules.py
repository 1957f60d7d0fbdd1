"""Learning-rate schedules: plain functions from the epoch to the learning rate.

``t`` counts epochs from 0 and may be fractional (``t = step / steps_per_epoch``):
:func:`digits_helpers.training.keras_fit.fit_keras` evaluates a schedule at every training step, so a
warm-up rises within the first epoch instead of jumping once per epoch.  ``compound`` and
``exponential`` only change at whole epochs, as Keras' ``LearningRateScheduler`` does.

``compound`` is what the source study ran: its ``LearningRateScheduler(lambda e, lr: lr *
0.95 ** e)`` multiplies the *current* rate, so the factors pile up to
``lr0 * d ** (e (e + 1) / 2)``: 2 % of ``lr0`` at epoch 12 with ``d = 0.95``.
``exponential`` is the decay it meant, ``lr0 * d ** e``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

SCHEDULES = ("compound", "exponential", "warmup_cosine", "one_cycle", "per_epoch")


def constant(t: float, lr0: float) -> float:
    """No schedule: ``lr0`` throughout."""
    return lr0


def compound(t: float, lr0: float, decay: float) -> float:
    """The source's scheduler: ``lr0 * decay ** (e (e + 1) / 2)`` in epoch ``e = floor(t)``."""
    e = math.floor(t)
    return lr0 * decay ** (e * (e + 1) / 2)


def exponential(t: float, lr0: float, decay: float) -> float:
    """Per-epoch decay as intended: ``lr0 * decay ** e`` in epoch ``e = floor(t)``."""
    return lr0 * decay ** math.floor(t)


def warmup_cosine(t: float, lr0: float, epochs: float, warmup: float = 0.1) -> float:
    """Linear warm-up from 0 to ``lr0`` over the first ``warmup`` of training, then cosine to 0."""
    ramp = warmup * epochs
    if t < ramp:
        return lr0 * t / ramp
    done = min(1.0, (t - ramp) / max(epochs - ramp, 1e-12))
    return lr0 * 0.5 * (1 + math.cos(math.pi * done))


def one_cycle(t: float, lr0: float, epochs: float, warmup: float = 0.3, div: float = 25.0,
              final_div: float = 1e4) -> float:
    """Smith's one-cycle policy (as PyTorch's ``OneCycleLR``): from ``lr0 / div`` up to the peak
    ``lr0`` over the first ``warmup`` of training, then down to ``lr0 / (div * final_div)``,
    both along a half cosine."""

    def anneal(start: float, end: float, done: float) -> float:
        return end + (start - end) * 0.5 * (1 + math.cos(math.pi * min(1.0, done)))

    ramp = warmup * epochs
    if t < ramp:
        return anneal(lr0 / div, lr0, t / ramp)
    return anneal(lr0, lr0 / (div * final_div), (t - ramp) / max(epochs - ramp, 1e-12))


def per_epoch(t: float, rates: tuple[float, ...]) -> float:
    """A rate given for each epoch (the last one holds after the table ends)."""
    return rates[min(math.floor(t), len(rates) - 1)]


def schedule(name: str | None, lr0: float, decay: float = 1.0, epochs: float = 1,
             warmup: float = 0.1, rates: tuple[float, ...] = ()) -> Callable[[float], float]:
    """The schedule ``name`` (one of :data:`SCHEDULES`, or ``None`` for a constant rate) as a
    function of the epoch ``t`` alone."""
    if name is None:
        return partial(constant, lr0=lr0)
    if name == "compound":
        return partial(compound, lr0=lr0, decay=decay)
    if name == "exponential":
        return partial(exponential, lr0=lr0, decay=decay)
    if name == "warmup_cosine":
        return partial(warmup_cosine, lr0=lr0, epochs=epochs, warmup=warmup)
    if name == "one_cycle":
        return partial(one_cycle, lr0=lr0, epochs=epochs, warmup=warmup)
    if name == "per_epoch":
        return partial(per_epoch, rates=tuple(rates))
    raise ValueError(f"schedule={name!r}; expected None or one of {SCHEDULES}")
