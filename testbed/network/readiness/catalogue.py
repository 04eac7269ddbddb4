"""The catalogue of readiness checks (기능테스트 준비도): what the testbed, as examiner, looks
for in an institution's own traffic, as data.

Each `Check` has a stable id (a report, a JUnit testcase and a CI gate name it), a title in
Korean and English, what it observes, its evidence (the KFTC rule, the seed's line or the
reference it rests on), whether it is a must or a should, the drill (if any) that creates the
situation it needs, and what to change when it fails. The graders (`grading.py`) are keyed by
the same ids; `tests/network/readiness/test_catalogue.py` holds the two together.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Level(StrEnum):
    """A must decides the verdict; a should only keeps it from a clean PASS."""

    MUST = "must"
    SHOULD = "should"


class DrillKind(StrEnum):
    """The situations a run can ask for on its own institution only (`drills.py`)."""

    TIMEOUT_AFTER_COMMIT = "timeout_after_commit"
    DEPOSIT_FAILS = "deposit_fails"
    CUTOVER = "cutover"
    EXPIRED_TOKEN = "expired_token"
    RATE_LIMIT = "rate_limit"
    BANK_REFUSAL = "bank_refusal"


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    id: str
    level: Level
    title_ko: str
    title_en: str
    observes: str  # what in the traffic (or the ledger) the grader reads
    evidence: str  # the rule and where it is written
    advice_ko: str  # what to change when it fails
    advice_en: str
    drill: DrillKind | None = None  # the drill that creates its situation, if one is needed
    three_legged: bool = False  # applies only to institutions that use the consent flow


#: how long a client has to give back money a failed deposit left with it (simulated)
RETURN_WITHIN: Final = 30 * 60.0
#: a withdrawal and a failed deposit this close together are one transfer (send = 출금 + 입금)
PAIR_WITHIN: Final = 10 * 60.0
#: a transfer of the same kind, account and amount this soon after one whose outcome was
#: unknown is that transfer sent again; later, it is the customer's next one
SAME_INTENT_WITHIN: Final = 10 * 60.0
#: after a refusal that says the bank or the centre is closed, the same call again sooner
#: than this (simulated seconds) without asking bank/status is "at once"
BACKOFF: Final = 10.0
#: a refused request sent again identically more than this many times within this long
#: (simulated seconds) is a loop; a day later the customer may well try again
LOOP_WITHIN: Final = 10 * 60.0
#: a refused request sent again identically more than this many times is a loop
MAX_IDENTICAL_RETRIES: Final = 1
#: an institution token issued again while its earlier one was valid, more than this often
MAX_REISSUES: Final = 2

CHECKS: Final[tuple[Check, ...]] = (
    Check(
        id="bank-tran-id-format",
        level=Level.MUST,
        title_ko="은행거래고유번호 형식: 이용기관코드 + U + 9자리",
        title_en="bank_tran_id is the institution's code + U + 9 characters",
        observes="every bank_tran_id the institution sends (top level and req_list items)",
        evidence="KFTC API v2.0: bank_tran_id AN(20) = 이용기관코드(10) + 'U'"
        " + 이용기관 부여번호(9); a wrong prefix is A0004"
        " (reference/kftc-openbanking-api.md, bank_tran_id)",
        advice_ko="이용기관코드(10자리) 뒤에 'U'와 9자리 영숫자를 붙여 20자리로 만드세요."
        " Math.random()이나 Random으로 자릿수를 만들지 마세요.",
        advice_en="Build 20 characters: your 10-character code, 'U', then 9 alphanumerics from"
        " a counter you store, not Math.random() or Random (short ids).",
    ),
    Check(
        id="bank-tran-id-unique",
        level=Level.MUST,
        title_ko="은행거래고유번호는 같은 날 다시 쓰지 않음",
        title_en="bank_tran_id is never reused on the same day",
        observes="bank_tran_ids sent twice on one (simulated) day; A0326 answers count",
        evidence="KFTC: re-use on the same day is A0326 은행거래고유번호 중복 (gateway) or bank"
        " code 822 (reference/kftc-openbanking-api.md, bank_tran_id; readiness.md)",
        advice_ko="9자리 부여번호를 데이터베이스의 일련번호로 만들고, 보내기 전에 저장하세요.",
        advice_en="Take the 9 characters from a sequence in your database, stored before the"
        " call; random ids collide within a day.",
    ),
    Check(
        id="account-named-once",
        level=Level.MUST,
        title_ko="계좌는 핀테크이용번호 또는 계좌 필드 중 하나로만 지정",
        title_en="an account is named by fintech_use_num or by account fields, never both",
        observes="requests that carry both a fintech_use_num and bank code/account number for"
        " the same party (the account, or the requesting customer)",
        evidence="KFTC API v2.0: fin_num and acnt_num variants; a request names an account one"
        " way (reference/readiness.md, h22j2.tistory.com)",
        advice_ko="fin_num API에는 fintech_use_num만, acnt_num API에는 은행코드와 계좌번호만"
        " 보내세요. 요청고객도 같은 규칙입니다.",
        advice_en="Send fintech_use_num to fin_num APIs and bank code + account number to"
        " acnt_num APIs, not both; the same for the requesting customer (req_client_*).",
    ),
    Check(
        id="acnt-num-only-when-needed",
        level=Level.SHOULD,
        title_ko="계좌번호 API는 핀테크이용번호로 안 될 때만",
        title_en="account-number variants only where the fin_num variant cannot serve",
        observes="acnt_num calls on an account the institution has registered (it has a"
        " fintech_use_num for it)",
        evidence="KFTC API v2.0: the acnt_num variants are for 자체인증 institutions'"
        " unregistered accounts; a registered account has its fintech_use_num",
        advice_ko="등록된 계좌는 user/register 응답의 fintech_use_num으로 fin_num API를 쓰세요.",
        advice_en="For a registered account keep the fintech_use_num user/register answered"
        " and call the fin_num variant.",
    ),
    Check(
        id="req-client-present",
        level=Level.MUST,
        title_ko="이체에 실제 요청고객 정보(req_client_*, transfer_purpose)",
        title_en="transfers carry the real requesting customer (req_client_*, transfer_purpose)",
        observes="withdrawals and deposit items without req_client_name, req_client_num,"
        " transfer_purpose, or the customer's account (bank + number, or fintech_use_num)",
        evidence="KFTC API v2.0 (2019-12 개정): 요청고객 정보 for AML on transfer/withdraw and each"
        " transfer/deposit item (reference/kftc-openbanking-api.md, transfer)",
        advice_ko="이체를 요청한 고객의 성명, 고객번호, 계좌(또는 핀테크이용번호)와 이체용도를"
        " 매번 채우세요.",
        advice_en="Fill the requesting customer's name, your customer number for them, their"
        " account (or fintech_use_num) and transfer_purpose on every transfer.",
    ),
    Check(
        id="req-client-stable",
        level=Level.SHOULD,
        title_ko="같은 고객의 요청고객 정보는 항상 같음",
        title_en="the same customer's req_client fields stay the same",
        observes="one req_client_num with different names, or one customer account with"
        " different req_client_nums",
        evidence="AML: the requesting customer is the institution's customer record; a value"
        " that changes per call identifies nobody",
        advice_ko="req_client_num은 고객마다 고정된 번호(회원번호)를 쓰세요.",
        advice_en="Use one fixed number per customer (your member number) as req_client_num,"
        " with the customer's real name.",
    ),
    Check(
        id="uncertain-outcome-asks-result",
        level=Level.MUST,
        title_ko="처리결과 불명(A0001/A0007/A0017) 후 이체결과조회",
        title_en="after an answer that is not final, the client asks transfer/result before"
        " sending the transfer again",
        observes="a transfer answered A0001, A0007 or A0017, then whether transfer/result is"
        " asked for its bank_tran_id before the same transfer is sent again",
        evidence="KFTC: A0001/A0007/A0017 mean the outcome is unknown; clients must call"
        " transfer/result with the original bank_tran_id, date and amount"
        " (reference/kftc-openbanking-api.md, result codes)",
        advice_ko="타임아웃이면 같은 이체를 다시 보내지 말고 원거래의"
        " bank_tran_id·날짜·금액으로 transfer/result를 조회하세요.",
        advice_en="On a time-out, do not send the transfer again: ask transfer/result with the"
        " original bank_tran_id, bank_tran_date and amount.",
        drill=DrillKind.TIMEOUT_AFTER_COMMIT,
    ),
    Check(
        id="no-double-debit",
        level=Level.MUST,
        title_ko="같은 의도의 이체를 두 번 보내지 않음(이중출금 없음)",
        title_en="never a second transfer for the same intent (no double debit)",
        observes="after a transfer whose money moved (the ledger) but whose answer was not"
        " final, a second transfer from the same account for the same amount that succeeded",
        evidence="the testbed's ledger: the centre may commit after it stopped waiting"
        " (timeout-after-commit), so a blind retry debits twice",
        advice_ko="이체결과조회로 성공이 확인된 이체는 다시 보내지 마세요.",
        advice_en="Once transfer/result says the first transfer succeeded, do not send it"
        " again; mark it done in your records.",
        drill=DrillKind.TIMEOUT_AFTER_COMMIT,
    ),
    Check(
        id="return-after-failed-deposit",
        level=Level.MUST,
        title_ko="출금 성공 후 입금 실패 시 자금 반환",
        title_en="money withdrawn for a deposit that failed is returned",
        observes="a withdrawal that succeeded, then a deposit of that amount for the same"
        " customer that failed, then a deposit back to the withdrawn account (or a"
        f" return/claim) within {int(RETURN_WITHIN // 60)} minutes",
        evidence="the seed: 출금이체와 입금이체는 별도 호출이라 입금 실패 시 자금이 이용기관에"
        " 남는다 (reference/readiness.md, seoulfn idxno=361446)",
        advice_ko="입금이 실패하면 출금한 고객 계좌로 같은 금액을 입금이체해 돌려주세요.",
        advice_en="When the deposit fails, deposit the same amount back to the account you"
        " withdrew from (or claim it back), and tell the customer.",
        drill=DrillKind.DEPOSIT_FAILS,
    ),
    Check(
        id="backoff-when-closed",
        level=Level.MUST,
        title_ko="공동망 미개시·센터 운영시간 외에는 재시도를 멈춤",
        title_en="the client backs off while the bank or the centre is closed",
        observes="after a refusal saying the bank is closed (공동망 미개시) or the centre is"
        f" (A0020), the same call again within {BACKOFF:g}s without asking bank/status",
        evidence="KFTC: banks' nightly cutover from about 23:30 and the centre's 23:55-00:05"
        " closure; bank/status says which banks take business (the seed; docs/compatibility.md)",
        advice_ko="미개시 응답을 받으면 bank/status로 확인하거나 잠시 뒤에 다시 시도하세요.",
        advice_en="On a closed answer, check bank/status or wait before trying again; tell"
        " the customer when the bank opens.",
        drill=DrillKind.CUTOVER,
    ),
    Check(
        id="token-family",
        level=Level.MUST,
        title_ko="API마다 맞는 토큰(사용자/이용기관)",
        title_en="the right token family for each API (user token vs institution token)",
        observes="answers O0011 (the token's scope does not serve the API)",
        evidence="KFTC: user APIs take the 3-legged token (login/inquiry/transfer), centre"
        " APIs the 2-legged one (oob/sa); otherwise O0011",
        advice_ko="계좌·이체 조회는 사용자 토큰, 입금이체·실명조회 등은 이용기관 토큰을 쓰세요.",
        advice_en="Use the customer's token for their accounts and the institution (oob)"
        " token for deposit, real_name, receive and the centre's reports.",
    ),
    Check(
        id="token-reused",
        level=Level.SHOULD,
        title_ko="토큰은 만료까지 재사용(호출마다 발급하지 않음)",
        title_en="tokens are kept until they expire, not issued per call",
        observes="client_credentials tokens issued while an earlier one of the same scope was"
        f" still valid, more than {MAX_REISSUES} times",
        evidence="KFTC: access tokens live 90 days (expires_in 7776000); the token endpoint"
        " is not a per-call step",
        advice_ko="발급받은 토큰과 만료시각을 저장해 두고 만료 전까지 다시 쓰세요.",
        advice_en="Store the token with its expiry and reuse it until shortly before it ends.",
    ),
    Check(
        id="token-expiry-handled",
        level=Level.MUST,
        title_ko="토큰 만료(O0003) 후 갱신하고 만료 토큰을 다시 쓰지 않음",
        title_en="after O0003 the client refreshes or re-issues, and never sends the expired"
        " token again",
        observes="calls with a token after it was answered O0003",
        evidence="KFTC: O0003 access token expired; user tokens come with a refresh_token"
        " (grant_type=refresh_token)",
        advice_ko="O0003이면 refresh_token으로 갱신(이용기관 토큰은 재발급)한 뒤 다시 호출하세요.",
        advice_en="On O0003 refresh the user's token (grant_type=refresh_token), or issue a"
        " new institution token, then call again with the new one.",
        drill=DrillKind.EXPIRED_TOKEN,
    ),
    Check(
        id="oauth-state",
        level=Level.MUST,
        title_ko="사용자인증에 state를 보내고 다시 쓰지 않음",
        title_en="3-legged authorization sends state and never reuses it",
        observes="authorize requests without state, and one state coming back with two codes",
        evidence="RFC 6749 §10.12 (CSRF); KFTC's authorize takes state (reference/readiness.md,"
        " get6.github.io)",
        advice_ko="인증 요청마다 새 난수 state를 만들어 세션에 두고 콜백에서 비교하세요.",
        advice_en="Make a new random state for each authorization, keep it in the session and"
        " compare it on the callback.",
        three_legged=True,
    ),
    Check(
        id="oauth-code-once",
        level=Level.MUST,
        title_ko="인가코드는 한 번만 교환",
        title_en="an authorization code is redeemed once",
        observes="token requests that send an authorization code already sent",
        evidence="RFC 6749 §4.1.2: a code used twice must be refused, and the tokens it gave"
        " revoked (the testbed does)",
        advice_ko="인가코드로 토큰을 받았으면 그 코드를 버리세요. 새로고침에 다시 보내지 마세요.",
        advice_en="Drop the code once exchanged; a reload of the callback must not send it again.",
        three_legged=True,
    ),
    Check(
        id="oauth-redirect-registered",
        level=Level.MUST,
        title_ko="등록된 Callback URL만 사용",
        title_en="only registered redirect URIs",
        observes="authorize or token requests refused for an unregistered redirect_uri",
        evidence="KFTC: the Callback URL is registered on the application; others are refused",
        advice_ko="포털 My Page에 등록한 Callback URL과 정확히 같은 값을 보내세요.",
        advice_en="Send exactly the Callback URL registered on My Page (scheme, host, port, path).",
        three_legged=True,
    ),
    Check(
        id="rate-limit-wait",
        level=Level.MUST,
        title_ko="호출 한도(O0008/O0009) 후 Retry-After만큼 기다림",
        title_en="after a rate limit (O0008/O0009) the client waits as Retry-After says",
        observes="the next call after O0008 (any API) or O0009 (the same API) sooner than the"
        " Retry-After the answer gave",
        evidence="KFTC: O0008/O0009 usage limits; RFC 9110 §10.2.3 Retry-After (the testbed"
        " sends it: docs/compatibility.md)",
        advice_ko="O0008/O0009면 Retry-After(초)만큼 기다린 뒤 다시 시도하세요.",
        advice_en="On O0008/O0009 wait the Retry-After seconds before the next call.",
        drill=DrillKind.RATE_LIMIT,
    ),
    Check(
        id="no-retry-loop-after-refusal",
        level=Level.MUST,
        title_ko="은행 거절(A0002) 후 같은 요청을 반복하지 않음",
        title_en="after a bank refusal (A0002) the identical request is not retried in a loop",
        observes=f"a request refused A0002 sent again unchanged (but its bank_tran_id and"
        f" tran_dtime) more than {MAX_IDENTICAL_RETRIES} time within"
        f" {int(LOOP_WITHIN // 60)} minutes",
        evidence="KFTC: A0002 carries the bank's answer (bank_rsp_code); it will not change on"
        " its own (잔액부족, 거래정지)",
        advice_ko="bank_rsp_code를 고객에게 알리고, 조건이 바뀌기 전에는 다시 보내지 마세요.",
        advice_en="Show the customer the bank's reason (bank_rsp_message); do not resend"
        " until something changed.",
        drill=DrillKind.BANK_REFUSAL,
    ),
)

BY_ID: Final[dict[str, Check]] = {check.id: check for check in CHECKS}
