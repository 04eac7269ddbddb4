"""A participant bank in the SimPy model: its state over time, its queue, its latency.

A bank's state at any moment is a pure function of time — its nightly cutover
windows (공동망 미개시) and the faults laid over them — so asking "is 004 open at
23:30:00?" never depends on whether a SimPy event has fired yet. A watcher process
announces each change of state when it happens (for the event log and dashboards),
and is woken when faults change the schedule.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from typing import Any

import simpy

from testbed.clock import DAY, kst_midnight, second_of_day
from testbed.config import Institution, ResponseCode, Window
from testbed.network.faults.model import BankState, FaultBook

StateListener = Callable[["Bank", BankState, float], None]


class Bank:
    def __init__(
        self,
        env: simpy.Environment,
        institution: Institution,
        rng: random.Random,
        faults: FaultBook | None = None,
    ):
        self.env = env
        self.institution = institution
        self.code = institution.code
        self.rng = rng  # this bank's own latency stream
        self.capacity = simpy.Resource(env, capacity=institution.capacity)
        self.faults = faults
        self.listeners: list[StateListener] = []
        self.in_flight = 0
        latency = institution.latency
        self.instant = latency.distribution == "fixed" and latency.value == 0
        self._watcher: simpy.Process | None = None
        self._announced: BankState | None = None

    @property
    def name(self) -> str:
        return self.institution.name_ko

    def response(self, problem: str) -> ResponseCode:
        """This bank's configured answer for a case (`insufficient_balance`, ...)."""
        return self.institution.codes.get(problem) or self.institution.codes["bank_error"]

    # state over time
    def windows(self, t: float) -> tuple[Window, ...]:
        replaced = self.faults.windows(self.code, t) if self.faults else None
        return self.institution.cutover if replaced is None else replaced

    def scheduled_state(self, t: float) -> BankState:
        s = second_of_day(t)
        for window in self.windows(t):
            if window.contains(s):
                return BankState.CUTOVER
        return BankState.OPEN

    def state_at(self, t: float) -> BankState:
        fault = self.faults.state(self.code, t) if self.faults else None
        if fault is not None:
            if fault.kind == "bank_down":
                return BankState.DOWN
            if fault.kind == "maintenance":
                return BankState.MAINTENANCE
            return BankState(fault.params["state"])
        state = self.scheduled_state(t)
        if state is BankState.OPEN and self.faults and self.faults.degraded(self.code, t):
            return BankState.DEGRADED
        return state

    def _boundaries_after(self, t: float) -> list[float]:
        midnight = kst_midnight(t)
        found: set[float] = set()
        windows = set(self.institution.cutover)
        if self.faults:
            windows.update(
                w for f in self.faults.faults.values() if f.kind == "cutover" for w in f.windows()
            )
            found.update(self.faults.boundaries(self.code, t))
        for day in (-1, 0, 1, 2):
            base = midnight + day * DAY
            for window in windows:
                found.update((base + window.start, base + window.end))
        return sorted(b for b in found if b > t)

    def next_change(self, t: float) -> tuple[float, BankState] | None:
        """When the state next differs from the state at `t`, and what it becomes."""
        current = self.state_at(t)
        for boundary in self._boundaries_after(t):
            state = self.state_at(boundary)
            if state != current:
                return boundary, state
        return None

    # the watcher
    def start_watching(self) -> None:
        self._announced = self.state_at(self.env.now)
        self._watcher = self.env.process(self._watch())

    def reschedule(self) -> None:
        """The schedule changed (a fault came or went): look again for the next change."""
        if self._watcher is not None and self._watcher.is_alive:
            self._watcher.interrupt()
        else:
            self._watcher = self.env.process(self._watch())

    def _watch(self) -> Generator[simpy.Event, Any, None]:
        """Announce every change of state at the moment it happens, day after day."""
        while True:
            self._announce()
            change = self.next_change(self.env.now)
            try:
                if change is None:
                    yield self.env.event()  # nothing scheduled: wait to be woken
                else:
                    yield self.env.timeout(change[0] - self.env.now)
            except simpy.Interrupt:
                continue

    def _announce(self) -> None:
        state = self.state_at(self.env.now)
        if state != self._announced:
            self._announced = state
            for listener in self.listeners:
                listener(self, state, self.env.now)

    # work
    def answers_at_once(self, t: float) -> bool:
        """A request now would take no simulated time and meet nothing: the bank is open on
        its schedule, has no processing time and a free place, and no fault is in force
        (nothing to draw). `process` would then end at `t`, having drawn nothing."""
        return (
            self.instant
            and self.capacity.count < self.capacity.capacity
            and (self.faults is None or self.faults.quiet(t))
            # no fault: the bank's own windows are the schedule
            and not self.institution.in_cutover(second_of_day(t))
        )

    def latency(self) -> float:
        return self.institution.latency.sample(self.rng)

    def process(self, api: str = "", client: str = "") -> Generator[simpy.Event, Any, float]:
        """Take a place in the bank's queue and spend its processing time; returns the wait."""
        arrived = self.env.now
        self.in_flight += 1
        try:
            with self.capacity.request() as slot:
                yield slot
                gate = self.faults.gate(self.code) if self.faults else None
                if gate is None:
                    yield self.env.timeout(self._delay(api, client))
                else:
                    with gate.request() as squeezed:
                        yield squeezed
                        yield self.env.timeout(self._delay(api, client))
        finally:
            self.in_flight -= 1
        return float(self.env.now - arrived)

    def _delay(self, api: str, client: str) -> float:
        extra = self.faults.extra_latency(self.code, api, client) if self.faults else 0.0
        return self.latency() + extra

    def snapshot(self, t: float) -> dict[str, Any]:
        change = self.next_change(t)
        return {
            "code": self.code,
            "name": self.institution.name_ko,
            "name_en": self.institution.name_en,
            "display_name": self.institution.display_name,  # what answers' bank_name say
            "kind": self.institution.kind,
            "open_banking": self.institution.open_banking,
            "state": self.state_at(t).value,
            "next_change": None if change is None else {"at": change[0], "state": change[1].value},
            "cutover": [w.label() for w in self.windows(t)],
            "capacity": self.capacity.capacity,
            "in_flight": self.in_flight,
            "queue": len(self.capacity.queue),
        }
