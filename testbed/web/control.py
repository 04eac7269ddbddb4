"""The control plane under `/testbed/`: what testers drive and read, guarded by the admin token.

Handlers parse, call the model, render; they never touch balances themselves.
Errors are HTTP 4xx with `{"error": "..."}` (this is the testbed's own API, not KFTC's).
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from aiohttp import web

from testbed.clock import ClockError, iso_kst, parse_kst, to_kst
from testbed.config import BankCodeError, parse_duration
from testbed.network.auth import USER_SCOPES
from testbed.network.fixtures import AccountSpec, FixtureError, UserSpec, register
from testbed.network.fixtures import create_user as create_user_model
from testbed.network.ledger import Account, AccountKey, AccountStatus, AccountType, LedgerError
from testbed.network.parties import DEFAULT_LIMITS, FintechClient
from testbed.runtime import Runtime
from testbed.typedefs import ADMIN_TOKEN, RUNTIME
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


def _client_view(c: FintechClient) -> dict[str, Any]:
    return {
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
        "limits": {name: c.limit(name) for name in DEFAULT_LIMITS},
        "rate_limit": c.rate_limit,
        "wd_pass_phrase": c.wd_pass_phrase,
    }


async def clients(request: web.Request) -> web.Response:
    directory = _runtime(request).world.directory
    return json_response({"clients": [_client_view(c) for c in directory.clients.values()]})


_CLIENT_TERMS = {"limits", "ip_allow", "self_auth", "wd_pass_phrase", "redirect_uris", "rate_limit"}
_RATE_KEYS = {"per_second", "per_api", "burst"}


async def update_client(request: web.Request) -> web.Response:
    """An institution's terms (차등 운영): limits, self-authentication, IP allow-list, ..."""
    runtime = _runtime(request)
    client = runtime.world.directory.clients.get(request.match_info["code"])
    if client is None:
        raise BadRequest(f"no institution {request.match_info['code']}", 404)
    body = await _body(request)
    unknown = sorted(set(body) - _CLIENT_TERMS)
    if unknown or not body:
        raise BadRequest(
            (f"unknown field(s) {', '.join(unknown)}; " if unknown else "")
            + f"expected any of {', '.join(sorted(_CLIENT_TERMS))}"
        )
    limits = _field(body, "limits", dict, {})
    for name, value in limits.items():
        if name not in DEFAULT_LIMITS:
            raise BadRequest(f"limits.{name}: expected one of {', '.join(DEFAULT_LIMITS)}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BadRequest(f"limits.{name}: a whole number of won, 0 for no limit")
    ip_allow = _field(body, "ip_allow", list, client.ip_allow)
    uris = _field(body, "redirect_uris", list, client.redirect_uris)
    if not all(isinstance(x, str) and x for x in [*ip_allow, *uris]):
        raise BadRequest("ip_allow and redirect_uris: lists of non-empty strings")
    rate = _field(body, "rate_limit", dict, client.rate_limit)
    for name, value in rate.items():
        if name not in _RATE_KEYS:
            raise BadRequest(f"rate_limit.{name}: expected one of {', '.join(sorted(_RATE_KEYS))}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BadRequest(f"rate_limit.{name}: a whole number of requests, 0 for none")
    self_auth = _field(body, "self_auth", bool, client.self_auth)
    phrase = _field(body, "wd_pass_phrase", str, client.wd_pass_phrase)
    if not phrase or len(phrase) > 128:
        raise BadRequest("wd_pass_phrase: 1 to 128 characters")
    client.limits.update(limits)
    client.ip_allow, client.redirect_uris, client.wd_pass_phrase = (
        list(ip_allow),
        list(uris),
        phrase,
    )
    client.self_auth = self_auth
    client.rate_limit = {k: v for k, v in rate.items() if v}
    if self_auth and "sa" not in client.scopes:
        client.scopes.append("sa")
    if not self_auth and "sa" in client.scopes:
        client.scopes.remove("sa")
    runtime.world.directory.put_client(client)
    await runtime.store.durable()
    return json_response(_client_view(client))


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


def _field(body: dict[str, Any], name: str, kind: type, default: Any = None) -> Any:
    value = body.get(name, default)
    wrong_bool = isinstance(value, bool) and kind is not bool
    if value is None or wrong_bool or not isinstance(value, kind):
        raise BadRequest(f"{name}: expected {kind.__name__}")
    return value


def _account_spec(raw: Any, i: int) -> AccountSpec:
    if not isinstance(raw, dict):
        raise BadRequest(f"accounts[{i}]: expected an object")
    unknown = sorted(set(raw) - _ACCOUNT_KEYS)
    if unknown:
        raise BadRequest(f"accounts[{i}]: unknown field(s) {', '.join(unknown)}")
    try:
        return AccountSpec(
            bank_code=_field(raw, "bank_code", str),
            balance=_field(raw, "balance", int, 0),
            account_type=AccountType(_field(raw, "account_type", str, "1")),
            product_name=_field(raw, "product_name", str, ""),
            status=AccountStatus(_field(raw, "status", str, "normal")),
            account_num=_field(raw, "account_num", str, ""),
            inquiry=_field(raw, "inquiry", bool, True),
            transfer=_field(raw, "transfer", bool, True),
            alias=_field(raw, "alias", str, ""),
        )
    except ValueError as e:
        raise BadRequest(f"accounts[{i}]: {e}") from None


_ACCOUNT_KEYS = {
    "bank_code", "balance", "account_type", "product_name", "status", "account_num",
    "inquiry", "transfer", "alias",
}  # fmt: skip
_USER_KEYS = {
    "name",
    "birth_date",
    "gender",
    "cell_no",
    "email",
    "accounts",
    "client_use_code",
    "scope",
}


async def create_user(request: web.Request) -> web.Response:
    """A user with accounts registered to an institution, and tokens if asked: no browser needed."""
    runtime = _runtime(request)
    world = runtime.world
    body = await _body(request)
    unknown = sorted(set(body) - _USER_KEYS)
    if unknown:
        raise BadRequest(
            f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(_USER_KEYS))}"
        )
    accounts = _field(body, "accounts", list, [])
    spec = UserSpec(
        name=_field(body, "name", str),
        birth_date=_field(body, "birth_date", str),
        gender=_field(body, "gender", str, "M"),
        cell_no=_field(body, "cell_no", str, ""),
        email=_field(body, "email", str, ""),
        accounts=tuple(_account_spec(a, i) for i, a in enumerate(accounts)),
    )
    default_client = next(iter(world.directory.clients))
    client = world.directory.clients.get(_field(body, "client_use_code", str, default_client))
    if client is None:
        raise BadRequest("client_use_code: no such institution", 404)
    scopes = _field(body, "scope", str, "").split()
    if any(s not in USER_SCOPES for s in scopes):
        raise BadRequest(f"scope: any of {' '.join(USER_SCOPES)}")
    world.clock.sync()
    try:
        user = create_user_model(world, spec)
    except FixtureError as e:
        raise BadRequest(str(e)) from None
    out_accounts = []
    for account_spec, key in zip(spec.accounts, user.accounts, strict=True):
        account = world.ledger.accounts[key]
        reg = register(
            world,
            client,
            user,
            account,
            account_spec.inquiry,
            account_spec.transfer,
            account_spec.alias,
        )
        out_accounts.append({**_account_view(account), "fintech_use_num": reg.fintech_use_num})
    answer: dict[str, Any] = {
        "user_seq_no": user.user_seq_no,
        "user_ci": user.user_ci,
        "name": user.name,
        "client_use_code": client.client_use_code,
        "accounts": out_accounts,
    }
    if scopes:
        grant = world.auth.issue(
            client.client_use_code, user.user_seq_no, scopes, world.clock.now()
        )
        answer.update(
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            scope=" ".join(grant.scopes),
            expires_in=int(grant.expires_at - grant.issued_at),
        )
    await runtime.store.durable()
    return json_response(answer, 201)


async def billing(request: web.Request) -> web.Response:
    """처리대행비용 of each institution for a month (`?month=YYYY-MM`, default this month)."""
    world = _runtime(request).world
    month = request.query.get("month") or to_kst(world.clock.now()).strftime("%Y-%m")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise BadRequest("month: YYYY-MM")
    return json_response(
        {
            "month": month,
            "clients": [world.openbanking.bill(code, month) for code in world.directory.clients],
        }
    )
