"""The simulated clock: `GET` and `POST /testbed/clock`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from testbed.clock import DAY, ClockError, SimClock, next_time_of_day, parse_kst
from testbed.config import parse_duration, parse_time_of_day
from testbed.web.control.common import BadRequest, json_body, runtime_of
from testbed.web.render import json_response

#: the furthest one request moves the clock: a move runs every event scheduled on the
#: way (settlements, cutovers, ...) on the server's loop, a few ms a simulated day; a
#: set to the year 9999 once held the server for hours, a shift of 1e308 s for ever
MAX_MOVE = 366 * DAY


async def get_clock(request: web.Request) -> web.Response:
    return json_response(runtime_of(request).clock.state())


async def post_clock(request: web.Request) -> web.Response:
    """One or more of: set (ISO time), next (a time of day: the next time it comes), shift/
    advance (duration), speed, freeze, resume."""
    runtime = runtime_of(request)
    body = await json_body(request)
    clock = runtime.clock
    known = {"set", "next", "shift", "advance", "speed", "freeze", "resume"}
    unknown = sorted(set(body) - known)
    if unknown or not body:
        said = f"unknown clock field(s) {', '.join(unknown)}; " if unknown else ""
        raise BadRequest(
            said + "expected one or more of: set (ISO-8601 KST time), next (a time of day"
            " such as '23:29:30': the next time it comes), shift or advance (duration such as"
            " '90s', '10m', '1h'), speed (factor), freeze (true), resume (true)"
        )
    try:
        moves = _moves(body, clock.now())
    except (ClockError, ValueError) as e:
        raise BadRequest(str(e)) from None
    try:  # every value was checked above: a refusal now is the clock's own (backwards)
        for move in moves:
            move(clock)
    except ClockError as e:
        raise BadRequest(str(e)) from None
    runtime.store.put_meta("clock", repr(clock.now()))
    return json_response(clock.state())


def _moves(body: dict[str, Any], now: float) -> list[Callable[[SimClock], None]]:
    """The clock moves a body asks for, every value checked before any is made (a bad
    request changes nothing)."""
    moves: list[Callable[[SimClock], None]] = []
    # what a virtual clock refuses (speed, freeze) first: a refusal then still changes nothing
    if "speed" in body:
        speed = body["speed"]
        if isinstance(speed, bool) or not isinstance(speed, int | float):
            raise ClockError("speed takes a number, e.g. 60")
        moves.append(lambda clock: clock.set_speed(float(speed)))
    if body.get("freeze") is True:
        moves.append(lambda clock: clock.freeze())
    if body.get("resume") is True:
        moves.append(lambda clock: clock.resume())
    if "set" in body and "next" in body:
        raise ClockError("set and next both name the moment: send one of them")
    if "set" in body:
        if not isinstance(body["set"], str):
            raise ClockError("set takes an ISO-8601 time such as 2026-11-23T23:29:30+09:00")
        moments = [parse_kst(body["set"])]
    elif "next" in body:
        moments = [next_time_of_day(now, parse_time_of_day(body["next"]))]
    else:
        moments = []
    moves.extend(_setter(moment) for moment in moments)
    shifts = [parse_duration(body[f], where=f) for f in ("shift", "advance") if f in body]
    moves.extend(_shifter(seconds) for seconds in shifts)
    if (moments[0] if moments else now) + sum(shifts) - now > MAX_MOVE:
        raise ClockError(
            f"the clock moves at most {MAX_MOVE / DAY:.0f} days in one request (every event"
            " on the way runs): move it in steps"
        )
    return moves


def _setter(moment: float) -> Callable[[SimClock], None]:
    return lambda clock: clock.set(moment)


def _shifter(seconds: float) -> Callable[[SimClock], None]:
    return lambda clock: clock.shift(seconds)
