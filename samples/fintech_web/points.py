"""Points: charge (출금이체, from the customer's account to our 약정계좌) and pay out
(입금이체, from our 약정계좌 to the customer's account); time-outs resolved with
transfer/result. `withdraw` and `deposit` are the two transfers every flow is made of
(`send.py` puts one after the other).

The order matters. We write the transfer (with its bank_tran_id) to our database
BEFORE we call the centre, so that whatever happens next (an answer, a time-out, our
own crash) we can always ask the centre later what became of it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from samples.fintech_web.accounts import new_bank_tran_id
from samples.fintech_web.kftc import UNKNOWN_OUTCOME, KftcError, explain, req_client, tran_dtime
from samples.fintech_web.oauth import (
    NeedsConsent,
    consent_needed,
    with_client_token,
    with_user_token,
)
from samples.fintech_web.pages import CONFIG, KFTC, STORE, customer_or_redirect, render

MAX_AMOUNT = 10_000_000  # the testbed's default per-user withdrawal limit a transaction
#: the kinds of transfer that are withdrawals (transfer/result check_type 1); the others
#: are deposits (check_type 2)
WITHDRAWALS = frozenset({"charge", "send"})


class Numbering:
    """The bank_tran_id of each attempt at one transfer: the transfer's own the first
    time; when the centre refused the call at its door (an expired token) and it goes
    again, a new one, written to the transfer before it is sent. KFTC rule: a
    bank_tran_id is never sent twice, whatever became of the first."""

    def __init__(self, request: web.Request, transfer_id: int, first: str) -> None:
        self.request, self.transfer_id, self.current = request, transfer_id, first
        self.sent = False

    def __call__(self) -> str:
        if self.sent:
            self.current = new_bank_tran_id(self.request)
            self.request.app[STORE].update_transfer(self.transfer_id, bank_tran_id=self.current)
        self.sent = True
        return self.current


def parse_amount(text: str) -> int | None:
    text = text.replace(",", "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_AMOUNT:
        return None
    return int(text)


def _bank_tran_date(answer: dict[str, Any], sent: str) -> str:
    """The transfer's date in the centre's calendar: the bank's, else the answer's
    api_tran_dtm, else the day we sent it. transfer/result needs it (org_bank_tran_date)."""
    items = answer.get("res_list") or [{}]
    for candidate in (
        answer.get("bank_tran_date"),
        items[0].get("bank_tran_date") if isinstance(items[0], dict) else None,
        str(answer.get("api_tran_dtm", ""))[:8],
    ):
        if candidate and str(candidate).isdigit() and len(str(candidate)) == 8:
            return str(candidate)
    return sent[:8]


async def charge(request: web.Request) -> web.Response:
    """POST /points/charge: withdraw from the customer's account into our 약정계좌."""
    customer = customer_or_redirect(request)
    form = await request.post()
    amount = parse_amount(str(form.get("amount", "")))
    fintech_use_num = str(form.get("fintech_use_num", ""))
    if amount is None or not fintech_use_num.isdigit():
        return bad_input(request)
    try:
        transfer_id, shown = await withdraw(request, customer, fintech_use_num, amount, "charge")
    except NeedsConsent:
        return consent_needed(request)
    return _result(request, transfer_id, **shown)


async def withdraw(
    request: web.Request, customer: dict[str, Any], fintech_use_num: str, amount: int, kind: str
) -> tuple[int, dict[str, str]]:
    """출금이체 of `amount` from the customer's account into our 약정계좌: the transfer's id
    (done, failed, or unknown when even transfer/result could not tell) and what its
    result page shows. A charge gives its points once the money moved."""
    config, store = request.app[CONFIG], request.app[STORE]
    tran_id = new_bank_tran_id(request)
    transfer_id = store.add_transfer(customer["id"], kind, fintech_use_num, amount, tran_id)
    numbering = Numbering(request, transfer_id, tran_id)
    sent = tran_dtime()
    body = {
        "bank_tran_id": tran_id,
        # KFTC rule (약정계좌, A0322): a withdrawal's money goes to the institution's own
        # account registered with the centre for withdrawals, named here by type and
        # number. Any other account is refused with A0322.
        "cntr_account_type": "N",  # N 계좌 (account), C 계정
        "cntr_account_num": config.withdraw_account,
        "dps_print_content": "포인트충전" if kind == "charge" else "송금",  # in our history
        "fintech_use_num": fintech_use_num,
        "wd_print_content": "포인트지갑",  # shown in the customer's account history
        "tran_amt": str(amount),  # numbers are strings in KFTC's JSON
        "tran_dtime": sent,
        **req_client(customer, fintech_use_num),
        "transfer_purpose": "RC" if kind == "charge" else "TR",  # RC 충전, TR 송금, ST 결제
    }

    async def call(token: dict[str, Any]) -> dict[str, Any]:
        # scope `transfer`: the customer's own token, with their 출금동의 (A0306 if not).
        body["bank_tran_id"] = numbering()
        return await request.app[KFTC].post(
            "/v2.0/transfer/withdraw/fin_num", token["access_token"], body
        )

    try:
        answer = await with_user_token(request, customer["id"], call)
    except NeedsConsent:
        store.update_transfer(transfer_id, state="failed", message="no token")
        raise
    except KftcError as e:
        return transfer_id, await _settle(request, transfer_id, e, sent)
    store.update_transfer(
        transfer_id, state="done", rsp_code="A0000", bank_tran_date=_bank_tran_date(answer, sent)
    )
    if kind == "charge":
        store.add_points(customer["id"], amount)
    # KFTC rule (wd_limit): the answer says how much the customer may still withdraw
    # today (wd_limit_remain_amt); beyond it the centre answers A0112.
    return transfer_id, {"remain": str(answer.get("wd_limit_remain_amt", ""))}


async def payout(request: web.Request) -> web.Response:
    """POST /points/payout: deposit from our 약정계좌 into the customer's account."""
    customer = customer_or_redirect(request)
    form = await request.post()
    amount = parse_amount(str(form.get("amount", "")))
    fintech_use_num = str(form.get("fintech_use_num", ""))
    if amount is None or not fintech_use_num.isdigit():
        return bad_input(request)
    if amount > customer["points"]:
        return render(
            request,
            "message.html",
            title="포인트가 부족합니다 · Not enough points",
            explanation=f"보유 포인트 {customer['points']:,}P"
            f" · You hold {customer['points']:,} points.",
        )
    request.app[STORE].add_points(customer["id"], -amount)  # held; given back if it fails
    account = {"fintech_use_num": fintech_use_num}
    transfer_id, shown = await deposit(
        request, customer, "payout", fintech_use_num, account, amount
    )
    return _result(request, transfer_id, **shown)


async def deposit(
    request: web.Request,
    customer: dict[str, Any],
    kind: str,
    fintech_use_num: str,
    account: dict[str, str],
    amount: int,
) -> tuple[int, dict[str, str]]:
    """입금이체 of `amount` from our 약정계좌 to `account`: the customer's own, registered
    with us ({"fintech_use_num"}: the fin_num API), or anybody's ({"bank_code_std",
    "account_num", "account_holder_name"}: the acnt_num API, which is for accounts we
    have no fintech_use_num for). `fintech_use_num` is the customer's account the
    transfer is for (their side, for 요청고객). The transfer's id and what its page shows."""
    config, store = request.app[CONFIG], request.app[STORE]
    tran_id = new_bank_tran_id(request)
    transfer_id = store.add_transfer(customer["id"], kind, fintech_use_num, amount, tran_id)
    numbering = Numbering(request, transfer_id, tran_id)
    sent = tran_dtime()
    item = {
        "tran_no": "1",
        "bank_tran_id": tran_id,
        **account,
        "print_content": {"payout": "포인트환급", "return": "송금반환"}.get(kind, "송금"),
        "tran_amt": str(amount),
        **req_client(customer, fintech_use_num),
        "transfer_purpose": "TR",
    }
    body = {
        # 약정계좌 (A0322): a deposit's money comes FROM our account registered for deposits.
        "cntr_account_type": "N",
        "cntr_account_num": config.deposit_account,
        "wd_pass_phrase": config.wd_pass_phrase,  # 입금이체암호문구 (A0307); "NONE" in test
        "wd_print_content": "포인트지갑출금",
        "name_check_option": "on",  # the acnt_num API checks account_holder_name
        "tran_dtime": sent,
        "req_cnt": "1",  # KFTC rule: one item per request
        "req_list": [item],
    }
    # KFTC rule: fin_num where we have the account's fintech_use_num; acnt_num only where
    # we cannot (an account registered with us is named by its fintech_use_num only)
    api = "fin_num" if "fintech_use_num" in account else "acnt_num"

    async def call(token: str) -> dict[str, Any]:
        # scope `oob`: deposits are the institution's own act, with its own token.
        item["bank_tran_id"] = numbering()
        return await request.app[KFTC].post(f"/v2.0/transfer/deposit/{api}", token, body)

    try:
        answer = await with_client_token(request, call)
    except KftcError as e:
        return transfer_id, await _settle(request, transfer_id, e, sent)
    store.update_transfer(
        transfer_id, state="done", rsp_code="A0000", bank_tran_date=_bank_tran_date(answer, sent)
    )
    return transfer_id, {}


async def _settle(
    request: web.Request, transfer_id: int, error: KftcError, sent: str
) -> dict[str, str]:
    """A refusal, or an unknown outcome that transfer/result must settle; what the
    result page shows of the answer."""
    store = request.app[STORE]
    date = _bank_tran_date(error.answer, sent)
    items = error.answer.get("res_list") or [{}]
    bank_code = error.bank_rsp_code or str(items[0].get("bank_rsp_code", ""))
    # A deposit's item that came back without the bank's code (A0009 "처리 실패 건 존재",
    # the item "참가은행 응답 TIMEOUT"): the centre stopped waiting for the bank, so that
    # item's outcome is as unknown as an A0017's
    no_bank_answer = bool(error.answer.get("res_list")) and not bank_code
    if error.rsp_code in UNKNOWN_OUTCOME or error.rsp_code == "HTTP" or no_bank_answer:
        # KFTC rule (A0001/A0007/A0017, or no answer at all): the money may or may not
        # have moved. Never send it again with a new bank_tran_id (the customer could
        # pay twice): ask transfer/result with the ORIGINAL bank_tran_id, its date and
        # its amount.
        store.update_transfer(
            transfer_id,
            state="unknown",
            rsp_code=error.rsp_code,
            bank_tran_date=date,
            message=explain(error.rsp_code),
        )
        await resolve(request, transfer_id)
    else:
        # A refusal: nothing moved. Among them the night (KFTC rule, cutover): from about
        # 23:30 each bank closes for its 공동망 미개시 window (A0002 with bank_rsp_code 503),
        # and the centre itself closes 23:55-00:05 (A0020). We tell the customer when to
        # try again; a new attempt later gets a new bank_tran_id.
        store.update_transfer(
            transfer_id,
            state="failed",
            rsp_code=error.rsp_code,
            bank_tran_date=date,
            message=explain(error.rsp_code, bank_code),
        )
        await _give_back(request, transfer_id)
    return {"bank_rsp_code": bank_code, "rsp_message": error.rsp_message}


async def resolve(request: web.Request, transfer_id: int) -> None:
    """POST /v2.0/transfer/result (scope `oob`): what became of a transfer."""
    store = request.app[STORE]
    transfer = store.transfer(transfer_id)
    if transfer is None or transfer["state"] != "unknown":
        return
    body = {
        "check_type": "1" if transfer["kind"] in WITHDRAWALS else "2",  # 1 출금, 2 입금
        "tran_dtime": tran_dtime(),
        "req_cnt": "1",
        "req_list": [
            {
                "tran_no": "1",
                "org_bank_tran_id": transfer["bank_tran_id"],
                "org_bank_tran_date": transfer["bank_tran_date"],
                "org_tran_amt": str(transfer["amount"]),
            }
        ],
    }

    async def call(token: str) -> dict[str, Any]:
        return await request.app[KFTC].post("/v2.0/transfer/result", token, body)

    try:
        answer = await with_client_token(request, call)
    except KftcError as e:
        if e.rsp_code in ("A0310", "A0009"):  # no such transfer: the money never moved
            store.update_transfer(
                transfer_id, state="failed", rsp_code=e.rsp_code, message=explain("A0310")
            )
            await _give_back(request, transfer_id)
        return  # the centre cannot tell yet (closed, unreachable): still unknown
    item = (answer.get("res_list") or [{}])[0]
    if item.get("bank_rsp_code") == "000":
        store.update_transfer(
            transfer_id,
            state="done",
            message="이체결과조회: 처리 완료 · transfer/result: the transfer was made",
        )
        if transfer["kind"] == "charge":
            store.add_points(transfer["customer_id"], transfer["amount"])
    else:
        code = str(item.get("bank_rsp_code", ""))
        store.update_transfer(
            transfer_id,
            state="failed",
            message="이체결과조회: 처리 실패 · transfer/result: not made. "
            + explain("A0002", code),
        )
        await _give_back(request, transfer_id)


async def _give_back(request: web.Request, transfer_id: int) -> None:
    """What a failed transfer held goes back: a payout's points to the wallet; a send's
    money, withdrawn already when its deposit failed, to the account it came from."""
    store = request.app[STORE]
    transfer = store.transfer(transfer_id)
    if transfer and transfer["kind"] == "payout":
        store.add_points(transfer["customer_id"], transfer["amount"])
    elif transfer and transfer["kind"] == "send_deposit":
        # KFTC's 기능테스트: a withdrawal that succeeded followed by a deposit that failed
        # leaves the customer's money with us; it goes back at once, to the account it
        # came from (named by its fintech_use_num: it is registered with us)
        home = transfer["fintech_use_num"]
        customer = store.customer(transfer["customer_id"])
        assert customer is not None
        back = {"fintech_use_num": home}
        await deposit(request, customer, "return", home, back, transfer["amount"])


async def check(request: web.Request) -> web.Response:
    """POST /transfers/{id}/check: ask transfer/result again for an unknown outcome."""
    customer = customer_or_redirect(request)
    transfer_id = int(request.match_info["id"])
    transfer = request.app[STORE].transfer(transfer_id)
    if transfer is None or transfer["customer_id"] != customer["id"]:
        raise web.HTTPSeeOther("/wallet")
    await resolve(request, transfer_id)
    return _result(request, transfer_id)


def _result(request: web.Request, transfer_id: int, **extra: str) -> web.Response:
    transfer = request.app[STORE].transfer(transfer_id)
    return render(request, "result.html", 200, transfer=transfer, **extra)


def bad_input(request: web.Request) -> web.Response:
    return render(
        request,
        "message.html",
        status=400,
        title="입력을 확인하세요 · Check your input",
        explanation=f"계좌를 고르고 1~{MAX_AMOUNT:,}원 사이의 금액을 입력하세요."
        f" · Choose an account and an amount of 1 to {MAX_AMOUNT:,} won.",
    )
