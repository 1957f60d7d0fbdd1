"""Which recorded model an analysis uses: the most accurate on validation that can be
refitted here, else a fallback recipe (never chosen by test accuracy)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Choice:
    """The model an analysis uses and why.

    ``from_record`` says whether it is a recorded final model (else the fallback recipe);
    ``passed_over`` names recorded families with a higher validation accuracy that cannot
    be refitted here (no builder); ``val_params`` are the settings whose fit on the fitting
    rows gave the recorded validation accuracy, when they differ from ``params``.
    """

    model: str
    params: dict[str, Any]
    description: str
    val_accuracy: float | None
    from_record: bool
    passed_over: list[tuple[str, float]] = field(default_factory=list)
    val_params: dict[str, Any] | None = None

    @property
    def fitting_params(self) -> dict[str, Any]:
        """The settings to fit on the fitting rows: ``val_params`` if recorded, else ``params``."""
        return self.val_params if self.val_params is not None else self.params


def restore_tuples(value: Any) -> Any:
    """JSON turns tuples into lists; turn them back (``hidden_layer_sizes`` and the like)."""
    if isinstance(value, dict):
        return {k: restore_tuples(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(restore_tuples(v) for v in value)
    return value


def usable_records(records: Mapping[str, Any], data_source: str | None = None) -> dict[str, Any]:
    """The records made on ``data_source`` (all of them when it is ``None``)."""
    return {k: r for k, r in records.items() if data_source is None or r.data_source == data_source}


def choose_model(
    records: Mapping[str, Any],
    builders: Iterable[str],
    fallback: tuple[str, dict[str, Any], str],
    data_source: str | None = None,
) -> Choice:
    """The recorded final model with the highest validation accuracy that ``builders`` can
    refit, else ``fallback = (model, params, description)``.

    Records without a validation accuracy, or made on another data source, are skipped.
    """
    builders = set(builders)
    ranked = sorted(
        (r for r in usable_records(records, data_source).values() if r.val_accuracy is not None),
        key=lambda r: (-r.val_accuracy, r.model),
    )
    passed_over = []
    for r in ranked:
        if r.model in builders:
            val_params = restore_tuples(r.val_params) if r.val_params is not None else None
            return Choice(r.model, restore_tuples(r.params), r.description, r.val_accuracy, True, passed_over,
                          val_params)
        passed_over.append((r.model, r.val_accuracy))
    model, params, description = fallback
    return Choice(model, dict(params), description, None, False, passed_over)
