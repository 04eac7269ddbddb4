"""The network as a whole: settlement, the ledger check, the event log and stream, reset,
snapshots.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from testbed.clock import iso_kst, yyyymmdd
from testbed.network.settlement import SettlementError, settle
from testbed.store import StoreError
from testbed.store.audit import ALL, CHANGE, CREATE, DELETE
from testbed.web import events as stream
from testbed.web.control.common import BadRequest, json_body, processed, query_params, runtime_of
from testbed.web.processing import EVERY_FIELD
from testbed.web.render import json_response

LABEL_MAX = 100


async def settlement(request: web.Request) -> web.Response:
    """Each bank's net position for a day (`?date=YYYYMMDD`, default: today, simulated)."""
    world = runtime_of(request).world
    date = request.query.get("date") or yyyymmdd(world.clock.now())
    try:
        day = settle(world.ledger, date)
    except SettlementError as e:
        raise BadRequest(str(e)) from None
    return json_response(day.view())


async def ledger_check(request: web.Request) -> web.Response:
    """Proof that money is conserved: the ledger's figures and every violation found."""
    return json_response(runtime_of(request).world.ledger.check())


async def events(request: web.Request) -> web.StreamResponse:
    """The event log as JSON (`?since=N&type=T`), or live for `Accept: text/event-stream`."""
    # token: the dashboard's EventSource cannot send a header (see common.admin_only)
    query = query_params(request, ("since", "type", "token"))
    live = "text/event-stream" in request.headers.get("Accept", "")
    resume = request.headers.get("Last-Event-ID") if live else None
    text = resume if resume is not None else query.get("since", "0")
    try:
        since = int(text.strip() or "0")
    except ValueError:
        since = -1
    if since < 0:
        raise BadRequest(
            ("Last-Event-ID" if resume is not None else "since") + " takes an event sequence number"
        )
    type_ = query.get("type") or None
    if live:
        return await stream.stream(request, since, type_)
    world = runtime_of(request).world
    return json_response({"events": world.events.since(since, type_)})


async def reset(request: web.Request) -> web.Response:
    """Back to the world the seed makes, the clock at the settings' start."""
    runtime = runtime_of(request)
    world = await runtime.reset()
    purpose = "테스트 환경 초기화 · reset to the seeded world"
    processed(request, DELETE, (ALL,), EVERY_FIELD, purpose, seed=world.seed)
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
    runtime = runtime_of(request)
    body: dict[str, Any] = await json_body(request) if request.body_exists else {}
    unknown = sorted(set(body) - {"label"})
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(unknown)}; expected label")
    label = body.get("label", "")
    if not isinstance(label, str) or len(label) > LABEL_MAX:
        raise BadRequest(f"label takes a text of at most {LABEL_MAX} characters")
    snapshot_id, time = await runtime.snapshot(label)
    purpose = "스냅샷 저장 (사본) · a snapshot: a copy of every record"
    processed(request, CREATE, (ALL,), EVERY_FIELD, purpose, snapshot=snapshot_id)
    return json_response({"id": snapshot_id, "label": label, "time": iso_kst(time)}, 201)


async def snapshots(request: web.Request) -> web.Response:
    store = runtime_of(request).store
    # the snapshots are listed from disk: what is queued (one just saved) is committed
    # FIRST (a read, not an answer to make durable: allowed by tests/web/test_durability.py)
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
    runtime = runtime_of(request)
    text = request.match_info["id"]
    snapshot_id = int(text) if text.isascii() and text.isdigit() else 0
    try:
        restored = await runtime.restore(snapshot_id) if snapshot_id else None
    except StoreError as e:
        raise BadRequest(str(e), 409) from None
    if restored is None:
        raise BadRequest(f"no snapshot {text}", 404)
    world, label, time = restored
    purpose = "스냅샷 복원 · back to a snapshot"
    processed(request, CHANGE, (ALL,), EVERY_FIELD, purpose, snapshot=snapshot_id)
    return json_response(
        {"id": snapshot_id, "label": label, "time": iso_kst(time), "clock": world.clock.state()}
    )
