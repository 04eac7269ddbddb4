"""Grading a readiness run: one function per check of the catalogue, over what the run kept
(its calls and drills) and what the centre knows (whether a transfer's money moved), and the
report they make: each check passed, failed or not exercised, a coverage index beside the
score, and the verdict.

Verdicts: FAIL (a must failed), INCOMPLETE (no must failed, but one was not exercised: the
run has not shown it yet), CONDITIONAL PASS (every must passed; a should failed or was not
exercised), PASS (every check passed).

One concept over ~500 lines: the graders, one per check of the catalogue, and the report they make.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from testbed.clock import yyyymmdd
from testbed.network.readiness.catalogue import (
    BACKOFF,
    BY_ID,
    CHECKS,
    LOOP_WITHIN,
    MAX_IDENTICAL_RETRIES,
    MAX_REISSUES,
    PAIR_WITHIN,
    RETURN_WITHIN,
    SAME_INTENT_WITHIN,
    Check,
    DrillKind,
    Level,
)
from testbed.network.readiness.exchanges import (
    AUTHORIZE,
    BANK_STATUS,
    RESULT,
    RETURN_CLAIM,
    TOKEN,
    Exchange,
)
from testbed.network.readiness.runs import Drill

#: answers that do not say whether the money moved (reference: result codes)
UNKNOWN_OUTCOME: Final = frozenset({"A0001", "A0007", "A0017"})
#: at most this many calls shown as a failure's evidence
MAX_EVIDENCE: Final = 6
#: the APIs and situations whose share a run exercised is the coverage index
COVERED_APIS: Final = (
    ("token", (TOKEN,)),
    ("authorize", AUTHORIZE),
    ("user/me", ("/v2.0/user/me",)),
    ("account/list", ("/v2.0/account/list",)),
    ("balance", ("/v2.0/account/balance/fin_num", "/v2.0/account/balance/acnt_num")),
    (
        "transaction_list",
        ("/v2.0/account/transaction_list/fin_num", "/v2.0/account/transaction_list/acnt_num"),
    ),
    ("transfer/withdraw", ("/v2.0/transfer/withdraw/fin_num", "/v2.0/transfer/withdraw/acnt_num")),
    ("transfer/deposit", ("/v2.0/transfer/deposit/fin_num", "/v2.0/transfer/deposit/acnt_num")),
    ("transfer/result", (RESULT,)),
    ("inquiry/real_name", ("/v2.0/inquiry/real_name",)),
    ("bank/status", (BANK_STATUS,)),
)


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_EXERCISED = "not_exercised"
    NOT_APPLICABLE = "not_applicable"


class Verdict(StrEnum):
    PASS = "PASS"
    CONDITIONAL_PASS = "CONDITIONAL PASS"
    INCOMPLETE = "INCOMPLETE"
    FAIL = "FAIL"


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """What grading reads: the run's calls and drills, and the centre's knowledge."""

    client_use_code: str
    exchanges: list[Exchange]
    drills: list[Drill]
    ends: float  # the run's end (or now, while it runs)
    three_legged: bool  # the institution uses the consent flow (not 자체인증 only)
    #: whether the centre's record of (bank_tran_id, date) moved money (None: no record)
    moved: Callable[[str, str], bool | None]
    #: whether the institution has the account (bank code, number) registered
    registered: Callable[[str, str], bool]
    #: (rsp_code, bank_rsp_code) pairs that mean "closed" (`base.closed_answers`)
    closed_codes: frozenset[tuple[str, str]]
    #: the (bank code, number) one of the institution's fintech_use_nums names, if any
    fintech_account: Callable[[str], tuple[str, str] | None] = lambda _num: None

    def account(self, key: str) -> str:
        """An account key ("fin:..." or "acct:bank:number") as its bank and number when the
        institution knows them: one account named both ways is one account."""
        kind, _, num = key.partition(":")
        found = self.fintech_account(num) if kind == "fin" else None
        return f"acct:{found[0]}:{found[1]}" if found else key


@dataclass(slots=True)
class Finding:
    check: Check
    status: Status
    detail_en: str = ""
    detail_ko: str = ""
    evidence: list[int] = field(default_factory=list)  # seqs of the calls that show it

    def view(self, calls: dict[int, Exchange]) -> dict[str, Any]:
        c = self.check
        view: dict[str, Any] = {
            "id": c.id,
            "level": c.level.value,
            "title_ko": c.title_ko,
            "title_en": c.title_en,
            "status": self.status.value,
            "observes": c.observes,
            "evidence_rule": c.evidence,
            "drill": c.drill.value if c.drill else None,
        }
        if self.detail_en:
            view["detail_en"] = self.detail_en
            view["detail_ko"] = self.detail_ko
        if self.status is Status.FAILED:
            view["advice_ko"] = c.advice_ko
            view["advice_en"] = c.advice_en
            view["calls"] = [calls[s].brief() for s in self.evidence[:MAX_EVIDENCE] if s in calls]
        return view


Grader = Callable[[Evidence], Finding]
GRADERS: dict[str, Grader] = {}


def grader(check_id: str) -> Callable[[Grader], Grader]:
    def register(fn: Grader) -> Grader:
        GRADERS[check_id] = fn
        return fn

    return register


def _passed(check_id: str) -> Finding:
    return Finding(BY_ID[check_id], Status.PASSED)


def _unexercised(check_id: str, en: str, ko: str) -> Finding:
    return Finding(BY_ID[check_id], Status.NOT_EXERCISED, en, ko)


def _failed(check_id: str, seqs: Iterable[int], en: str, ko: str) -> Finding:
    return Finding(BY_ID[check_id], Status.FAILED, en, ko, sorted(set(seqs)))


def _tran_ids(ex: Exchange) -> list[str]:
    """The bank_tran_ids a call sends (top level, and each req_list item's)."""
    found = [ex.text("bank_tran_id")] if "bank_tran_id" in ex.request else []
    found += [str(i["bank_tran_id"]) for i in ex.items if "bank_tran_id" in i]
    return found


# --- bank_tran_id ----------------------------------------------------------------------------


@grader("bank-tran-id-format")
def _format(ev: Evidence) -> Finding:
    pattern = re.compile(re.escape(ev.client_use_code) + r"U[0-9A-Za-z]{9}")
    sent = [(ex, t) for ex in ev.exchanges for t in _tran_ids(ex)]
    if not sent:
        return _unexercised(
            "bank-tran-id-format",
            "no call sent a bank_tran_id",
            "은행거래고유번호를 보낸 호출 없음",
        )
    bad = [(ex, t) for ex, t in sent if not pattern.fullmatch(t)]
    if bad:
        shown = ", ".join(repr(t) for _, t in bad[:3])
        return _failed(
            "bank-tran-id-format",
            (ex.seq for ex, _ in bad),
            f"{len(bad)} of {len(sent)} bank_tran_ids are not {ev.client_use_code}U + 9: {shown}",
            f"은행거래고유번호 {len(sent)}건 중 {len(bad)}건이 형식 오류: {shown}",
        )
    return _passed("bank-tran-id-format")


@grader("bank-tran-id-unique")
def _unique(ev: Evidence) -> Finding:
    seen: dict[tuple[str, str], int] = {}
    again: list[int] = []
    sent = 0
    for ex in ev.exchanges:
        if ex.rsp_code == "A0326":
            again.append(ex.seq)
        for tran_id in _tran_ids(ex):
            sent += 1
            key = (yyyymmdd(ex.time), tran_id)
            if key in seen:
                again += [seen[key], ex.seq]
            else:
                seen[key] = ex.seq
    if not sent:
        return _unexercised(
            "bank-tran-id-unique",
            "no call sent a bank_tran_id",
            "은행거래고유번호를 보낸 호출 없음",
        )
    if again:
        return _failed(
            "bank-tran-id-unique",
            again,
            "a bank_tran_id was sent twice on one day (or answered A0326)",
            "같은 날 같은 은행거래고유번호를 두 번 보냈습니다(A0326 포함)",
        )
    return _passed("bank-tran-id-unique")


# --- naming accounts -------------------------------------------------------------------------

#: (fintech field, bank field, account field) pairs a request may name a party by
_PARTIES: Final = (
    ("fintech_use_num", "bank_code_std", "account_num"),
    ("req_client_fintech_use_num", "req_client_bank_code", "req_client_account_num"),
)


def _both_ways(fields: dict[str, Any]) -> bool:
    return any(
        fields.get(fin) and (fields.get(bank) or fields.get(acct)) for fin, bank, acct in _PARTIES
    )


@grader("account-named-once")
def _named_once(ev: Evidence) -> Finding:
    naming = [
        ex
        for ex in ev.exchanges
        if ex.is_business
        and any(f in part for part in (ex.request, *ex.items) for trio in _PARTIES for f in trio)
    ]
    if not naming:
        return _unexercised(
            "account-named-once", "no call named an account", "계좌를 지정한 호출 없음"
        )
    both = [ex.seq for ex in naming if _both_ways(ex.request) or any(map(_both_ways, ex.items))]
    if both:
        return _failed(
            "account-named-once",
            both,
            f"{len(both)} calls named an account by fintech_use_num and by account fields",
            f"{len(both)}건의 호출이 핀테크이용번호와 계좌 필드를 함께 보냈습니다",
        )
    return _passed("account-named-once")


@grader("acnt-num-only-when-needed")
def _acnt_num(ev: Evidence) -> Finding:
    by_number = [ex for ex in ev.exchanges if ex.path.endswith("/acnt_num")]
    if not by_number:  # nothing to misuse: a fin_num-only client is not held back by it
        return Finding(
            BY_ID["acnt-num-only-when-needed"],
            Status.NOT_APPLICABLE,
            "no acnt_num call: every account was named by its fintech_use_num",
            "acnt_num 호출 없음: 모든 계좌를 핀테크이용번호로 지정",
        )
    needless = [
        ex.seq
        for ex in by_number
        for part in (ex.request, *ex.items)
        if part.get("account_num")
        and ev.registered(str(part.get("bank_code_std", "")), str(part["account_num"]))
    ]
    if needless:
        return _failed(
            "acnt-num-only-when-needed",
            needless,
            "acnt_num calls named accounts the institution has registered (a fintech_use_num"
            " would serve)",
            "등록된 계좌(핀테크이용번호가 있는 계좌)에 acnt_num API를 썼습니다",
        )
    return _passed("acnt-num-only-when-needed")


# --- the requesting customer -----------------------------------------------------------------


def _customers(ev: Evidence) -> list[tuple[Exchange, dict[str, Any]]]:
    """Every transfer's requesting-customer block: the withdrawal's own fields, each deposit
    item's."""
    found: list[tuple[Exchange, dict[str, Any]]] = []
    for ex in ev.exchanges:
        if ex.is_withdraw:
            found.append((ex, ex.request))
        elif ex.is_deposit:
            found += [(ex, item) for item in ex.items]
    return found


def _customer_account(part: dict[str, Any]) -> str:
    fin = part.get("req_client_fintech_use_num")
    if fin:
        return f"fin:{fin}"
    return f"acct:{part.get('req_client_bank_code', '')}:{part.get('req_client_account_num', '')}"


@grader("req-client-present")
def _req_client(ev: Evidence) -> Finding:
    parts = _customers(ev)
    if not parts:
        return _unexercised("req-client-present", "no transfer", "이체 없음")
    missing = [
        ex.seq
        for ex, part in parts
        if not all(part.get(k) for k in ("req_client_name", "req_client_num", "transfer_purpose"))
        or not (
            part.get("req_client_fintech_use_num")
            or (part.get("req_client_bank_code") and part.get("req_client_account_num"))
        )
    ]
    if missing:
        return _failed(
            "req-client-present",
            missing,
            f"{len(missing)} transfers lack the requesting customer's name, number, account or"
            " transfer_purpose",
            f"{len(missing)}건의 이체에 요청고객 성명·번호·계좌 또는 이체용도가 없습니다",
        )
    return _passed("req-client-present")


@grader("req-client-stable")
def _req_client_stable(ev: Evidence) -> Finding:
    parts = [(ex, p) for ex, p in _customers(ev) if p.get("req_client_num")]
    if not parts:
        return _unexercised(
            "req-client-stable", "no transfer named its customer", "요청고객이 있는 이체 없음"
        )
    names: dict[str, set[str]] = defaultdict(set)
    numbers: dict[str, set[str]] = defaultdict(set)
    seqs: dict[str, list[int]] = defaultdict(list)
    for ex, part in parts:
        num = str(part["req_client_num"])
        names[num].add(str(part.get("req_client_name", "")))
        numbers[_customer_account(part)].add(num)
        seqs[num].append(ex.seq)
        seqs[_customer_account(part)].append(ex.seq)
    unstable = [k for k, v in names.items() if len(v) > 1] + [
        k for k, v in numbers.items() if len(v) > 1
    ]
    if unstable:
        return _failed(
            "req-client-stable",
            (s for k in unstable for s in seqs[k]),
            "one customer appears with different req_client_name or req_client_num",
            "같은 고객의 요청고객 성명 또는 번호가 호출마다 다릅니다",
        )
    return _passed("req-client-stable")


# --- outcomes that are not final -------------------------------------------------------------


def _account_of(ex: Exchange) -> str:
    """The paying account of a withdrawal (fintech_use_num, or bank + number)."""
    fin = ex.text("fintech_use_num")
    return f"fin:{fin}" if fin else f"acct:{ex.text('bank_code_std')}:{ex.text('account_num')}"


@dataclass(frozen=True, slots=True)
class _Pending:
    """A transfer whose answer did not say whether its money moved: the call, its
    bank_tran_id and date (what transfer/result asks with), the account (the paying one
    of a withdrawal, the receiving one of a deposit) and the amount."""

    call: Exchange
    tran_id: str
    date: str
    account: str
    amount: str


def _answer_date(found: object, ex: Exchange) -> str:
    return found if isinstance(found, str) and len(found) == 8 else yyyymmdd(ex.time)


def _pending(ex: Exchange) -> list[_Pending]:
    """The transfers of a call whose outcome is unknown: a withdrawal answered A0001/A0007/
    A0017; a deposit answered so, or whose item came back without the bank's code (the
    centre stopped waiting for the bank: "이체결과조회로 처리결과를 확인하십시오")."""
    if ex.is_withdraw and ex.rsp_code in UNKNOWN_OUTCOME:
        date = _answer_date(ex.answer.get("bank_tran_date"), ex)
        return [_Pending(ex, ex.text("bank_tran_id"), date, _account_of(ex), ex.text("tran_amt"))]
    if not ex.is_deposit or ex.rsp_code in ("A0000", ""):
        return []
    answered = {str(i.get("bank_tran_id", "")): i for i in ex.answer_items}
    found = []
    for item in ex.items:
        tran_id = str(item.get("bank_tran_id", ""))
        said = answered.get(tran_id)
        unknown = ex.rsp_code in UNKNOWN_OUTCOME or (
            said is not None and not said.get("bank_rsp_code")
        )
        if unknown:
            date = _answer_date(said.get("bank_tran_date") if said else None, ex)
            amount = str(item.get("tran_amt", ""))
            found.append(_Pending(ex, tran_id, date, _deposit_target(item), amount))
    return found


def _uncertain(ev: Evidence) -> list[_Pending]:
    return [p for ex in ev.exchanges for p in _pending(ex)]


def _same_intent_after(ev: Evidence, first: _Pending) -> list[Exchange]:
    """Transfers sent after `first` that do what it did: the same kind, account and
    amount, soon enough to be it again (`SAME_INTENT_WITHIN`: later, the same amount is
    the customer's next transfer, not this one sent twice)."""
    return [
        ex
        for ex in ev.exchanges
        if ex.seq > first.call.seq
        and ex.time - first.call.time <= SAME_INTENT_WITHIN
        and (
            (
                first.call.is_withdraw
                and ex.is_withdraw
                and _account_of(ex) == first.account
                and ex.text("tran_amt") == first.amount
            )
            or (
                first.call.is_deposit
                and ex.is_deposit
                and any(
                    _deposit_target(i) == first.account and str(i.get("tran_amt")) == first.amount
                    for i in ex.items
                )
            )
        )
    ]


def _asked_result(ev: Evidence, first: _Pending) -> Exchange | None:
    for ex in ev.exchanges:
        if (
            ex.seq > first.call.seq
            and ex.path == RESULT
            and any(i.get("org_bank_tran_id") == first.tran_id for i in ex.items)
        ):
            return ex
    return None


@grader("uncertain-outcome-asks-result")
def _asks_result(ev: Evidence) -> Finding:
    uncertain = _uncertain(ev)
    if not uncertain:
        return _unexercised(
            "uncertain-outcome-asks-result",
            "no transfer was answered A0001/A0007/A0017: run the timeout_after_commit drill",
            "처리결과 불명 응답이 없었습니다: timeout_after_commit 드릴을 실행하세요",
        )
    bad: list[int] = []
    for first in uncertain:
        asked = _asked_result(ev, first)
        resent = [ex for ex in _same_intent_after(ev, first) if asked is None or ex.seq < asked.seq]
        if asked is None or resent:
            bad += [first.call.seq, *(ex.seq for ex in resent)]
    if bad:
        return _failed(
            "uncertain-outcome-asks-result",
            bad,
            "a transfer whose outcome was unknown was not followed by transfer/result for its"
            " bank_tran_id before anything else",
            "처리결과 불명 이체 뒤에 원거래로 transfer/result를 먼저 조회하지 않았습니다",
        )
    return _passed("uncertain-outcome-asks-result")


@grader("no-double-debit")
def _double_debit(ev: Evidence) -> Finding:
    uncertain = _uncertain(ev)
    if not uncertain:
        return _unexercised(
            "no-double-debit",
            "no transfer was answered A0001/A0007/A0017: run the timeout_after_commit drill",
            "처리결과 불명 응답이 없었습니다: timeout_after_commit 드릴을 실행하세요",
        )
    twice: list[int] = []
    for first in uncertain:
        if not ev.moved(first.tran_id, first.date):
            continue  # the money did not move: a new transfer is no double debit
        again = [ex for ex in _same_intent_after(ev, first) if ex.rsp_code == "A0000"]
        if again:
            twice += [first.call.seq, *(ex.seq for ex in again)]
    if twice:
        return _failed(
            "no-double-debit",
            twice,
            "the ledger shows the same amount moved twice for one transfer: the first had"
            " moved the money when the second was sent",
            "원장에 같은 이체가 두 번 처리되었습니다(첫 이체는 이미 처리됨)",
        )
    return _passed("no-double-debit")


# --- a deposit that failed after a withdrawal ------------------------------------------------


def _deposit_target(item: dict[str, Any]) -> str:
    fin = item.get("fintech_use_num")
    return (
        f"fin:{fin}"
        if fin
        else f"acct:{item.get('bank_code_std', '')}:{item.get('account_num', '')}"
    )


def _deposit_failed(ev: Evidence, ex: Exchange) -> bool:
    """Whether a deposit left its money undelivered: refused, or its outcome unknown and
    the centre's record says it did not move (one that did is no failure)."""
    unknown = _pending(ex)
    if unknown:
        return any(ev.moved(p.tran_id, p.date) is False for p in unknown)
    return ex.rsp_code not in ("A0000", "") or any(
        i.get("bank_rsp_code") not in (None, "", "000") for i in ex.answer_items
    )


@grader("return-after-failed-deposit")
def _returned(ev: Evidence) -> Finding:
    stranded: list[tuple[Exchange, Exchange]] = []
    for dep in ev.exchanges:
        if not (dep.is_deposit and _deposit_failed(ev, dep)) or not dep.items:
            continue
        item = dep.items[0]
        for wd in reversed([e for e in ev.exchanges if e.seq < dep.seq]):
            if dep.time - wd.time > PAIR_WITHIN:
                break
            if (
                wd.is_withdraw
                and wd.rsp_code == "A0000"
                and wd.text("tran_amt") == str(item.get("tran_amt", ""))
                and ev.account(_account_of(wd)) != ev.account(_deposit_target(item))
            ):
                stranded.append((wd, dep))
                break
    if not stranded:
        return _unexercised(
            "return-after-failed-deposit",
            "no withdrawal was followed by a failed deposit of its amount: run the"
            " deposit_fails drill and send money from one account to another",
            "출금 후 입금 실패가 없었습니다: deposit_fails 드릴로 송금을 해 보세요",
        )
    kept: list[int] = []
    for wd, dep in stranded:
        amount = wd.text("tran_amt")
        # given back to the account it came from, or delivered after all: the deposit sent
        # again once what refused it was over (a token renewed, a rate limit waited out)
        home = {ev.account(_account_of(wd)), ev.account(_deposit_target(dep.items[0]))}
        back = [
            ex
            for ex in ev.exchanges
            if ex.seq > dep.seq
            and ex.time - dep.time <= RETURN_WITHIN
            and (
                ex.path == RETURN_CLAIM
                or (
                    ex.is_deposit
                    and ex.rsp_code == "A0000"
                    and any(
                        ev.account(_deposit_target(i)) in home and str(i.get("tran_amt")) == amount
                        for i in ex.items
                    )
                )
            )
        ]
        if not back:
            kept += [wd.seq, dep.seq]
    if kept:
        return _failed(
            "return-after-failed-deposit",
            kept,
            f"money withdrawn for a deposit that failed was not given back within"
            f" {int(RETURN_WITHIN // 60)} minutes (or before the run ended)",
            f"입금이 실패한 출금액을 {int(RETURN_WITHIN // 60)}분 안에 돌려주지 않았습니다",
        )
    return _passed("return-after-failed-deposit")


# --- closed banks, rate limits, refusals -----------------------------------------------------


def _closed(ev: Evidence, ex: Exchange) -> bool:
    """The answer says the bank or the centre is closed (`Evidence.closed_codes`); a list
    API's item carries its bank's answer under the top's A0009 (as A0002 would)."""
    said = {(ex.rsp_code, str(ex.answer.get("bank_rsp_code", "")))}
    said |= {("A0002", str(i.get("bank_rsp_code", ""))) for i in ex.answer_items}
    return not said.isdisjoint(ev.closed_codes)


@grader("backoff-when-closed")
def _backoff(ev: Evidence) -> Finding:
    refused = [ex for ex in ev.exchanges if ex.is_business and _closed(ev, ex)]
    if not refused:
        return _unexercised(
            "backoff-when-closed",
            "no call was refused as closed: run the cutover drill",
            "미개시 응답이 없었습니다: cutover 드릴을 실행하세요",
        )
    hurried: list[int] = []
    for first in refused:
        for ex in ev.exchanges:
            if ex.seq <= first.seq:
                continue
            if ex.time - first.time >= BACKOFF or ex.path == BANK_STATUS:
                break
            if ex.path == first.path:
                hurried += [first.seq, ex.seq]
                break
    if hurried:
        return _failed(
            "backoff-when-closed",
            hurried,
            f"after a closed answer the same call came again within {BACKOFF:g}s without"
            " asking bank/status",
            f"미개시 응답 뒤 {BACKOFF:g}초 안에 bank/status 확인 없이 같은 호출을 다시 보냈습니다",
        )
    return _passed("backoff-when-closed")


@grader("rate-limit-wait")
def _rate_limit(ev: Evidence) -> Finding:
    limited = [ex for ex in ev.exchanges if ex.rsp_code in ("O0008", "O0009")]
    if not limited:
        return _unexercised(
            "rate-limit-wait",
            "no call was rate-limited: run the rate_limit drill",
            "호출 한도 응답이 없었습니다: rate_limit 드릴을 실행하세요",
        )
    early: list[int] = []
    for first in limited:
        for ex in ev.exchanges:
            if ex.seq <= first.seq or not ex.is_business:
                continue
            if first.rsp_code == "O0009" and ex.path != first.path:
                continue
            if ex.time - first.time < first.retry_after - 1e-6:
                early += [first.seq, ex.seq]
            break
    if early:
        return _failed(
            "rate-limit-wait",
            early,
            "after O0008/O0009 the next call came before Retry-After had passed",
            "O0008/O0009 뒤 Retry-After가 지나기 전에 다시 호출했습니다",
        )
    return _passed("rate-limit-wait")


_VOLATILE: Final = frozenset({"bank_tran_id", "tran_dtime"})


def _signature(ex: Exchange) -> str:
    def strip(part: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted(
            (k, repr(v)) for k, v in part.items() if k not in _VOLATILE and k != "req_list"
        )

    return repr((ex.path, strip(ex.request), [strip(i) for i in ex.items]))


def _bank_refused(ex: Exchange) -> bool:
    """A bank said no (A0002, or a deposit item's bank_rsp_code): not the gateway refusing
    the call itself (an expired token, a rate limit, a malformed field), after which the
    same request rightly goes again once the cause is fixed."""
    return ex.rsp_code == "A0002" or (
        ex.is_deposit
        and any(i.get("bank_rsp_code") not in (None, "", "000") for i in ex.answer_items)
    )


@grader("no-retry-loop-after-refusal")
def _no_loop(ev: Evidence) -> Finding:
    refused = [
        ex for ex in ev.exchanges if ex.is_business and _bank_refused(ex) and not _closed(ev, ex)
    ]
    if not refused:
        return _unexercised(
            "no-retry-loop-after-refusal",
            "no bank refused a call (A0002): run the bank_refusal drill",
            "은행 거절(A0002)이 없었습니다: bank_refusal 드릴을 실행하세요",
        )
    looped: list[int] = []
    for first in refused:
        sig = _signature(first)
        again = [
            ex.seq
            for ex in ev.exchanges
            if ex.seq > first.seq and ex.time - first.time <= LOOP_WITHIN and _signature(ex) == sig
        ]
        if len(again) > MAX_IDENTICAL_RETRIES:
            looped += [first.seq, *again]
    if looped:
        return _failed(
            "no-retry-loop-after-refusal",
            looped,
            f"a request the bank refused was sent again unchanged more than"
            f" {MAX_IDENTICAL_RETRIES} time",
            f"은행이 거절한 요청을 그대로 {MAX_IDENTICAL_RETRIES}번 넘게 다시 보냈습니다",
        )
    return _passed("no-retry-loop-after-refusal")


# --- tokens ----------------------------------------------------------------------------------


@grader("token-family")
def _family(ev: Evidence) -> Finding:
    calls = [ex for ex in ev.exchanges if ex.is_business]
    if not calls:
        return _unexercised("token-family", "no business API call", "업무 API 호출 없음")
    wrong = [ex.seq for ex in calls if ex.rsp_code == "O0011"]
    if wrong:
        return _failed(
            "token-family",
            wrong,
            f"{len(wrong)} calls used a token whose scope does not serve the API (O0011)",
            f"{len(wrong)}건이 API에 맞지 않는 토큰으로 호출되었습니다(O0011)",
        )
    return _passed("token-family")


def _issued(ex: Exchange) -> tuple[str, str, str] | None:
    """(grant_type, scope, token fingerprint) of a token the token endpoint issued."""
    if ex.path != TOKEN or ex.status != 200 or not ex.answer.get("access_token"):
        return None
    return (ex.text("grant_type"), ex.text("scope"), str(ex.answer["access_token"]))


@grader("token-reused")
def _reused(ev: Evidence) -> Finding:
    issued = [(ex, i) for ex in ev.exchanges if (i := _issued(ex)) and i[0] == "client_credentials"]
    if not issued:
        if any(ex.is_business and ex.token for ex in ev.exchanges):
            return Finding(  # it kept a token from before the run: reuse itself
                BY_ID["token-reused"],
                Status.PASSED,
                "every call used a token issued before the run",
                "모든 호출이 점검 전에 발급받은 토큰을 썼습니다",
            )
        return _unexercised(
            "token-reused", "no institution token was issued in the run", "이용기관 토큰 발급 없음"
        )
    dead = {ex.token for ex in ev.exchanges if ex.rsp_code in ("O0002", "O0003") and ex.token}
    latest: dict[str, str] = {}
    again: list[int] = []
    for ex, (_, scope, token) in issued:
        before = latest.get(scope)
        if before is not None and before not in dead:
            again.append(ex.seq)
        latest[scope] = token
    if len(again) > MAX_REISSUES:
        return _failed(
            "token-reused",
            again,
            f"an institution token was issued {len(again)} times while the one before was valid",
            f"유효한 토큰이 있는데 이용기관 토큰을 {len(again)}번 다시 발급받았습니다",
        )
    return _passed("token-reused")


@grader("token-expiry-handled")
def _expiry(ev: Evidence) -> Finding:
    expired = [ex for ex in ev.exchanges if ex.rsp_code == "O0003" and ex.token]
    if not expired:
        return _unexercised(
            "token-expiry-handled",
            "no call was answered O0003: run the expired_token drill",
            "토큰 만료(O0003) 응답이 없었습니다: expired_token 드릴을 실행하세요",
        )
    dead: dict[str, int] = {}  # each token's first O0003: what is sent after it is a reuse
    for ex in expired:
        dead.setdefault(ex.token, ex.seq)
    reused = [ex.seq for ex in ev.exchanges if ex.token in dead and ex.seq > dead[ex.token]]
    renewed = any(_issued(ex) for ex in ev.exchanges if ex.seq > min(dead.values()))
    if reused or not renewed:
        return _failed(
            "token-expiry-handled",
            [*dead.values(), *reused],
            "after O0003 the expired token was sent again"
            if reused
            else "after O0003 no new token was asked for (refresh or issue)",
            "O0003 뒤에 만료된 토큰을 다시 보냈습니다"
            if reused
            else "O0003 뒤에 토큰을 갱신(재발급)하지 않았습니다",
        )
    return _passed("token-expiry-handled")


# --- 3-legged authorization ------------------------------------------------------------------


def _authorizations(ev: Evidence) -> list[Exchange]:
    return [ex for ex in ev.exchanges if ex.is_authorize]


@grader("oauth-state")
def _state(ev: Evidence) -> Finding:
    asked = _authorizations(ev)
    if not asked:
        return _unexercised("oauth-state", "no authorize request", "사용자인증 요청 없음")
    missing = [ex.seq for ex in asked if not ex.text("state")]
    granted: dict[str, list[int]] = defaultdict(list)
    for ex in ev.exchanges:
        back = ex.answer.get("location")
        if isinstance(back, dict) and back.get("code") and back.get("state"):
            granted[str(back["state"])].append(ex.seq)
    reused = [s for seqs in granted.values() if len(seqs) > 1 for s in seqs]
    if missing or reused:
        return _failed(
            "oauth-state",
            [*missing, *reused],
            "authorize without state" if missing else "one state came back with two codes",
            "state 없이 사용자인증을 요청했습니다" if missing else "같은 state를 두 번 썼습니다",
        )
    return _passed("oauth-state")


@grader("oauth-code-once")
def _code_once(ev: Evidence) -> Finding:
    redeemed = [
        ex
        for ex in ev.exchanges
        if ex.path == TOKEN and ex.text("grant_type") == "authorization_code"
    ]
    if not redeemed:
        return _unexercised(
            "oauth-code-once", "no authorization code was redeemed", "인가코드 교환 없음"
        )
    seen: dict[str, int] = {}
    twice: list[int] = []
    for ex in redeemed:
        code = ex.text("code")
        if code in seen:
            twice += [seen[code], ex.seq]
        seen.setdefault(code, ex.seq)
    if twice:
        return _failed(
            "oauth-code-once",
            twice,
            "an authorization code was sent to the token endpoint twice",
            "같은 인가코드로 토큰을 두 번 요청했습니다",
        )
    return _passed("oauth-code-once")


@grader("oauth-redirect-registered")
def _redirect(ev: Evidence) -> Finding:
    asked = _authorizations(ev)
    redeemed = [
        ex
        for ex in ev.exchanges
        if ex.path == TOKEN and ex.text("grant_type") == "authorization_code"
    ]
    if not asked and not redeemed:
        return _unexercised(
            "oauth-redirect-registered", "no authorize request", "사용자인증 요청 없음"
        )
    refused = [ex.seq for ex in asked if ex.status == 400 and ex.text("redirect_uri")]
    refused += [
        ex.seq for ex in redeemed if "redirect_uri" in str(ex.answer.get("error_description", ""))
    ]
    if refused:
        return _failed(
            "oauth-redirect-registered",
            refused,
            "a redirect_uri that is not registered was sent",
            "등록되지 않은 Callback URL을 보냈습니다",
        )
    return _passed("oauth-redirect-registered")


# --- the report ------------------------------------------------------------------------------


def grade(ev: Evidence) -> list[Finding]:
    findings = []
    for check in CHECKS:
        if check.three_legged and not ev.three_legged:
            findings.append(
                Finding(
                    check,
                    Status.NOT_APPLICABLE,
                    "the institution authenticates its own users (자체인증)",
                    "자체인증 이용기관",
                )
            )
        else:
            findings.append(GRADERS[check.id](ev))
    return findings


def verdict(findings: list[Finding]) -> Verdict:
    def status(level: Level) -> set[Status]:
        return {f.status for f in findings if f.check.level is level}

    musts, shoulds = status(Level.MUST), status(Level.SHOULD)
    if Status.FAILED in musts:
        return Verdict.FAIL
    if Status.NOT_EXERCISED in musts:
        return Verdict.INCOMPLETE
    if shoulds - {Status.PASSED, Status.NOT_APPLICABLE}:
        return Verdict.CONDITIONAL_PASS
    return Verdict.PASS


def coverage(ev: Evidence, findings: list[Finding]) -> dict[str, Any]:
    """What the run exercised (APIs and drilled situations), apart from what passed."""
    paths = {ex.path for ex in ev.exchanges}
    apis = {name: any(p in paths for p in group) for name, group in COVERED_APIS}
    drilled = {d.kind for d in ev.drills}
    situations = {kind.value: kind.value in drilled for kind in DrillKind}
    applicable = [f for f in findings if f.status is not Status.NOT_APPLICABLE]
    exercised = [f for f in applicable if f.status is not Status.NOT_EXERCISED]
    passed = [f for f in exercised if f.status is Status.PASSED]
    shown = sum(apis.values()) + sum(situations.values())
    return {
        "apis": apis,
        "situations": situations,
        "index": round(100 * shown / (len(apis) + len(situations))),
        "checks_exercised": len(exercised),
        "checks_applicable": len(applicable),
        "score": round(100 * len(passed) / len(exercised)) if exercised else 0,
    }


def report(ev: Evidence, findings: list[Finding]) -> dict[str, Any]:
    calls = {ex.seq: ex for ex in ev.exchanges}
    cover = coverage(ev, findings)
    counts = {s.value: sum(f.status is s for f in findings) for s in Status}
    return {
        "verdict": verdict(findings).value,
        "score": cover.pop("score"),
        "coverage": cover,
        "counts": counts,
        "checks": [f.view(calls) for f in findings],
    }
