"""이용신청: the centre's register of applications to use Open Banking.

A company (through a developer of the portal) applies; the gateway screens it against the
seed's 승인기준 and 제외대상 (`testbed.network.admission`), grades it, and files
the `Application` here with what it found. The book persists like every book of the world
(`World.books`), so the applications, their screening and their decisions survive a
restart and travel in snapshots. The rules are the gateway's; this module holds the records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from testbed.clock import iso_kst
from testbed.config.grading import GradingInputs
from testbed.network.records import Decoder, RecordBook, plain

#: screened and approved: a working institution now (`client_use_code`)
APPROVED = "approved"
#: excluded (제외대상 or 제외서비스): refused for good
REJECTED = "rejected"
#: not excluded, not eligible by industry or licence: the operator decides (운영기관 인정)
REVIEW = "review"
STATUSES: tuple[str, ...] = (APPROVED, REJECTED, REVIEW)

ID_PREFIX = "APP"


@dataclass(slots=True)
class Screening:
    """One rule of the seed, as it applied to an application."""

    rule: str  # a stable id: "excluded.gambling", "eligible.industry", ...
    passed: bool
    reason: str  # the seed's text of the rule when it failed; what was found otherwise


@dataclass(slots=True)
class GrantedTerms:
    """The terms the grading table gave an application (kept as granted: a later table
    does not change what an institution was admitted on)."""

    self_auth: bool
    limits: dict[str, int]  # FintechClient.limits keys, won
    guarantee: str  # a key of config.grading.GUARANTEE_KINDS
    guarantee_amount: int  # won
    fee_start: str  # "reduced" | "basic"


@dataclass(slots=True)
class Application:
    """An application to use Open Banking, as filed and as screened."""

    id: str  # APP + 6 digits, sequential
    developer: str  # the portal's owner of the application (opaque: only compared)
    company_name: str
    business_number: str  # 사업자등록번호, 10 digits
    size: str  # 대형 | 중소형
    industry: str  # one of the seed's 핀테크산업 분류업종, or ""
    licences: list[str]  # 전자금융업자, 전자금융보조업자
    declarations: dict[str, bool]  # 제외대상 key -> the company declares it applies
    services: list[str]  # balance, transactions, real_name, remit_list, deposit, withdraw
    purposes: list[str]  # what the company will use Open Banking for (free text)
    main_bank: str  # 주거래은행: a participant's canonical code
    credit_rating: str  # 기업신용등급, or NR
    paid_in_capital: int  # 납입자본금, won
    years_in_business: int  # 회사업력
    operating_profit: int  # 영업이익, won
    aml_system: bool  # AML시스템 운영
    isms: bool  # 정보보호관리체계 인증
    liability_insurance: bool  # 전자금융배상책임보험 가입
    redirect_uris: list[str]
    created: float  # simulated time
    status: str  # approved | rejected | review
    screening: list[Screening]
    grade: str = ""  # "" when rejected (an excluded company is not graded)
    points: int = 0
    points_by_input: dict[str, int] = field(default_factory=dict)
    terms: GrantedTerms | None = None
    reason: str = ""  # why it was decided so
    decided: float = 0.0  # simulated time of the decision; 0 while under review
    decided_by: str = ""  # "screening" | "operator"
    client_use_code: str = ""  # the institution it became, once approved

    @property
    def inputs(self) -> GradingInputs:
        return GradingInputs(
            credit_rating=self.credit_rating,
            paid_in_capital=self.paid_in_capital,
            years_in_business=self.years_in_business,
            operating_profit=self.operating_profit,
            aml_system=self.aml_system,
            isms=self.isms,
            liability_insurance=self.liability_insurance,
        )


def application_from_record(data: dict[str, Any]) -> Application:
    data = dict(data)
    data["screening"] = [Screening(**s) for s in data.get("screening", [])]
    terms = data.get("terms")
    data["terms"] = GrantedTerms(**terms) if terms is not None else None
    return Application(**data)


class ApplicationBook(RecordBook):
    """The centre's register of applications, in the order they came."""

    KINDS: ClassVar[dict[str, Decoder]] = {"application": application_from_record}

    def __init__(self) -> None:
        super().__init__()
        self.applications: dict[str, Application] = self.tables["application"]

    @classmethod
    def attach(cls, books: list[RecordBook]) -> ApplicationBook:
        """A new book, registered with the world's books (so the store keeps it)."""
        book = cls()
        books.append(book)
        return book

    def next_id(self) -> str:
        """The id the next application gets: one above the highest so far. Nothing is
        filed for a refused application, so the ids run without gaps."""
        highest = max((int(key[len(ID_PREFIX) :]) for key in self.applications), default=0)
        return f"{ID_PREFIX}{highest + 1:06d}"

    def file(self, application: Application) -> Application:
        """Keep an application (new, or changed by a decision)."""
        self.put("application", application.id, application)
        return application

    def of(self, developer: str | None) -> list[Application]:
        """Every application (None), or one developer's, oldest first."""
        return [
            a for a in self.applications.values() if developer is None or a.developer == developer
        ]


def application_json(app: Application) -> dict[str, Any]:
    """An application as the portal and the operator show it: every field, times in KST."""
    view = plain(app)
    view["created"] = iso_kst(app.created)
    view["decided"] = iso_kst(app.decided) if app.decided else ""
    return view
