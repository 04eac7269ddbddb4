"""Faults as testers write them (JSON on the control plane, YAML in scenarios) → `Fault`.

    {"kind": "error", "banks": ["088"], "api": "withdraw", "at": "now", "for": "10m",
     "probability": 0.3, "problem": "insufficient_balance", "label": "088 out of money"}

Every mistake is a `FaultSpecError` naming the field and what is expected; nothing
is added until the whole spec is right.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Protocol

from testbed.clock import ClockError, SimClock, iso_kst, parse_kst
from testbed.config import (
    RESPONSE_CODE_KEYS,
    BankCodeError,
    BankCodeResolver,
    format_time_of_day,
    parse_duration,
    parse_time_of_day,
)
from testbed.network.faults.model import KINDS, BankState, Fault, FaultBook
from testbed.network.names import Api
from testbed.network.parties import Directory
from testbed.network.text import control_character


class World(Protocol):
    """What reading a spec needs of the network (`testbed.network.world.World` has it):
    a protocol, so the fault package does not import the world that holds its faults."""

    @property
    def clock(self) -> SimClock: ...
    @property
    def resolver(self) -> BankCodeResolver: ...
    @property
    def directory(self) -> Directory: ...
    @property
    def faults(self) -> FaultBook: ...
    @property
    def banks(self) -> Mapping[str, object]: ...


#: the `api` names faults can target: what the gateway passes to the model
APIS: Final = tuple(Api)
_COMMON = {
    "kind",
    "banks",
    "bank",
    "api",
    "client_use_code",
    "at",
    "for",
    "every",
    "probability",
    "label",
}
_PARAMS: Final[dict[str, set[str]]] = {
    "bank_down": set(),
    "maintenance": set(),
    "centre_closed": set(),
    "state": {"state"},
    "cutover": {"windows"},
    "latency": {"latency"},
    "error": {"rsp_code", "bank_rsp_code", "bank_rsp_message", "problem"},
    "capacity": {"capacity"},
    "timeout_before_commit": {"rsp_code"},
    "timeout_after_commit": {"rsp_code"},
}
_FORCED_STATES = ("open", "cutover", "maintenance", "down")


class FaultSpecError(ValueError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field
        self.problem = problem


def _text(spec: dict[str, Any], name: str, default: str = "") -> str:
    value = spec.get(name, default)
    if not isinstance(value, str):
        raise FaultSpecError(name, "expected text")
    if control := control_character(value):
        raise FaultSpecError(name, f"no control characters (found {control})")
    return value


def _seconds(spec: dict[str, Any], name: str) -> float:
    try:
        return parse_duration(spec[name], where=name)
    except ValueError as e:
        raise FaultSpecError(name, f"{e}; expected a duration such as '90s', '10m', '1h'") from None


def _latency(raw: Any) -> dict[str, Any]:
    """A latency as `Latency` fields: "2s", or {distribution, value|low,high|median,sigma}."""
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        return {"distribution": "fixed", "value": _seconds({"latency": raw}, "latency")}
    if not isinstance(raw, dict):
        raise FaultSpecError("latency", "a duration, or {distribution, ...}")
    kind = raw.get("distribution")
    fields = {"fixed": ("value",), "uniform": ("low", "high"), "lognormal": ("median", "sigma")}
    if not isinstance(kind, str) or kind not in fields:  # a list or object is no key: a 500
        raise FaultSpecError("latency.distribution", "fixed, uniform or lognormal")
    out: dict[str, Any] = {"distribution": kind}
    for name in fields[kind]:
        if name not in raw:
            raise FaultSpecError(f"latency.{name}", "required")
        if name == "sigma":
            sigma = raw[name]
            if isinstance(sigma, bool) or not isinstance(sigma, int | float) or sigma < 0:
                raise FaultSpecError("latency.sigma", "a number 0 or more")
            out[name] = float(sigma)
        else:
            out[name] = _seconds({f"latency.{name}": raw[name]}, f"latency.{name}")
    if kind == "uniform" and out["high"] < out["low"]:
        raise FaultSpecError("latency.high", "at least latency.low")
    return out


def fault_from_spec(world: World, spec: Any, fault_id: str = "") -> Fault:
    """A `Fault` from a tester's spec, checked field by field."""
    if not isinstance(spec, dict):
        raise FaultSpecError("", "a fault is an object with at least a kind")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultSpecError("kind", f"one of {', '.join(KINDS)}")
    unknown = sorted(set(spec) - _COMMON - _PARAMS[kind])
    if unknown:
        raise FaultSpecError(unknown[0], f"not a field of a {kind} fault")
    now = world.clock.now()

    # target
    banks = spec.get("banks", [spec["bank"]] if "bank" in spec else [])
    if not isinstance(banks, list) or not all(isinstance(b, str) for b in banks):
        raise FaultSpecError("banks", "a list of bank codes")
    canonical = []
    for code in banks:
        try:
            canonical.append(world.resolver.resolve(code).code)
        except BankCodeError as e:
            raise FaultSpecError("banks", e.message) from None
    if kind in ("state", "cutover", "bank_down", "maintenance", "capacity") and not canonical:
        raise FaultSpecError("banks", f"a {kind} fault names its bank(s)")
    api = _text(spec, "api")
    if api and api not in APIS:
        raise FaultSpecError("api", f"one of {', '.join(APIS)}")
    client = _text(spec, "client_use_code")
    if client and client not in world.directory.clients:
        raise FaultSpecError("client_use_code", "no such institution")

    # schedule
    at = spec.get("at", "now")
    try:
        start = now if at == "now" else parse_kst(at) if isinstance(at, str) else None
    except ClockError as e:
        raise FaultSpecError("at", str(e)) from None
    if start is None:
        raise FaultSpecError("at", "'now' or an ISO-8601 time")
    every = None
    duration = 0.0
    end = None
    if "every" in spec:
        try:
            every = parse_time_of_day(spec["every"])
        except ValueError as e:
            raise FaultSpecError("every", f'{e}; expected a time of day such as "23:30"') from None
        if "for" not in spec:
            raise FaultSpecError("for", "a daily fault says how long it lasts")
        duration = _seconds(spec, "for")
        if not 0 < duration < 86400:
            raise FaultSpecError("for", "between 0 and 24 hours for a daily fault")
    elif "for" in spec:
        end = start + _seconds(spec, "for")
    probability = spec.get("probability", 1.0)
    if (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or not 0 <= probability <= 1
    ):
        raise FaultSpecError("probability", "a number from 0 to 1")

    # what it does
    params: dict[str, Any] = {}
    if kind == "state":
        state = spec.get("state")
        if state not in _FORCED_STATES:
            raise FaultSpecError("state", f"one of {', '.join(_FORCED_STATES)}")
        params["state"] = BankState(state).value
    elif kind == "cutover":
        windows = spec.get("windows")
        if not isinstance(windows, list):
            raise FaultSpecError(
                "windows", 'a list of {start: "23:30", end: "24:30"} or {start, duration}'
            )
        params["windows"] = [_window(w, i) for i, w in enumerate(windows)]
    elif kind == "latency":
        params["latency"] = _latency(spec.get("latency"))
    elif kind == "capacity":
        capacity = spec.get("capacity")
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise FaultSpecError("capacity", "a whole number of concurrent transactions, 1 or more")
        params["capacity"] = capacity
    elif kind == "error":
        problem = _text(spec, "problem")
        if problem and problem not in RESPONSE_CODE_KEYS:
            raise FaultSpecError("problem", f"one of {', '.join(RESPONSE_CODE_KEYS)}")
        if problem and any(k in spec for k in ("rsp_code", "bank_rsp_code", "bank_rsp_message")):
            raise FaultSpecError(
                "problem", "either a problem (the bank's own code) or explicit codes"
            )
        if not problem and "rsp_code" not in spec and "bank_rsp_code" not in spec:
            raise FaultSpecError(
                "problem", "an error fault says what goes wrong: problem, or rsp_code/bank_rsp_code"
            )
        params.update(_codes(spec))
        if problem:
            params["problem"] = problem
    elif kind.startswith("timeout_"):
        params.update(_codes(spec))
    return Fault(
        id=fault_id or world.faults.new_id(),
        kind=kind,
        start=start,
        end=end,
        banks=canonical,
        api=api,
        client_use_code=client,
        every=every,
        duration=duration,
        probability=float(probability),
        label=_text(spec, "label"),
        params=params,
    )


def _codes(spec: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    rsp = _text(spec, "rsp_code")
    if rsp:
        if len(rsp) != 5 or not rsp[0].isalpha() or not rsp[1:].isdigit():
            raise FaultSpecError("rsp_code", "a KFTC code such as A0002 or A0007")
        out["rsp_code"] = rsp
    bank = _text(spec, "bank_rsp_code")
    if bank:
        if len(bank) != 3:
            raise FaultSpecError("bank_rsp_code", "3 characters, e.g. 401")
        out["bank_rsp_code"] = bank
    message = _text(spec, "bank_rsp_message")
    if len(message) > 100:
        raise FaultSpecError("bank_rsp_message", "at most 100 characters")
    if message:
        out["bank_rsp_message"] = message
    return out


def _window(raw: Any, i: int) -> tuple[int, int]:
    where = f"windows[{i}]"
    if not isinstance(raw, dict) or "start" not in raw or ("end" in raw) == ("duration" in raw):
        raise FaultSpecError(where, "{start, end} or {start, duration}")
    try:
        start = parse_time_of_day(raw["start"])
        if "end" in raw:
            end = parse_time_of_day(raw["end"], allow_past_midnight=True)
        else:
            end = start + int(parse_duration(raw["duration"]))
    except ValueError as e:
        raise FaultSpecError(where, str(e)) from None
    if not start < end <= start + 86400:
        raise FaultSpecError(
            where, 'the end comes after the start, within a day; past midnight write "24:30"'
        )
    return start, end


def describe(fault: Fault, now: float) -> dict[str, Any]:
    """A fault as the control plane shows it."""
    view: dict[str, Any] = {
        "id": fault.id,
        "kind": fault.kind,
        "label": fault.label,
        "banks": fault.banks,
        "api": fault.api,
        "client_use_code": fault.client_use_code,
        "start": iso_kst(fault.start),
        "end": None if fault.end is None else iso_kst(fault.end),
        "every": None if fault.every is None else format_time_of_day(fault.every),
        "for": fault.duration if fault.every is not None else None,
        "probability": fault.probability,
        "active": fault.active(now),
        **fault.params,
    }
    if "windows" in fault.params:
        view["windows"] = [
            {"start": format_time_of_day(s), "end": format_time_of_day(e)}
            for s, e in fault.params["windows"]
        ]
    return view


_BANK_ORDERS: Final = {"state", "for", "cutover", "label"}
_STATES: Final = {
    "open": "open",
    "closed": "cutover",
    "cutover": "cutover",
    "maintenance": "maintenance",
    "down": "down",
}


def order_bank(world: World, code: str, order: Any) -> list[Fault]:
    """Open or close a bank now (`{"state": "open"|"closed"|"maintenance"|"down", "for": "10m"}`),
    give it back to its schedule (`{"state": "scheduled"}`), or change its nightly windows
    (`{"cutover": [{"start": "23:30", "end": "24:30"}]}`). The new order replaces the
    previous one of its kind. Checked whole before anything changes; returns the faults
    it added (none for `scheduled`)."""
    try:
        canonical = world.resolver.resolve(code).code
    except BankCodeError as e:
        raise FaultSpecError("code", str(e)) from None
    if canonical not in world.banks:
        raise FaultSpecError("code", repr(canonical))
    if not isinstance(order, dict):
        raise FaultSpecError("", "an object with state or cutover")
    unknown = sorted(set(order) - _BANK_ORDERS)
    if unknown or ("state" in order) == ("cutover" in order):
        raise FaultSpecError(
            unknown[0] if unknown else "",
            "expected state (open, closed, maintenance, down, scheduled) with an optional"
            " 'for', or cutover (a list of windows)",
        )
    kind = "state" if "state" in order else "cutover"
    replacement = None
    if order.get("state") != "scheduled":
        spec: dict[str, Any] = {"kind": kind, "banks": [canonical], "label": order.get("label", "")}
        if kind == "state":
            if not isinstance(order["state"], str) or order["state"] not in _STATES:
                raise FaultSpecError("state", "open, closed, maintenance, down or scheduled")
            spec["state"] = _STATES[order["state"]]
            if "for" in order:
                spec["for"] = order["for"]
        else:
            spec["windows"] = order["cutover"]
        replacement = fault_from_spec(world, spec)
    for fault in world.faults.live():
        if fault.banks == [canonical] and fault.kind == kind:
            world.faults.remove(fault.id)
    if replacement is None:
        return []
    world.faults.add(replacement)
    return [replacement]
