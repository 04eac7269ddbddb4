"""The event log: bounded, in order, and each institution's latest events indexed."""

from __future__ import annotations

import random
from typing import Any

from testbed.network.events import KEEP_PER_CLIENT, EventLog


def _scan(log: EventLog, code: str, count: int) -> list[dict[str, Any]]:
    """What My Page found by scanning the whole log before the index."""
    return [e for e in log.since(0, "api") if e.get("client_use_code") == code][-count:]


def test_latest_is_what_a_scan_of_the_log_finds() -> None:
    log = EventLog(limit=500)
    rng = random.Random(3)
    codes = ["M202600001", "M202600002", "M202600003"]
    for n in range(3_000):  # the log lets all but the last 500 go
        kind = rng.choice(("api", "api", "transfer", "fault"))
        who = rng.choice([*codes, None])
        log.emit(1_772_413_200.0 + n, kind, n=n, client_use_code=who)
        if n % 97 == 0:
            for code in codes:
                for count in (1, 20, KEEP_PER_CLIENT):
                    assert log.latest("api", code, count) == _scan(log, code, count)
    assert log.latest("api", "nobody", 20) == []


def test_latest_only_holds_what_the_log_still_holds() -> None:
    log = EventLog(limit=10)
    log.emit(0.0, "api", client_use_code="M1")
    for n in range(10):  # the first call leaves the log
        log.emit(float(n), "api", client_use_code="M2")
    assert log.latest("api", "M1", 20) == []
    assert len(log.latest("api", "M2", 20)) == 10


def test_the_index_follows_a_log_carried_over_to_a_new_world() -> None:
    old, new = EventLog(), EventLog()
    for n in range(30):
        old.emit(float(n), "api", client_use_code="M1", n=n)
    new.items.extend(old.items)  # as runtime._continue_log does on a reset
    new.seq = old.seq
    new.reindex()
    new.emit(31.0, "api", client_use_code="M1", n=30)
    assert [e["n"] for e in new.latest("api", "M1", 3)] == [28, 29, 30]
