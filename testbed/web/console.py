"""The API console at `/console`: every KFTC API as a form, sent from the browser. One
concept over ~500 lines: the console's three handlers and what its config shows (the
field labels of every API, the user it pre-fills), which only the console reads.

Three handlers: the page, its public `GET /console/config` (what the page pre-fills:
the demo institution's credentials and contract accounts, the simulated time, a
registered fintech_use_num, the catalogue and the rsp_code table) and the page the
consent flow returns to, `/console/callback`, which redeems the code from the browser.

`/console/config` needs no admin token: a workshop's attendees use the console, and
the demo credentials are on the landing page already. The demo institutions accept
`<origin>/console/callback` as a redirect_uri when the origin is this very server, as the
connection reached it (`testbed.web.origin`; ⚠ testbed choice): nothing is stored, so a
Host header never becomes configuration, and a forged one cannot make the consent pages
send codes elsewhere.

The console is used as one institution: the demo one, or the one whose client_id and
client_secret the page sends (`X-Console-Client-Id`, `X-Console-Client-Secret`: what the
developer typed, checked as the token endpoint checks them). The config then names that
institution's public facts (code, names, scopes, self-auth, limits, 약정계좌: what the
forms fill) and never its secret, which only the demo institutions' config carries (their
credentials are on the landing page). Wrong credentials change nothing: the demo one, and
`institution: "refused"`.

The forms are filled for one user, the console's user: the signed-in one when the page
sends its user token (`Authorization: Bearer`, a live token of the demo institution),
else the first seeded user registered to it with transfer consent. `/console/config`
names that user's details (name, birth date, CI: what user/register asks) and accounts:
the one the demo institution's calls use, the one registered with the self-auth
institution (its `sa` APIs) and the one user/register would register next (⚠ testbed
choice: the world is made up, and the console is for learning the API with it). It shows
no more than the forms fill (no e-mail: no form asks for it), and every answer is in the
processing log (actor `console`, the caller's address, the user and accounts shown).
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from testbed.api.catalogue import Operation
from testbed.api.fields import Field, Spec
from testbed.api.routes import OPERATIONS
from testbed.clock import iso_kst, yyyymmdd, yyyymmddhhmmss
from testbed.network.codes import MESSAGES, Refusal
from testbed.network.gateway import tenancy, tokens
from testbed.network.ledger import AccountStatus, AccountType
from testbed.network.parties import DEFAULT_LIMITS, FintechClient, Registration, User
from testbed.network.world import World
from testbed.runtime import Runtime
from testbed.store.audit import institution_subjects
from testbed.typedefs import RUNTIME
from testbed.web import processing
from testbed.web.origin import console_callback, own_console_callback
from testbed.web.render import PRIVATE_PAGE_HEADERS, json_response, render

#: the credentials the page sends to be used as that institution (headers: never in a URL)
CLIENT_ID_HEADER: Final = "X-Console-Client-Id"
CLIENT_SECRET_HEADER: Final = "X-Console-Client-Secret"

#: the console user's personal fields the config shows (for user/register's form)
CONSOLE_FIELDS: Final = ("user_name", "birth_date", "user_ci", "account_num", "holder_name")
AUTHORIZE: Final = "/oauth/2.0/authorize"
AUTHORIZE_ACCOUNT: Final = "/oauth/2.0/authorize_account"
#: where the console's `?authorize=` (and its authorize links) may send the browser: these
#: paths of this server and nothing else (not `javascript:`, not another site)
AUTHORIZE_PATHS: Final = (AUTHORIZE, AUTHORIZE_ACCOUNT)

#: the KFTC API Console's own list (API Local Test Page): (name, its API's path)
FLOWS: Final[tuple[tuple[str, str], ...]] = (
    ("사용자인증", AUTHORIZE),
    ("계좌등록확인", AUTHORIZE_ACCOUNT),
    ("잔액조회", "/v2.0/account/balance/fin_num"),
    ("거래내역조회", "/v2.0/account/transaction_list/fin_num"),
    ("계좌정보변경", "/v2.0/account/update_info"),
    ("계좌해지", "/v2.0/account/cancel"),
    ("계좌실명조회", "/v2.0/inquiry/real_name"),
    ("송금인정보조회", "/v2.0/inquiry/remit_list"),
    ("입금이체-핀번호", "/v2.0/transfer/deposit/fin_num"),
    ("입금이체-계좌번호", "/v2.0/transfer/deposit/acnt_num"),
    ("출금이체", "/v2.0/transfer/withdraw/fin_num"),
    ("이체결과조회", "/v2.0/transfer/result"),
)
_FLOW_EN: Final = {
    AUTHORIZE: "User authorization (3-legged)",
    AUTHORIZE_ACCOUNT: "Add accounts (3-legged)",
}

#: what a form's defaults do where it is not plainly A0000, shown under the form: path ->
#: (Korean, English, the rsp_code the defaults answer when what they need is missing)
NOTES: Final[dict[str, tuple[str, str, str]]] = {
    "/oauth/2.0/revoke": (
        "기본값은 위의 oob 토큰입니다. 폐기하면 콘솔이 그 토큰을 지웁니다:"
        " 토큰발급으로 다시 받으세요.",
        "Revokes the oob token above; the console then forgets it: issue a new one.",
        "",
    ),
    "/v2.0/user/unlink": (
        "⚠ 로그인한 사용자의 이 이용기관 등록계좌를 모두 해지합니다. 이후 등록계좌가 없어"
        " 조회·이체가 거절됩니다 (A0304): 사용자인증을 다시 하세요.",
        "Ends every registration of the signed-in user with this institution: inquiries and"
        " transfers are then refused (A0304) until you authorize the user again.",
        "",
    ),
    "/v2.0/user/close": (
        "⚠ 로그인한 사용자의 이 이용기관 등록계좌를 모두 해지합니다 (사용자탈퇴). 이후 조회·이체가"
        " 거절됩니다 (A0304): 사용자인증을 다시 하세요.",
        "Ends every registration of the signed-in user with this institution (the user leaves):"
        " inquiries and transfers are then refused (A0304) until you authorize the user again.",
        "",
    ),
    "/v2.0/account/cancel": (
        "⚠ 사용자 계좌의 이 동의(scope)를 철회합니다. 조회 동의를 철회하면 잔액·거래내역조회가"
        " A0305로 거절됩니다: 사용자인증을 다시 하면 동의가 돌아옵니다.",
        "Withdraws this consent (scope) of the user's account: without inquiry consent balance"
        " and transaction_list answer A0305 until you authorize the user again.",
        "",
    ),
    "/v2.0/user/register": (
        "셀프인증 이용기관(sa 토큰)이 사용자의 아직 등록하지 않은 계좌를 등록합니다. 모든 계좌가"
        " 이미 등록되었으면 A0324입니다.",
        "The self-auth institution (sa token) registers an account of the user it has not"
        " registered yet; with every account registered already the answer is A0324.",
        "A0324",
    ),
    "/v2.0/return/claim": (
        "이 브라우저가 마지막으로 보낸 입금이체(아직 청구하지 않은 것)를 청구합니다. 입금이체를"
        " 먼저 보내세요: 없으면 A0310, 이미 청구한 입금이면 A0008입니다.",
        "Claims back the last deposit this browser made (not claimed yet): send a deposit"
        " first. With none the answer is A0310; a deposit claimed already is A0008.",
        "A0310",
    ),
    "/v2.0/return/result": (
        "이 브라우저가 마지막으로 보낸 자금반환청구를 조회합니다. 청구가 없으면 A0310입니다.",
        "Asks for the last return claim this browser made; with none the answer is A0310.",
        "A0310",
    ),
    "/v2.0/transfer/result": (
        "이 브라우저가 마지막으로 보낸 이체(출금이체·입금이체)의 결과를 조회합니다. 이체가 없으면"
        " A0310입니다.",
        "Asks for the outcome of the last transfer (withdrawal or deposit) this browser made;"
        " with none the answer is A0310.",
        "A0310",
    ),
}
#: the self-auth institution's calls by account number need an account registered with it
_NEEDS_SA_REGISTRATION: Final = (
    "셀프인증 이용기관에 등록된 계좌가 필요합니다: 사용자계좌등록(user/register)을 먼저"
    " 보내세요. 없으면 A0323입니다.",
    "Needs an account registered with the self-auth institution: send user/register first;"
    " without one the answer is A0323.",
    "A0323",
)
for _path in (
    "/v2.0/account/update",
    "/v2.0/account/info",
    "/v2.0/account/balance/acnt_num",
    "/v2.0/account/transaction_list/acnt_num",
    "/v2.0/transfer/withdraw/acnt_num",
):
    NOTES[_path] = _NEEDS_SA_REGISTRATION

#: field name -> (Korean label, English); the field names themselves stay KFTC's
LABELS: Final[dict[str, tuple[str, str]]] = {
    "client_id": ("이용기관 ID", "Client ID"),
    "client_secret": ("이용기관 비밀키", "Client secret"),
    "grant_type": ("권한부여 방식", "Grant type"),
    "scope": ("권한 범위", "Scope"),
    "code": ("인가 코드", "Authorization code"),
    "redirect_uri": ("콜백 URL", "Redirect URI"),
    "refresh_token": ("갱신 토큰", "Refresh token"),
    "access_token": ("접근 토큰", "Access token"),
    "user_seq_no": ("사용자일련번호", "User sequence number"),
    "include_cancel_yn": ("해지계좌 포함여부", "Include cancelled accounts (Y/N)"),
    "sort_order": ("정렬순서", "Sort order (D: newest first, A: oldest first)"),
    "bank_tran_id": ("은행거래고유번호", "Bank transaction ID"),
    "fintech_use_num": ("핀테크이용번호", "Fintech use number"),
    "tran_dtime": ("요청일시", "Request time (YYYYMMDDHHMMSS)"),
    "inquiry_type": ("조회구분코드", "Inquiry type (A: all, I: in, O: out)"),
    "inquiry_base": ("조회기준코드", "Inquiry base (D: by date, T: by time)"),
    "from_date": ("조회시작일자", "From date (YYYYMMDD)"),
    "from_time": ("조회시작시간", "From time (HHMMSS)"),
    "to_date": ("조회종료일자", "To date (YYYYMMDD)"),
    "to_time": ("조회종료시간", "To time (HHMMSS)"),
    "befor_inquiry_trace_info": ("직전조회추적정보", "Paging cursor of the previous page"),
    "client_use_code": ("이용기관코드", "Institution code"),
    "account_alias": ("계좌별명", "Account alias"),
    "bank_code_std": ("은행코드(표준)", "Bank code"),
    "register_account_num": ("등록계좌번호", "Account number to register"),
    "user_info": ("생년월일", "Birth date (YYYYMMDD)"),
    "user_name": ("사용자명", "User name"),
    "user_ci": ("CI(연계정보)", "Connecting information"),
    "user_email": ("이메일주소", "E-mail"),
    "info_prvd_agmt_yn": ("제3자정보제공동의여부", "Third-party information consent (Y/N)"),
    "wd_agmt_yn": ("출금동의여부", "Withdrawal consent (Y/N)"),
    "agmt_data_type": ("동의자료구분", "Kind of consent record"),
    "account_num": ("계좌번호", "Account number"),
    "update_user_email": ("변경할 이메일주소", "New e-mail"),
    "account_holder_info_type": ("예금주 실명번호 구분코드", "Holder ID type"),
    "account_holder_info": ("예금주 실명번호", "Holder ID number"),
    "cntr_account_type": ("약정 계좌/계정 구분", "Contract account type (N: account, C: ledger)"),
    "cntr_account_num": ("약정 계좌/계정 번호", "Contract account number"),
    "account_seq": ("회차번호", "Account sequence"),
    "print_content": ("입금계좌인자내역", "Text printed on the receiving account"),
    "tran_amt": ("거래금액", "Amount (won)"),
    "req_client_name": ("요청고객성명", "Requesting customer's name"),
    "req_client_bank_code": ("요청고객계좌 개설기관", "Requesting customer's bank"),
    "req_client_account_num": ("요청고객계좌번호", "Requesting customer's account"),
    "req_client_fintech_use_num": ("요청고객 핀테크이용번호", "Requesting customer's fintech no."),
    "req_client_num": ("요청고객회원번호", "Requesting customer's member number"),
    "transfer_purpose": ("이체용도", "Purpose (TR transfer, ST payment, AU auth, RC top-up)"),
    "cms_num": ("CMS번호", "CMS number"),
    "org_bank_tran_date": ("원거래 거래일자", "Original transfer date"),
    "org_bank_tran_id": ("원거래 은행거래고유번호", "Original bank transaction ID"),
    "org_dps_bank_code_std": ("원거래 입금은행", "Original deposit bank"),
    "org_dps_account_num": ("원거래 입금계좌번호", "Original deposit account"),
    "org_dps_fintech_use_num": ("원거래 입금 핀테크이용번호", "Original deposit fintech no."),
    "org_tran_amt": ("원거래 금액", "Original amount"),
    "org_wd_bank_code_std": ("원거래 출금은행", "Original withdrawal bank"),
    "claim_code": ("반환청구 사유코드", "Claim reason code"),
    "claim_message": ("반환청구 사유", "Claim reason"),
    "total_return_yn": ("전액반환여부", "Return the whole amount (Y/N)"),
    "return_account_num": ("반환계좌번호", "Return account"),
    "use_org_contact": ("이용기관 연락처", "Institution's phone"),
    "use_org_email": ("이용기관 이메일", "Institution's e-mail"),
    "claim_bank_tran_date": ("반환청구 거래일자", "Claim date"),
    "claim_bank_tran_id": ("반환청구 은행거래고유번호", "Claim bank transaction ID"),
    "dps_print_content": ("입금계좌인자내역", "Text printed on the receiving account"),
    "wd_print_content": ("출금계좌인자내역", "Text printed on the paying account"),
    "sub_frnc_name": ("하위가맹점명", "Sub-merchant name"),
    "sub_frnc_num": ("하위가맹점번호", "Sub-merchant number"),
    "sub_frnc_business_num": ("하위가맹점 사업자등록번호", "Sub-merchant business number"),
    "sub_frnc_bussiness_num": ("하위가맹점 사업자등록번호(구)", "Sub-merchant business no. (old)"),
    "recv_client_name": ("최종수취고객성명", "Final payee's name"),
    "recv_client_bank_code": ("최종수취고객계좌 개설기관", "Final payee's bank"),
    "recv_client_account_num": ("최종수취고객계좌번호", "Final payee's account"),
    "wd_pass_phrase": ("입금이체암호문구", "Deposit pass phrase"),
    "name_check_option": ("수취인성명 확인여부", "Check the payee's name (on/off)"),
    "req_cnt": ("요청건수", "Number of items"),
    "tran_no": ("거래순번", "Item number"),
    "recv_bank_tran_id": ("수취조회 은행거래고유번호", "Payee check's bank transaction ID"),
    "withdraw_bank_tran_id": ("출금 은행거래고유번호", "Withdrawal's bank transaction ID"),
    "account_holder_name": ("수취인성명", "Payee's name"),
    "check_type": ("조회구분", "Kind (1: withdrawal, 2: deposit)"),
    "wd_bank_code_std": ("출금은행코드", "Withdrawal bank"),
    "wd_account_num": ("출금계좌번호", "Withdrawal account"),
    "inquiry_date": ("조회일자", "Date (YYYYMMDD)"),
}


def _field_view(f: Field) -> dict[str, Any]:
    ko, en = LABELS.get(f.name, (f.name, ""))
    return {
        "name": f.name,
        "kind": f.kind,
        "size": f.size,
        "required": f.required,
        "choices": list(f.choices),
        "exact": f.exact,
        "label_ko": ko,
        "label_en": en,
    }


def _fields(spec: Spec | None) -> list[dict[str, Any]]:
    return [_field_view(f) for f in spec.fields] if spec else []


def operation_view(op: Operation) -> dict[str, Any]:
    ko, en, code = NOTES.get(op.path, ("", "", ""))
    return {
        "method": op.method,
        "path": op.path,
        "group": op.group,
        "name_ko": op.name_ko,
        "name_en": op.name_en,
        "scopes": list(op.scopes),
        "body": op.body,
        "fields": _fields(op.request),
        "list": "req_list" if op.items else None,
        "items": _fields(op.items),
        "note": {"ko": ko, "en": en, "code": code} if ko else None,
    }


def groups() -> list[tuple[str, list[Operation]]]:
    """The catalogue by console group, in the order the groups first appear."""
    out: dict[str, list[Operation]] = {}
    for op in OPERATIONS:
        out.setdefault(op.group, []).append(op)
    return list(out.items())


def flows() -> list[dict[str, str]]:
    names = {op.path: op.name_en for op in OPERATIONS}
    return [
        {"name": name, "path": path, "name_en": _FLOW_EN.get(path) or names[path]}
        for name, path in FLOWS
    ]


def codes() -> dict[str, str]:
    """rsp_code -> what it means: the gateway's own wording (A0000 has none: success)."""
    return {**MESSAGES, "A0000": MESSAGES["A0000"] or "정상처리"}


def demo_client(world: World) -> FintechClient:
    return next(iter(world.directory.clients.values()))


def self_auth_client(world: World) -> FintechClient | None:
    """The institution the console's `sa` calls are made as: the first self-auth one."""
    return next((c for c in world.directory.clients.values() if c.self_auth), None)


def chosen_client(request: web.Request, world: World) -> tuple[FintechClient, str]:
    """The institution the console is used as, and how it was chosen: `own` (the page
    sent its client_id and client_secret), `refused` (it sent credentials that do not
    match: the demo one instead) or `demo` (it sent none)."""
    demo = demo_client(world)
    client_id = request.headers.get(CLIENT_ID_HEADER, "").strip()
    if not client_id:
        return demo, "demo"
    try:
        client = tokens.client_of(world, client_id, request.headers.get(CLIENT_SECRET_HEADER, ""))
    except Refusal:
        return demo, "refused"
    return client, "own"


def _institution(client: FintechClient) -> dict[str, Any]:
    """What the forms fill for an institution; its secret only for a shared (demo) one,
    whose credentials are public: a developer's secret stays in the page that typed it."""
    shared = tenancy.tenant_of(client) == tenancy.SHARED
    return {
        "client_use_code": client.client_use_code,
        "client_id": client.client_id,
        "client_secret": client.client_secret if shared else "",
        "client_name": client.name,
        "client_name_en": client.name_en,
        "scopes": client.scopes,
        "is_self_auth": client.self_auth,
        "limits": {name: client.limit(name) for name in DEFAULT_LIMITS},
        "wd_pass_phrase": client.wd_pass_phrase,
        "contract_accounts": _accounts(client),
        # where a developer registers the console's callback (their own app's My Page)
        "my_page": "" if shared else f"/portal/apps/{client.client_use_code}",
    }


def _readiness_link(world: World, client: FintechClient) -> dict[str, str]:
    """Where the console links for go-live readiness: a developer's own institution's page
    (its open run named: the calls the console sends are in it), else the portal, where
    each developer's apps have theirs (a demo institution's runs are the operator's)."""
    if tenancy.tenant_of(client) == tenancy.SHARED:
        return {"page": "/portal/", "run": ""}
    run = world.readiness.active.get(client.client_use_code)
    page = f"/portal/apps/{client.client_use_code}/readiness"
    return {"page": f"{page}?run={run.id}" if run else page, "run": run.id if run else ""}


def _default_user(world: World, client: FintechClient) -> User | None:
    """The first user with a live registration of the demo institution with transfer consent."""
    for reg in world.directory.registrations.values():
        if (
            reg.client_use_code == client.client_use_code
            and not reg.cancelled
            and reg.transfer_agree_dtime
            and reg.user_seq_no in world.directory.users
        ):
            return world.directory.users[reg.user_seq_no]
    return None


def _signed_in(
    request: web.Request, world: World, client: FintechClient
) -> tuple[User | None, str, FintechClient]:
    """The user whose token the page sent, the token's state (none, live, or refused:
    unknown, expired, revoked, an institution's), and the institution it is of: the demo
    one, or one a developer made on the portal and uses in the console."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, "none", client
    try:
        user, issuer = tokens.bearer_user(world, token.strip(), world.clock.now())
    except Refusal:
        return None, "refused", client
    return user, "live", issuer


def _usable(world: World, key: tuple[str, str]) -> bool:
    account = world.ledger.accounts.get(key)
    return account is not None and account.status is AccountStatus.NORMAL


def _best(
    world: World, regs: list[Registration], client: FintechClient | None
) -> Registration | None:
    """The user's registration with `client` its calls use: a usable account, transfer
    consent first, then inquiry consent, else the first."""
    mine = [
        r
        for r in regs
        if client is not None
        and r.client_use_code == client.client_use_code
        and _usable(world, (r.bank_code, r.account_num))
    ]
    return max(
        mine,
        key=lambda r: (bool(r.transfer_agree_dtime), bool(r.inquiry_agree_dtime)),
        default=None,
    )


def _registration_view(world: World, reg: Registration | None) -> dict[str, str] | None:
    if reg is None:
        return None
    account = world.ledger.accounts[(reg.bank_code, reg.account_num)]
    consents = [
        name
        for name, dtime in (
            ("inquiry", reg.inquiry_agree_dtime),
            ("transfer", reg.transfer_agree_dtime),
        )
        if dtime
    ]
    return {
        "fintech_use_num": reg.fintech_use_num,
        "user_seq_no": reg.user_seq_no,
        "bank_code_std": reg.bank_code,
        "account_num": reg.account_num,
        "account_holder_name": account.holder_name,
        "scope": " ".join(consents),
    }


def _to_register(
    world: World, user: User, regs: list[Registration], sa: FintechClient | None
) -> dict[str, str] | None:
    """The account user/register (self-auth) registers next: a usable one of the user's
    that the self-auth institution has not registered (a demand account first); with none
    left, its registered one (the answer is then A0324)."""
    if sa is None:
        return None
    taken = {(r.bank_code, r.account_num) for r in regs if r.client_use_code == sa.client_use_code}
    usable = [key for key in user.accounts if _usable(world, key)]
    free = [key for key in usable if key not in taken]
    demand = [k for k in free if world.ledger.accounts[k].account_type is AccountType.DEMAND]
    keys = demand or free or [k for k in usable if k in taken]
    if not keys:
        return None
    account = world.ledger.accounts[keys[0]]
    transfer = account.account_type is AccountType.DEMAND
    return {
        "bank_code_std": account.bank_code,
        "account_num": account.account_num,
        "account_holder_name": account.holder_name,
        "scope": "inquiry transfer" if transfer else "inquiry",
    }


def console_user(
    world: World, user: User | None, demo: FintechClient, sa: FintechClient | None
) -> dict[str, Any] | None:
    """The console's user: who they are, and the accounts the forms name."""
    if user is None:
        return None
    regs = [
        r
        for r in world.directory.registrations.values()
        if r.user_seq_no == user.user_seq_no and not r.cancelled
    ]
    return {
        "user_seq_no": user.user_seq_no,
        "user_name": user.name,
        "user_info": user.birth_date,
        "user_ci": user.user_ci,
        "registered_accounts": sum(r.client_use_code == demo.client_use_code for r in regs),
        "demo": _registration_view(world, _best(world, regs, demo)),
        "self_auth": _registration_view(world, _best(world, regs, sa)),
        "register": _to_register(world, user, regs, sa),
    }


def callback_usable(request: web.Request, client: FintechClient) -> tuple[str, bool]:
    """`<origin>/console/callback` for this request, and whether the consent pages will
    send `client`'s codes there (registered, or this server's own console: `origin`)."""
    uri = console_callback(request)
    return uri, uri in client.redirect_uris or own_console_callback(request, client, uri)


def _accounts(client: FintechClient) -> dict[str, dict[str, str]]:
    return {
        a.purpose: {
            "bank_code": a.bank_code,
            "account_num": a.account_num,
            "cntr_account_type": a.cntr_account_type,
        }
        for a in client.contract_accounts
    }


# --- handlers ---------------------------------------------------------------------------


async def page(request: web.Request) -> web.Response:
    """GET /console: the page; the forms are built in the browser from /console/config."""
    return render(
        request,
        "console.html",
        groups=groups(),
        flows=flows(),
        authorize_paths=AUTHORIZE_PATHS,
    )


async def config(request: web.Request) -> web.Response:
    """GET /console/config: what the console pre-fills (public: no admin token)."""
    runtime = request.app[RUNTIME]
    runtime.clock.sync()
    world = runtime.world
    client, chosen = chosen_client(request, world)
    # the sa calls: the chosen institution when it is self-auth itself, else the shared one
    sa = client if client.self_auth else self_auth_client(world)
    callback_uri, registered = callback_usable(request, client)
    now = world.clock.now()
    signed_in, token_state, issuer = _signed_in(request, world, client)
    user = console_user(world, signed_in or _default_user(world, client), issuer, sa)
    demo_account = user["demo"] if user else None
    shown = [client] + ([sa] if sa is not None and sa is not client else [])
    await _log_read(request, runtime, user, shown, token_state)
    return json_response(
        {
            **_institution(client),
            "institution": chosen,
            "self_auth": _institution(sa) if sa else None,
            "callback": callback_uri,
            "callback_registered": registered,
            "readiness": _readiness_link(world, client),
            "now": {"tran_dtime": yyyymmddhhmmss(now), "date": yyyymmdd(now), "iso": iso_kst(now)},
            "user_token": token_state,
            "signed_in": signed_in is not None,
            "user": user,
            # (the demo institution's account of the console's user, as before)
            "registered": {**demo_account, "user_name": user["user_name"]}
            if user and demo_account
            else None,
            "flows": flows(),
            "operations": [operation_view(op) for op in OPERATIONS],
            "codes": codes(),
        }
    )


async def _log_read(
    request: web.Request,
    runtime: Runtime,
    user: dict[str, Any] | None,
    institutions: list[FintechClient],
    token_state: str,
) -> None:
    """The config shows the console's user (name, birth date, CI, account numbers) and the
    institutions' 약정계좌 to whoever opens the console: each time is logged (actor
    `console`, with the caller's address), on disk before the answer (the route `Writes`)."""
    store = runtime.store
    subjects = [s for c in institutions for s in institution_subjects(store, c)]
    if user is not None:
        subjects.append(user["user_seq_no"])
        for shown in (user["demo"], user["self_auth"], user["register"]):
            if shown is not None:
                subjects.append(store.account_ref(shown["bank_code_std"], shown["account_num"]))
    fields = CONSOLE_FIELDS if user is not None else ("account_num",)
    by = processing.who(request, "console")
    purpose = "API 콘솔 기본값 · the console's pre-filled forms"
    # a public page: once an hour for the same data, not once a load (processing.Showings)
    processing.record_shown(request, runtime, by, subjects, fields, purpose, user_token=token_state)


async def callback(request: web.Request) -> web.Response:
    """GET /console/callback: the consent pages end here; the browser redeems the code."""
    # never cached: its URL carries the code (and no Referer takes it anywhere either)
    return render(request, "console_callback.html", headers=PRIVATE_PAGE_HEADERS)
