"""What every control-plane handler shares: the admin guard, errors, body, runtime, accounts.

The handlers (one module per area of `/testbed/`) import these public helpers and
nothing from each other.
"""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web

from testbed.api.context import LONE_SURROGATE, lone_surrogate
from testbed.clock import iso_kst
from testbed.config import BankCodeError
from testbed.network.ledger import Account, AccountKey
from testbed.runtime import Runtime
from testbed.typedefs import ADMIN_TOKEN, RUNTIME
from testbed.web.render import json_response

PREFIX = "/testbed/"


class BadRequest(web.HTTPBadRequest):
    """A refusal as the control plane answers it: `{"error": message}`, 400 unless told."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(
            text=json_response({"error": message}).text,
            content_type="application/json",
        )
        self.set_status(status)


@web.middleware
async def admin_only(request: web.Request, handler: Any) -> web.StreamResponse:
    """Everything under `/testbed/` needs `Authorization: Bearer <admin token>`."""
    if request.path.startswith(PREFIX):
        expected = request.app[ADMIN_TOKEN]
        given = request.headers.get("Authorization", "")
        if not given and request.path == "/testbed/events" and "token" in request.query:
            # a browser's EventSource cannot send headers: the stream takes ?token=
            given = f"Bearer {request.query['token']}"
        if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
            return json_response(
                {"error": "the control plane needs 'Authorization: Bearer <admin token>'"},
                401,
            )
    response: web.StreamResponse = await handler(request)
    return response


def runtime_of(request: web.Request) -> Runtime:
    """The runtime the app serves (its world changes on reset and restore: read it per request)."""
    return request.app[RUNTIME]


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's body, which must be a JSON object."""
    try:
        data = await request.json()
    except ValueError:
        raise BadRequest("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    if lone_surrogate(data):
        raise BadRequest(f"the body is not text: {LONE_SURROGATE}")
    return data


def query_params(request: web.Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """The query string, refusing a parameter the route does not take (400 naming it):
    a silently ignored filter reads as "nothing matched"."""
    unknown = sorted(set(request.query) - set(allowed))
    if unknown:
        takes = ", ".join(allowed) if allowed else "no parameters"
        raise BadRequest(f"unknown query parameter(s) {', '.join(unknown)}; this takes {takes}")
    return dict(request.query)


def body_field(body: dict[str, Any], name: str, kind: type, default: Any = None) -> Any:
    """`body[name]`, or `default` when absent: a 400 unless it is a `kind` (a bool is no int)."""
    value = body.get(name, default)
    wrong_bool = isinstance(value, bool) and kind is not bool
    if value is None or wrong_bool or not isinstance(value, kind):
        raise BadRequest(f"{name}: expected {kind.__name__}")
    return value


def account_key(runtime: Runtime, bank: str, num: str) -> AccountKey:
    """The account a path names (the bank code through the resolver), or a 404."""
    try:
        institution = runtime.world.resolver.resolve(bank)
    except BankCodeError as e:
        raise BadRequest(e.message, 404) from None
    key = (institution.code, num)
    if key not in runtime.world.ledger.accounts:
        raise BadRequest(f"no account {num} at {institution.code} {institution.name_ko}", 404)
    return key


def account_view(account: Account, history: int = 0) -> dict[str, Any]:
    """An account as the control plane shows it, with its last `history` postings."""
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
