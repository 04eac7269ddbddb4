"""Drills: the situations a readiness run asks for, each on its own institution only.

What each one injects and what it expects of the client, as data (the report and the API
show these words); `testbed.network.gateway.readiness` lays them on the world (faults scoped
to the institution, its tokens expired, its calls held back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from testbed.network.readiness.catalogue import CHECKS, DrillKind


@dataclass(frozen=True, slots=True, kw_only=True)
class DrillSpec:
    kind: DrillKind
    injected_ko: str
    injected_en: str
    expects_ko: str
    expects_en: str
    #: how long it lasts (simulated seconds) unless the request says; 0: until used once
    lasts: float = 0.0
    #: the APIs it may target (the first is the default); () : every API
    apis: tuple[str, ...] = ()

    @property
    def checks(self) -> list[str]:
        return [c.id for c in CHECKS if c.drill is self.kind]


DRILLS: Final[dict[DrillKind, DrillSpec]] = {
    spec.kind: spec
    for spec in (
        DrillSpec(
            kind=DrillKind.TIMEOUT_AFTER_COMMIT,
            injected_ko="다음 이체 1건(기본 출금이체, api로 입금이체): 은행은 처리하고 센터는"
            " 시간 초과로 응답",
            injected_en="the next transfer (a withdrawal, or a deposit with api: deposit): the"
            " banks complete it, the centre answers time-out (A0017; a deposit's item carries"
            " no bank code)",
            expects_ko="같은 이체를 다시 보내지 말고 transfer/result로 결과를 확인",
            expects_en="ask transfer/result with the original bank_tran_id; never send the"
            " transfer again",
            apis=("withdraw", "deposit"),
        ),
        DrillSpec(
            kind=DrillKind.DEPOSIT_FAILS,
            injected_ko="다음 입금이체 1건: 은행이 거절(A0002, 499 기타 처리불가)",
            injected_en="the next deposit: the bank refuses it (A0002, 499)",
            expects_ko="송금 중이었다면 출금한 금액을 고객 계좌로 돌려줌",
            expects_en="if it was the second half of a send, give the withdrawn money back",
            apis=("deposit",),
        ),
        DrillSpec(
            kind=DrillKind.CUTOVER,
            injected_ko="이 이용기관에게만 모든 은행이 공동망 미개시(A0002, 503)로 응답,"
            " bank/status는 N",
            injected_en="every bank answers this institution as closed (공동망 미개시: A0002,"
            " 503) and bank/status says N",
            expects_ko="곧바로 재시도하지 말고 bank/status를 확인하거나 기다림",
            expects_en="back off: check bank/status or wait, do not retry at once",
            lasts=120.0,
        ),
        DrillSpec(
            kind=DrillKind.EXPIRED_TOKEN,
            injected_ko="이 이용기관의 모든 토큰이 지금 만료(O0003); refresh_token은 유효",
            injected_en="every token of this institution expires now (O0003); refresh tokens"
            " stay valid",
            expects_ko="refresh_token으로 갱신(이용기관 토큰은 재발급)하고 만료 토큰은 버림",
            expects_en="refresh (or issue a new institution token) and drop the expired one",
        ),
        DrillSpec(
            kind=DrillKind.RATE_LIMIT,
            injected_ko="이 이용기관의 호출을 잠시 한도 초과(O0008, Retry-After)로 거절",
            injected_en="this institution's calls are refused for a while (O0008 with Retry-After)",
            expects_ko="Retry-After만큼 기다린 뒤 호출",
            expects_en="wait the Retry-After seconds before calling again",
            lasts=5.0,
        ),
        DrillSpec(
            kind=DrillKind.BANK_REFUSAL,
            injected_ko="출금이체를 은행이 잔액부족(A0002, 401)으로 거절",
            injected_en="the bank refuses withdrawals: insufficient balance (A0002, 401)",
            expects_ko="같은 요청을 반복하지 않고 고객에게 사유를 알림",
            expects_en="tell the customer why; do not send the same request again in a loop",
            lasts=120.0,
            apis=("withdraw", "deposit", "balance", "transactions"),
        ),
    )
}
