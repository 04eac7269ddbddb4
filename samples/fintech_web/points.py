"""Points: charge (출금이체, from the customer's account to our 약정계좌) and pay out
(입금이체, from our 약정계좌 to the customer's account); time-outs resolved with
transfer/result.

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


def _amount(text: str) -> int | None:
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
    amount = _amount(str(form.get("amount", "")))
    fintech_use_num = str(form.get("fintech_use_num", ""))
    if amount is None or not fintech_use_num.isdigit():
        return _bad_input(request)
    config, store = request.app[CONFIG], request.app[STORE]
    tran_id = new_bank_tran_id(request)
    transfer_id = store.add_transfer(customer["id"], "charge", fintech_use_num, amount, tran_id)
    sent = tran_dtime()
    body = {
        "bank_tran_id": tran_id,
        # KFTC rule (약정계좌, A0322): a withdrawal's money goes to the institution's own
        # account registered with the centre for withdrawals, named here by type and
        # number. Any other account is refused with A0322.
        "cntr_account_type": "N",  # N 계좌 (account), C 계정
        "cntr_account_num": config.withdraw_account,
        "dps_print_content": "포인트충전",  # shown in our account's history
        "fintech_use_num": fintech_use_num,
        "wd_print_content": "포인트지갑",  # shown in the customer's account history
        "tran_amt": str(amount),  # numbers are strings in KFTC's JSON
        "tran_dtime": sent,
        **req_client(customer, fintech_use_num),
        "transfer_purpose": "RC",  # RC 충전 (charging), TR 송금, ST 결제
    }

    async def call(token: dict[str, Any]) -> dict[str, Any]:
        # scope `transfer`: the customer's own token, with their 출금동의 (A0306 if not).
        return await request.app[KFTC].post(
            "/v2.0/transfer/withdraw/fin_num", token["access_token"], body
        )

    try:
        answer = await with_user_token(request, customer["id"], call)
    except NeedsConsent:
        store.update_transfer(transfer_id, state="failed", message="no token")
        return consent_needed(request)
    except KftcError as e:
        return await _not_done(request, transfer_id, e, sent)
    store.update_transfer(
        transfer_id, state="done", rsp_code="A0000", bank_tran_date=_bank_tran_date(answer, sent)
    )
    store.add_points(customer["id"], amount)
    # KFTC rule (wd_limit): the answer says how much the customer may still withdraw
    # today (wd_limit_remain_amt); beyond it the centre answers A0112.
    return _result(request, transfer_id, remain=str(answer.get("wd_limit_remain_amt", "")))


async def payout(request: web.Request) -> web.Response:
    """POST /points/payout: deposit from our 약정계좌 into the customer's account."""
    customer = customer_or_redirect(request)
    form = await request.post()
    amount = _amount(str(form.get("amount", "")))
    fintech_use_num = str(form.get("fintech_use_num", ""))
    if amount is None or not fintech_use_num.isdigit():
        return _bad_input(request)
    if amount > customer["points"]:
        return render(
            request,
            "message.html",
            title="포인트가 부족합니다 · Not enough points",
            explanation=f"보유 포인트 {customer['points']:,}P"
            f" · You hold {customer['points']:,} points.",
        )
    config, store = request.app[CONFIG], request.app[STORE]
    tran_id = new_bank_tran_id(request)
    transfer_id = store.add_transfer(customer["id"], "payout", fintech_use_num, amount, tran_id)
    store.add_points(customer["id"], -amount)  # held now; given back if the deposit fails
    sent = tran_dtime()
    body = {
        # 약정계좌 (A0322): a deposit's money comes FROM our account registered for deposits.
        "cntr_account_type": "N",
        "cntr_account_num": config.deposit_account,
        "wd_pass_phrase": config.wd_pass_phrase,  # 입금이체암호문구 (A0307); "NONE" in test
        "wd_print_content": "포인트지갑출금",
        "name_check_option": "on",
        "tran_dtime": sent,
        "req_cnt": "1",  # KFTC rule: one item per request
        "req_list": [
            {
                "tran_no": "1",
                "bank_tran_id": tran_id,
                "fintech_use_num": fintech_use_num,
                "print_content": "포인트환급",
                "tran_amt": str(amount),
                **req_client(customer, fintech_use_num),
                "transfer_purpose": "TR",
            }
        ],
    }

    async def call(token: str) -> dict[str, Any]:
        # scope `oob`: deposits are the institution's own act, with its own token.
        return await request.app[KFTC].post("/v2.0/transfer/deposit/fin_num", token, body)

    try:
        answer = await with_client_token(request, call)
    except KftcError as e:
        return await _not_done(request, transfer_id, e, sent)
    store.update_transfer(
        transfer_id, state="done", rsp_code="A0000", bank_tran_date=_bank_tran_date(answer, sent)
    )
    return _result(request, transfer_id)


async def _not_done(
    request: web.Request, transfer_id: int, error: KftcError, sent: str
) -> web.Response:
    """A refusal, or an unknown outcome that transfer/result must settle."""
    store = request.app[STORE]
    date = _bank_tran_date(error.answer, sent)
    items = error.answer.get("res_list") or [{}]
    bank_code = error.bank_rsp_code or str(items[0].get("bank_rsp_code", ""))
    if error.rsp_code in UNKNOWN_OUTCOME or error.rsp_code == "HTTP":
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
        _give_back(request, transfer_id)
    return _result(request, transfer_id, bank_rsp_code=bank_code, rsp_message=error.rsp_message)


async def resolve(request: web.Request, transfer_id: int) -> None:
    """POST /v2.0/transfer/result (scope `oob`): what became of a transfer."""
    store = request.app[STORE]
    transfer = store.transfer(transfer_id)
    if transfer is None or transfer["state"] != "unknown":
        return
    body = {
        "check_type": "1" if transfer["kind"] == "charge" else "2",  # 1 출금, 2 입금
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
            _give_back(request, transfer_id)
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
        _give_back(request, transfer_id)


def _give_back(request: web.Request, transfer_id: int) -> None:
    """A failed payout returns the points it held."""
    transfer = request.app[STORE].transfer(transfer_id)
    if transfer and transfer["kind"] == "payout":
        request.app[STORE].add_points(transfer["customer_id"], transfer["amount"])


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


def _bad_input(request: web.Request) -> web.Response:
    return render(
        request,
        "message.html",
        status=400,
        title="입력을 확인하세요 · Check your input",
        explanation=f"계좌를 고르고 1~{MAX_AMOUNT:,}원 사이의 금액을 입력하세요."
        f" · Choose an account and an amount of 1 to {MAX_AMOUNT:,} won.",
    )
