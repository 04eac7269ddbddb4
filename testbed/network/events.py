"""The network's event log: a bounded, in-order record of what happened, with listeners
(the dashboard's stream, the api events) told of each event as it is emitted."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from testbed.clock import iso_kst

EventListener = Callable[[dict[str, Any]], None]


#: an institution's latest events of each type kept aside (`EventLog.latest`): My Page shows
#: its latest 20 API calls, which a scan of the whole log (10,000 events) found before
KEEP_PER_CLIENT = 100


class EventLog:
    """A bounded, in-order record of what happened in the network, with each institution's
    latest events of each type indexed (by the events' `client_use_code`)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.items: deque[dict[str, Any]] = deque(maxlen=limit)
        self.seq = 0
        self.listeners: list[EventListener] = []
        self._by_client: dict[tuple[str, str], deque[dict[str, Any]]] = {}

    def emit(self, time: float, type_: str, **fields: Any) -> dict[str, Any]:
        self.seq += 1
        event = {"seq": self.seq, "time": iso_kst(time), "type": type_, **fields}
        self.items.append(event)
        who = fields.get("client_use_code")
        if who is not None:  # inline (a call less every API request): see _index
            kept = self._by_client.get((type_, who))
            if kept is None:
                kept = self._by_client[(type_, who)] = deque(maxlen=KEEP_PER_CLIENT)
            kept.append(event)
        for listener in self.listeners:
            listener(event)
        return event

    def _index(self, event: dict[str, Any], type_: str, who: str) -> None:
        kept = self._by_client.get((type_, who))
        if kept is None:  # bounded by the institutions: only known ones name a code
            kept = self._by_client[(type_, who)] = deque(maxlen=KEEP_PER_CLIENT)
        kept.append(event)

    def reindex(self) -> None:
        """Index `items` again (after they were set from another log: a world swap)."""
        self._by_client = {}
        for event in self.items:
            who = event.get("client_use_code")
            if who is not None:
                self._index(event, event["type"], who)

    def latest(self, type_: str, client_use_code: str, count: int) -> list[dict[str, Any]]:
        """The latest `count` (at most KEEP_PER_CLIENT) events of `type_` that
        `client_use_code` caused and the log still holds, oldest first: O(count), not a
        scan of the log."""
        kept = self._by_client.get((type_, client_use_code))
        if not kept:
            return []
        oldest = self.items[0]["seq"] if self.items else self.seq + 1
        found = list(kept)[-count:]
        return [e for e in found if e["seq"] >= oldest]

    def since(self, seq: int = 0, type_: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.items if e["seq"] > seq and (type_ is None or e["type"] == type_)]
