"""The institutions (이용기관): `/testbed/clients`, their terms, and their bills."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from testbed.clock import to_kst
from testbed.network.admission.values import ApplicationError, redirect_uri
from testbed.network.ledger import MAX_BALANCE
from testbed.network.parties import DEFAULT_LIMITS, FintechClient
from testbed.store.audit import READ, institution_subjects
from testbed.web.control.common import BadRequest, body_field, json_body, processed, runtime_of
from testbed.web.render import json_response


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
        "show_account_num": c.show_account_num,
    }


async def clients(request: web.Request) -> web.Response:
    runtime = runtime_of(request)
    shown = list(runtime.world.directory.clients.values())
    subjects = (s for c in shown for s in institution_subjects(runtime.store, c))
    processed(request, READ, subjects, ("account_num",), "이용기관 조회 · list institutions")
    return json_response({"clients": [_client_view(c) for c in shown]})


_CLIENT_TERMS = {
    "limits",
    "ip_allow",
    "self_auth",
    "wd_pass_phrase",
    "redirect_uris",
    "rate_limit",
    "show_account_num",
}
_RATE_KEYS = {"per_second", "per_api", "burst"}
#: requests a second (or a burst): far above any test, and inside the 64-bit integers the
#: store's JSON writer takes (10^30 once failed its write after the change was made)
MAX_RATE = 10**9


async def update_client(request: web.Request) -> web.Response:
    """An institution's terms (차등 운영): limits, self-authentication, IP allow-list,
    계좌번호 공개 (`show_account_num`), ..."""
    runtime = runtime_of(request)
    client = runtime.world.directory.clients.get(request.match_info["code"])
    if client is None:
        raise BadRequest(f"no institution {request.match_info['code']}", 404)
    body = await json_body(request)
    unknown = sorted(set(body) - _CLIENT_TERMS)
    if unknown or not body:
        raise BadRequest(
            (f"unknown field(s) {', '.join(unknown)}; " if unknown else "")
            + f"expected any of {', '.join(sorted(_CLIENT_TERMS))}"
        )
    limits = body_field(body, "limits", dict, {})
    for name, value in limits.items():
        if name not in DEFAULT_LIMITS:
            raise BadRequest(f"limits.{name}: expected one of {', '.join(DEFAULT_LIMITS)}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BALANCE:
            raise BadRequest(
                f"limits.{name}: a whole number of won up to {MAX_BALANCE:,}, 0 for no limit"
            )
    ip_allow = body_field(body, "ip_allow", list, client.ip_allow)
    uris = body_field(body, "redirect_uris", list, client.redirect_uris)
    if not all(isinstance(x, str) and x for x in [*ip_allow, *uris]):
        raise BadRequest("ip_allow and redirect_uris: lists of non-empty strings")
    try:  # the one check of every door (이용신청 and My Page too)
        uris = [redirect_uri(uri, f"redirect_uris[{i}]") for i, uri in enumerate(uris)]
    except ApplicationError as e:
        raise BadRequest(str(e)) from None
    rate = body_field(body, "rate_limit", dict, client.rate_limit)
    for name, value in rate.items():
        if name not in _RATE_KEYS:
            raise BadRequest(f"rate_limit.{name}: expected one of {', '.join(sorted(_RATE_KEYS))}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RATE:
            raise BadRequest(
                f"rate_limit.{name}: a whole number of requests up to {MAX_RATE:,}, 0 for none"
            )
    self_auth = body_field(body, "self_auth", bool, client.self_auth)
    show_account_num = body_field(body, "show_account_num", bool, client.show_account_num)
    phrase = body_field(body, "wd_pass_phrase", str, client.wd_pass_phrase)
    if not phrase or len(phrase) > 128:
        raise BadRequest("wd_pass_phrase: 1 to 128 characters")
    client.limits.update(limits)
    client.ip_allow, client.redirect_uris, client.wd_pass_phrase = (
        list(ip_allow),
        list(uris),
        phrase,
    )
    client.self_auth = self_auth
    client.show_account_num = show_account_num
    client.rate_limit = {k: v for k, v in rate.items() if v}
    if self_auth and "sa" not in client.scopes:
        client.scopes.append("sa")
    if not self_auth and "sa" in client.scopes:
        client.scopes.remove("sa")
    runtime.world.directory.put_client(client)
    return json_response(_client_view(client))


async def billing(request: web.Request) -> web.Response:
    """처리대행비용 of each institution for a month (`?month=YYYY-MM`, default this month)."""
    world = runtime_of(request).world
    month = request.query.get("month") or to_kst(world.clock.now()).strftime("%Y-%m")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise BadRequest("month: YYYY-MM")
    return json_response(
        {
            "month": month,
            "clients": [world.openbanking.bill(code, month) for code in world.directory.clients],
        }
    )
