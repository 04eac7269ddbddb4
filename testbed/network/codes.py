"""KFTC result codes, the gateway's wording for them, and `Refusal`, which carries one.

The centre's rules decide the codes (a duplicate bank_tran_id is A0326 whether it
comes over HTTP or from a scenario), so they live with the model, not the HTTP layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

MESSAGES: Final[dict[str, str]] = {
    "A0000": "",
    "A0001": "처리중입니다. 이체결과조회로 처리결과를 확인하십시오",
    "A0002": "참가은행 오류",
    "A0003": "내부 처리 오류",
    "A0004": "요청전문 포맷 에러",
    "A0005": "등록 데이터 오류",
    "A0007": "처리시간 초과. 이체결과조회로 처리결과를 확인하십시오",
    "A0008": "중복 거래",
    "A0009": "처리 실패 건 존재",
    "A0011": "이용기관의 해당 API 권한 없음",
    "A0013": "이용기관 서비스 불가",
    "A0017": "참가은행 응답 TIMEOUT. 이체결과조회로 처리결과를 확인하십시오",
    "A0018": "거래내역 없음",
    "A0020": "조회 가능 시간이 아닙니다",
    "A0021": "오픈뱅킹센터 지정 메시지",
    "A0101": "이용기관 입금이체 일한도 초과",
    "A0102": "이용기관 입금이체 월한도 초과",
    "A0103": "이용기관 출금이체 일한도 초과",
    "A0104": "이용기관 출금이체 월한도 초과",
    "A0105": "이용기관 출금이체 1회한도 초과",
    "A0106": "이용기관 입금이체 1회한도 초과",
    "A0111": "사용자 출금이체 1회한도 초과",
    "A0112": "사용자 출금이체 일한도 초과",
    "A0303": "수수료 정책 없음",
    "A0304": "핀테크이용번호 불일치",
    "A0305": "제3자정보제공동의 미완료",
    "A0306": "출금동의 미완료",
    "A0307": "입금이체암호문구 불일치",
    "A0310": "이체내역 없음",
    "A0312": "수취인 성명 불일치",
    "A0313": "사용자 불일치",
    "A0322": "등록되지 않은 이용기관 약정계좌",
    "A0323": "이용기관에 등록되지 않은 계좌",
    "A0324": "이미 조회서비스 등록된 계좌",
    "A0325": "이미 출금서비스 등록된 계좌",
    "A0326": "은행거래고유번호 중복",
    "O0001": "인증 파라미터 오류",
    "O0002": "Access Token 거부",
    "O0003": "Access Token 만료",
    "O0004": "API 사용권한 없음",
    "O0005": "허용되지 않은 API",
    "O0006": "허용되지 않은 IP",
    "O0007": "API 처리 불가",
    "O0008": "사용량 초과",
    "O0009": "API 사용량 초과",
    "O0010": "허용되지 않은 HTTP Method",
    "O0011": "허용되지 않은 Scope 입니다.",
}


def message(rsp_code: str) -> str:
    return MESSAGES.get(rsp_code, "")


class Refusal(Exception):
    """A call refused with `rsp_code`; `fields` join the answer (e.g. the bank block)."""

    def __init__(self, rsp_code: str, detail: str = "", **fields: Any) -> None:
        base = message(rsp_code)
        if rsp_code == "O0001" and detail:
            text = f"{base}({detail})"  # the gateway's form: 인증 파라미터 오류([3000201])
        else:
            text = f"{base} [{detail}]" if detail and base else (detail or base)
        super().__init__(f"{rsp_code} {text}")
        self.rsp_code = rsp_code
        self.rsp_message = text
        self.fields = fields

    @property
    def gateway_level(self) -> bool:
        """O-codes come from the OAuth/gateway layer: rsp_code and rsp_message only."""
        return self.rsp_code.startswith("O")


def format_error(field: str, expected: str) -> Refusal:
    return Refusal("A0004", f"{field}: {expected}")


@contextmanager
def empty_list_on_refusal(count_field: str = "res_cnt") -> Iterator[None]:
    """List APIs answer `res_list: []` when they fail after validation: some clients read
    `res_list[0]` even on errors."""
    try:
        yield
    except Refusal as refusal:
        refusal.fields.setdefault(count_field, "0")
        refusal.fields.setdefault("res_list", [])
        raise
