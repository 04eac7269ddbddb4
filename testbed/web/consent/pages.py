"""The consent pages' handlers: the authorize request, sign-in, identity check, accounts
and consent, cancel; what they write through the gateway, and what the processing log
keeps of what they show (the route table, `PAGES`, at the end)."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from typing import Final

from aiohttp import web

from testbed.api.catalogue import Page
from testbed.network.codes import Refusal
from testbed.network.gateway import population, tenancy, tokens
from testbed.network.gateway.population import FixtureError
from testbed.network.gateway.registrations import register_account
from testbed.network.gateway.views import mask
from testbed.network.ledger import AccountKey, AccountStatus
from testbed.network.parties import FintechClient, User
from testbed.network.world import World
from testbed.store.audit import CREATE
from testbed.web import processing
from testbed.web.consent.flows import Flow, FlowKind, Step, flows
from testbed.web.consent.forms import DEFAULT_BALANCE, check_new_user, flow_form, prefill, validate
from testbed.web.consent.views import (
    account_kind,
    lost_page,
    mask_phone,
    redirect,
    render_page,
    runtime_of,
    user_of,
)


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
    return _start(request, FlowKind.AUTHORIZE)


async def authorize_account(request: web.Request) -> web.Response:
    """GET /oauth/2.0/authorize_account (계좌등록확인): a known user adds accounts."""
    return _start(request, FlowKind.AUTHORIZE_ACCOUNT)


def _start(request: web.Request, kind: FlowKind) -> web.Response:
    runtime = runtime_of(request)
    world, now = runtime.world, runtime.clock.now()
    params = validate(request, world)
    if isinstance(params, web.Response):
        return params
    filled = prefill(request.headers) if kind == FlowKind.AUTHORIZE else {}
    flow = flows(request.app).open(world, kind, params, now, filled)
    if params.auth_type == "2":
        user = _returning_user(world, params.client, request.headers, now)
        if user is not None:
            flow.user_seq_no, flow.step = user.user_seq_no, Step.CONSENT
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
    if flow.kind == FlowKind.AUTHORIZE_ACCOUNT:
        users = [u for u in users if _registered_keys(world, client, u)]
    return users


def _signin_page(
    request: web.Request,
    flow: Flow,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    new_open: bool = False,
) -> web.Response:
    world = runtime_of(request).world
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
        {"user_seq_no": u.user_seq_no, "label": f"{u.name} · {mask_phone(u.cell_no)}"}
        for u in _signin_users(world, flow)
    ]
    if users:  # names (and masked phones) shown to whoever holds the link: logged
        _log_shown(request, flow, [u["user_seq_no"] for u in users])
    banks = [{"code": i.code, "name": i.display_name} for i in world.config.participants]
    return render_page(
        request,
        "signin.html",
        flow,
        users=users,
        banks=banks,
        form=form,
        errors=dict(errors or {}),
        allow_new=flow.kind == FlowKind.AUTHORIZE,
        new_open=new_open or bool(flow.prefill) or not users,
    )


async def signin(request: web.Request) -> web.Response:
    """POST page 1: an existing user, or the details of a new one."""
    runtime = runtime_of(request)
    world = runtime.world
    form, flow = await flow_form(request)
    if flow is None:
        return lost_page(request)
    if form.get("mode") == "new" and flow.kind == FlowKind.AUTHORIZE:
        spec, errors = check_new_user(world, form)
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
    flow.sms_code = world.secrets.code("consent", 6)
    flow.step = Step.VERIFY
    return _verify_page(request, flow)


# --- page 2: identity check -------------------------------------------------------------


def _verify_page(request: web.Request, flow: Flow, error: str = "") -> web.Response:
    name = flow.new_user.name if flow.new_user else user_of(request, flow).name
    return render_page(
        request,
        "verify.html",
        flow,
        name=name,
        phone=mask_phone(flow.cell_no),
        sms_code=flow.sms_code,
        error=error,
    )


async def verify(request: web.Request) -> web.Response:
    """POST page 2: the code "sent by SMS"."""
    runtime = runtime_of(request)
    form, flow = await flow_form(request)
    if flow is None:
        return lost_page(request)
    if flow.step != Step.VERIFY:
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
            spec, flow.step = flow.new_user, Step.SIGNIN
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
    flow.step = Step.CONSENT
    return _consent_page(request, flow)


# --- page 3: accounts and consent -------------------------------------------------------


def _consent_page(request: web.Request, flow: Flow, error: str = "") -> web.Response:
    world = runtime_of(request).world
    user = user_of(request, flow)
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
    return render_page(
        request,
        "consent.html",
        flow,
        user_name=user.name,
        accounts=accounts,
        error=error,
    )


async def consent(request: web.Request) -> web.Response:
    """POST page 3: register the chosen accounts, then back to the institution with a code."""
    runtime = runtime_of(request)
    world = runtime.world
    form, flow = await flow_form(request)
    if flow is None:
        return lost_page(request)
    if flow.step != Step.CONSENT:
        return _current_page(request, flow)
    chosen: list[AccountKey] = []
    for value in form.getall("account", []):
        if value.isascii() and value.isdigit() and int(value) < len(flow.accounts):
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
    user = user_of(request, flow)
    client = world.directory.clients[flow.client_use_code]
    inquiry = "inquiry" in flow.scopes and form.get("agree_inquiry") == "Y"
    transfer = "transfer" in flow.scopes and form.get("agree_transfer") == "Y"
    for key in chosen:  # 출금 consent only where the account takes it: the one door's rule
        register_account(world, client, user, world.ledger.accounts[key], inquiry, transfer)
    code = tokens.authorization_code(
        world, client, user, flow.scopes, flow.redirect_uri, runtime.clock.now(), flow.client_info
    )
    flows(request.app).close(flow)
    return redirect(
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
    _form_data, flow = await flow_form(request)
    if flow is None:
        return lost_page(request)
    flows(request.app).close(flow)
    return redirect(
        flow.redirect_uri,
        [
            ("error", "access_denied"),
            ("error_description", "사용자가 인증을 취소했습니다"),
            ("state", flow.state),
        ],
    )


def _registered_keys(world: World, client: FintechClient, user: User) -> set[AccountKey]:
    return {
        (r.bank_code, r.account_num)
        for r in world.directory.registrations.values()
        if r.client_use_code == client.client_use_code
        and r.user_seq_no == user.user_seq_no
        and not r.cancelled
    }


def _current_page(request: web.Request, flow: Flow) -> web.Response:
    """A form posted out of turn (the browser's back button): show where the flow is."""
    if flow.step == Step.VERIFY:
        return _verify_page(request, flow)
    if flow.step == Step.CONSENT:
        return _consent_page(request, flow)
    return _signin_page(request, flow)


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
    it is (its page `writes`: it leaves once the record is on disk)."""
    by = processing.who(request, f"consent:{flow.client_use_code}")
    processing.record(runtime_of(request), by, action, subjects, fields, PURPOSE)


def _log_shown(request: web.Request, flow: Flow, subjects: list[str]) -> None:
    """The sign-in list's names and masked phones were shown to whoever holds the link: a
    read of exactly those users, recorded once an hour for the same list and institution
    (`processing.record_shown`): loads nobody signed in for cannot grow the log."""
    by = processing.who(request, f"consent:{flow.client_use_code}")
    processing.record_shown(request, runtime_of(request), by, subjects, SIGNIN_FIELDS, PURPOSE)


#: the pages; `writes`: the page leaves once what it changed or logged is on disk
PAGES = [
    Page(
        "GET",
        "/oauth/2.0/authorize",
        authorize,
        "사용자인증 (user authorization, consent pages)",
        writes=True,  # the sign-in list shown (the processing log)
    ),
    Page(
        "GET",
        "/oauth/2.0/authorize_account",
        authorize_account,
        "계좌등록확인 (add accounts)",
        writes=True,
    ),
    Page("POST", "/oauth/2.0/authorize/signin", signin, "consent flow: sign in", writes=True),
    Page(
        "POST", "/oauth/2.0/authorize/verify", verify, "consent flow: identity check", writes=True
    ),
    Page(
        "POST",
        "/oauth/2.0/authorize/consent",
        consent,
        "consent flow: accounts and consent",
        writes=True,  # the accounts registered and the authorization code
    ),
    Page("POST", "/oauth/2.0/authorize/cancel", cancel, "consent flow: cancel"),
]

#: the changing pages that write nothing the store keeps, and why
READ_ONLY: dict[tuple[str, str], str] = {
    ("POST", "/oauth/2.0/authorize/cancel"): "ends the flow, which lives in memory only"
    " (ConsentFlows): the institution hears access_denied, nothing is registered",
}
