"""이용신청 and 심사: who may use Open Banking, on what terms, and the institution an
approved company becomes.

The rules are the seed document's (오픈뱅킹 이용대상 확대; "seed l.N" in a comment cites
its line):

- 승인기준 (l.29–36): a bank or fintech company is eligible when it is any one of a
  핀테크산업 분류업종 기업 (the nine 업종 of l.43–48), a 전자금융업자 or
  전자금융보조업자, or a company the operator (금융결제원) recognises (운영기관 인정);
- 제외대상 (l.52–58): a company of any of these kinds is excluded, whatever else it is;
  the applicant declares each (`EXCLUSIONS`);
- 제외서비스 (l.62–71): 출금대행 and 납부서비스 are not offered, so a company whose
  purposes include one is excluded (`EXCLUDED_SERVICES`);
- 차등 운영 (l.128–138): the grading table of the network file
  (`testbed.config.grading`) gives a grade and its terms (자체인증, 출금한도, 보증수단),
  and the size decides the 처리대행비용 tier it starts on (l.104–109).

`Admission.apply` validates an application (an `ApplicationError` naming the field, and
nothing kept), screens it rule by rule (each a `Screening`: the rule's stable id, whether
it passed, and the seed's text when it failed), grades it and files it: `rejected` when
excluded, `approved` when eligible by industry or licence — a working institution at once
(`FintechClient`, credentials, 약정계좌 at its main bank, the grade's limits) — and
`review` otherwise, for the operator to `decide`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from testbed.config import BankCodeError
from testbed.config.grading import CREDIT_RATINGS, NO_RATING, SIZES, Assessment
from testbed.network.applications import (
    APPROVED,
    REJECTED,
    REVIEW,
    Application,
    GrantedTerms,
    Screening,
)
from testbed.network.fixtures import open_contract_account
from testbed.network.gateway import tenancy
from testbed.network.gateway.base import GatewayBase
from testbed.network.parties import ContractAccount, FintechClient
from testbed.network.seed import DEMO_CALLBACKS
from testbed.network.text import control_character

# --------------------------------------------------------------------------- the seed

#: 핀테크산업 분류업종 (seed l.43–48, '은행 혁신성 평가 매뉴얼'): 업종명 -> 내용, verbatim
INDUSTRIES: Mapping[str, str] = MappingProxyType(
    {
        "시스템 소프트웨어 개발 및 공급업": "보안프로그램, OS, DBMS개발 등",
        "응용S/W 개발 및 공급업": "회계용 S/W, CRM, ERP개발 등",
        "컴퓨터 프로그래밍 서비스업": "홈페이지, 맞춤형 S/W개발 등",
        "컴퓨터시스템 통합자문 및 구축 서비스업": "컴퓨터시스템통합, SI업체 등",
        "기타 정보기술 및 컴퓨터운영 관련 서비스업": "데이터, 컴퓨터장애복구 등",
        "자료 처리업": "자료입력, 전환처리 등",
        "포털 및 기타 인터넷정보 매개 서비스업": "온라인포털, 정보제공 등",
        "데이터베이스 및 온라인정보 제공업": "학습, 증권정보제공 등",
        "기타 금융지원 서비스업": "외국환, 어음교환 등",
    }
)
#: seed l.35: 전자금융업자 또는 전자금융보조업자
LICENCES: tuple[str, ...] = ("전자금융업자", "전자금융보조업자")


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A 제외대상 the applicant declares (or a 제외서비스 its purposes name)."""

    key: str  # stable: the declaration's key and the rule id's end
    label: str  # short Korean name, for a form
    text: str  # the seed's text, quoted when the rule rejects


#: 제외대상 (seed l.52–58), one declaration each; a line naming several kinds is split so
#: that each can be declared on its own
EXCLUSIONS: tuple[Exclusion, ...] = (
    # seed l.52
    Exclusion("gambling", "사행행위기업", "「사행행위 등 규제 및 처벌 특례법」상 사행행위기업"),
    # seed l.52
    Exclusion("bankrupt", "부도기업", "부도기업"),
    # seed l.53
    Exclusion("game_money", "게임머니·아이템 중개", "게임머니·아이템(중개) 관련 사업모델 기업"),
    # seed l.53 and its note 3 (l.67)
    Exclusion(
        "virtual_currency",
        "가상화폐 발행·거래소",
        "가상화폐 관련 사업모델 기업: 가상화폐 발행(ICO 포함) 또는 거래소 운영 등을 주요사업으로"
        " 영위하는 기업",
    ),
    # seed l.54
    Exclusion("multi_level", "다단계 판매", "다단계 판매"),
    # seed l.54
    Exclusion("funeral_mutual", "상조회사", "상조회사"),
    # seed l.54
    Exclusion("money_lending", "대부업", "대부업"),
    # seed l.55
    Exclusion(
        "illegal",
        "미풍양속 저해·불법행위",
        "미풍양속 저해, 불법행위 사업모델 기업(자금세탁, 테러자금조달 등)",
    ),
    # seed l.56
    Exclusion(
        "unqualified",
        "필요자격 미달",
        "이용기관이 서비스하고자 하는 사업모델 상 필요자격 미달기업",
    ),
    # seed l.57
    Exclusion(
        "financial_disorder", "금융질서 문란 의심", "영업 행태에 금융질서 문란행위가 의심되는 기업"
    ),
    # seed l.58
    Exclusion("consumer_harm", "소비자 피해 우려", "기타 소비자 피해 발생이 우려되는 기업"),
)
DECLARATIONS: tuple[str, ...] = tuple(e.key for e in EXCLUSIONS)

#: 제외서비스 (seed l.62–63, with their notes 4 and 5 at l.69 and l.71): `label` is what a
#: purpose names (spaces aside)
EXCLUDED_SERVICES: tuple[Exclusion, ...] = (
    # seed l.62, l.69
    Exclusion(
        "withdrawal_agency",
        "출금대행",
        "출금대행: 지급인의 출금동의를 수취인을 통해 전달받아 제3자가 출금을 대행하거나 동 권리를"
        " 재판매하는 경우",
    ),
    # seed l.63, l.71
    Exclusion(
        "bill_payment",
        "납부서비스",
        "납부서비스: 수납하려는 주체가 고객에게 제공하는 재화나 용역의 대가로서 일정금액을"
        " 정기적·반복적으로 추심(예약)하는 경우",
    ),
)

#: 제공서비스 (seed l.77–83): the key an application names -> the seed's name
SERVICES: Mapping[str, str] = MappingProxyType(
    {
        "balance": "잔액조회",
        "transactions": "거래내역조회",
        "real_name": "계좌실명조회",
        "remit_list": "송금인정보조회",
        "deposit": "입금이체",
        "withdraw": "출금이체",
    }
)
INQUIRY_SERVICES: tuple[str, ...] = ("balance", "transactions", "real_name", "remit_list")  # 조회
TRANSFER_SERVICES: tuple[str, ...] = ("deposit", "withdraw")  # 이체

#: what an approved institution's deposit 약정계좌 (which pays its 입금이체) opens holding,
#: as the seeded institutions' do, so that it can pay out at once (⚠ testbed choice: a real
#: one pays its own money in)
OPENING_FUNDS = 1_000_000_000
#: 이용기관코드 of admitted institutions: M2027 + 5 digits in order, a form the seeded world
#: (T991 + 6, M2026 + 5) never makes
CLIENT_CODE_PREFIX = "M2027"

_FIELDS = (
    "company_name",
    "business_number",
    "size",
    "industry",
    "licences",
    "declarations",
    "services",
    "purposes",
    "main_bank",
    "credit_rating",
    "paid_in_capital",
    "years_in_business",
    "operating_profit",
    "aml_system",
    "isms",
    "liability_insurance",
    "redirect_uris",
)
_OPTIONAL = {"industry": "", "licences": [], "redirect_uris": list(DEMO_CALLBACKS)}
_NUMBER = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)")
_MOST_WON = 10**16  # 1경: more than any company's figure; refuses a typo's extra zeros
_MOST_PURPOSES = 20
#: applications one developer may file: every one is kept for good (the operator's
#: register), so a script of one account cannot grow it without bound
MOST_APPLICATIONS = 50
_LONGEST_TEXT = 100
_LONGEST_URI = 2000


class ApplicationError(ValueError):
    """An application the centre cannot take as written: `field` names what is wrong (the
    portal answers 400 with it). Nothing is kept."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownApplication(LookupError):
    """No application has this id."""


class DecisionError(ValueError):
    """A decision the application cannot take (it is not under review)."""


def business_number_ok(number: str) -> bool:
    """사업자등록번호 검증: ten digits whose last is the check digit of the first nine,
    weighted 1,3,7,1,3,7,1,3,5 (plus the tens of the ninth digit times 5)."""
    if len(number) != 10 or not (number.isascii() and number.isdigit()):
        return False
    digits = [int(c) for c in number]
    total = sum(d * w for d, w in zip(digits, (1, 3, 7, 1, 3, 7, 1, 3, 5), strict=False))
    total += digits[8] * 5 // 10
    return (10 - total % 10) % 10 == digits[9]


def client_scopes(services: list[str], self_auth: bool) -> list[str]:
    """The scopes an institution may ask for, from the services it was granted: `login` for
    its users' registrations, `inquiry` for their balances and histories, `transfer` for
    출금이체; `oob` always (its own calls: 입금이체, 계좌실명조회, 송금인정보조회, the
    manage APIs); `sa` when its grade allows 자체인증."""
    wanted = set(services)
    scopes = []
    if wanted & {"balance", "transactions", "withdraw"}:
        scopes.append("login")
    if wanted & {"balance", "transactions"}:
        scopes.append("inquiry")
    if "withdraw" in wanted:
        scopes.append("transfer")
    scopes.append("oob")
    if self_auth:
        scopes.append("sa")
    return scopes


# --------------------------------------------------------------------------- the use case


class Admission(GatewayBase):
    """이용신청: apply, be screened and graded, be decided on, become an institution."""

    def apply(self, owner: str, data: Mapping[str, Any], now: float) -> Application:
        """File `owner`'s application (`data`: the fields of `Application` a company
        writes), screened and graded; an approved one is an institution on return. A
        developer files at most MOST_APPLICATIONS (the server is shared)."""
        if len(self.world.applications.of(owner)) >= MOST_APPLICATIONS:
            raise ApplicationError(
                "application", f"at most {MOST_APPLICATIONS} applications a developer"
            )
        fields = _Form(self, owner, data).read()
        app = Application(
            id=self.world.applications.next_id(),
            developer=owner,
            created=now,
            status=REVIEW,
            screening=[],
            **fields,
        )
        app.screening = screen(app)
        excluded = [s for s in app.screening if s.rule.startswith("excluded") and not s.passed]
        if excluded:
            app.status, app.reason = REJECTED, "; ".join(s.reason for s in excluded)
            app.decided, app.decided_by = now, "screening"
        else:
            self._grade(app)
            grounds = [s for s in app.screening if s.rule.startswith("eligible.") and s.passed]
            if grounds:
                app.reason = "; ".join(s.reason for s in grounds)
                self._approve(app, now, "screening")
            else:
                # seed l.36: 오픈뱅킹 운영기관(금융결제원) 인정 기업 — the operator decides
                app.screening.append(Screening("eligible.operator", False, _AWAITING))
                app.reason = _AWAITING
        self.world.applications.file(app)
        self._announce(app, now)
        return app

    def decide(
        self, app_id: str, decision: str, reason: str, now: float | None = None
    ) -> Application:
        """The operator's decision on an application under review: "approve" (운영기관
        인정 기업: it becomes an institution) or "reject" (with a reason)."""
        app = self.world.applications.applications.get(app_id)
        if app is None:
            raise UnknownApplication(app_id)
        if decision not in ("approve", "reject"):
            raise ApplicationError("decision", f"approve or reject, not {decision!r}")
        if not isinstance(reason, str):
            raise ApplicationError("reason", "expected text")
        reason = reason.strip()
        if decision == "reject" and not reason:
            raise ApplicationError("reason", "say why the application is rejected")
        if len(reason) > 500:
            raise ApplicationError("reason", "at most 500 characters")
        if app.status != REVIEW:
            raise DecisionError(
                f"{app_id} was {app.status} by {app.decided_by or 'screening'}: only an"
                " application under review may be decided"
            )
        now = self.world.clock.now() if now is None else now
        approve = decision == "approve"
        if approve:
            self._approve(app, now, "operator")  # first: it may fail, leaving all as it was
            app.reason = reason or _OPERATOR
        else:
            app.status, app.reason = REJECTED, reason
            app.decided, app.decided_by = now, "operator"
        rule = next(s for s in app.screening if s.rule == "eligible.operator")
        rule.passed = approve
        rule.reason = f"{_OPERATOR}: {'인정' if approve else '불인정'}" + (
            f" ({reason})" if reason else ""
        )
        self.world.applications.file(app)
        self._announce(app, now)
        return app

    def applications(self, owner: str | None = None) -> list[Application]:
        """`owner`'s applications, oldest first; None: everyone's (the operator's view)."""
        return self.world.applications.of(owner)

    def application(self, app_id: str, owner: str | None) -> Application | None:
        """One application, if `owner` filed it (None: the operator, any). Another owner's
        is None too, as if it did not exist."""
        app = self.world.applications.applications.get(app_id)
        if app is None or (owner is not None and app.developer != owner):
            return None
        return app

    # --- My Page: what a developer may see and change of an institution it was granted

    def institutions(self, owner: str) -> list[FintechClient]:
        """The institutions `owner`'s approved applications became, oldest first (the
        tenancy rule's: `tenancy.institutions_of`)."""
        return tenancy.institutions_of(self.world, owner) if owner else []

    def institution(self, client_use_code: str, owner: str) -> FintechClient | None:
        """The institution, if one of `owner`'s applications became it; another owner's is
        None too, as if it did not exist."""
        for client in self.institutions(owner):
            if client.client_use_code == client_use_code:
                return client
        return None

    def rotate_secret(self, client: FintechClient) -> str:
        """A new client_secret; the old one takes no token from now on (O0001). Tokens
        already issued keep working until they expire or are revoked. The new secret is
        from the world's secret source, never the seed: nobody else can draw it again."""
        client.client_secret = self.world.secrets.uuid("secret:rotate")
        self.world.directory.put_client(client)
        return client.client_secret

    def add_redirect_uri(self, client: FintechClient, uri: object) -> str:
        """Register a redirect URI (an absolute http(s) URL without a fragment)."""
        checked = redirect_uri(uri)
        if checked in client.redirect_uris:
            raise ApplicationError("redirect_uri", f"{checked} is registered already")
        if len(client.redirect_uris) >= MOST_REDIRECT_URIS:
            raise ApplicationError("redirect_uri", f"at most {MOST_REDIRECT_URIS} redirect URIs")
        client.redirect_uris.append(checked)
        self.world.directory.put_client(client)
        return checked

    def remove_redirect_uri(self, client: FintechClient, uri: object) -> str:
        if not isinstance(uri, str) or uri.strip() not in client.redirect_uris:
            raise ApplicationError("redirect_uri", f"not a registered redirect URI: {_kind(uri)}")
        client.redirect_uris.remove(uri.strip())
        self.world.directory.put_client(client)
        return uri.strip()

    def add_allowed_ip(self, client: FintechClient, ip: object) -> str:
        """Allow transfers from one more address (화이트리스트 IP 관리): while the list is
        not empty, a transfer from any other address is refused (O0006)."""
        checked = ip_address(ip)
        if checked in client.ip_allow:
            raise ApplicationError("ip", f"{checked} is allowed already")
        if len(client.ip_allow) >= MOST_IPS:
            raise ApplicationError("ip", f"at most {MOST_IPS} addresses")
        client.ip_allow.append(checked)
        self.world.directory.put_client(client)
        return checked

    def remove_allowed_ip(self, client: FintechClient, ip: object) -> str:
        checked = ip_address(ip)
        if checked not in client.ip_allow:
            raise ApplicationError("ip", f"{checked} is not on the allow-list")
        client.ip_allow.remove(checked)
        self.world.directory.put_client(client)
        return checked

    def reset_test_data(self, client: FintechClient, now: float) -> dict[str, int]:
        """ "Reset my test users and data": this institution starts again with no users.
        Every registration of its users is ended (as 해지: the accounts and their owners stay,
        they are the banks' customers and may be other institutions' users too), every user
        token and unused authorization code it holds is cancelled. Money and its history are
        not touched: the ledger stays balanced and the centre keeps its transfer records
        (보존기간), so bank_tran_ids already used stay used. Other institutions: untouched."""
        code = client.client_use_code
        directory, grants = self.world.directory, self.world.auth
        ended = 0
        for reg in list(directory.registrations.values()):
            if reg.client_use_code == code and not reg.cancelled:
                reg.inquiry_agree_dtime = reg.transfer_agree_dtime = ""
                reg.cancelled = True
                directory.put_registration(reg)
                ended += 1
        revoked = 0
        for grant in list(grants.tokens.values()):
            if grant.client_use_code == code and grant.is_user_token and not grant.revoked:
                grant.revoked = True
                grants.put("token", grant.access_token, grant)
                revoked += 1
        for auth_code in list(grants.codes.values()):
            if auth_code.client_use_code == code and not auth_code.used:
                auth_code.used = True
                grants.put("code", auth_code.code, auth_code)
        self.world.events.emit(
            now, "institution_reset", client_use_code=code, registrations=ended, tokens=revoked
        )
        return {"registrations_ended": ended, "tokens_revoked": revoked}

    # --- what a decision does ---------------------------------------------------------

    def _grade(self, app: Application) -> None:
        """차등 운영 (seed l.128–138): the network file's table grades every application
        that is not excluded (one under review shows the terms it would be given)."""
        assessed: Assessment = self.world.config.grading.assess(app.inputs, app.size)
        app.grade, app.points = assessed.grade, assessed.points
        app.points_by_input = dict(assessed.breakdown)
        terms = assessed.terms
        app.terms = GrantedTerms(
            self_auth=terms.self_auth,
            limits=dict(terms.limits),
            guarantee=terms.guarantee.kind,
            guarantee_amount=terms.guarantee.amount,
            fee_start=assessed.fee_start,
        )

    def _approve(self, app: Application, now: float, by: str) -> None:
        client = self._admit(app)
        app.status, app.client_use_code = APPROVED, client.client_use_code
        app.decided, app.decided_by = now, by

    def _admit(self, app: Application) -> FintechClient:
        """The institution an approved application becomes, working at once: its code,
        credentials (from the world's secret source: under `serve` nobody can compute
        them; a replay draws them from the application's own seeded stream), scopes,
        limits and self-auth from its terms, its 약정계좌 at its main bank, and its
        developer (its tenant)."""
        world = self.world
        terms = app.terms
        assert terms is not None  # graded before approval
        stream = f"admission:{app.id}"

        def uuid4() -> str:
            while True:
                drawn = world.secrets.uuid(stream)
                if drawn not in world.directory.clients_by_id:
                    return drawn

        client = FintechClient(
            client_use_code=self._new_client_use_code(),
            name=app.company_name,
            name_en="",
            client_id=uuid4(),
            client_secret=world.secrets.uuid(stream),
            redirect_uris=list(app.redirect_uris),
            scopes=client_scopes(app.services, terms.self_auth),
            self_auth=terms.self_auth,
            main_bank=app.main_bank,
            limits=dict(terms.limits),
            fee_start=terms.fee_start,
            developer=app.developer,  # its tenant (tenancy)
        )
        for purpose, funds in (("withdraw", 0), ("deposit", OPENING_FUNDS)):
            # 출금이체 is paid into the withdraw account; 입금이체 is paid from the deposit one
            account = open_contract_account(
                world, client, app.main_bank, app.business_number, funds
            )
            client.contract_accounts.append(
                ContractAccount(purpose, account.bank_code, account.account_num)
            )
        return world.directory.put_client(client)

    def _new_client_use_code(self) -> str:
        clients = self.world.directory.clients
        taken = [
            int(code[len(CLIENT_CODE_PREFIX) :])
            for code in clients
            if code.startswith(CLIENT_CODE_PREFIX) and code[len(CLIENT_CODE_PREFIX) :].isdigit()
        ]
        number = max(taken, default=0) + 1
        while f"{CLIENT_CODE_PREFIX}{number:05d}" in clients:  # pragma: no cover - max + 1
            number += 1
        if number > 99_999:
            raise DecisionError("every 이용기관코드 of the form M2027##### is taken")
        return f"{CLIENT_CODE_PREFIX}{number:05d}"

    def _announce(self, app: Application, now: float) -> None:
        self.world.events.emit(
            now,
            "application",
            application=app.id,
            status=app.status,
            grade=app.grade,
            client_use_code=app.client_use_code,
        )


_OPERATOR = "오픈뱅킹 운영기관(금융결제원) 인정 기업"
_AWAITING = f"{_OPERATOR} 여부: 운영기관의 심사를 기다립니다"


def screen(app: Application) -> list[Screening]:
    """Every rule of the seed that screening decides, in the seed's order."""
    results = []
    for exclusion in EXCLUSIONS:  # 제외대상, seed l.52–58 (each entry cites its line)
        declared = app.declarations[exclusion.key]
        results.append(
            Screening(
                f"excluded.{exclusion.key}",
                not declared,
                f"제외대상: {exclusion.text}" if declared else "해당 없음",
            )
        )
    for service in EXCLUDED_SERVICES:  # 제외서비스, seed l.62–63
        named = [p for p in app.purposes if service.label in "".join(p.split())]
        results.append(
            Screening(
                f"excluded_service.{service.key}",
                not named,
                f"제외서비스: {service.text} (이용목적 '{named[0]}')" if named else "해당 없음",
            )
        )
    # 승인기준, seed l.33–35: any one of them is enough (l.36, the operator's, comes later)
    results.append(
        Screening(
            "eligible.industry",
            bool(app.industry),
            f"금융위원회의 핀테크산업 분류업종 기업: {app.industry}"
            if app.industry
            else "핀테크산업 분류업종 기업이 아님",
        )
    )
    results.append(
        Screening(
            "eligible.licence",
            bool(app.licences),
            f"전자금융업자 또는 전자금융보조업자: {', '.join(app.licences)}"
            if app.licences
            else "전자금융업자 또는 전자금융보조업자가 아님",
        )
    )
    return results


# --------------------------------------------------------------------------- reading


class _Form:
    """Reads an application's fields, refusing the first bad one (`ApplicationError`)."""

    def __init__(self, gateway: GatewayBase, owner: str, data: Mapping[str, Any]) -> None:
        self.world = gateway.world
        self.owner = owner
        self.data = data

    def read(self) -> dict[str, Any]:
        if not isinstance(self.owner, str) or not self.owner.strip():
            raise ApplicationError("developer", "the application needs its owner")
        if not isinstance(self.data, Mapping):
            raise ApplicationError("application", "expected an object of fields")
        for key in self.data:
            if key not in _FIELDS:
                raise ApplicationError(str(key), f"unknown field; expected: {', '.join(_FIELDS)}")
        return {
            "company_name": _text(self.get("company_name"), "company_name"),
            "business_number": self.business_number(),
            "size": self.choice("size", SIZES),
            "industry": self.industry(),
            "licences": self.subset("licences", LICENCES),
            "declarations": self.declarations(),
            "services": self.subset("services", tuple(SERVICES), at_least_one=True),
            "purposes": self.purposes(),
            "main_bank": self.main_bank(),
            "credit_rating": self.choice("credit_rating", (*CREDIT_RATINGS, NO_RATING)),
            "paid_in_capital": self.won("paid_in_capital", 0),
            "years_in_business": self.won("years_in_business", 0, 200),
            "operating_profit": self.won("operating_profit", -_MOST_WON),
            "aml_system": self.flag("aml_system"),
            "isms": self.flag("isms"),
            "liability_insurance": self.flag("liability_insurance"),
            "redirect_uris": self.redirect_uris(),
        }

    def get(self, name: str) -> Any:
        if name in self.data:
            return self.data[name]
        if name in _OPTIONAL:
            default = _OPTIONAL[name]
            return list(default) if isinstance(default, list) else default
        raise ApplicationError(name, "missing")

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = self.get(name)
        if not isinstance(value, str) or value not in choices:
            raise ApplicationError(name, f"one of {', '.join(choices)}; got {_kind(value)}")
        return value

    def business_number(self) -> str:
        value = self.get("business_number")
        if not isinstance(value, str):
            raise ApplicationError("business_number", f"expected text, got {_kind(value)}")
        number = value.strip().replace("-", "")
        if len(number) != 10 or not (number.isascii() and number.isdigit()):
            raise ApplicationError(
                "business_number", f"사업자등록번호: 10 digits (000-00-00000), got {value!r}"
            )
        if not business_number_ok(number):
            raise ApplicationError(
                "business_number", f"사업자등록번호 {value} fails its check digit"
            )
        return number

    def industry(self) -> str:
        value = self.get("industry")
        if not isinstance(value, str):
            raise ApplicationError("industry", f"expected text, got {_kind(value)}")
        value = value.strip()
        if value and value not in INDUSTRIES:
            raise ApplicationError(
                "industry",
                f"{value!r} is not a 핀테크산업 분류업종; one of: {', '.join(INDUSTRIES)},"
                " or empty for none",
            )
        return value

    def items(self, name: str) -> list[Any]:
        value = self.get(name)
        if not isinstance(value, list | tuple):
            raise ApplicationError(name, f"expected a list, got {_kind(value)}")
        return list(value)

    def subset(self, name: str, choices: tuple[str, ...], at_least_one: bool = False) -> list[str]:
        chosen: list[str] = []
        for i, item in enumerate(self.items(name)):
            if not isinstance(item, str) or item not in choices:
                raise ApplicationError(
                    f"{name}[{i}]", f"one of {', '.join(choices)}; got {_kind(item)}"
                )
            if item in chosen:
                raise ApplicationError(f"{name}[{i}]", f"{item} is listed twice")
            chosen.append(item)
        if at_least_one and not chosen:
            raise ApplicationError(name, f"at least one of {', '.join(choices)}")
        return chosen

    def declarations(self) -> dict[str, bool]:
        value = self.get("declarations")
        if not isinstance(value, Mapping):
            raise ApplicationError(
                "declarations", f"expected an object of {', '.join(DECLARATIONS)}: true|false"
            )
        for key in value:
            if key not in DECLARATIONS:
                raise ApplicationError(
                    f"declarations.{key}", f"unknown; expected: {', '.join(DECLARATIONS)}"
                )
        out = {}
        for key in DECLARATIONS:  # every 제외대상 is declared, one way or the other
            if key not in value:
                raise ApplicationError(f"declarations.{key}", "missing: declare true or false")
            if not isinstance(value[key], bool):
                raise ApplicationError(
                    f"declarations.{key}", f"expected true or false, got {_kind(value[key])}"
                )
            out[key] = value[key]
        return out

    def purposes(self) -> list[str]:
        items = self.items("purposes")
        if not items:
            raise ApplicationError("purposes", "name at least one purpose")
        if len(items) > _MOST_PURPOSES:
            raise ApplicationError("purposes", f"at most {_MOST_PURPOSES}")
        return [_text(item, f"purposes[{i}]") for i, item in enumerate(items)]

    def main_bank(self) -> str:
        value = self.get("main_bank")
        if not isinstance(value, str):
            raise ApplicationError("main_bank", f"expected a bank code, got {_kind(value)}")
        participants = ", ".join(i.code for i in self.world.config.participants)
        try:
            institution = self.world.resolver.resolve(value.strip())
        except BankCodeError as e:
            raise ApplicationError("main_bank", f"{e.message}; one of {participants}") from None
        if not institution.open_banking:
            raise ApplicationError(
                "main_bank",
                f"{institution.code} {institution.name_ko} is not an Open Banking participant;"
                f" one of {participants}",
            )
        return institution.code

    def won(self, name: str, least: int, most: int = _MOST_WON) -> int:
        value = self.get(name)
        if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
            value = int(value.strip().replace(",", ""))
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApplicationError(name, f"expected a whole number, got {_kind(value)}")
        if not least <= value <= most:
            raise ApplicationError(name, f"from {least} to {most}, got {value}")
        return value

    def flag(self, name: str) -> bool:
        value = self.get(name)
        if not isinstance(value, bool):
            raise ApplicationError(name, f"expected true or false, got {_kind(value)}")
        return value

    def redirect_uris(self) -> list[str]:
        # My Page's check, each URI (an application's are registered as they are)
        return [
            redirect_uri(item, f"redirect_uris[{i}]")
            for i, item in enumerate(self.items("redirect_uris"))
        ]


def application_problems(
    gateway: GatewayBase, owner: str, data: Mapping[str, Any]
) -> list[ApplicationError]:
    """Every field of an application that `apply` would refuse, each with its error,
    in the form's order (`apply` stops at the first): the portal's form shows them all at
    once. [] when the fields read; the screening is still `apply`'s."""
    form = _Form(gateway, owner, data)
    readers: dict[str, Callable[[], object]] = {
        "company_name": lambda: _text(form.get("company_name"), "company_name"),
        "business_number": form.business_number,
        "size": lambda: form.choice("size", SIZES),
        "industry": form.industry,
        "licences": lambda: form.subset("licences", LICENCES),
        "declarations": form.declarations,
        "services": lambda: form.subset("services", tuple(SERVICES), at_least_one=True),
        "purposes": form.purposes,
        "main_bank": form.main_bank,
        "credit_rating": lambda: form.choice("credit_rating", (*CREDIT_RATINGS, NO_RATING)),
        "paid_in_capital": lambda: form.won("paid_in_capital", 0),
        "years_in_business": lambda: form.won("years_in_business", 0, 200),
        "operating_profit": lambda: form.won("operating_profit", -_MOST_WON),
        "aml_system": lambda: form.flag("aml_system"),
        "isms": lambda: form.flag("isms"),
        "liability_insurance": lambda: form.flag("liability_insurance"),
        "redirect_uris": form.redirect_uris,
    }
    assert tuple(readers) == _FIELDS, "every field of an application is read here too"
    whole = isinstance(owner, str) and owner.strip() and isinstance(data, Mapping)
    if not whole or any(key not in _FIELDS for key in data):
        try:  # the application's own problem (no owner, not an object, an unknown field)
            form.read()
        except ApplicationError as e:
            return [e]
    found = []
    for read in readers.values():
        try:
            read()
        except ApplicationError as e:
            found.append(e)
    return found


def _text(value: object, field: str, longest: int = _LONGEST_TEXT) -> str:
    if not isinstance(value, str):
        raise ApplicationError(field, f"expected text, got {_kind(value)}")
    text = value.strip()
    if not text:
        raise ApplicationError(field, "must not be empty")
    if len(text) > longest:
        raise ApplicationError(field, f"at most {longest} characters")
    if control := control_character(text):
        raise ApplicationError(field, f"no control characters (found {control})")
    return text


def _kind(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"{type(value).__name__} {value!r}"


MOST_REDIRECT_URIS = 20
MOST_IPS = 50


def redirect_uri(value: object, field: str = "redirect_uri") -> str:
    """The one check of a redirect URI, at every door that registers one (이용신청, My Page,
    the control plane) and before the consent pages send a browser to one: an absolute
    http:// or https:// URL with a host, no fragment (RFC 6749 §3.1.2), no spaces or control
    characters (a CR or LF would end the Location header it goes into);
    `ApplicationError` naming `field` otherwise."""
    if isinstance(value, str) and (control := control_character(value.strip())):
        # before urlsplit, which silently drops CR, LF and TAB
        raise ApplicationError(field, f"no spaces or control characters (found {control})")
    uri = _text(value, field, _LONGEST_URI)
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ApplicationError(field, f"not a URL: {uri!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApplicationError(field, f"an absolute http(s) URL, got {uri!r}")
    if parts.fragment or "#" in uri:
        raise ApplicationError(field, "a redirect URI has no fragment (#...)")
    if any(c.isspace() for c in uri):
        raise ApplicationError(field, "no spaces or control characters")
    return uri


def redirect_uri_ok(uri: str) -> bool:
    """Whether `uri` passes `redirect_uri` as it is (untrimmed): a browser may be sent there."""
    try:
        return redirect_uri(uri) == uri
    except ApplicationError:
        return False


def ip_address(value: object) -> str:
    """An IPv4 or IPv6 address in its canonical text (IPv6 compressed), as requests carry
    it; `ApplicationError` otherwise."""
    if not isinstance(value, str):
        raise ApplicationError("ip", f"expected an IPv4 or IPv6 address, got {_kind(value)}")
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ApplicationError("ip", f"not an IPv4 or IPv6 address: {value[:60]!r}") from None
