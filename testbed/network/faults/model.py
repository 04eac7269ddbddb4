"""Injected faults: what a tester makes go wrong, where, when and how often.

A `Fault` targets the centre or some banks (optionally one API and one institution),
has a schedule (from `start`, until `end`, or every day at a time of day for a
duration) and, for faults that act on requests, a probability drawn from the world's
seeded source. Kinds:

- state faults, which change what a bank *is* while active: `bank_down` (answers
  nothing), `maintenance` (an extra closed window), `state` (forced open/closed by the
  control plane), `cutover` (the bank's nightly windows replaced);
- `centre_closed`: the centre refuses business APIs;
- request faults, drawn per request: `latency` (added delay), `error` (a chosen answer),
  `capacity` (the bank's concurrency shrinks to N), `timeout_before_commit` (the centre
  times out, the money never moves), `timeout_after_commit` (the centre times out, the
  bank completed: the money moved).

Magic amounts make the same failures without the control plane (see `MAGIC_AMOUNTS`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Final

import simpy

from testbed.clock import DAY, kst_midnight
from testbed.config import Latency, ResponseCode, Window
from testbed.network.records import Decoder, RecordBook


class BankState(StrEnum):
    """What a bank is at a moment: its schedule's state, or the one a fault forces."""

    OPEN = "open"
    CUTOVER = "cutover"  # 공동망 미개시: the nightly window
    MAINTENANCE = "maintenance"  # an extra, unplanned closed window
    DOWN = "down"  # answers nothing
    DEGRADED = "degraded"  # open, but slow or failing part of the time

    @property
    def takes_business(self) -> bool:
        return self in (BankState.OPEN, BankState.DEGRADED)


STATE_KINDS: Final = ("bank_down", "maintenance", "state", "cutover")
REQUEST_KINDS: Final = (
    "latency",
    "error",
    "capacity",
    "timeout_before_commit",
    "timeout_after_commit",
)
KINDS: Final = (*STATE_KINDS, "centre_closed", *REQUEST_KINDS)

#: Amounts that always fail the same way, for quick manual tests: 4,040,xxx won, where
#: xxx recalls the code. Far from ordinary amounts, and documented in the README.
MAGIC_AMOUNTS: Final[dict[int, tuple[str, str]]] = {
    4_040_401: ("error", "insufficient_balance"),
    4_040_412: ("error", "account_not_found"),
    4_040_420: ("error", "account_suspended"),
    4_040_815: ("error", "name_mismatch"),
    4_040_007: ("timeout_before_commit", ""),
    4_040_017: ("timeout_after_commit", ""),
}


@dataclass(slots=True)
class Fault:
    id: str
    kind: str
    start: float
    end: float | None = None  # None: until deleted
    banks: list[str] = field(default_factory=list)  # canonical codes; empty: every bank
    api: str = ""  # "" every API, else e.g. "withdraw", "balance"
    client_use_code: str = ""  # "" every institution
    every: int | None = None  # daily: seconds of day the window opens
    duration: float = 0.0  # daily: how long it stays
    probability: float = 1.0
    label: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    #: hits left before it ends by itself (a readiness drill's one-shot); None: no count
    remaining: int | None = None

    def active(self, t: float) -> bool:
        if t < self.start or (self.end is not None and t >= self.end):
            return False
        if self.every is None:
            return True
        opened = kst_midnight(t) + self.every
        if opened > t:
            opened -= DAY
        return t < opened + self.duration

    def boundaries(self, t: float) -> list[float]:
        """Moments around `t` where this fault may start or stop."""
        found = [self.start] + ([self.end] if self.end is not None else [])
        if self.every is not None:
            midnight = kst_midnight(t)
            for day in (-1, 0, 1, 2):
                opened = midnight + day * DAY + self.every
                found += [opened, opened + self.duration]
        return found

    def targets(self, bank_code: str, api: str = "", client_use_code: str = "") -> bool:
        return (
            (not self.banks or bank_code in self.banks)
            and (not self.api or not api or self.api == api)
            and (
                not self.client_use_code
                or not client_use_code
                or self.client_use_code == client_use_code
            )
        )

    # params as model values
    def latency(self) -> Latency:
        p = self.params.get("latency", {})
        return Latency(**p) if p else Latency("fixed", value=0.0)

    def response(self) -> ResponseCode:
        return ResponseCode(
            self.params.get("rsp_code", "A0002"),
            self.params.get("bank_rsp_code", ""),
            self.params.get("bank_rsp_message", ""),
        )

    def windows(self) -> tuple[Window, ...]:
        return tuple(Window(start, end) for start, end in self.params.get("windows", []))


class FaultBook(RecordBook):
    KINDS: ClassVar[dict[str, Decoder]] = {"fault": lambda data: Fault(**data)}

    def __init__(self, env: simpy.Environment, rng: random.Random) -> None:
        super().__init__()
        self.env = env
        self.rng = rng  # the draws of probabilities and latencies: one seeded stream
        self.faults: dict[str, Fault] = self.tables["fault"]
        self.gates: dict[str, simpy.Resource] = {}  # capacity faults' own slots
        self.changed: list[Any] = []  # callbacks when the set of faults changes
        self._serial = 0
        # [from, until): a stretch of time with no fault in force, so that the many
        # questions of a request ("is this bank down? slow? is the centre closed?")
        # cost one comparison while nothing is injected, not a scan of every fault
        self._quiet = (math.inf, -math.inf)

    def _index(self, kind: str, key: str, obj: Any) -> None:
        self._quiet = (math.inf, -math.inf)  # any change of a fault: look again

    def quiet(self, t: float) -> bool:
        """No fault is in force at `t`."""
        start, until = self._quiet
        if start <= t < until:
            return True
        faults = self.faults.values()
        if any(fault.active(t) for fault in faults):
            return False
        # nothing can start before the earliest boundary after t
        until = min((b for fault in faults for b in fault.boundaries(t) if b > t), default=math.inf)
        self._quiet = (t, until)
        return True

    def new_id(self) -> str:
        self._serial = max(self._serial, len(self.faults)) + 1
        while f"F{self._serial:04d}" in self.faults:
            self._serial += 1
        return f"F{self._serial:04d}"

    def add(self, fault: Fault) -> Fault:
        self.put("fault", fault.id, fault)
        for callback in self.changed:
            callback(fault)
        return fault

    def remove(self, fault_id: str) -> Fault | None:
        fault = self.faults.get(fault_id)
        if fault is None:
            return None
        # a fault ends rather than vanishes: its record stays, ended now
        fault.end = min(fault.end, self.env.now) if fault.end is not None else float(self.env.now)
        if fault.start > fault.end:
            fault.start = fault.end
        self.put("fault", fault.id, fault)
        self.gates.pop(fault.id, None)
        for callback in self.changed:
            callback(fault)
        return fault

    def live(self) -> list[Fault]:
        """Faults that are active now or will be."""
        now = float(self.env.now)
        return [f for f in self.faults.values() if f.end is None or f.end > now]

    def in_force(
        self, kinds: tuple[str, ...], t: float, bank: str = "", api: str = "", client: str = ""
    ) -> list[Fault]:
        """The faults of these kinds active at `t` on this bank, API and institution, in the
        order they were laid."""
        if self.quiet(t):
            return []
        return [
            fault
            for fault in self.faults.values()
            if fault.kind in kinds and fault.active(t) and fault.targets(bank, api, client)
        ]

    def _hits(self, fault: Fault) -> bool:
        hit = fault.probability >= 1.0 or self.rng.random() < fault.probability
        if hit and fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self.remove(fault.id)  # used up: it ends now, its record stays
            else:
                self.put("fault", fault.id, fault)
        return hit

    # --- what a bank is ------------------------------------------------------------------
    def state(self, bank_code: str, t: float) -> Fault | None:
        """The state fault in force on a bank at `t` (the latest laid wins)."""
        return _last(self.in_force(("bank_down", "maintenance", "state"), t, bank_code))

    def windows(self, bank_code: str, t: float) -> tuple[Window, ...] | None:
        found = _last(self.in_force(("cutover",), t, bank_code))
        return None if found is None else found.windows()

    def degraded(self, bank_code: str, t: float) -> bool:
        """Faults on the bank's requests make it degraded for all to see; one laid for a
        single institution (a readiness drill) is that institution's business only."""
        return any(not f.client_use_code for f in self.in_force(REQUEST_KINDS, t, bank_code))

    def closed_to(self, bank_code: str, t: float, client_use_code: str) -> bool:
        """A fault makes the bank answer this institution as closed (a readiness drill's
        cutover), for sure: what bank/status tells it."""
        return any(
            f.params.get("problem") == "bank_closed" and f.probability >= 1.0
            for f in self.in_force(("error",), t, bank_code, "", client_use_code)
        )

    def centre_closed(self, t: float, api: str = "", client_use_code: str = "") -> bool:
        return bool(self.in_force(("centre_closed",), t, "", api, client_use_code))

    def boundaries(self, bank_code: str, t: float) -> list[float]:
        return [
            b
            for f in self.faults.values()
            if not f.banks or bank_code in f.banks
            for b in f.boundaries(t)
        ]

    # --- what happens to a request ---------------------------------------------------------
    def drawn(self, kind: str, bank_code: str, api: str, client_use_code: str) -> Fault | None:
        """The first active fault of `kind` on this request whose probability draw hits.

        Matching faults are drawn in a fixed order, so the same seed and the same calls
        give the same outcomes.
        """
        t = float(self.env.now)
        for fault in self.in_force((kind,), t, bank_code, api, client_use_code):
            if self._hits(fault):
                return fault
        return None

    def extra_latency(self, bank_code: str, api: str, client_use_code: str) -> float:
        t = float(self.env.now)
        return sum(
            fault.latency().sample(self.rng)
            for fault in self.in_force(("latency",), t, bank_code, api, client_use_code)
            if self._hits(fault)
        )

    def gate(self, bank_code: str) -> simpy.Resource | None:
        """The tightest capacity fault's slots on this bank, when one is in force."""
        squeezes = self.in_force(("capacity",), float(self.env.now), bank_code)
        if not squeezes:
            return None
        tightest = min(squeezes, key=lambda f: int(f.params["capacity"]))
        gate = self.gates.get(tightest.id)
        if gate is None:
            gate = simpy.Resource(self.env, capacity=int(tightest.params["capacity"]))
            self.gates[tightest.id] = gate
        return gate


def _last(faults: list[Fault]) -> Fault | None:
    """The latest laid of some faults: it wins over the ones before it."""
    return faults[-1] if faults else None


def magic(amount: int) -> Fault | None:
    """The fault a magic amount stands for, as a one-off fault on that request."""
    found = MAGIC_AMOUNTS.get(amount)
    if found is None:
        return None
    kind, problem = found
    return Fault(
        id="magic",
        kind=kind,
        start=0.0,
        label=f"magic amount {amount}",
        params={"problem": problem},
    )
