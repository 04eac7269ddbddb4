"""What the consent pages read: the authorize query (checked in KFTC's order), the
`Kftc-Bfop-*` pre-fill, the new-user form, and a posted form with the flow it names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Final
from urllib.parse import unquote

from aiohttp import web
from multidict import MultiDict

from testbed.clock import to_kst
from testbed.network.admission.values import redirect_uri_ok
from testbed.network.gateway.population import AccountSpec, UserSpec
from testbed.network.gateway.tokens import USER_SCOPES
from testbed.network.world import World
from testbed.typedefs import INSTITUTION
from testbed.web.consent.flows import AuthorizeParams, Flow, flows
from testbed.web.consent.views import error_page, redirect_uri_help, refuse, runtime_of
from testbed.web.origin import console_callback, own_console_callback

DEFAULT_BALANCE: Final = 1_000_000
MAX_BALANCE: Final = 1_000_000_000_000

_CELL_NO = re.compile(r"010\d{8}")
_DIGITS = re.compile(r"\d+")


def _parse_scopes(text: str) -> list[str]:
    return [s for s in text.replace("+", " ").split() if s]


def validate(request: web.Request, world: World) -> AuthorizeParams | web.Response:
    """The authorize query, or the page/redirect that refuses it."""
    query = request.query
    client = world.directory.clients_by_id.get(query.get("client_id", ""))
    if client is None:
        return error_page(
            request,
            "3000201",
            "client_id가 등록된 이용기관의 것이 아닙니다.",
            "client_id does not name a registered institution.",
        )
    redirect_uri = query.get("redirect_uri", "")
    # registered and a redirect URI by the one check (one kept before the check existed
    # never puts a CR or LF into a Location header), or this server's own console
    registered = redirect_uri in client.redirect_uris and redirect_uri_ok(redirect_uri)
    if not registered and not own_console_callback(request, client, redirect_uri):
        return error_page(
            request,
            "3000114",
            "redirect_uri가 이용기관에 등록된 Callback URL과 정확히 일치해야 합니다.",
            "redirect_uri must equal one of the institution's registered callback URLs"
            " exactly; the browser is not sent to an untrusted address.",
            received=redirect_uri,
            register=redirect_uri_help(client, redirect_uri, console_callback(request)),
        )
    state = query.get("state", "")
    if query.get("response_type", "") != "code":
        return refuse(redirect_uri, "3000116", state)
    scopes = _parse_scopes(query.get("scope", ""))
    if (
        not scopes
        or any(s not in USER_SCOPES for s in scopes)
        or any(s not in client.scopes for s in scopes)
    ):
        return refuse(redirect_uri, "3000115", state)
    if not state:
        return refuse(redirect_uri, "3000103", state)
    auth_type = query.get("auth_type", "") or "0"
    if auth_type not in ("0", "1", "2"):
        return refuse(redirect_uri, "3000103", state)
    return AuthorizeParams(
        client=client,
        redirect_uri=redirect_uri,
        scopes=[s for s in USER_SCOPES if s in scopes],  # canonical order, no repeats
        state=state,
        client_info=query.get("client_info", ""),
        auth_type=auth_type,
    )


def prefill(headers: Mapping[str, str]) -> dict[str, str]:
    """The new-user form pre-filled from `Kftc-Bfop-*` headers (auth_type 1)."""
    out: dict[str, str] = {}
    name = unquote(headers.get("Kftc-Bfop-UserName", "")).strip()
    if name:
        out["name"] = name[:20]
    info = headers.get("Kftc-Bfop-UserInfo", "").strip()
    if info.isascii() and info.isdigit() and len(info) in (8, 9):
        out["birth_date"] = info[:8]
        if len(info) == 9:  # birth date + the 주민번호 gender digit
            out["gender"] = "M" if int(info[8]) % 2 else "F"
    cell = headers.get("Kftc-Bfop-UserCellNo", "").replace("-", "").strip()
    if cell.isascii() and cell.isdigit():
        out["cell_no"] = cell
    return out


def check_new_user(world: World, form: Mapping[str, str]) -> tuple[UserSpec | None, dict[str, str]]:
    errors: dict[str, str] = {}
    name = form.get("name", "").strip()
    if not 1 <= len(name) <= 20 or not name.isprintable():
        errors["name"] = "이름을 1~20자로 입력하세요. · Enter a name of 1 to 20 characters."
    birth = form.get("birth_date", "").strip()
    if not _is_birth_date(birth, world.clock.now()):
        errors["birth_date"] = (
            "생년월일 8자리를 입력하세요 (예: 19900101). · Birth date as YYYYMMDD."
        )
    cell = re.sub(r"[\s-]", "", form.get("cell_no", ""))
    if not _CELL_NO.fullmatch(cell):
        errors["cell_no"] = (
            "휴대폰 번호 010으로 시작하는 11자리를 입력하세요. · Mobile number: 010 and 8 digits."
        )
    gender = form.get("gender", "")
    if gender not in ("M", "F"):
        errors["gender"] = "성별을 선택하세요. · Choose a gender."
    bank_code = form.get("bank_code", "")
    if bank_code not in {i.code for i in world.config.participants}:
        errors["bank_code"] = "오픈뱅킹 참가은행을 선택하세요. · Choose a participant bank."
    balance_text = re.sub(r"[\s,]", "", form.get("balance", ""))
    balance = int(balance_text) if _DIGITS.fullmatch(balance_text) else -1
    if not 0 <= balance <= MAX_BALANCE:
        errors["balance"] = (
            "시작 잔액을 0원 이상 1조원 이하의 숫자로 입력하세요."
            " · Starting balance: a whole number of won, 0 to 1,000,000,000,000."
        )
    if errors:
        return None, errors
    spec = UserSpec(
        name=name,
        birth_date=birth,
        gender=gender,
        cell_no=cell,
        accounts=(AccountSpec(bank_code=bank_code, balance=balance),),
    )
    return spec, {}


def _is_birth_date(text: str, now: float) -> bool:
    if len(text) != 8 or not (text.isascii() and text.isdigit()):
        return False
    try:
        day = datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return False
    return day.year >= 1900 and day <= to_kst(now).date()


async def flow_form(request: web.Request) -> tuple[MultiDict[str], Flow | None]:
    """The posted form (text fields only) and the live flow it names."""
    form: MultiDict[str] = MultiDict()
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            items = list((await request.post()).items())  # a key may come many times
        except (ValueError, AssertionError, UnicodeDecodeError):
            items = []  # a broken form (no multipart boundary...) names no flow
        for key, value in items:
            if isinstance(value, str):
                form.add(key, value)
    runtime = runtime_of(request)
    flow = flows(request.app).find(form.get("flow", ""), runtime.clock.now())
    if flow is not None:
        request[INSTITUTION] = flow.client_use_code
    return form, flow
