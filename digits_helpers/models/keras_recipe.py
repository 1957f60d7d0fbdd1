"""A Keras network and its training, described as data: :class:`KerasRecipe`.

A recipe names the network builder and its parameters (:mod:`.networks`), the optimiser,
the learning-rate schedule (:mod:`.schedules`), the batch size and epochs, the inputs'
scaling, the augmentation, the callbacks and the precision.  It is frozen and hashable, and
it is what a Keras fit's cache key is made of; :func:`digits_helpers.training.fit` trains it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from . import schedules

OPTIMIZERS = ("adam", "adamw", "nadam", "rmsprop", "sgd")
PRECISIONS = ("float32", "mixed_bfloat16", "auto")


def freeze(value: Any) -> Any:
    """Lists to tuples and numpy scalars to Python ones, so equal recipes hash equally."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class KerasRecipe:
    """Everything a Keras fit depends on; part of the fit's cache key.

    Attributes:
        builder, params: the network, ``networks.NETWORKS[builder](**params)``.
        optimizer: one of :data:`OPTIMIZERS` (``"sgd"`` has Nesterov momentum 0.9).
        learning_rate: the starting (or, for ``warmup_cosine``/``one_cycle``, peak) rate.
        schedule: ``None`` (constant), ``"compound"`` (the source's scheduler,
            ``lr0 * decay ** (e (e + 1) / 2)``), ``"exponential"`` (``lr0 * decay ** e``),
            ``"warmup_cosine"`` or ``"one_cycle"``; see :mod:`digits_helpers.schedules`.
        decay: the per-epoch factor of ``compound`` and ``exponential``.
        warmup: the fraction of training that ``warmup_cosine``/``one_cycle`` spend rising.
        batch_size, epochs: as in ``model.fit``.
        centre: inputs ``x/255 - 0.5`` (the source's) or, when ``False``, ``x/255``.
        augment: random rotation (``rotation_deg``), zoom and shift of each training batch,
            filled with the background value.
        augment_impl: ``"affine"``, the three transforms as one resampling
            (:func:`digits_helpers.models.augmentation.random_affine`), or ``"layers"``, Keras' three
            random-transform layers one after the other (:func:`digits_helpers.models.augmentation.augmentation`).
        label_smoothing: of the cross-entropy loss.
        early_stopping: patience in epochs on validation accuracy (best weights restored),
            or ``None``; used only when there are validation rows.
        reduce_lr_on_plateau: patience in epochs on validation accuracy, or ``None``; the
            rate is multiplied by ``plateau_factor``; only with validation rows and no schedule.
        epoch_rates: the learning rate of each epoch, for ``schedule="per_epoch"`` (e.g. the
            rates a plateau callback chose in an earlier fit, replayed in a refit).
        steps_per_execution: training steps run per call into the compiled graph (as in
            ``model.compile``): fewer Python round trips, the same arithmetic.
        precision: ``"float32"``, ``"mixed_bfloat16"`` (Keras' mixed precision: weights in
            float32, layers computing in bfloat16, the softmax in float32) or ``"auto"``
            (mixed where the machine computes bfloat16 natively,
            :func:`digits_helpers.training.runtime.native_bfloat16`;
            the fit resolves it, so its params and cache key name the precision it used).
        seed: the fit's seed; ``None`` takes the profile's.
    """

    builder: str = "lenet"
    params: dict[str, Any] = field(default_factory=dict)
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    schedule: str | None = None
    decay: float = 1.0
    warmup: float = 0.1
    batch_size: int = 32
    epochs: int = 25
    centre: bool = True
    augment: bool = False
    augment_impl: str = "affine"
    rotation_deg: float = 10.0
    zoom: float = 0.1
    shift: float = 0.1
    label_smoothing: float = 0.0
    early_stopping: int | None = None
    reduce_lr_on_plateau: int | None = None
    plateau_factor: float = 0.1
    epoch_rates: tuple[float, ...] = ()
    steps_per_execution: int = 16
    precision: str = "float32"
    seed: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, freeze(getattr(self, f.name)))
        object.__setattr__(self, "params", {k: freeze(v) for k, v in sorted(dict(self.params).items())})
        if self.schedule is not None and self.schedule not in schedules.SCHEDULES:
            raise ValueError(f"schedule={self.schedule!r}; expected None or one of {schedules.SCHEDULES}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer={self.optimizer!r}; expected one of {OPTIMIZERS}")
        if self.schedule is not None and self.reduce_lr_on_plateau is not None:
            raise ValueError(f"schedule={self.schedule!r} and reduce_lr_on_plateau={self.reduce_lr_on_plateau}:"
                             " a plateau callback cannot change a scheduled rate; use one of them")
        if self.augment_impl not in ("affine", "layers"):
            raise ValueError(f"augment_impl={self.augment_impl!r}; expected 'affine' or 'layers'")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision={self.precision!r}; expected one of {PRECISIONS}")
        if (self.schedule == "per_epoch") != bool(self.epoch_rates):
            raise ValueError("epoch_rates go with schedule='per_epoch', and only with it")
        for name in ("batch_size", "epochs", "steps_per_execution"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)!r}; expected a positive integer")

    def __hash__(self) -> int:
        return hash(repr(self))

    @classmethod
    def from_flat(cls, **settings: Any) -> KerasRecipe:
        """A recipe from one flat set of keywords: the recipe's fields go to the fields, the
        rest to the builder, e.g. ``from_flat(builder="lenet", filters=32, epochs=10)``.
        Made for :class:`~digits_helpers.training.tuning.Tuner`, which then sweeps either kind by name."""
        names = {f.name for f in fields(cls)} - {"params"}
        return cls(**{k: v for k, v in settings.items() if k in names},
                   params={k: v for k, v in settings.items() if k not in names})

    def flat(self) -> dict[str, Any]:
        """The inverse of :meth:`from_flat`: every field and builder parameter in one dict."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "params"}
        return {"builder": self.builder, **self.params, **out}

    def rate(self, steps_per_epoch: int = 1) -> list[float]:
        """The learning rate at each training step (each epoch with the default ``1``), as
        the schedule gives it (a plateau callback may lower it further during the fit)."""
        fn = schedules.schedule(self.schedule, self.learning_rate, self.decay, self.epochs, self.warmup,
                                self.epoch_rates)
        return [fn(i / steps_per_epoch) for i in range(steps_per_epoch * self.epochs)]
