"""The control plane's state calls: settlement, the event log and stream, reset, snapshots,
account status.

Handlers parse, call the model or the runtime, render (see `testbed.web.control`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from testbed.clock import iso_kst, yyyymmdd
from testbed.network.ledger import AccountStatus
from testbed.network.settlement import SettlementError, settle
from testbed.store import StoreError
from testbed.web import events as stream
from testbed.web.control import BadRequest, _account_key, _account_view, _body, _runtime
from testbed.web.render import json_response

LABEL_MAX = 100


async def settlement(request: web.Request) -> web.Response:
    """Each bank's net position for a day (`?date=YYYYMMDD`, default: today, simulated)."""
    world = _runtime(request).world
    date = request.query.get("date") or yyyymmdd(world.clock.now())
    try:
        day = settle(world.ledger, date)
    except SettlementError as e:
        raise BadRequest(str(e)) from None
    return json_response(day.view())


async def events(request: web.Request) -> web.StreamResponse:
    """The event log as JSON (`?since=N&type=T`), or live for `Accept: text/event-stream`."""
    live = "text/event-stream" in request.headers.get("Accept", "")
    resume = request.headers.get("Last-Event-ID") if live else None
    text = resume if resume is not None else request.query.get("since", "0")
    try:
        since = int(text.strip() or "0")
    except ValueError:
        since = -1
    if since < 0:
        raise BadRequest(
            ("Last-Event-ID" if resume is not None else "since") + " takes an event sequence number"
        )
    type_ = request.query.get("type") or None
    if live:
        return await stream.stream(request, since, type_)
    world = _runtime(request).world
    return json_response({"events": world.events.since(since, type_)})


async def reset(request: web.Request) -> web.Response:
    """Back to the world the seed makes, the clock at the settings' start."""
    runtime = _runtime(request)
    world = await runtime.reset()
    return json_response(
        {
            "seed": world.seed,
            "clock": world.clock.state(),
            "users": len(world.directory.users),
            "accounts": len(world.ledger.accounts),
            "entries": len(world.ledger.entries),
        }
    )


async def create_snapshot(request: web.Request) -> web.Response:
    """Save the whole network (ledger, records, clock) under an optional label."""
    runtime = _runtime(request)
    body: dict[str, Any] = await _body(request) if request.body_exists else {}
    unknown = sorted(set(body) - {"label"})
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(unknown)}; expected label")
    label = body.get("label", "")
    if not isinstance(label, str) or len(label) > LABEL_MAX:
        raise BadRequest(f"label takes a text of at most {LABEL_MAX} characters")
    snapshot_id, time = await runtime.snapshot(label)
    return json_response({"id": snapshot_id, "label": label, "time": iso_kst(time)}, 201)


async def snapshots(request: web.Request) -> web.Response:
    store = _runtime(request).store
    await store.durable()
    return json_response(
        {
            "snapshots": [
                {"id": sid, "label": label, "time": iso_kst(time), "bytes": size}
                for sid, label, time, size in store.snapshots()
            ]
        }
    )


async def restore_snapshot(request: web.Request) -> web.Response:
    """Replace the world by a snapshot's: balances, histories, tokens, records and clock."""
    runtime = _runtime(request)
    text = request.match_info["id"]
    snapshot_id = int(text) if text.isdigit() else 0
    try:
        restored = await runtime.restore(snapshot_id) if snapshot_id else None
    except StoreError as e:
        raise BadRequest(str(e), 409) from None
    if restored is None:
        raise BadRequest(f"no snapshot {text}", 404)
    world, label, time = restored
    return json_response(
        {"id": snapshot_id, "label": label, "time": iso_kst(time), "clock": world.clock.state()}
    )


async def account_status(request: web.Request) -> web.Response:
    """`{"status": "normal" | "suspended" | "closed" | "accident"}`: what the bank answers."""
    runtime = _runtime(request)
    key = _account_key(runtime, request.match_info["bank"], request.match_info["num"])
    body = await _body(request)
    statuses = [s.value for s in AccountStatus]
    status = body.get("status")
    if set(body) != {"status"} or status not in statuses:
        raise BadRequest(f'the body is {{"status": one of {", ".join(statuses)}}}')
    world = runtime.world
    world.clock.sync()
    account = world.ledger.set_status(key, AccountStatus(status))
    world.events.emit(world.clock.now(), "account_status", bank=key[0], status=status)
    await runtime.store.durable()
    return json_response(_account_view(account))
