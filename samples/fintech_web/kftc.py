"""A small Open Banking client: what every call to the centre needs, in one place.

A fintech's server talks to the Open Banking centre over HTTPS with JSON (and a form
for the token endpoint). This module knows the base URL, builds the fields every
transfer needs (bank_tran_id, tran_dtime, the requesting customer for AML) and
explains the answers' codes to a person. It keeps no state of its own: the
bank_tran_id counter lives in the app's database (`store.py`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp

KST = timezone(timedelta(hours=9))

#: Answers that do NOT say whether the money moved: never send the transfer again with a
#: new bank_tran_id (the customer could pay twice); ask `transfer/result` instead.
UNKNOWN_OUTCOME = frozenset({"A0001", "A0007", "A0017"})

#: `O0003` (token expired) and `O0002` (token refused): the access token is no use.
TOKEN_EXPIRED = frozenset({"O0003"})

#: `O0008` (the institution's calls) and `O0009` (one API's): over the usage limit. The
#: answer's `Retry-After` says how many seconds to wait; we send nothing before then.
RATE_LIMITED = frozenset({"O0008", "O0009"})

#: How long we wait after a "closed" answer before sending anything again: the centre's
#: closure (A0020, 23:55-00:05) or a bank's nightly cutover (A0002 with bank code 503).
CLOSED_BACKOFF = 60.0

#: The code of a call we did not send because we are waiting (not a KFTC code).
WAITING = "WAIT"


@dataclass(frozen=True, slots=True)
class Config:
    """What the fintech was given when its application (이용신청) was approved."""

    base_url: str  # https://testapi.openbanking.or.kr, or the local testbed
    client_id: str
    client_secret: str
    client_use_code: str  # 이용기관코드, 10 characters: the first part of every bank_tran_id
    # 약정계좌: the fintech's own accounts registered with the centre. Money charged as
    # points is withdrawn INTO the first; points paid out are deposited FROM the second.
    withdraw_account: str  # cntr_account_num for transfer/withdraw (입금받는 약정계좌)
    deposit_account: str  # cntr_account_num for transfer/deposit (출금하는 약정계좌)
    redirect_uri: str  # where the consent pages send the customer back (registered!)
    db: str = "fintech_web.db"
    wd_pass_phrase: str = "NONE"  # 입금이체암호문구: "NONE" on the test server
    secret_key: str = field(default_factory=lambda: os.urandom(16).hex())  # session cookies


class KftcError(Exception):
    """A call that did not end in A0000 (or an HTTP failure), with what it means."""

    def __init__(self, rsp_code: str, rsp_message: str, answer: dict[str, Any] | None = None):
        self.rsp_code = rsp_code
        self.rsp_message = rsp_message
        self.answer = answer or {}
        self.bank_rsp_code = str(self.answer.get("bank_rsp_code", ""))
        self.bank_rsp_message = str(self.answer.get("bank_rsp_message", ""))
        super().__init__(f"{rsp_code} {rsp_message}")

    @property
    def explanation(self) -> str:
        return explain(self.rsp_code, self.bank_rsp_code)


def tran_dtime(now: datetime | None = None) -> str:
    """요청일시 YYYYMMDDhhmmss in KST, the fintech server's own clock.

    KFTC rule: every business API carries the moment the request was made, in Korean
    time. The testbed accepts a tran_dtime far from its (simulated) clock with an
    `X-Testbed-Warning` header only."""
    return (now or datetime.now(KST)).astimezone(KST).strftime("%Y%m%d%H%M%S")


def bank_tran_id(client_use_code: str, sequence: int) -> str:
    """은행거래고유번호: 이용기관코드 (10) + "U" + 9 characters, 20 in all.

    KFTC rule: it must be unique for the institution within a day; sending one again
    the same day is refused with A0326 (은행거래고유번호 중복), and the first request's
    outcome is not repeated. We number them from a counter kept in our own database
    (`store.next_sequence`), so even a restart never reuses one."""
    return f"{client_use_code}U{sequence % 1_000_000_000:09d}"


def req_client(customer: dict[str, Any], fintech_use_num: str) -> dict[str, str]:
    """요청고객 (the customer on whose behalf we ask), for anti-money-laundering.

    KFTC rule: every transfer names the requesting customer: `req_client_name`, our own
    member number `req_client_num`, and EITHER the customer's bank + account number OR
    their fintech_use_num (not both, not neither). Like the testbed's scenarios
    (`req_client_name: 김영희, req_client_fintech_use_num: ..., req_client_num: ALICE01`)
    we send the fintech_use_num: we never learn the plain account number."""
    return {
        "req_client_name": str(customer["name"])[:20],
        "req_client_fintech_use_num": fintech_use_num,
        "req_client_num": str(customer["member_no"])[:20],
    }


def closed(answer: dict[str, Any]) -> bool:
    """Whether an answer says the centre or the bank is closed for now (not a refusal of
    this request: the same request will work once it opens)."""
    items = [i for i in answer.get("res_list") or [] if isinstance(i, dict)]
    codes = {str(answer.get("bank_rsp_code", "")), *(str(i.get("bank_rsp_code")) for i in items)}
    return answer.get("rsp_code") == "A0020" or "503" in codes


class Kftc:
    """The HTTP calls. Every answer is HTTP 200 with `rsp_code`; A0000 means done.

    It also keeps us polite: after a rate limit it sends nothing more until Retry-After
    has passed (O0008: no business call; O0009: not that API), and after a closed
    answer not that API again for `CLOSED_BACKOFF` seconds, on `clock` (the server's
    monotonic clock; a test gives its own). Hammering the centre in those moments only
    gets the same answer, and the 기능테스트 checks it."""

    def __init__(
        self,
        config: Config,
        session: aiohttp.ClientSession,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.session = session
        self.clock = clock
        #: API path ("*": every one) -> (no call before this moment on `clock`, why)
        self.quiet: dict[str, tuple[float, str]] = {}

    def url(self, path: str) -> str:
        return self.config.base_url.rstrip("/") + path

    async def token(self, form: dict[str, str]) -> dict[str, Any]:
        """POST /oauth/2.0/token: a form (application/x-www-form-urlencoded), not JSON."""
        data = {
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            **form,
        }
        return await self._answer(self.session.post(self.url("/oauth/2.0/token"), data=data))

    async def get(self, path: str, token: str, params: dict[str, str]) -> dict[str, Any]:
        self._wait_first(path)
        return await self._answer(
            self.session.get(self.url(path), params=params, headers=_bearer(token)), path
        )

    async def post(self, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        self._wait_first(path)
        return await self._answer(
            self.session.post(self.url(path), json=body, headers=_bearer(token)), path
        )

    def _wait_first(self, path: str) -> None:
        """Refuse here, without sending, while we are waiting."""
        now = self.clock()
        for until, because in (self.quiet.get("*", (0.0, "")), self.quiet.get(path, (0.0, ""))):
            if until > now:
                left = int(until - now + 0.999)
                raise KftcError(
                    WAITING,
                    f"{because}: {left}초 뒤에 다시 시도하세요 · try again in {left} s",
                    {"retry_after": str(left)},
                )

    def _quiet(self, path: str, seconds: float, because: str) -> None:
        until = max(self.quiet.get(path, (0.0, ""))[0], self.clock() + seconds)
        self.quiet[path] = (until, because)

    async def _answer(self, pending: Any, path: str = "") -> dict[str, Any]:
        try:
            async with pending as response:
                answer: Any = await response.json(content_type=None)
                retry_after = response.headers.get("Retry-After", "")
        except (aiohttp.ClientError, TimeoutError, ValueError) as e:
            # No answer at all is like a time-out: for a transfer, the outcome is unknown.
            raise KftcError("HTTP", f"no answer from {self.config.base_url}: {e!r}") from e
        if not isinstance(answer, dict):
            raise KftcError("HTTP", "the answer is not a JSON object")
        code = str(answer.get("rsp_code", ""))
        if code in RATE_LIMITED:
            # RFC 9110 Retry-After: seconds (the testbed sends it; without it, a second)
            wait = float(retry_after) if retry_after.isdigit() else 1.0
            held = "*" if code == "O0008" else path
            self._quiet(held, wait, "호출 한도 초과 · over the usage limit")
        elif closed(answer) and path:
            self._quiet(
                path, CLOSED_BACKOFF, "은행 또는 센터 마감 · the bank or the centre is closed"
            )
        if "access_token" in answer or code == "A0000":
            return answer
        raise KftcError(code or "HTTP", str(answer.get("rsp_message", "")), answer)


def _bearer(token: str) -> dict[str, str]:
    # KFTC rule: `Authorization: Bearer <access_token>`, with exactly one space. A user
    # token (scopes login inquiry transfer) for the customer's own accounts; the
    # institution's oob token (client_credentials) for deposits and transfer/result.
    return {"Authorization": f"Bearer {token}"}


#: What each code means for our customer, and what we (the fintech) do about it.
EXPLANATIONS: dict[str, str] = {
    "A0001": "처리 중입니다. 이체결과조회로 결과를 확인합니다."
    " · Still processing: we ask transfer/result for the outcome.",
    "A0002": "은행이 거래를 처리하지 못했습니다 (은행 응답코드 참고)."
    " · The bank refused the transaction (see the bank's code).",
    "A0004": "요청 형식 오류입니다 (앱의 버그). · A malformed request: a bug in this app.",
    "A0007": "처리 시간이 초과되었습니다. 결과를 알 수 없어 이체결과조회로 확인합니다."
    " · Time-out: the outcome is unknown, so we ask transfer/result.",
    "A0017": "은행 응답이 없습니다. 돈이 이동했을 수도 있어 이체결과조회로 확인합니다."
    " · The bank did not answer in time; the money may have moved: we ask transfer/result.",
    "A0020": "오픈뱅킹센터 운영시간(00:05~23:55)이 아닙니다. 00:05 이후 다시 시도하세요."
    " · The Open Banking centre is closed (23:55-00:05): try again after 00:05.",
    "A0101": "이용기관 입금이체 일한도 초과 · The institution's daily deposit limit is reached.",
    "A0103": "이용기관 출금이체 일한도 초과 · The institution's daily withdrawal limit is reached.",
    "A0111": "1회 출금 한도를 넘었습니다. 금액을 줄이세요."
    " · Over the per-transaction withdrawal limit: use a smaller amount.",
    "A0112": "오늘의 출금 한도를 넘었습니다 (wd_limit). 내일 다시 시도하세요."
    " · Over today's withdrawal limit (wd_limit): try again tomorrow.",
    "A0304": "핀테크이용번호가 이 앱에 등록된 계좌가 아닙니다. 계좌를 다시 연결하세요."
    " · That fintech_use_num is not registered to us: connect the account again.",
    "A0305": "조회 동의가 없습니다. 계좌를 다시 연결하고 동의하세요."
    " · No inquiry consent: connect the account again and consent.",
    "A0306": "출금 동의가 없습니다. 계좌를 다시 연결하고 출금에 동의하세요 (수시입출금 계좌만)."
    " · No withdrawal consent: connect again and consent (demand accounts only).",
    "A0307": "입금이체암호문구가 틀렸습니다 (앱 설정). · Wrong wd_pass_phrase: this app's setup.",
    "A0310": "해당 이체 내역이 없습니다: 돈은 이동하지 않았습니다."
    " · No such transfer: the money did not move.",
    "A0322": "이용기관 약정계좌가 아닙니다 (앱 설정)."
    " · Not our registered 약정계좌: this app's setup.",
    "A0326": "은행거래고유번호가 오늘 이미 쓰였습니다. 새 번호로 다시 시도하세요."
    " · That bank_tran_id was used today already: try again (a new one is made).",
    "O0001": "인증 정보 오류입니다 (client_id/secret 또는 토큰). · Bad credentials or token.",
    "O0002": "토큰이 거부되었습니다. 계좌를 다시 연결하세요."
    " · The token was refused: connect your account again.",
    "O0003": "토큰이 만료되었습니다. 갱신하거나 다시 연결합니다."
    " · The token expired: we refresh it, or ask you to connect again.",
    "O0006": "허용되지 않은 IP입니다 (이용기관 설정)."
    " · Not an allowed IP: the institution's setup.",
    "O0008": "요청이 너무 많습니다. 잠시 후 다시 시도하세요."
    " · Too many requests: try again shortly.",
    "O0009": "요청이 너무 많습니다. 잠시 후 다시 시도하세요."
    " · Too many requests: try again shortly.",
    "O0011": "토큰에 필요한 권한(scope)이 없습니다. · The token lacks the scope this API needs.",
    "HTTP": "오픈뱅킹 서버에 연결하지 못했습니다. · Could not reach the Open Banking server.",
    WAITING: "보내지 않았습니다: 호출 한도 또는 은행 마감 뒤 기다리는 중입니다."
    " 잠시 후 다시 시도하세요. · Not sent: we are waiting after a usage limit or a closed"
    " bank; try again shortly.",
}

#: The bank's own codes (bank_rsp_code) under A0002.
BANK_EXPLANATIONS: dict[str, str] = {
    "401": "잔액이 부족합니다. · Insufficient balance.",
    "412": "계좌가 없습니다. · No such account.",
    "415": "해지된 계좌입니다. · The account is closed.",
    "419": "사고신고된 계좌입니다. · The account is reported (사고).",
    "420": "거래가 정지된 계좌입니다. · The account is suspended.",
    "499": "은행이 응답하지 않았습니다. · The bank did not answer.",
    "503": "은행이 야간 마감 중입니다 (공동망 미개시, 보통 23:30부터). 은행 마감이 끝난 뒤 다시"
    " 시도하세요. · The bank is in its nightly cutover (공동망 미개시, from about 23:30):"
    " try again once it reopens.",
    "815": "예금주 성명이 일치하지 않습니다. · The account holder's name does not match.",
}


def explain(rsp_code: str, bank_rsp_code: str = "") -> str:
    """A sentence for the customer (Korean, then English)."""
    text = EXPLANATIONS.get(rsp_code, f"오류 {rsp_code} · Error {rsp_code}")
    if bank_rsp_code and bank_rsp_code != "000":
        text += " " + BANK_EXPLANATIONS.get(
            bank_rsp_code, f"은행 응답코드 {bank_rsp_code} · Bank code {bank_rsp_code}"
        )
    return text
