"""Banks and faults: `/testbed/banks` (states, opening and closing), `/testbed/faults`.

Thin: specs are read by `testbed.network.faults`, the model keeps the faults.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from testbed.clock import iso_kst
from testbed.network.faults import Fault, FaultSpecError, describe, fault_from_spec, order_bank
from testbed.runtime import Runtime
from testbed.web.control.common import BadRequest, json_body, query_params, runtime_of
from testbed.web.render import json_response


async def banks(request: web.Request) -> web.Response:
    """The centre and every bank: open or not now, and when that changes next
    (`?open_banking=true`: the Open Banking participants only; `false`: the others)."""
    query = query_params(request, ("open_banking",))
    world = runtime_of(request).world
    banks = world.bank_states()
    if "open_banking" in query:
        wanted = {"true": True, "false": False}.get(query["open_banking"].lower())
        if wanted is None:
            raise BadRequest("open_banking takes true or false")
        banks = [bank for bank in banks if bank["open_banking"] is wanted]
    return json_response(
        {"now": iso_kst(world.clock.now()), "centre": world.centre_state(), "banks": banks}
    )


def _add(runtime: Runtime, spec: Any) -> Fault:
    world = runtime.world
    world.clock.sync()
    try:
        fault = fault_from_spec(world, spec)
    except FaultSpecError as e:
        raise BadRequest(str(e)) from None
    world.faults.add(fault)
    world.events.emit(world.clock.now(), "fault", fault=fault.id, action="added", kind=fault.kind)
    world.clock.sync()  # the watchers it woke announce now, not at the next request
    return fault


async def create(request: web.Request) -> web.Response:
    runtime = runtime_of(request)
    fault = _add(runtime, await json_body(request))
    return json_response(describe(fault, runtime.world.clock.now()), 201)


async def listing(request: web.Request) -> web.Response:
    """Faults active now or to come (`?all=1`: ended ones too)."""
    world = runtime_of(request).world
    faults = world.faults.faults.values() if request.query.get("all") else world.faults.live()
    now = world.clock.now()
    return json_response({"faults": [describe(f, now) for f in faults]})


def _fault(request: web.Request) -> Fault:
    fault = runtime_of(request).world.faults.faults.get(request.match_info["id"])
    if fault is None:
        raise BadRequest(f"no fault {request.match_info['id']}", 404)
    return fault


async def get(request: web.Request) -> web.Response:
    return json_response(describe(_fault(request), runtime_of(request).world.clock.now()))


async def delete(request: web.Request) -> web.Response:
    runtime = runtime_of(request)
    world = runtime.world
    world.clock.sync()
    fault = world.faults.remove(_fault(request).id)
    assert fault is not None
    world.events.emit(world.clock.now(), "fault", fault=fault.id, action="removed", kind=fault.kind)
    world.clock.sync()
    return json_response(describe(fault, world.clock.now()))


async def clear(request: web.Request) -> web.Response:
    runtime = runtime_of(request)
    world = runtime.world
    world.clock.sync()
    removed = [f.id for f in world.faults.live()]
    for fault_id in removed:
        world.faults.remove(fault_id)
    world.events.emit(world.clock.now(), "fault", action="cleared", faults=removed)
    world.clock.sync()
    return json_response({"removed": removed})


async def change_bank(request: web.Request) -> web.Response:
    """Open or close a bank now, give it back to its schedule, or change its windows
    (see `order_bank`)."""
    runtime = runtime_of(request)
    world = runtime.world
    body = await json_body(request)
    world.clock.sync()
    try:
        added = order_bank(world, request.match_info["code"], body)
    except FaultSpecError as e:
        raise BadRequest(str(e), 404 if e.field == "code" else 400) from None
    for fault in added:
        world.events.emit(
            world.clock.now(), "fault", fault=fault.id, action="added", kind=fault.kind
        )
    world.clock.sync()
    code = world.resolver.resolve(request.match_info["code"]).code
    return json_response(next(b for b in world.bank_states() if b["code"] == code))
