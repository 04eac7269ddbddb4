"""Keyed records of the centre (users, tokens, transfers...) that the store persists.

A `RecordBook` holds one dict per record kind, in insertion order. Every change goes
through `put`, which tells the listeners (the durable store) with a JSON-able dict;
`load` restores a stored record without telling anyone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

#: kind, key, the record as stored; None: the record was deleted (retention)
ChangeListener = Callable[[str, str, dict[str, Any] | None], None]
Decoder = Callable[[dict[str, Any]], Any]


def plain(obj: Any) -> dict[str, Any]:
    """A record as JSON-able data: what `dataclasses.asdict` gives (lists for tuples, as
    JSON has them), without its deep copies of every str and int, for it runs on every
    bank_tran_id a request claims."""
    return {name: _value(getattr(obj, name)) for name in _field_names(type(obj))}


def _value(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _value(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(value)
    raise TypeError(f"a record holds a {type(value).__name__}, which the store cannot keep")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


class RecordBook:
    #: record kind -> how to rebuild its object from a stored dict
    KINDS: ClassVar[dict[str, Decoder]] = {}

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Any]] = {kind: {} for kind in self.KINDS}
        self.listeners: list[ChangeListener] = []

    def put(self, kind: str, key: str, obj: Any) -> Any:
        self.tables[kind][key] = obj
        self._index(kind, key, obj)
        if self.listeners:
            record = plain(obj)
            for listener in self.listeners:
                listener(kind, key, record)
        return obj

    def load(self, kind: str, key: str, record: dict[str, Any]) -> None:
        obj = self.KINDS[kind](record)
        self.tables[kind][key] = obj
        self._index(kind, key, obj)

    def delete(self, kind: str, key: str) -> None:
        """Remove a record for good (its retention ended); the listeners hear None."""
        obj = self.tables[kind].pop(key)
        self._unindex(kind, key, obj)
        for listener in self.listeners:
            listener(kind, key, None)

    def _index(self, kind: str, key: str, obj: Any) -> None:
        """Keep secondary indexes up to date (subclasses)."""

    def _unindex(self, kind: str, key: str, obj: Any) -> None:
        """Forget a deleted record in the secondary indexes (subclasses that purge)."""

    def records(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            (kind, key, plain(obj))
            for kind, table in self.tables.items()
            for key, obj in table.items()
        ]
