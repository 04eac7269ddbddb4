"""The simulated clock: `GET` and `POST /testbed/clock`."""

from __future__ import annotations

from aiohttp import web

from testbed.clock import ClockError, parse_kst
from testbed.config import parse_duration
from testbed.web.control.common import BadRequest, json_body, runtime_of
from testbed.web.render import json_response


async def get_clock(request: web.Request) -> web.Response:
    return json_response(runtime_of(request).clock.state())


async def post_clock(request: web.Request) -> web.Response:
    """One or more of: set (ISO time), shift/advance (duration), speed, freeze, resume."""
    runtime = runtime_of(request)
    body = await json_body(request)
    clock = runtime.clock
    known = {"set", "shift", "advance", "speed", "freeze", "resume"}
    unknown = sorted(set(body) - known)
    if unknown or not body:
        raise BadRequest(
            f"unknown clock field(s) {', '.join(unknown)}; "
            if unknown
            else ""
            "expected one or more of: set (ISO-8601 KST time), shift or advance (duration such"
            " as '90s', '10m', '1h'), speed (factor), freeze (true), resume (true)"
        )
    try:
        if "set" in body:
            if not isinstance(body["set"], str):
                raise ClockError("set takes an ISO-8601 time such as 2026-11-23T23:29:30+09:00")
            clock.set(parse_kst(body["set"]))
        for field in ("shift", "advance"):
            if field in body:
                clock.shift(parse_duration(body[field], where=field))
        if "speed" in body:
            speed = body["speed"]
            if isinstance(speed, bool) or not isinstance(speed, int | float):
                raise ClockError("speed takes a number, e.g. 60")
            clock.set_speed(float(speed))
        if body.get("freeze") is True:
            clock.freeze()
        if body.get("resume") is True:
            clock.resume()
    except (ClockError, ValueError) as e:
        raise BadRequest(str(e)) from None
    runtime.store.put_meta("clock", repr(clock.now()))
    await runtime.store.durable()
    return json_response(clock.state())
