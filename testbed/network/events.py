"""The network's event log: a bounded, in-order record of what happened, with listeners
(the dashboard's stream, the api events) told of each event as it is emitted."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from testbed.clock import iso_kst

EventListener = Callable[[dict[str, Any]], None]


class EventLog:
    """A bounded, in-order record of what happened in the network."""

    def __init__(self, limit: int = 10_000) -> None:
        self.items: deque[dict[str, Any]] = deque(maxlen=limit)
        self.seq = 0
        self.listeners: list[EventListener] = []

    def emit(self, time: float, type_: str, **fields: Any) -> dict[str, Any]:
        self.seq += 1
        event = {"seq": self.seq, "time": iso_kst(time), "type": type_, **fields}
        self.items.append(event)
        for listener in self.listeners:
            listener(event)
        return event

    def since(self, seq: int = 0, type_: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.items if e["seq"] > seq and (type_ is None or e["type"] == type_)]
