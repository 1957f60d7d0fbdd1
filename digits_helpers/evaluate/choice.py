"""Reading records back: the records made on one data source, and the tuples JSON turned
into lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
