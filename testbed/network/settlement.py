"""Settlement: each bank's net position against the centre for one KST business day.

An interbank transfer posts the centre's clearing pair (payer bank -, payee bank +),
so a day's positions are the sum of the clearing postings of the entries that fall on
that date: + the bank receives from the centre, - it pays. They always sum to zero.

Positions are kept incrementally (`DayTotals`, one per ledger): a dashboard asks about
once a second, and a scan of the day's entries cost 23 ms at 100,000 (issue 26). Each
`settle()` first adds the entries posted since the last one to their day's totals, so a
refresh costs O(entries since the last refresh + banks), however long the day. The
ledger only appends to its list of entries; a purge (retention) or a forgetting makes a
new list, and the totals are then made again from it.

`start_settlement(env, close, ledger, events)` runs a daily SimPy process that, at the
centre's close (`centre.close` in the network file, 23:55 KST for KFTC), emits a
`settlement` event with the day's positions.
"""

from __future__ import annotations

import bisect
import re
import weakref
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

from testbed.clock import DAY, from_compact, kst_midnight, yyyymmdd
from testbed.network.events import EventLog
from testbed.network.ledger import CARRY, CLEARING, Entry, Ledger

_DATE = re.compile(r"\d{8}")


class SettlementError(ValueError):
    """A date that is not a KST calendar day as YYYYMMDD."""


@dataclass(frozen=True, slots=True)
class Settlement:
    date: str  # YYYYMMDD (KST)
    positions: dict[str, int]  # bank code -> net won (+ to receive, - to pay)
    transfers: int  # entries of the day that crossed banks

    @property
    def total(self) -> int:
        return sum(self.positions.values())

    def view(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "positions": dict(self.positions),
            "total": self.total,
            "transfers": self.transfers,
        }


def day_start(date: str) -> float:
    """Epoch seconds of 00:00 KST on `date` (YYYYMMDD); SettlementError if it is no date."""
    if not isinstance(date, str) or not _DATE.fullmatch(date):
        raise SettlementError(f"date takes YYYYMMDD, not {date!r}")
    try:
        return from_compact(date)
    except ValueError:
        raise SettlementError(f"{date} is not a calendar date") from None


def day_entries(ledger: Ledger, date: str) -> list[Entry]:
    """The entries posted on `date` (KST), found by binary search on their times."""
    start = day_start(date)
    entries = ledger.entries
    lo = bisect.bisect_left(entries, start, key=_time)
    hi = bisect.bisect_left(entries, start + DAY, lo=lo, key=_time)
    return entries[lo:hi]


class DayTotals:
    """Every day's clearing positions and interbank transfers of one ledger, caught up
    with its entries at each `settle()`."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []  # the ledger's list these totals follow
        self.seen = 0  # how many of its entries are counted
        self.days: dict[str, tuple[dict[str, int], list[int]]] = {}

    def catch_up(self, ledger: Ledger) -> None:
        entries = ledger.entries
        if entries is not self.entries or len(entries) < self.seen:
            self.entries, self.seen, self.days = entries, 0, {}  # a new list: count again
        days = self.days
        for entry in entries[self.seen :] if self.seen else entries:
            if entry.kind == CARRY:
                continue  # retention's carry-forward: no money moved that day
            crossed = False
            for leg in entry.postings:
                if leg.account[0] == CLEARING:
                    if not crossed:
                        date = yyyymmdd(entry.time)
                        day = days.get(date)
                        if day is None:
                            day = days[date] = ({}, [0])
                        positions, transfers = day
                        transfers[0] += 1
                        crossed = True
                    bank = leg.account[1]
                    positions[bank] = positions.get(bank, 0) + leg.amount
        self.seen = len(entries)


_TOTALS: weakref.WeakKeyDictionary[Ledger, DayTotals] = weakref.WeakKeyDictionary()


def settle(ledger: Ledger, date: str) -> Settlement:
    day_start(date)  # a date, or SettlementError
    totals = _TOTALS.get(ledger)
    if totals is None:
        totals = _TOTALS[ledger] = DayTotals()
    totals.catch_up(ledger)
    positions, transfers = totals.days.get(date, ({}, [0]))
    return Settlement(date, dict(sorted(positions.items())), transfers[0])


def positions(ledger: Ledger, date: str) -> dict[str, int]:
    """Each bank's net position on `date`: + to receive, - to pay; they sum to zero."""
    return settle(ledger, date).positions


def _time(entry: Entry) -> float:
    return entry.time


# --- the daily process ------------------------------------------------------------------


def start_settlement(
    env: simpy.Environment, close: int, ledger: Ledger, events: EventLog
) -> simpy.Process:
    """Settle every day at the centre's close (`close`: seconds after KST midnight), from
    now onwards, and emit each day's `settlement` event."""
    return env.process(_settle_daily(env, close, ledger, events))


def _settle_daily(
    env: simpy.Environment, close: int, ledger: Ledger, events: EventLog
) -> Generator[simpy.Event, Any, None]:
    midnight = kst_midnight(float(env.now))
    if midnight + close < env.now:  # today's close has passed: tomorrow's is next
        midnight += DAY
    while True:
        yield env.timeout(midnight + close - env.now)
        done = settle(ledger, yyyymmdd(midnight))
        events.emit(float(env.now), "settlement", **done.view())
        midnight += DAY
