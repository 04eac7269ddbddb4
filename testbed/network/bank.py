"""A participant bank in the SimPy model: its state over time, its queue, its latency.

A bank's state at any moment is a pure function of time — its nightly cutover
windows (공동망 미개시) and any override laid over them — so asking "is 004 open at
23:30:00?" never depends on whether a SimPy event has fired yet. A daily process
announces each change of state when it happens (for the event log and settlement).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import simpy

from testbed.clock import DAY, kst_midnight, second_of_day
from testbed.config import Institution, ResponseCode


class BankState(StrEnum):
    OPEN = "open"
    CUTOVER = "cutover"  # 공동망 미개시: the nightly window
    MAINTENANCE = "maintenance"  # an extra, unplanned closed window
    DOWN = "down"  # answers nothing
    DEGRADED = "degraded"  # open, but slow or failing part of the time

    @property
    def takes_business(self) -> bool:
        return self in (BankState.OPEN, BankState.DEGRADED)


@dataclass(frozen=True, slots=True)
class StateOverride:
    """A state laid over the schedule between two moments (end None: until lifted)."""

    state: BankState
    start: float
    end: float | None
    label: str = ""

    def active(self, t: float) -> bool:
        return self.start <= t and (self.end is None or t < self.end)


StateListener = Callable[["Bank", BankState, float], None]


class Bank:
    def __init__(self, env: simpy.Environment, institution: Institution, rng: random.Random):
        self.env = env
        self.institution = institution
        self.code = institution.code
        self.rng = rng  # this bank's own latency stream
        self.capacity = simpy.Resource(env, capacity=institution.capacity)
        self.overrides: list[StateOverride] = []
        self.listeners: list[StateListener] = []
        self.in_flight = 0

    @property
    def name(self) -> str:
        return self.institution.name_ko

    def response(self, problem: str) -> ResponseCode:
        """This bank's configured answer for a case (`insufficient_balance`, ...)."""
        return self.institution.codes.get(problem) or self.institution.codes["bank_error"]

    # state over time
    def scheduled_state(self, t: float) -> BankState:
        s = second_of_day(t)
        for window in self.institution.cutover:
            if window.contains(s):
                return BankState.CUTOVER
        return BankState.OPEN

    def state_at(self, t: float) -> BankState:
        for override in reversed(self.overrides):  # the latest laid wins
            if override.active(t):
                return override.state
        return self.scheduled_state(t)

    def _boundaries_after(self, t: float) -> list[float]:
        midnight = kst_midnight(t)
        found: set[float] = set()
        for day in (-1, 0, 1, 2):
            base = midnight + day * DAY
            for window in self.institution.cutover:
                found.update((base + window.start, base + window.end))
        for override in self.overrides:
            found.add(override.start)
            if override.end is not None:
                found.add(override.end)
        return sorted(b for b in found if b > t)

    def next_change(self, t: float) -> tuple[float, BankState] | None:
        """When the state next differs from the state at `t`, and what it becomes."""
        current = self.state_at(t)
        for boundary in self._boundaries_after(t):
            state = self.state_at(boundary)
            if state != current:
                return boundary, state
        return None

    # the daily process
    def watch(self) -> Generator[simpy.Event, Any, None]:
        """Announce every change of state at the moment it happens, day after day."""
        while True:
            change = self.next_change(self.env.now)
            if change is None:
                return
            moment, _ = change
            yield self.env.timeout(moment - self.env.now)
            state = self.state_at(self.env.now)
            for listener in self.listeners:
                listener(self, state, self.env.now)

    # work
    def latency(self) -> float:
        return self.institution.latency.sample(self.rng)

    def process(self) -> Generator[simpy.Event, Any, float]:
        """Take a place in the bank's queue and spend its processing time; returns the wait."""
        arrived = self.env.now
        self.in_flight += 1
        try:
            with self.capacity.request() as slot:
                yield slot
                yield self.env.timeout(self.latency())
        finally:
            self.in_flight -= 1
        return float(self.env.now - arrived)

    def snapshot(self, t: float) -> dict[str, Any]:
        change = self.next_change(t)
        return {
            "code": self.code,
            "name": self.institution.name_ko,
            "name_en": self.institution.name_en,
            "kind": self.institution.kind,
            "open_banking": self.institution.open_banking,
            "state": self.state_at(t).value,
            "next_change": None if change is None else {"at": change[0], "state": change[1].value},
            "cutover": [w.label() for w in self.institution.cutover],
            "capacity": self.capacity.capacity,
            "in_flight": self.in_flight,
            "queue": len(self.capacity.queue),
        }
