"""One account: `/testbed/accounts/{bank}/{num}`, its cash in and out, and its status."""

from __future__ import annotations

from aiohttp import web

from testbed.clock import iso_kst
from testbed.network.ledger import MAX_BALANCE, AccountStatus, LedgerError
from testbed.store.audit import CHANGE, READ, account_subjects
from testbed.web.control.common import (
    ACCOUNT_FIELDS,
    BadRequest,
    account_key,
    account_view,
    json_body,
    processed,
    runtime_of,
)
from testbed.web.render import json_response

#: what a cash movement changes of the account
_CHANGED = (*ACCOUNT_FIELDS, "transactions")


async def account(request: web.Request) -> web.Response:
    runtime = runtime_of(request)
    key = account_key(runtime, request.match_info["bank"], request.match_info["num"])
    try:
        limit = int(request.query.get("history", "25"))
    except ValueError:
        raise BadRequest("history takes a whole number of rows") from None
    account = runtime.world.ledger.accounts[key]
    view = account_view(account, max(0, min(limit, 1000)))
    fields = (*ACCOUNT_FIELDS, "transactions") if "history" in view else ACCOUNT_FIELDS
    subjects = account_subjects(runtime.store, account)
    processed(request, READ, subjects, fields, "계좌 조회 · read an account")
    return json_response(view)


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
    account = runtime.world.ledger.accounts[key]
    subjects = account_subjects(runtime.store, account)
    purpose = "현금 입출금 · cash in or out"
    processed(request, CHANGE, subjects, _CHANGED, purpose, amount=amount)
    return json_response({"entry": entry.id, "time": iso_kst(entry.time), **account_view(account)})


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
    subjects = account_subjects(runtime.store, account)
    fields = (*ACCOUNT_FIELDS, "status")
    processed(request, CHANGE, subjects, fields, "계좌 상태 변경 · account status", status=status)
    return json_response(account_view(account))
