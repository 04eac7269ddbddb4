"""One account: `/testbed/accounts/{bank}/{num}`, its cash in and out, and its status."""

from __future__ import annotations

from aiohttp import web

from testbed.clock import iso_kst
from testbed.network.ledger import MAX_BALANCE, AccountStatus, LedgerError
from testbed.web.control.common import BadRequest, account_key, account_view, json_body, runtime_of
from testbed.web.render import json_response


async def account(request: web.Request) -> web.Response:
    runtime = runtime_of(request)
    key = account_key(runtime, request.match_info["bank"], request.match_info["num"])
    try:
        limit = int(request.query.get("history", "25"))
    except ValueError:
        raise BadRequest("history takes a whole number of rows") from None
    return json_response(account_view(runtime.world.ledger.accounts[key], max(0, min(limit, 1000))))


async def cash(request: web.Request) -> web.Response:
    """Cash paid in (amount > 0) or taken out (amount < 0) at the account's own bank."""
    runtime = runtime_of(request)
    key = account_key(runtime, request.match_info["bank"], request.match_info["num"])
    body = await json_body(request)
    amount = body.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or not amount:
        amount = None
    if amount is None or abs(amount) > MAX_BALANCE:
        raise BadRequest(
            f"amount takes a non-zero whole number of won, at most {MAX_BALANCE:,}"
            " (negative: cash out)"
        )
    memo = body.get("memo", "")
    if not isinstance(memo, str) or len(memo) > 20:
        raise BadRequest("memo takes a text of at most 20 characters")
    try:
        entry = runtime.world.cash(key, amount, memo)
    except LedgerError as e:
        raise BadRequest(f"{e} ({e.problem})", 409) from None
    await runtime.store.durable()
    return json_response(
        {
            "entry": entry.id,
            "time": iso_kst(entry.time),
            **account_view(runtime.world.ledger.accounts[key]),
        }
    )


async def account_status(request: web.Request) -> web.Response:
    """`{"status": "normal" | "suspended" | "closed" | "accident"}`: what the bank answers."""
    runtime = runtime_of(request)
    key = account_key(runtime, request.match_info["bank"], request.match_info["num"])
    body = await json_body(request)
    statuses = [s.value for s in AccountStatus]
    status = body.get("status")
    if set(body) != {"status"} or status not in statuses:
        raise BadRequest(f'the body is {{"status": one of {", ".join(statuses)}}}')
    world = runtime.world
    world.clock.sync()
    account = world.ledger.set_status(key, AccountStatus(status))
    world.events.emit(world.clock.now(), "account_status", bank=key[0], status=status)
    await runtime.store.durable()
    return json_response(account_view(account))
