"""Keyed records of the centre (users, tokens, transfers...) that the store persists.

A `RecordBook` holds one dict per record kind, in insertion order. Every change goes
through `put`, which tells the listeners (the durable store) with a JSON-able dict;
`load` restores a stored record without telling anyone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

ChangeListener = Callable[[str, str, dict[str, Any]], None]  # kind, key, record
Decoder = Callable[[dict[str, Any]], Any]


def plain(obj: Any) -> dict[str, Any]:
    return dataclasses.asdict(obj)


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

    def _index(self, kind: str, key: str, obj: Any) -> None:
        """Keep secondary indexes up to date (subclasses)."""

    def records(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            (kind, key, plain(obj))
            for kind, table in self.tables.items()
            for key, obj in table.items()
        ]
