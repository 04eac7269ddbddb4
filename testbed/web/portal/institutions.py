"""Applications (이용신청) and apps (the institutions they became), the same for the pages
and the JSON API: reading a form into the model's fields, applying, the views, and My
Page's changes. Every change goes through the model (`Gateway`: `apply`, `rotate_secret`,
`add_redirect_uri`, ...) and is on disk before the answer (the routes are declared
writing: `Writes` in the portal's table).

A developer sees only their own: another developer's application or app is `None` here,
which both faces answer 404, as for one that does not exist (ids are sequential: a 403
would tell a guesser it was right).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from multidict import MultiDict

from testbed.clock import iso_kst, to_kst
from testbed.config.grading import CREDIT_RATINGS, GUARANTEE_KINDS, NO_RATING, SIZES
from testbed.network.admission.rules import (
    DECLARATIONS,
    EXCLUSIONS,
    INDUSTRIES,
    LICENCES,
    SERVICES,
)
from testbed.network.admission.values import ApplicationError
from testbed.network.applications import Application, application_json
from testbed.network.codes import message
from testbed.network.gateway import population, tenancy
from testbed.network.gateway.population import FixtureError
from testbed.network.parties import DEFAULT_LIMITS, FintechClient, User
from testbed.network.portal import Developer
from testbed.runtime import Runtime
from testbed.store.audit import CREATE, DELETE, READ, institution_subjects, user_subjects
from testbed.web import people, processing
from testbed.web.portal.application_form import application_problems, read_application
from testbed.web.processing import Who

#: how many of an institution's latest API calls My Page shows
LATEST_CALLS: Final = 20
#: the personal fields My Page shows (its 약정계좌: an account number is 고객정보 whoever
#: holds it) and what "reset my test users" ends
MY_PAGE_FIELDS: Final = ("account_num", "balance")
RESET_FIELDS: Final = ("registration", "consent", "token")

#: the text fields of the form, as the model names them (the numbers it parses itself)
_TEXT_FIELDS: Final = (
    "company_name",
    "business_number",
    "size",
    "industry",
    "main_bank",
    "credit_rating",
    "paid_in_capital",
    "years_in_business",
    "operating_profit",
)
_FLAGS: Final = ("aml_system", "isms", "liability_insurance")


#: each field of the application form: its label as the form shows it (Korean, English)
#: and what to write, in Korean (the model's own words, in English, go beside)
FORM_FIELDS: Final[dict[str, tuple[str, str, str]]] = {
    "company_name": ("회사명", "Company name", "회사명을 100자 이내로 입력하세요."),
    "business_number": (
        "사업자등록번호",
        "Business registration number",
        "사업자등록번호 10자리(000-00-00000)를 검증번호까지 맞게 입력하세요.",
    ),
    "size": ("기업 규모", "Size", "기업 규모를 고르세요 (처리대행비용 구간이 달라집니다)."),
    "industry": ("핀테크산업 분류업종", "Industry", "목록의 업종이나 '해당 없음'을 고르세요."),
    "licences": ("전자금융업 등록", "Licences", "목록의 등록만 고를 수 있습니다."),
    "declarations": ("제외대상 확인", "Declarations", "해당 여부를 표시하세요."),
    "services": ("제공서비스", "Services", "제공서비스를 하나 이상 고르세요."),
    "purposes": (
        "이용목적",
        "Purposes",
        "이용목적을 한 줄에 하나씩, 1개 이상 20개 이하로 쓰세요.",
    ),
    "main_bank": ("주거래은행", "Main bank", "오픈뱅킹 참가은행을 고르세요."),
    "credit_rating": ("기업신용등급", "Credit rating", "기업신용등급을 고르세요."),
    "paid_in_capital": (
        "납입자본금 (원)",
        "Paid-in capital, won",
        "납입자본금을 원 단위 정수로 쓰세요 (예: 1,000,000,000).",
    ),
    "years_in_business": (
        "회사업력 (년)",
        "Years in business",
        "회사업력을 0~200 사이의 정수로 쓰세요.",
    ),
    "operating_profit": (
        "영업이익 (원)",
        "Operating profit, won",
        "영업이익을 원 단위 정수로 쓰세요 (손실은 -).",
    ),
    "aml_system": ("AML시스템 운영", "Runs an AML system", "예 또는 아니오로 표시하세요."),
    "isms": ("정보보호관리체계 인증", "ISMS certified", "예 또는 아니오로 표시하세요."),
    "liability_insurance": (
        "전자금융배상책임보험 가입",
        "Liability insurance",
        "예 또는 아니오로 표시하세요.",
    ),
    "redirect_uris": (
        "Redirect URI",
        "Redirect URIs",
        "한 줄에 하나씩, http:// 또는 https://로 시작하고 #이 없는 주소를 쓰세요.",
    ),
}


def form_field(error_field: str) -> str:
    """The form's field an error names (`services[0]` is the services boxes; a
    declaration keeps its own key, `declarations.gambling`, for its own box)."""
    return error_field if error_field.startswith("declarations.") else error_field.split("[")[0]


def form_errors(errors: list[ApplicationError]) -> dict[str, str]:
    """The form's errors, every one at once: by the form's field, naming it as the form
    labels it, in Korean with the model's English beside."""
    exclusions = {f"declarations.{e.key}": e.label for e in EXCLUSIONS}
    shown: dict[str, str] = {}
    for error in errors:
        name = form_field(error.field)
        base = name.split(".")[0]
        label_ko, label_en, what = FORM_FIELDS.get(base, (name, "", ""))
        if name in exclusions:
            label_ko = f"{label_ko} · {exclusions[name]}"
        index = error.field.partition("[")[2].rstrip("]")
        if index.isdigit():  # a line of a text box, or one of the boxes ticked
            label_en = f"{label_en}, item {int(index) + 1}"
            label_ko = f"{label_ko} {int(index) + 1}번째"
        text = f"{label_ko} ({label_en}): {what} · {error.message}" if what else str(error)
        shown.setdefault(name, text)
    return shown


def check_application(
    runtime: Runtime, developer: Developer, data: Mapping[str, Any]
) -> dict[str, str]:
    """Every problem of an application the form would file (`form_errors`), or {}."""
    return form_errors(application_problems(runtime.world, data))


def choices(runtime: Runtime) -> dict[str, Any]:
    """What the application form offers: every vocabulary of the model."""
    return {
        "labels": FORM_FIELDS,
        "sizes": [(size, size) for size in SIZES],
        "industries": [(name, f"{name} ({what})") for name, what in INDUSTRIES.items()],
        "licences": LICENCES,
        "exclusions": EXCLUSIONS,
        "services": SERVICES,
        "credit_ratings": [(r, r) for r in (*CREDIT_RATINGS, NO_RATING)],
        "banks": [(i.code, i.name_ko) for i in runtime.world.config.participants if i.open_banking],
    }


def form_data(form: MultiDict[str]) -> dict[str, Any]:
    """The reader's `data` from the form: text as typed (the reader checks it), checkboxes
    as lists and flags, every declaration true or false, one purpose or redirect URI a
    line."""
    data: dict[str, Any] = {name: form.get(name, "") for name in _TEXT_FIELDS}
    data["licences"] = form.getall("licences", [])
    data["services"] = form.getall("services", [])
    data["declarations"] = {key: form.get(f"declare_{key}") == "yes" for key in DECLARATIONS}
    data["purposes"] = _lines(form.get("purposes", ""))
    uris = _lines(form.get("redirect_uris", ""))
    if uris:
        data["redirect_uris"] = uris
    for flag in _FLAGS:
        data[flag] = form.get(flag) == "yes"
    return data


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def apply(runtime: Runtime, developer: Developer, data: Mapping[str, Any]) -> Application:
    """File the developer's application, read from `data` (`ApplicationError` naming the
    first field that is wrong: nothing kept)."""
    filing = read_application(runtime.world, data)
    runtime.clock.sync()
    return runtime.gateway.admission.apply(developer.id, filing, runtime.clock.now())


def application_view(runtime: Runtime, app: Application) -> dict[str, Any]:
    view = application_json(app)
    view.pop("developer", None)
    if app.terms is not None:
        view["terms"]["guarantee_name"] = GUARANTEE_KINDS.get(app.terms.guarantee, "")
    return view


def created_view(runtime: Runtime, app: Application) -> dict[str, Any]:
    """The answer to an application: its view and, when it became an institution at once,
    the credentials with the client_secret in full — the only time it is shown (My Page
    masks it; rotating it shows the new one once)."""
    view = application_view(runtime, app)
    client = runtime.world.directory.clients.get(app.client_use_code)
    if client is not None:
        view["credentials"] = {
            "client_use_code": client.client_use_code,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        }
    return view


def mask(secret: str) -> str:
    return secret[:4] + "•" * 8 + secret[-4:] if len(secret) > 8 else "•" * 8


def app_view(runtime: Runtime, client: FintechClient) -> dict[str, Any]:
    """My Page of one institution: credentials (the secret masked), redirect URIs, IP
    allow-list, 약정계좌 with balances, grade and terms, this month's usage and 처리대행비용,
    and the latest API calls with what their rsp_code means."""
    world = runtime.world
    code = client.client_use_code
    app = next((a for a in world.applications.of(None) if a.client_use_code == code), None)
    month = to_kst(world.clock.now()).strftime("%Y-%m")
    accounts = []
    for contract in client.contract_accounts:
        account = world.ledger.accounts.get((contract.bank_code, contract.account_num))
        accounts.append(
            {
                "purpose": contract.purpose,
                "bank_code": contract.bank_code,
                "account_num": contract.account_num,
                "balance": account.balance if account is not None else 0,
            }
        )
    calls = [
        {
            "time": e["time"],
            "method": e.get("method", ""),
            "path": e.get("path", ""),
            "status": e.get("status", 0),
            "rsp_code": e.get("rsp_code") or "",
            "outcome": e.get("outcome", ""),
            "rsp_message": _meaning(
                str(e.get("rsp_code") or ""), str(e.get("outcome", "")), e.get("status", 0)
            ),
        }
        for e in world.events.latest("api", code, LATEST_CALLS)
    ]
    calls.reverse()
    active = [r for r in world.directory.registrations.values() if r.client_use_code == code]
    return {
        "client_use_code": code,
        "name": client.name,
        "application": app.id if app else "",
        # approved by the operator after review: its secret was never shown to anyone
        "approved_by_operator": app is not None and app.decided_by == "operator",
        "client_id": client.client_id,
        "client_secret_masked": mask(client.client_secret),
        "scopes": list(client.scopes),
        "redirect_uris": list(client.redirect_uris),
        "ip_allow": list(client.ip_allow),
        "contract_accounts": accounts,
        "grade": app.grade if app else "",
        "terms": application_view(runtime, app)["terms"] if app and app.terms else None,
        "limits": {name: client.limit(name) for name in DEFAULT_LIMITS},
        "registrations": sum(1 for r in active if not r.cancelled),
        "usage": world.openbanking.bill(code, month),
        "latest_calls": calls,
    }


#: what an OAuth answer without rsp_code did (`events._outcome`)
_OUTCOMES: Final = {
    "token": "토큰 발급 · token issued",
    "code": "인가코드를 콜백으로 보냄 · code sent to the callback",
    "redirect": "콜백으로 이동 · redirected to the callback",
}


def _meaning(rsp_code: str, outcome: str = "", status: int = 0) -> str:
    """What a call's answer means: its rsp_code's text, else (OAuth answers carry none)
    what it did: a token, a code or an error sent to the callback, a page shown."""
    if rsp_code == "A0000":
        return "처리 성공 · success"
    if rsp_code:
        return message(rsp_code)
    if outcome.startswith("error="):
        return f"거절: 콜백으로 오류 전달 · refused, sent to the callback ({outcome[6:]})"
    if outcome in _OUTCOMES:
        return _OUTCOMES[outcome]
    if status == 200:
        return "인증 화면 표시 · consent page shown"
    if status >= 400:
        return f"오류 화면 (HTTP {status}) · error page, e.g. a redirect_uri not registered"
    return f"HTTP {status}"


def my_page(runtime: Runtime, by: Who, clients: list[FintechClient]) -> list[dict[str, Any]]:
    """My Page of each institution (`app_view`), its reading logged (the route writes:
    the record is on disk before the page leaves)."""
    views = [app_view(runtime, c) for c in clients]
    if clients:
        subjects = [s for c in clients for s in institution_subjects(runtime.store, c)]
        processing.record(runtime, by, READ, subjects, MY_PAGE_FIELDS, "마이페이지 · My Page")
    return views


#: My Page's changes: the path after /apps/{code}/, and what it says it does
CHANGES: Final = {
    "secret": "rotate the client_secret (confirm: the client_use_code)",
    "redirect_uris": "register a redirect URI",
    "redirect_uris/remove": "remove a redirect URI",
    "ips": "allow transfers from an IP address",
    "ips/remove": "remove an IP address from the allow-list",
    "reset": "reset my test users and data (confirm: the client_use_code)",
}


def change(
    runtime: Runtime, by: Who, client: FintechClient, what: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """One of `CHANGES`, through the model (`ApplicationError` naming the field: nothing
    changed); what the answer adds to My Page. Its route writes: on disk before the
    answer (and the processing log's record of a reset with it)."""
    gateway = runtime.gateway
    if what in ("secret", "reset"):
        confirm = body.get("confirm")
        if confirm != client.client_use_code:
            raise ApplicationError(
                "confirm",
                f"type the 이용기관코드 {client.client_use_code} to confirm ·"
                " confirm with the client_use_code",
            )
        if what == "secret":
            return {"client_secret": gateway.admission.rotate_secret(client)}
        ended = _registered(runtime, client)
        done = gateway.admission.reset_test_data(client, runtime.clock.now())
        purpose = "테스트 사용자와 데이터 초기화 · reset my test users and data"
        processing.record(runtime, by, DELETE, ended, RESET_FIELDS, purpose, **done)
        return {"reset": done}
    if what == "redirect_uris":
        return {"added": gateway.admission.add_redirect_uri(client, body.get("redirect_uri"))}
    if what == "redirect_uris/remove":
        return {"removed": gateway.admission.remove_redirect_uri(client, body.get("redirect_uri"))}
    if what == "ips":
        return {"added": gateway.admission.add_allowed_ip(client, body.get("ip"))}
    if what == "ips/remove":
        return {"removed": gateway.admission.remove_allowed_ip(client, body.get("ip"))}
    raise ApplicationError("change", f"one of {', '.join(CHANGES)}")  # pragma: no cover


# --- the developer's dashboard ---------------------------------------------------------

#: events one answer of the dashboard's feed carries at most
EVENTS_PAGE: Final = 200


def network_view(runtime: Runtime, developer: Developer) -> dict[str, Any]:
    """The network as the developer's dashboard shows it: the time, the centre, the banks
    (their states and cutover windows: the network's, nobody's data), their institutions."""
    runtime.clock.sync()
    world = runtime.world
    return {
        "now": iso_kst(world.clock.now()),
        "clock": world.clock.state(),
        "centre": world.centre_state(),
        "banks": world.bank_states(),
        "institutions": [c.client_use_code for c in tenancy.institutions_of(world, developer.id)],
    }


def events_view(runtime: Runtime, developer: Developer, since: int) -> dict[str, Any]:
    """The events after `since` the developer may see (the tenancy rule), oldest first, at
    most EVENTS_PAGE; `last`: where the next question starts."""
    world = runtime.world
    codes = frozenset(c.client_use_code for c in tenancy.institutions_of(world, developer.id))
    shown: list[dict[str, Any]] = []
    last = world.events.seq
    for event in world.events.since(since):
        if tenancy.may_see_event(world, developer.id, codes, event):
            if len(shown) == EVENTS_PAGE:
                last = shown[-1]["seq"]
                break
            shown.append(event)
    return {"events": shown, "last": last}


# --- the developer's test users -------------------------------------------------------

#: what My Page shows of each test user (the developer made them: nothing masked)
TEST_USER_FIELDS: Final = ("user_name", "birth_date", "cell_no", "account_num", "balance")


def test_user_view(runtime: Runtime, user: User, codes: set[str]) -> dict[str, Any]:
    """One test user as My Page shows it: who, each account with its balance and the
    fintech_use_num each of the developer's institutions (`codes`) registered it under."""
    world = runtime.world
    accounts = []
    for bank_code, account_num in user.accounts:
        account = world.ledger.accounts.get((bank_code, account_num))
        registrations = [
            {
                "client_use_code": reg.client_use_code,
                "fintech_use_num": reg.fintech_use_num,
                "inquiry": bool(reg.inquiry_agree_dtime),
                "transfer": bool(reg.transfer_agree_dtime),
            }
            for code in sorted(codes)
            for reg in world.directory.registrations_for(code, bank_code, account_num)
            if not reg.cancelled
        ]
        accounts.append(
            {
                "bank_code": bank_code,
                "account_num": account_num,
                "account_type": account.account_type.value if account else "",
                "balance": account.balance if account else 0,
                "registrations": registrations,
            }
        )
    return {
        "user_seq_no": user.user_seq_no,
        "name": user.name,
        "birth_date": user.birth_date,
        "cell_no": user.cell_no,
        "user_ci": user.user_ci,
        "accounts": accounts,
    }


def test_users(runtime: Runtime, by: Who, developer: Developer) -> list[dict[str, Any]]:
    """The developer's test users (their tenant's: `tenancy`), their reading logged (the
    route writes: on disk before the answer)."""
    world = runtime.world
    codes = {c.client_use_code for c in tenancy.institutions_of(world, developer.id)}
    people = list(tenancy.users_of(world, developer.id))
    views = [test_user_view(runtime, u, codes) for u in people]
    if people:
        subjects = [s for u in people for s in user_subjects(runtime.store, u)]
        purpose = "테스트 사용자 조회 · my test users"
        processing.record(runtime, by, READ, subjects, TEST_USER_FIELDS, purpose)
    return views


def make_test_user(
    runtime: Runtime, by: Who, client: FintechClient, body: Mapping[str, Any]
) -> dict[str, Any]:
    """A test user of the developer's institution, as the operator's `POST /testbed/users`
    makes one (the same reader, the same use case), with a user token when `scope` asks;
    in the processing log on return (its route writes: on disk before the answer).
    `ApplicationError` naming the field when the body cannot make one (nothing made)."""
    try:
        spec, scopes = people.user_request(dict(body))
        runtime.clock.sync()
        made = population.make_test_user(runtime.world, client, spec, scopes)
    except people.BodyError as e:
        raise ApplicationError(e.field, str(e)) from None
    except FixtureError as e:  # its message starts with the field: "birth_date: YYYYMMDD"
        field = str(e).partition(":")[0]
        raise ApplicationError(field if field.isidentifier() else "accounts", str(e)) from None
    view = test_user_view(runtime, made.user, {client.client_use_code})
    if made.grant is not None:
        view.update(
            access_token=made.grant.access_token,
            refresh_token=made.grant.refresh_token,
            scope=" ".join(made.grant.scopes),
        )
    purpose = "테스트 사용자 생성 · make a test user"
    subjects = user_subjects(runtime.store, made.user)
    processing.record(
        runtime, by, CREATE, subjects, (*TEST_USER_FIELDS, "user_ci"), purpose,
        client_use_code=client.client_use_code,
    )  # fmt: skip
    return view


def _registered(runtime: Runtime, client: FintechClient) -> list[str]:
    """The users and accounts with a live registration of the institution (the subjects of
    its reset)."""
    subjects = []
    for reg in runtime.world.directory.registrations.values():
        if reg.client_use_code == client.client_use_code and not reg.cancelled:
            subjects += [reg.user_seq_no, runtime.store.account_ref(reg.bank_code, reg.account_num)]
    return subjects
