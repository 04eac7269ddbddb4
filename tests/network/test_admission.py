"""이용신청 without HTTP: screening against the seed's rules, grading, the operator's
decision, and the working institution an approved company becomes. The use case takes plain
values (`Filing`); reading them from a posted form is tested with its reader
(tests/web/portal/test_application_form.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from testbed.clock import VirtualClock, parse_kst, yyyymmdd
from testbed.config import NetworkConfig
from testbed.network.admission import service as admission_module
from testbed.network.admission.rules import (
    DECLARATIONS,
    EXCLUDED_SERVICES,
    EXCLUSIONS,
    INDUSTRIES,
    business_number_ok,
)
from testbed.network.admission.values import Filing
from testbed.network.applications import APPROVED, REJECTED, REVIEW, Application
from testbed.network.books import TransferRecord
from testbed.network.codes import Refusal
from testbed.network.gateway import (
    ApplicationError,
    DecisionError,
    Gateway,
    UnknownApplication,
)
from testbed.network.parties import FintechClient, client_from_record
from testbed.network.records import plain
from testbed.network.seed import DEMO_CALLBACKS
from testbed.network.world import World
from testbed.rng import ReplaySecrets, SecretSource
from testbed.runtime import world_from_snapshot
from testbed.store import Store
from testbed.store.sqlite import encode_snapshot, snapshot_state
from tests.conftest import START, WorldFactory

NAVER = "220-81-62517"  # published 사업자등록번호 of well-known companies: valid
SAMSUNG = "1248100998"
KAKAO = "120-81-47521"

#: a 중소형 fintech in a 분류업종 with middling figures: graded B, approved at once
BASE: dict[str, Any] = {
    "company_name": "주식회사 테스트페이",
    "business_number": NAVER,
    "size": "중소형",
    "industry": "응용S/W 개발 및 공급업",
    "licences": [],
    "declarations": dict.fromkeys(DECLARATIONS, False),
    "services": ["balance", "transactions", "withdraw", "deposit"],
    "purposes": ["간편송금", "포인트 충전"],
    "main_bank": "004",
    "credit_rating": "BBB",
    "paid_in_capital": 1_000_000_000,
    "years_in_business": 3,
    "operating_profit": 0,
    "aml_system": True,
    "isms": True,
    "liability_insurance": False,
}
#: figures that score 100: grade A
STRONG = {
    "credit_rating": "AA",
    "paid_in_capital": 10_000_000_000,
    "years_in_business": 10,
    "operating_profit": 5_000_000_000,
    "aml_system": True,
    "isms": True,
    "liability_insurance": True,
}
#: figures that score 5: grade C
WEAK = {
    "credit_rating": "NR",
    "paid_in_capital": 0,
    "years_in_business": 0,
    "operating_profit": -10_000_000,
    "aml_system": False,
    "isms": False,
    "liability_insurance": False,
}


def application(**change: Any) -> dict[str, Any]:
    """An application as the portal receives it (a JSON body, a form's fields)."""
    return {**BASE, **change}


def filing(**change: Any) -> Filing:
    """The same application as the model takes it: plain values, read and checked."""
    data = {"redirect_uris": list(DEMO_CALLBACKS), **application(**change)}
    data["business_number"] = data["business_number"].replace("-", "")
    return Filing(**data)


@pytest.fixture
def world(make_world: WorldFactory) -> World:
    return make_world(users=3)


def apply(world: World, owner: str = "dev-1", **change: Any) -> Application:
    return Gateway(world).admission.apply(owner, filing(**change), world.clock.now())


def client_of(world: World, app: Application) -> FintechClient:
    return world.directory.clients[app.client_use_code]


def rule(app: Application, rule_id: str) -> tuple[bool, str]:
    (found,) = [s for s in app.screening if s.rule == rule_id]
    return found.passed, found.reason


# ------------------------------------------------------------ 사업자등록번호


@pytest.mark.parametrize("number", ["2208162517", "1248100998", "1208147521", "1048137225"])
def test_known_business_numbers_pass_the_check_digit(number: str) -> None:
    assert business_number_ok(number)


@pytest.mark.parametrize(
    "number",
    [
        "2208162518",
        "1248100999",
        "1234567890",
        "0000000001",
        "220816251",
        "22081625170",
        "22081a2517",
        "220-81-62517",  # the function takes digits; an application strips the hyphens
        "",
        "２２０８１６２５１７",  # full-width digits
    ],
)
def test_bad_business_numbers_fail(number: str) -> None:
    assert not business_number_ok(number)


# ------------------------------------------------------------ 제외대상, 제외서비스


@pytest.mark.parametrize("exclusion", EXCLUSIONS, ids=lambda e: e.key)
def test_each_declared_exclusion_rejects(world: World, exclusion: Any) -> None:
    before = dict(world.directory.clients)
    declarations = {**BASE["declarations"], exclusion.key: True}
    app = apply(world, declarations=declarations, licences=["전자금융업자"])
    assert app.status == REJECTED and app.decided_by == "screening"
    passed, reason = rule(app, f"excluded.{exclusion.key}")
    assert not passed
    assert reason == f"제외대상: {exclusion.text}"  # the seed's text
    assert app.reason == reason
    assert (app.grade, app.terms, app.client_use_code) == ("", None, "")  # not graded
    assert world.directory.clients == before  # no institution
    others = [
        s
        for s in app.screening
        if s.rule.startswith("excluded") and s.rule != f"excluded.{exclusion.key}"
    ]
    assert all(s.passed for s in others)


def test_the_seeds_exclusion_lines_are_all_declared() -> None:
    texts = " ".join(e.text for e in EXCLUSIONS)
    for words in (
        "「사행행위 등 규제 및 처벌 특례법」상 사행행위기업",
        "부도기업",
        "게임머니·아이템(중개)",
        "가상화폐 발행(ICO 포함) 또는 거래소 운영",
        "다단계 판매",
        "상조회사",
        "대부업",
        "미풍양속 저해, 불법행위 사업모델 기업(자금세탁, 테러자금조달 등)",
        "사업모델 상 필요자격 미달기업",
        "금융질서 문란행위가 의심되는 기업",
        "기타 소비자 피해 발생이 우려되는 기업",
    ):
        assert words in texts
    assert len(DECLARATIONS) == len(set(DECLARATIONS)) == 11
    assert all(k.isascii() for k in DECLARATIONS)


@pytest.mark.parametrize(
    ("service", "purpose"),
    [
        ("withdrawal_agency", "출금대행"),
        ("withdrawal_agency", "정기 출금 대행"),
        ("bill_payment", "납부서비스"),
        ("bill_payment", "관리비 납부 서비스"),
    ],
)
def test_each_excluded_service_rejects(world: World, service: str, purpose: str) -> None:
    app = apply(world, purposes=["간편송금", purpose])
    passed, reason = rule(app, f"excluded_service.{service}")
    (excluded,) = [e for e in EXCLUDED_SERVICES if e.key == service]
    assert app.status == REJECTED and not passed
    assert reason.startswith(f"제외서비스: {excluded.text}") and purpose in reason


def test_a_clean_application_passes_every_exclusion(world: World) -> None:
    app = apply(world)
    exclusions = [s for s in app.screening if s.rule.startswith("excluded")]
    assert len(exclusions) == len(EXCLUSIONS) + len(EXCLUDED_SERVICES)
    assert all(s.passed and s.reason == "해당 없음" for s in exclusions)
    assert [s.rule for s in app.screening][-2:] == ["eligible.industry", "eligible.licence"]


def test_an_exclusion_wins_over_every_ground(world: World) -> None:
    app = apply(world, licences=["전자금융업자"], purposes=["출금대행"], **STRONG)
    assert app.status == REJECTED
    assert rule(app, "eligible.industry")[0] and rule(app, "eligible.licence")[0]


# ------------------------------------------------------------ the three ways in


@pytest.mark.parametrize("industry", list(INDUSTRIES))
def test_each_industry_is_eligible(world: World, industry: str) -> None:
    app = apply(world, industry=industry)
    assert app.status == APPROVED and app.decided_by == "screening"
    assert rule(app, "eligible.industry") == (
        True,
        f"금융위원회의 핀테크산업 분류업종 기업: {industry}",
    )
    assert rule(app, "eligible.licence")[0] is False
    assert app.client_use_code in world.directory.clients


@pytest.mark.parametrize(
    "licences", [["전자금융업자"], ["전자금융보조업자"], ["전자금융업자", "전자금융보조업자"]]
)
def test_a_licence_is_eligible(world: World, licences: list[str]) -> None:
    app = apply(world, industry="", licences=licences)
    assert app.status == APPROVED
    assert rule(app, "eligible.industry")[0] is False
    assert rule(app, "eligible.licence") == (
        True,
        f"전자금융업자 또는 전자금융보조업자: {', '.join(licences)}",
    )


def test_neither_goes_to_the_operator(world: World) -> None:
    before = len(world.directory.clients)
    app = apply(world, industry="")
    assert app.status == REVIEW and app.client_use_code == ""
    assert rule(app, "eligible.operator")[0] is False
    assert "운영기관(금융결제원) 인정 기업" in app.reason
    assert app.grade == "B" and app.terms is not None  # graded: the terms it would get
    assert len(world.directory.clients) == before


def test_the_operator_approves(world: World) -> None:
    gateway = Gateway(world)
    app = apply(world, industry="")
    decided = gateway.admission.decide(
        app.id, "approve", "핀테크 혁신 서비스로 인정", now=world.clock.now() + 60
    )
    assert decided is app
    assert (app.status, app.decided_by, app.decided) == (
        APPROVED,
        "operator",
        world.clock.now() + 60,
    )
    assert rule(app, "eligible.operator") == (
        True,
        "오픈뱅킹 운영기관(금융결제원) 인정 기업: 인정 (핀테크 혁신 서비스로 인정)",
    )
    assert app.reason == "핀테크 혁신 서비스로 인정"
    assert client_of(world, app).name == "주식회사 테스트페이"


def test_the_operator_rejects_with_a_reason(world: World) -> None:
    gateway = Gateway(world)
    app = apply(world, industry="")
    with pytest.raises(ApplicationError) as error:
        gateway.admission.decide(app.id, "reject", "  ")
    assert error.value.field == "reason" and app.status == REVIEW
    gateway.admission.decide(app.id, "reject", "금융 관련 업무가 아님")
    assert (app.status, app.decided_by, app.reason) == (
        REJECTED,
        "operator",
        "금융 관련 업무가 아님",
    )
    assert rule(app, "eligible.operator")[0] is False
    assert app.client_use_code == ""


def test_only_an_application_under_review_is_decided(world: World) -> None:
    gateway = Gateway(world)
    approved = apply(world)
    rejected = apply(world, purposes=["출금대행"])
    pending = apply(world, industry="")
    for app in (approved, rejected):
        for decision in ("approve", "reject"):
            with pytest.raises(DecisionError, match="only an application under review"):
                gateway.admission.decide(app.id, decision, "why")
    with pytest.raises(ApplicationError) as error:
        gateway.admission.decide(pending.id, "accept", "")
    assert error.value.field == "decision"
    with pytest.raises(UnknownApplication):
        gateway.admission.decide("APP999999", "approve", "")
    gateway.admission.decide(pending.id, "approve", "")
    assert pending.reason == "오픈뱅킹 운영기관(금융결제원) 인정 기업"
    with pytest.raises(DecisionError, match="approved by operator"):
        gateway.admission.decide(pending.id, "reject", "twice")
    assert pending.status == APPROVED


# ------------------------------------------------------------ the owner


def test_an_application_needs_an_owner(world: World) -> None:
    with pytest.raises(ApplicationError) as error:
        apply(world, owner=" ")
    assert error.value.field == "developer"


# ------------------------------------------------------------ grading and the institution


def test_approval_makes_a_working_institution(world: World) -> None:
    app = apply(world)
    client = client_of(world, app)
    assert app.client_use_code == client.client_use_code == "M202700001"
    assert len(client.client_id) == 36 and len(client.client_secret) == 36
    assert world.directory.clients_by_id[client.client_id] is client
    assert (client.name, client.main_bank) == ("주식회사 테스트페이", "004")
    # grade B (20 + 10 + 6 + 5 + 20 = 61): no 자체인증, B's limits, 이행보증보험
    assert (app.grade, app.points) == ("B", 61)
    assert app.terms is not None
    assert (app.terms.guarantee, app.terms.guarantee_amount) == ("surety_insurance", 1_000_000_000)
    assert client.self_auth is False and "sa" not in client.scopes
    assert client.scopes == ["login", "inquiry", "transfer", "oob"]
    assert client.limits == dict(world.config.grading.terms["B"].limits) == app.terms.limits
    assert client.limit("withdraw_per_tx") == 5_000_000
    assert client.fee_start == "reduced"
    # 약정계좌 at the main bank: real ledger accounts, the institution's
    for purpose in ("withdraw", "deposit"):
        contract = client.contract_account(purpose)
        assert contract is not None and contract.bank_code == "004"
        account = world.ledger.accounts[(contract.bank_code, contract.account_num)]
        assert account.owner == f"client:{client.client_use_code}"
        assert (account.holder_name, account.holder_type, account.holder_info) == (
            "주식회사 테스트페이",
            "B",
            "2208162517",
        )
    deposit = client.contract_account("deposit")
    assert deposit is not None
    assert world.ledger.accounts[(deposit.bank_code, deposit.account_num)].balance == 1_000_000_000
    assert world.ledger.check()["ok"]


def test_the_new_credentials_work_at_once(world: World) -> None:
    client = client_of(world, apply(world))
    now = world.clock.now()
    grant = world.auth.issue(client.client_use_code, "", ["oob"], now)
    caller = Gateway(world).authenticate(
        grant.access_token,
        ("oob",),
        now,
        api="test",
        remote="127.0.0.1",
        transfer=False,
        warnings=[],
    )
    assert caller.client is client
    with pytest.raises(Refusal) as refused:  # its own scopes only
        Gateway(world).authenticate(
            grant.access_token,
            ("sa",),
            now,
            api="test",
            remote="127.0.0.1",
            transfer=False,
            warnings=[],
        )
    assert refused.value.rsp_code == "O0011"


def test_grade_a_may_self_authenticate_and_grade_c_may_not(world: World) -> None:
    strong = client_of(world, apply(world, **STRONG))
    assert strong.self_auth is True and strong.scopes[-1] == "sa"
    assert strong.limit("withdraw_day") == 5_000_000_000
    weak_app = apply(world, **WEAK)
    weak = client_of(world, weak_app)
    assert (weak_app.grade, weak_app.points) == ("C", 5)
    assert weak.self_auth is False and "sa" not in weak.scopes
    assert weak_app.terms is not None and weak_app.terms.guarantee == "deposit"
    assert weak.limit("user_withdraw_per_tx") == 1_000_000
    assert (strong.client_use_code, weak.client_use_code) == ("M202700001", "M202700002")


def test_the_grades_limits_hold(world: World) -> None:
    weak = client_of(world, apply(world, **WEAK))
    date = yyyymmdd(world.clock.now())
    world.openbanking.check_limits(weak, "withdraw", "1100000001", 1_000_000, date)
    with pytest.raises(Refusal) as refused:
        world.openbanking.check_limits(weak, "withdraw", "1100000001", 1_000_001, date)
    assert refused.value.rsp_code == "A0105"  # the grade's withdraw_per_tx


@pytest.mark.parametrize(
    ("services", "scopes"),
    [
        (["real_name"], ["oob"]),
        (["deposit", "remit_list"], ["oob"]),
        (["balance"], ["login", "inquiry", "oob"]),
        (["withdraw"], ["login", "transfer", "oob"]),
    ],
)
def test_scopes_follow_the_services(world: World, services: list[str], scopes: list[str]) -> None:
    assert client_of(world, apply(world, services=services)).scopes == scopes


def _moved(client: FintechClient, world: World, n: int) -> TransferRecord:
    date = yyyymmdd(world.clock.now())
    return TransferRecord(
        client.client_use_code, f"{client.client_use_code}U{n:09d}", date, "withdraw", 10_000,
        world.clock.now(), "A0000", "004", "000", "", True, n, "", {}, {}, {},
    )  # fmt: skip


def test_a_large_company_pays_the_basic_cost_from_its_first_month(world: World) -> None:
    large = client_of(world, apply(world, size="대형"))
    small = client_of(world, apply(world, size="중소형"))
    assert (large.fee_start, small.fee_start) == ("basic", "reduced")
    book = world.openbanking
    assert (book.record(_moved(large, world, 1)).fee, book.record(_moved(small, world, 2)).fee) == (
        50,
        30,
    )
    month = yyyymmdd(world.clock.now())[:4] + "-" + yyyymmdd(world.clock.now())[4:6]
    assert book.bill(large.client_use_code, month)["apis"][0]["fee_type"] == "basic"
    assert book.bill(small.client_use_code, month)["apis"][0]["fee_type"] == "reduced"


def test_an_institution_without_fee_start_loads_as_reduced(world: World) -> None:
    demo = next(iter(world.directory.clients.values()))
    record = plain(demo)
    del record["fee_start"]  # a record stored before the field existed
    assert client_from_record(record).fee_start == "reduced"


# ------------------------------------------------------------ owners, ids, events


def test_owners_see_their_own_and_the_operator_sees_all(world: World) -> None:
    gateway = Gateway(world)
    mine = apply(world, owner="dev-1")
    theirs = apply(world, owner="dev-2", purposes=["출금대행"])
    also_mine = apply(world, owner="dev-1", industry="")
    assert [a.id for a in (mine, theirs, also_mine)] == ["APP000001", "APP000002", "APP000003"]
    assert gateway.admission.applications("dev-1") == [mine, also_mine]
    assert gateway.admission.applications("dev-2") == [theirs]
    assert gateway.admission.applications() == [mine, theirs, also_mine]
    assert gateway.admission.application("APP000002", "dev-2") is theirs
    assert gateway.admission.application("APP000002", "dev-1") is None  # another's: as if absent
    assert gateway.admission.application("APP000002", None) is theirs
    assert gateway.admission.application("APP000009", None) is None


def test_each_application_is_an_event(world: World) -> None:
    app = apply(world)
    (event,) = world.events.since(0, "application")
    assert event["application"] == app.id and event["status"] == APPROVED
    assert event["client_use_code"] == app.client_use_code and event["grade"] == "B"


# ------------------------------------------------------------ persistence, determinism


async def test_applications_survive_a_restart(
    tmp_path: Path, make_world: WorldFactory, network: NetworkConfig
) -> None:
    world = make_world(users=3)
    path = tmp_path / "w.db"
    store = Store(str(path))
    store.save_world(world)
    store.attach(world)
    approved = apply(world)
    pending = apply(world, industry="", owner="dev-2")
    await store.durable()
    store.close()

    again = World(network, VirtualClock(parse_kst(START)), 7)
    store = Store(str(path))
    store.load(again)
    store.attach(again)
    kept = again.applications.applications
    assert list(kept) == ["APP000001", "APP000002"]
    assert kept["APP000001"] == approved and kept["APP000002"] == pending
    client = again.directory.clients[approved.client_use_code]
    assert client == client_of(world, approved)
    assert again.directory.clients_by_id[client.client_id] is client
    contract = client.contract_account("withdraw")
    assert (
        contract is not None and (contract.bank_code, contract.account_num) in again.ledger.accounts
    )
    # the store kept the decision to come too, and the ids and codes carry on
    gateway = Gateway(again)
    gateway.admission.decide("APP000002", "approve", "인정")
    third = gateway.admission.apply("dev-1", filing(), again.clock.now())
    assert (third.id, third.client_use_code) == ("APP000003", "M202700003")
    await store.durable()
    store.close()
    once_more = World(network, VirtualClock(parse_kst(START)), 7)
    store = Store(str(path))
    store.load(once_more)
    store.close()
    assert once_more.applications.applications["APP000002"].status == APPROVED
    assert len([c for c in once_more.directory.clients if c.startswith("M2027")]) == 3


def test_applications_travel_in_a_snapshot(world: World, network: NetworkConfig) -> None:
    app = apply(world, industry="")
    Gateway(world).admission.decide(app.id, "approve", "인정")
    restored = world_from_snapshot(network, encode_snapshot(snapshot_state(world)))
    assert restored.applications.applications == world.applications.applications
    assert restored.directory.clients[app.client_use_code] == client_of(world, app)


def test_the_same_seed_and_applications_make_the_same_institutions_with_new_secrets(
    make_world: WorldFactory,
) -> None:
    def institutions(seed: int, secrets: type[SecretSource]) -> list[tuple[Any, ...]]:
        world = make_world(seed=seed, users=3, secrets=secrets)
        apply(world)
        apply(world, industry="")
        Gateway(world).admission.decide("APP000002", "approve", "")
        apply(world, **STRONG)
        return [
            (
                c.client_use_code,
                [a.account_num for a in c.contract_accounts],
                c.client_id,
                c.client_secret,
            )
            for c in world.directory.clients.values()
            if c.client_use_code.startswith("M2027")
        ]

    first = institutions(7, SecretSource)
    again = institutions(7, SecretSource)
    # the world is the seed's: the same codes and 약정계좌 ...
    assert [c[:2] for c in again] == [c[:2] for c in first]
    assert [c[0] for c in first] == ["M202700001", "M202700002", "M202700003"]
    # ... but the credentials are the secret source's: nobody computes them from the seed
    assert not {c[2] for c in first} & {c[2] for c in again}
    assert not {c[3] for c in first} & {c[3] for c in again}
    # a replay (and only a replay) draws them from the seeded streams: the same twice
    assert institutions(7, ReplaySecrets) == institutions(7, ReplaySecrets)


def test_a_developer_files_a_bounded_number_of_applications(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admission_module, "MOST_APPLICATIONS", 2)
    apply(world, owner="dev-9")
    apply(world, owner="dev-9", business_number=KAKAO)
    with pytest.raises(ApplicationError) as refused:
        apply(world, owner="dev-9", business_number=NAVER)
    assert refused.value.field == "application"
    assert len(world.applications.of("dev-9")) == 2
    apply(world, owner="dev-10")  # another developer's count is their own
