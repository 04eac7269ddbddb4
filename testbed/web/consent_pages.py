"""The 3-legged user flow as browser pages: `/oauth/2.0/authorize` and `/authorize_account`.

These are pages, not a JSON API. The fintech's app sends the user's browser here;
the user walks through three pages and the browser is sent back to the
institution's `redirect_uri` with a one-time `code` (or an `error`):

1. 사용자 확인 (sign in): one of the world's users, or a new one made on the spot;
2. 본인인증 (identity check): a simulated SMS code, shown on the page;
3. 계좌 선택 및 동의: which accounts to register, and the 조회/출금 consents.

The flow's state stays on the server (`ConsentFlows`, keyed by a flow id carried in
a hidden field) and expires after 10 simulated minutes. Every handler answers an
HTML page or a redirect itself: the KFTC answer path (`kftc_answer`) would turn an
exception under `/oauth/2.0/` into KFTC JSON, which a browser user cannot read.

Testbed choices (⚠ not documented by KFTC):
- parameter errors are checked in the order client_id, redirect_uri (both shown as
  an error page: the URI is not trusted), response_type, scope, state, auth_type
  (these redirect with `error=...`);
- `auth_type=2` skips pages 1 and 2 when `Kftc-Bfop-UserSeqNo` names a user with
  an account registered to the institution (and `Kftc-Bfop-AccessToken`, if sent,
  is a live token of that user); otherwise the full flow runs, with a notice;
- `Kftc-Bfop-UserName`/`UserInfo`/`UserCellNo` pre-fill the new-user form;
- 출금 동의 applies to 수시입출금 (demand) accounts only, as in the seeded world;
- the token's scopes are the scopes asked for; the consent boxes decide what each
  registered account allows (`inquiry_agree_yn`, `transfer_agree_yn`);
- a new user is created only once the identity check passes.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote, unquote, urlencode

from aiohttp import web
from multidict import MultiDict

from testbed.api.catalogue import Page
from testbed.clock import to_kst
from testbed.network.codes import Refusal
from testbed.network.gateway import population, tenancy, tokens
from testbed.network.gateway.admission import redirect_uri_ok
from testbed.network.gateway.population import AccountSpec, FixtureError, UserSpec
from testbed.network.gateway.registrations import register_account
from testbed.network.gateway.tokens import USER_SCOPES
from testbed.network.gateway.views import mask
from testbed.network.ledger import AccountKey, AccountStatus
from testbed.network.parties import FintechClient, User
from testbed.network.world import World
from testbed.runtime import Runtime
from testbed.store.audit import CREATE
from testbed.typedefs import RUNTIME, Handler
from testbed.web import processing
from testbed.web.origin import own_console_callback
from testbed.web.render import PRIVATE_PAGE_HEADERS, form_headers, render

FLOW_LIFETIME: Final = 600.0  # 10 simulated minutes
MAX_FLOWS: Final = 10_000  # the oldest go first (virtual time may never move)
DEFAULT_BALANCE: Final = 1_000_000
MAX_BALANCE: Final = 1_000_000_000_000

AUTHORIZE: Final = "authorize"
AUTHORIZE_ACCOUNT: Final = "authorize_account"

SIGNIN: Final = "signin"
VERIFY: Final = "verify"
CONSENT: Final = "consent"

PREFIX: Final = "/oauth/2.0/authorize"
SIGNIN_PATH: Final = f"{PREFIX}/signin"
VERIFY_PATH: Final = f"{PREFIX}/verify"
CONSENT_PATH: Final = f"{PREFIX}/consent"
CANCEL_PATH: Final = f"{PREFIX}/cancel"

#: `error` of the callback for a sub-code; any other is `invalid_request`
_ERROR_NAMES: Final = {"3000115": "invalid_scope", "3000116": "unsupported_response_type"}

_CELL_NO = re.compile(r"010\d{8}")
_DIGITS = re.compile(r"\d+")


# --- the flows --------------------------------------------------------------------------


@dataclass(slots=True)
class Flow:
    """One user's walk through the pages, from the authorize request to the callback."""

    flow_id: str
    kind: str  # AUTHORIZE | AUTHORIZE_ACCOUNT
    client_use_code: str
    redirect_uri: str
    scopes: list[str]
    state: str
    client_info: str
    expires_at: float
    step: str = SIGNIN
    user_seq_no: str = ""  # the user, once chosen (new users: once verified)
    new_user: UserSpec | None = None  # typed on page 1, created after the identity check
    cell_no: str = ""  # where the identity code was "sent"
    sms_code: str = ""
    accounts: list[AccountKey] = field(default_factory=list)  # as listed on page 3
    prefill: dict[str, str] = field(default_factory=dict)
    notice: str = ""


class ConsentFlows:
    """The flows under way, by flow id; expired ones are dropped as they are met."""

    def __init__(self) -> None:
        self.flows: dict[str, Flow] = {}

    def open(
        self, world: World, kind: str, params: AuthorizeParams, now: float, prefill: dict[str, str]
    ) -> Flow:
        self._prune(now)
        rng = world.secrets.stream("consent")  # a flow id lets its holder on: a secret
        while True:
            flow_id = f"{rng.getrandbits(128):032x}"
            if flow_id not in self.flows:
                break
        flow = Flow(
            flow_id=flow_id,
            kind=kind,
            client_use_code=params.client.client_use_code,
            redirect_uri=params.redirect_uri,
            scopes=params.scopes,
            state=params.state,
            client_info=params.client_info,
            expires_at=now + FLOW_LIFETIME,
            prefill=prefill,
        )
        self.flows[flow_id] = flow
        while len(self.flows) > MAX_FLOWS:
            del self.flows[next(iter(self.flows))]
        return flow

    def find(self, flow_id: str, now: float) -> Flow | None:
        self._prune(now)
        return self.flows.get(flow_id)

    def close(self, flow: Flow) -> None:
        self.flows.pop(flow.flow_id, None)

    def _prune(self, now: float) -> None:
        for flow_id in [k for k, f in self.flows.items() if now >= f.expires_at]:
            del self.flows[flow_id]


FLOWS = web.AppKey("consent_flows", ConsentFlows)


def install(app: web.Application) -> None:
    """Give the app its flow store; meant for `init_app`, before the app starts."""
    app[FLOWS] = ConsentFlows()


def flows(app: web.Application) -> ConsentFlows:
    return app[FLOWS]


# --- the authorize request --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthorizeParams:
    client: FintechClient
    redirect_uri: str
    scopes: list[str]
    state: str
    client_info: str
    auth_type: str


def _parse_scopes(text: str) -> list[str]:
    return [s for s in text.replace("+", " ").split() if s]


def _validate(request: web.Request, world: World) -> AuthorizeParams | web.Response:
    """The authorize query, or the page/redirect that refuses it."""
    query = request.query
    client = world.directory.clients_by_id.get(query.get("client_id", ""))
    if client is None:
        return _error_page(
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
        return _error_page(
            request,
            "3000114",
            "redirect_uri가 이용기관에 등록된 Callback URL과 정확히 일치해야 합니다.",
            "redirect_uri must equal one of the institution's registered callback URLs"
            " exactly; the browser is not sent to an untrusted address.",
            received=redirect_uri,
        )
    state = query.get("state", "")
    if query.get("response_type", "") != "code":
        return _refuse(redirect_uri, "3000116", state)
    scopes = _parse_scopes(query.get("scope", ""))
    if (
        not scopes
        or any(s not in USER_SCOPES for s in scopes)
        or any(s not in client.scopes for s in scopes)
    ):
        return _refuse(redirect_uri, "3000115", state)
    if not state:
        return _refuse(redirect_uri, "3000103", state)
    auth_type = query.get("auth_type", "") or "0"
    if auth_type not in ("0", "1", "2"):
        return _refuse(redirect_uri, "3000103", state)
    return AuthorizeParams(
        client=client,
        redirect_uri=redirect_uri,
        scopes=[s for s in USER_SCOPES if s in scopes],  # canonical order, no repeats
        state=state,
        client_info=query.get("client_info", ""),
        auth_type=auth_type,
    )


def _prefill(headers: Mapping[str, str]) -> dict[str, str]:
    """The new-user form pre-filled from `Kftc-Bfop-*` headers (auth_type 1)."""
    out: dict[str, str] = {}
    name = unquote(headers.get("Kftc-Bfop-UserName", "")).strip()
    if name:
        out["name"] = name[:20]
    info = headers.get("Kftc-Bfop-UserInfo", "").strip()
    if info.isdigit() and len(info) in (8, 9):
        out["birth_date"] = info[:8]
        if len(info) == 9:  # birth date + the 주민번호 gender digit
            out["gender"] = "M" if int(info[8]) % 2 else "F"
    cell = headers.get("Kftc-Bfop-UserCellNo", "").replace("-", "").strip()
    if cell.isdigit():
        out["cell_no"] = cell
    return out


def _returning_user(
    world: World, client: FintechClient, headers: Mapping[str, str], now: float
) -> User | None:
    """auth_type 2: the user the headers name, if re-authentication may be skipped."""
    named = headers.get("Kftc-Bfop-UserSeqNo", "").strip()
    user = tenancy.user_for(world, tenancy.tenant_of(client), named)
    if user is None or not _registered_keys(world, client, user):
        return None
    token = headers.get("Kftc-Bfop-AccessToken", "").strip()
    if token:
        try:
            grant = tokens.bearer(world, token, now)
        except Refusal:
            return None
        if grant.user_seq_no != user.user_seq_no or grant.client_use_code != (
            client.client_use_code
        ):
            return None
    return user


async def authorize(request: web.Request) -> web.Response:
    """GET /oauth/2.0/authorize (사용자인증)."""
    return _start(request, AUTHORIZE)


async def authorize_account(request: web.Request) -> web.Response:
    """GET /oauth/2.0/authorize_account (계좌등록확인): a known user adds accounts."""
    return _start(request, AUTHORIZE_ACCOUNT)


def _start(request: web.Request, kind: str) -> web.Response:
    runtime = _runtime(request)
    world, now = runtime.world, runtime.clock.now()
    params = _validate(request, world)
    if isinstance(params, web.Response):
        return params
    prefill = _prefill(request.headers) if kind == AUTHORIZE else {}
    flow = flows(request.app).open(world, kind, params, now, prefill)
    if params.auth_type == "2":
        user = _returning_user(world, params.client, request.headers, now)
        if user is not None:
            flow.user_seq_no, flow.step = user.user_seq_no, CONSENT
            return _consent_page(request, flow)
        flow.notice = (
            "재인증을 생략할 수 없어 본인인증을 진행합니다."
            " · Re-authentication cannot be skipped for this user: please sign in."
        )
    return _signin_page(request, flow)


# --- page 1: sign in --------------------------------------------------------------------


def _signin_users(world: World, flow: Flow) -> list[User]:
    """Who page 1 lists: the users of the institution's own tenant (a portal app's: its
    developer's; a demo institution's: the shared population), and for 계좌등록확인 only
    those the institution already knows."""
    client = world.directory.clients[flow.client_use_code]
    users = list(tenancy.users_of(world, tenancy.tenant_of(client)))
    if flow.kind == AUTHORIZE_ACCOUNT:
        users = [u for u in users if _registered_keys(world, client, u)]
    return users


def _signin_page(
    request: web.Request,
    flow: Flow,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    new_open: bool = False,
) -> web.Response:
    world = _runtime(request).world
    form = {
        "user_seq_no": flow.user_seq_no,
        "name": "",
        "birth_date": "",
        "cell_no": "",
        "gender": "M",
        "bank_code": world.config.participants[0].code if world.config.participants else "",
        "balance": f"{DEFAULT_BALANCE}",
        **flow.prefill,
        **(values or {}),
    }
    users = [
        {"user_seq_no": u.user_seq_no, "label": f"{u.name} · {_mask_phone(u.cell_no)}"}
        for u in _signin_users(world, flow)
    ]
    if users:  # names (and masked phones) shown to whoever holds the link: logged
        _log_shown(request, flow, [u["user_seq_no"] for u in users])
    banks = [{"code": i.code, "name": i.display_name} for i in world.config.participants]
    return _render(
        request,
        "signin.html",
        flow,
        users=users,
        banks=banks,
        form=form,
        errors=dict(errors or {}),
        allow_new=flow.kind == AUTHORIZE,
        new_open=new_open or bool(flow.prefill) or not users,
    )


def _check_new_user(
    world: World, form: Mapping[str, str]
) -> tuple[UserSpec | None, dict[str, str]]:
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
    if len(text) != 8 or not text.isdigit():
        return False
    try:
        day = datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return False
    return day.year >= 1900 and day <= to_kst(now).date()


async def signin(request: web.Request) -> web.Response:
    """POST page 1: an existing user, or the details of a new one."""
    runtime = _runtime(request)
    world = runtime.world
    form, flow = await _flow_form(request)
    if flow is None:
        return _lost_page(request)
    if form.get("mode") == "new" and flow.kind == AUTHORIZE:
        spec, errors = _check_new_user(world, form)
        if spec is None:
            return _signin_page(request, flow, values=form, errors=errors, new_open=True)
        flow.user_seq_no, flow.new_user, flow.cell_no = "", spec, spec.cell_no
    else:
        wanted = form.get("user_seq_no", "")
        user = next((u for u in _signin_users(world, flow) if u.user_seq_no == wanted), None)
        if user is None:
            return _signin_page(
                request,
                flow,
                errors={"user_seq_no": "사용자를 선택하세요. · Choose a user."},
            )
        flow.user_seq_no, flow.new_user, flow.cell_no = user.user_seq_no, None, user.cell_no
    flow.sms_code = f"{world.secrets.stream('consent').randrange(1_000_000):06d}"
    flow.step = VERIFY
    return _verify_page(request, flow)


# --- page 2: identity check -------------------------------------------------------------


def _verify_page(request: web.Request, flow: Flow, error: str = "") -> web.Response:
    name = flow.new_user.name if flow.new_user else _user(request, flow).name
    return _render(
        request,
        "verify.html",
        flow,
        name=name,
        phone=_mask_phone(flow.cell_no),
        sms_code=flow.sms_code,
        error=error,
    )


async def verify(request: web.Request) -> web.Response:
    """POST page 2: the code "sent by SMS"."""
    runtime = _runtime(request)
    form, flow = await _flow_form(request)
    if flow is None:
        return _lost_page(request)
    if flow.step != VERIFY:
        return _current_page(request, flow)
    typed = re.sub(r"\s", "", form.get("code", ""))
    if not hmac.compare_digest(typed.encode(), flow.sms_code.encode()):
        return _verify_page(
            request,
            flow,
            "인증번호가 일치하지 않습니다. 다시 입력하세요. · The code does not match; try again.",
        )
    if flow.new_user is not None:
        try:
            client = runtime.world.directory.clients[flow.client_use_code]
            user = population.make_user(runtime.world, client, flow.new_user)
        except FixtureError as e:
            spec, flow.step = flow.new_user, SIGNIN
            return _signin_page(
                request,
                flow,
                values={
                    "name": spec.name,
                    "birth_date": spec.birth_date,
                    "cell_no": spec.cell_no,
                    "gender": spec.gender,
                    "bank_code": spec.accounts[0].bank_code,
                    "balance": str(spec.accounts[0].balance),
                },
                errors={"name": f"사용자를 만들 수 없습니다 · Cannot create the user: {e}"},
                new_open=True,
            )
        flow.user_seq_no, flow.new_user = user.user_seq_no, None
        _log(request, flow, CREATE, [user.user_seq_no], NEW_USER_FIELDS)
        await runtime.store.durable()
    flow.step = CONSENT
    return _consent_page(request, flow)


# --- page 3: accounts and consent -------------------------------------------------------


def _consent_page(request: web.Request, flow: Flow, error: str = "") -> web.Response:
    world = _runtime(request).world
    user = _user(request, flow)
    client = world.directory.clients[flow.client_use_code]
    registered = _registered_keys(world, client, user)
    flow.accounts = list(user.accounts)
    accounts = []
    for i, key in enumerate(flow.accounts):
        account = world.ledger.accounts[key]
        usable = account.status is AccountStatus.NORMAL
        accounts.append(
            {
                "index": i,
                "bank_name": world.config.institution(account.bank_code).display_name,
                "masked": mask(account.account_num),
                "kind": account_kind(account.product_name, account.account_type.label),
                "status_label": account.status.label,
                "usable": usable,
                "registered": key in registered,
            }
        )
    return _render(
        request,
        "consent.html",
        flow,
        user_name=user.name,
        accounts=accounts,
        error=error,
    )


async def consent(request: web.Request) -> web.Response:
    """POST page 3: register the chosen accounts, then back to the institution with a code."""
    runtime = _runtime(request)
    world = runtime.world
    form, flow = await _flow_form(request)
    if flow is None:
        return _lost_page(request)
    if flow.step != CONSENT:
        return _current_page(request, flow)
    chosen: list[AccountKey] = []
    for value in form.getall("account", []):
        if value.isdigit() and int(value) < len(flow.accounts):
            key = flow.accounts[int(value)]
            account = world.ledger.accounts.get(key)
            if account and account.status is AccountStatus.NORMAL and key not in chosen:
                chosen.append(key)
    if not chosen:
        return _consent_page(
            request,
            flow,
            "등록할 계좌를 하나 이상 선택하세요. · Choose at least one account to register.",
        )
    user = _user(request, flow)
    client = world.directory.clients[flow.client_use_code]
    inquiry = "inquiry" in flow.scopes and form.get("agree_inquiry") == "Y"
    transfer = "transfer" in flow.scopes and form.get("agree_transfer") == "Y"
    for key in chosen:  # 출금 consent only where the account takes it: the one door's rule
        register_account(world, client, user, world.ledger.accounts[key], inquiry, transfer)
    code = tokens.authorization_code(
        world, client, user, flow.scopes, flow.redirect_uri, runtime.clock.now(), flow.client_info
    )
    flows(request.app).close(flow)
    await runtime.store.durable()
    return _redirect(
        flow.redirect_uri,
        [
            ("code", code.code),
            ("scope", " ".join(flow.scopes)),
            ("client_info", flow.client_info),
            ("state", flow.state),
        ],
    )


async def cancel(request: web.Request) -> web.Response:
    """POST from any page: the user says no; the institution hears access_denied."""
    _form_data, flow = await _flow_form(request)
    if flow is None:
        return _lost_page(request)
    flows(request.app).close(flow)
    return _redirect(
        flow.redirect_uri,
        [
            ("error", "access_denied"),
            ("error_description", "사용자가 인증을 취소했습니다"),
            ("state", flow.state),
        ],
    )


# --- shared -----------------------------------------------------------------------------


def _runtime(request: web.Request) -> Runtime:
    runtime = request.app[RUNTIME]
    runtime.clock.sync()
    return runtime


def _user(request: web.Request, flow: Flow) -> User:
    return _runtime(request).world.directory.users[flow.user_seq_no]


def _registered_keys(world: World, client: FintechClient, user: User) -> set[AccountKey]:
    return {
        (r.bank_code, r.account_num)
        for r in world.directory.registrations.values()
        if r.client_use_code == client.client_use_code
        and r.user_seq_no == user.user_seq_no
        and not r.cancelled
    }


def account_kind(product_name: str, type_label: str) -> str:
    """An account's line on the consent page: "급여통장 · 수시입출금", its product and type;
    the type once when the product has no name of its own (an account opened on the
    sign-in page, or by the control plane without product_name, is named by its type)."""
    return " · ".join(dict.fromkeys(part for part in (product_name.strip(), type_label) if part))


def _mask_phone(cell_no: str) -> str:
    if len(cell_no) == 11:
        return f"{cell_no[:3]}-****-{cell_no[-4:]}"
    return cell_no[:3] + "*" * max(0, len(cell_no) - 7) + cell_no[-4:]


async def _flow_form(request: web.Request) -> tuple[MultiDict[str], Flow | None]:
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
    runtime = _runtime(request)
    flow = flows(request.app).find(form.get("flow", ""), runtime.clock.now())
    return form, flow


def _current_page(request: web.Request, flow: Flow) -> web.Response:
    """A form posted out of turn (the browser's back button): show where the flow is."""
    if flow.step == VERIFY:
        return _verify_page(request, flow)
    if flow.step == CONSENT:
        return _consent_page(request, flow)
    return _signin_page(request, flow)


_STEPS: Final = {SIGNIN: 1, VERIFY: 2, CONSENT: 3}


def _render(
    request: web.Request, template: str, flow: Flow | None, status: int = 200, **context: Any
) -> web.Response:
    client = None
    if flow is not None:
        client = _runtime(request).world.directory.clients[flow.client_use_code]
    # the page headers; the flow's forms end at the institution's redirect_uri (a redirect
    # that form-action must allow); the error pages have no form
    headers = form_headers(flow.redirect_uri) if flow is not None else PRIVATE_PAGE_HEADERS
    return render(
        request,
        f"consent/{template}",
        status,
        headers,
        flow=flow,
        client=client,
        step=_STEPS.get(flow.step, 0) if flow else 0,
        scopes=flow.scopes if flow else [],
        paths={
            "signin": SIGNIN_PATH,
            "verify": VERIFY_PATH,
            "consent": CONSENT_PATH,
            "cancel": CANCEL_PATH,
        },
        account_flow=flow is not None and flow.kind == AUTHORIZE_ACCOUNT,
        **context,
    )


def _error_page(
    request: web.Request, code: str, message_ko: str, message_en: str, received: str = ""
) -> web.Response:
    return _render(
        request,
        "error.html",
        None,
        400,
        code=code,
        title=f"인증 파라미터 오류([{code}])",
        message_ko=message_ko,
        message_en=message_en,
        received=received,
    )


def _lost_page(request: web.Request) -> web.Response:
    return _render(
        request,
        "error.html",
        None,
        400,
        code="",
        title="인증 요청이 만료되었습니다",
        message_ko=(
            "인증 요청을 찾을 수 없거나 유효시간(10분)이 지났습니다."
            " 이용하시던 앱에서 처음부터 다시 시작하세요."
        ),
        message_en=(
            "This authorization request is unknown or has expired (10 minutes)."
            " Start again from the app you came from."
        ),
        received="",
    )


def _refuse(redirect_uri: str, sub_code: str, state: str) -> web.Response:
    params = [
        ("error", _ERROR_NAMES.get(sub_code, "invalid_request")),
        ("error_description", f"인증 파라미터 오류([{sub_code}])"),
    ]
    if state:
        params.append(("state", state))
    return _redirect(redirect_uri, params)


def _redirect(redirect_uri: str, params: list[tuple[str, str]]) -> web.Response:
    """302 to the institution's callback; `%20` for spaces (JavaScript decodes that)."""
    separator = "&" if "?" in redirect_uri else "?"
    location = redirect_uri + separator + urlencode(params, quote_via=quote)
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


# --- the processing log ----------------------------------------------------------------

#: what the sign-in list shows of each user, and what a new user gives
SIGNIN_FIELDS: Final = ("user_name", "cell_no_masked")
NEW_USER_FIELDS: Final = ("user_name", "birth_date", "cell_no", "account_num")
PURPOSE: Final = "오픈뱅킹 사용자인증 (the consent pages)"


def _log(
    request: web.Request,
    flow: Flow,
    action: str,
    subjects: list[str],
    fields: tuple[str, ...],
) -> None:
    """A processing of personal data by the consent pages, for the institution whose flow
    it is (`_logged` awaits the store before the page leaves)."""
    by = processing.who(request, f"consent:{flow.client_use_code}")
    processing.record(_runtime(request), by, action, subjects, fields, PURPOSE)


def _log_shown(request: web.Request, flow: Flow, subjects: list[str]) -> None:
    """The sign-in list's names and masked phones were shown to whoever holds the link: a
    read of exactly those users, recorded once an hour for the same list and institution
    (`processing.record_shown`): loads nobody signed in for cannot grow the log."""
    by = processing.who(request, f"consent:{flow.client_use_code}")
    processing.record_shown(request, _runtime(request), by, subjects, SIGNIN_FIELDS, PURPOSE)


def _logged(handler: Handler) -> Handler:
    """The page leaves once what it logged is on disk."""

    async def answer(request: web.Request) -> web.StreamResponse:
        response = await handler(request)
        await _runtime(request).store.durable()
        return response

    return answer


PAGES = [
    Page(
        "GET",
        "/oauth/2.0/authorize",
        _logged(authorize),
        "사용자인증 (user authorization, consent pages)",
    ),
    Page(
        "GET",
        "/oauth/2.0/authorize_account",
        _logged(authorize_account),
        "계좌등록확인 (add accounts)",
    ),
    Page("POST", "/oauth/2.0/authorize/signin", _logged(signin), "consent flow: sign in"),
    Page("POST", "/oauth/2.0/authorize/verify", _logged(verify), "consent flow: identity check"),
    Page("POST", "/oauth/2.0/authorize/consent", consent, "consent flow: accounts and consent"),
    Page("POST", "/oauth/2.0/authorize/cancel", cancel, "consent flow: cancel"),
]
