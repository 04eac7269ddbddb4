"""The control plane under `/testbed/`: what testers drive and read, guarded by the admin token.

Handlers parse, call the model, render; they never touch balances themselves.
Errors are HTTP 4xx with `{"error": "..."}` (this is the testbed's own API, not KFTC's).
"""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web

from testbed.clock import ClockError, iso_kst, parse_kst
from testbed.config import BankCodeError, parse_duration
from testbed.network.ledger import Account, AccountKey, LedgerError
from testbed.runtime import Runtime
from testbed.web.keys import ADMIN_TOKEN, RUNTIME
from testbed.web.render import json_response

PREFIX = "/testbed/"


class BadRequest(web.HTTPBadRequest):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(
            text=json_response({"error": message}).text,
            content_type="application/json",
        )
        self.set_status(status)


@web.middleware
async def admin_only(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.path.startswith(PREFIX):
        expected = request.app[ADMIN_TOKEN]
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            return json_response(
                {"error": "the control plane needs 'Authorization: Bearer <admin token>'"},
                401,
            )
    response: web.StreamResponse = await handler(request)
    return response


def _runtime(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise BadRequest("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _account_key(runtime: Runtime, bank: str, num: str) -> AccountKey:
    try:
        institution = runtime.world.resolver.resolve(bank)
    except BankCodeError as e:
        raise BadRequest(e.message, 404) from None
    key = (institution.code, num)
    if key not in runtime.world.ledger.accounts:
        raise BadRequest(f"no account {num} at {institution.code} {institution.name_ko}", 404)
    return key


def _account_view(account: Account, history: int = 0) -> dict[str, Any]:
    view: dict[str, Any] = {
        "bank_code": account.bank_code,
        "account_num": account.account_num,
        "holder_name": account.holder_name,
        "holder_type": account.holder_type,
        "account_type": account.account_type.value,
        "product_name": account.product_name,
        "status": account.status.value,
        "balance": account.balance,
        "owner": account.owner,
    }
    if history:
        view["history"] = [
            {
                "entry": h.entry_id,
                "time": iso_kst(h.time),
                "amount": h.amount,
                "balance_after": h.balance_after,
                "print_content": h.print_content,
                "tran_type": h.tran_type,
            }
            for h in account.history[-history:]
        ]
    return view


# --- handlers ---------------------------------------------------------------------------


async def clients(request: web.Request) -> web.Response:
    directory = _runtime(request).world.directory
    return json_response(
        {
            "clients": [
                {
                    "client_use_code": c.client_use_code,
                    "name": c.name,
                    "name_en": c.name_en,
                    "client_id": c.client_id,
                    "client_secret": c.client_secret,
                    "redirect_uris": c.redirect_uris,
                    "scopes": c.scopes,
                    "self_auth": c.self_auth,
                    "main_bank": c.main_bank,
                    "contract_accounts": [
                        {
                            "purpose": a.purpose,
                            "bank_code": a.bank_code,
                            "account_num": a.account_num,
                            "cntr_account_type": a.cntr_account_type,
                        }
                        for a in c.contract_accounts
                    ],
                    "ip_allow": c.ip_allow,
                }
                for c in directory.clients.values()
            ]
        }
    )


async def get_clock(request: web.Request) -> web.Response:
    return json_response(_runtime(request).clock.state())


async def post_clock(request: web.Request) -> web.Response:
    """One or more of: set (ISO time), shift/advance (duration), speed, freeze, resume."""
    runtime = _runtime(request)
    body = await _body(request)
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


async def banks(request: web.Request) -> web.Response:
    world = _runtime(request).world
    return json_response(
        {
            "now": iso_kst(world.clock.now()),
            "centre": world.centre_state(),
            "banks": world.bank_states(),
        }
    )


async def ledger_check(request: web.Request) -> web.Response:
    return json_response(_runtime(request).world.ledger.check())


async def users(request: web.Request) -> web.Response:
    world = _runtime(request).world
    ledger = world.ledger
    registered: dict[tuple[str, str], list[dict[str, str]]] = {}
    for reg in world.directory.registrations.values():
        registered.setdefault((reg.bank_code, reg.account_num), []).append(
            {"client_use_code": reg.client_use_code, "fintech_use_num": reg.fintech_use_num}
        )
    out = []
    for user in world.directory.users.values():
        accounts = []
        for key in user.accounts:
            view = _account_view(ledger.accounts[key])
            view["registrations"] = registered.get(key, [])
            accounts.append(view)
        out.append(
            {
                "user_seq_no": user.user_seq_no,
                "name": user.name,
                "birth_date": user.birth_date,
                "gender": user.gender,
                "cell_no": user.cell_no,
                "email": user.email,
                "accounts": accounts,
            }
        )
    return json_response({"users": out})


async def account(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    key = _account_key(runtime, request.match_info["bank"], request.match_info["num"])
    try:
        limit = int(request.query.get("history", "25"))
    except ValueError:
        raise BadRequest("history takes a whole number of rows") from None
    return json_response(
        _account_view(runtime.world.ledger.accounts[key], max(0, min(limit, 1000)))
    )


async def cash(request: web.Request) -> web.Response:
    """Cash paid in (amount > 0) or taken out (amount < 0) at the account's own bank."""
    runtime = _runtime(request)
    key = _account_key(runtime, request.match_info["bank"], request.match_info["num"])
    body = await _body(request)
    amount = body.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
        raise BadRequest("amount takes a non-zero whole number of won (negative: cash out)")
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
            **_account_view(runtime.world.ledger.accounts[key]),
        }
    )


async def events(request: web.Request) -> web.Response:
    try:
        since = int(request.query.get("since", "0"))
    except ValueError:
        raise BadRequest("since takes an event sequence number") from None
    world = _runtime(request).world
    return json_response({"events": world.events.since(since, request.query.get("type"))})
