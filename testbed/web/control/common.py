"""What every control-plane handler shares: the admin guard, errors, body, runtime, accounts.

The handlers (one module per area of `/testbed/`) import these public helpers and
nothing from each other.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from aiohttp import web

from testbed.api.context import LONE_SURROGATE, lone_surrogate
from testbed.clock import DAY, ClockError, iso_kst, parse_kst
from testbed.config import BankCodeError, limits
from testbed.config.limits import TooDeep
from testbed.network.ledger import Account, AccountKey
from testbed.network.world import World
from testbed.runtime import Runtime
from testbed.store.audit import DEFAULT_PAGE_SIZE, DENIED, MAX_PAGE_SIZE
from testbed.typedefs import ADMIN_TOKEN, RUNTIME, durably
from testbed.web import processing
from testbed.web.render import JSON_HEADERS, json_response

PREFIX = "/testbed/"
#: the personal fields `account_view` shows (with its history: `transactions` too)
ACCOUNT_FIELDS: Final = ("account_num", "holder_name", "balance")


class BadRequest(web.HTTPBadRequest):
    """A refusal as the control plane answers it: `{"error": message}`, 400 unless told."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(
            text=json_response({"error": message}).text,
            content_type="application/json",
            headers=JSON_HEADERS,
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
            return await _refused(request)
    response: web.StreamResponse = await handler(request)
    return response


async def _denied(request: web.Request) -> web.Response:
    """401: a failed authorization is logged (the monthly review lists them; the label is
    the one the caller claimed), on disk before the answer (`durably`), whatever the route."""
    processed(request, DENIED, (), (), "관리자 인증 실패 · admin token refused")
    return json_response(
        {"error": "the control plane needs 'Authorization: Bearer <admin token>'"}, 401
    )


_refused = durably(_denied)


def processed(
    request: web.Request,
    action: str,
    subjects: Iterable[str],
    fields: Iterable[str],
    purpose: str,
    **detail: Any,
) -> None:
    """Log a processing of personal data by the admin (`processing.admin`: the operator's
    label); its route is declared writing (`Writes` in the route table), so the answer
    that shows the personal data leaves once the record is on disk."""
    runtime = runtime_of(request)
    processing.record(
        runtime, processing.admin(request), action, subjects, fields, purpose, **detail
    )


def runtime_of(request: web.Request) -> Runtime:
    """The runtime the app serves (its world changes on reset and restore: read it per request)."""
    return request.app[RUNTIME]


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's body, which must be a JSON object."""
    try:
        data = limits.loads(await request.text())
    except TooDeep as e:
        raise BadRequest(f"the body is {e}") from None
    except ValueError:  # not JSON, or not UTF-8 (UnicodeDecodeError is a ValueError)
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


def time_range(query: Mapping[str, str]) -> tuple[float | None, float | None]:
    """`from` (inclusive) and `to` (exclusive; a date alone, `2026-03-31`, includes that
    day): ISO-8601 moments, KST unless they carry an offset; simulated time."""
    bounds: list[float | None] = []
    for name in ("from", "to"):
        text = query.get(name, "").strip()
        if not text:
            bounds.append(None)
            continue
        try:
            moment = parse_kst(text)
        except (ClockError, OverflowError, OSError):
            raise BadRequest(
                f"{name}: an ISO-8601 time or date, e.g. 2026-03-02T09:00:00 or 2026-03-02"
            ) from None
        date_only = re.fullmatch(r"[0-9]{4}-?[0-9]{2}-?[0-9]{2}", text) is not None
        bounds.append(moment + DAY if name == "to" and date_only else moment)
    return bounds[0], bounds[1]


def paging(query: Mapping[str, str]) -> tuple[int, int]:
    """`page` (from 1) and `size` (1 to MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE unless given)."""
    numbers = []
    for name, default, top in (("page", 1, 1_000_000), ("size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)):
        text = query.get(name, "").strip() or str(default)
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= top:
            raise BadRequest(f"{name}: a whole number from 1 to {top}")
        numbers.append(int(text))
    return numbers[0], numbers[1]


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


def registrations_by_account(world: World) -> dict[AccountKey, list[dict[str, str]]]:
    """Each registered account's registrations: institution and fintech_use_num."""
    registered: dict[AccountKey, list[dict[str, str]]] = {}
    for reg in world.directory.registrations.values():
        registered.setdefault((reg.bank_code, reg.account_num), []).append(
            {"client_use_code": reg.client_use_code, "fintech_use_num": reg.fintech_use_num}
        )
    return registered


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
