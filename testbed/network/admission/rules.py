"""The rules of 이용신청 and 심사, as the seed document states them (오픈뱅킹 이용대상 확대;
"seed l.N" in a comment cites its line), with the seed's text each screening quotes. One
concept: what screening decides, and the words it decides with.

- 승인기준 (l.29–36): a bank or fintech company is eligible when it is any one of a
  핀테크산업 분류업종 기업 (the nine 업종 of l.43–48), a 전자금융업자 or
  전자금융보조업자, or a company the operator (금융결제원) recognises (운영기관 인정);
- 제외대상 (l.52–58): a company of any of these kinds is excluded, whatever else it is;
  the applicant declares each (`EXCLUSIONS`);
- 제외서비스 (l.62–71): 출금대행 and 납부서비스 are not offered, so a company whose
  purposes include one is excluded (`EXCLUDED_SERVICES`);
- 제공서비스 (l.77–83) and the scopes an institution gets from them (`client_scopes`);
- 사업자등록번호 and its check digit (`business_number_ok`).

차등 운영 (l.128–138, the grade and its terms) is the network file's table
(`testbed.config.grading`); `service.Admission` applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from testbed.network.applications import Application, Screening

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


#: 승인기준 l.36: the operator's recognition, and what an application waits for
OPERATOR = "오픈뱅킹 운영기관(금융결제원) 인정 기업"
AWAITING = f"{OPERATOR} 여부: 운영기관의 심사를 기다립니다"


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
