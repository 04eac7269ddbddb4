"""이체: transfer/withdraw, transfer/deposit, transfer/result.

Money moves through the network model (the banks' opening hours, queues and latency),
and every attempt is kept as a `TransferRecord`, so transfer/result tells the truth
from the ledger later, whatever the client was told at the time.
"""

from __future__ import annotations

from typing import Any, cast

import simpy
from aiohttp import web

from testbed.api.accounts import Locate
from testbed.api.catalogue import BANK_BLOCK, ENVELOPE, Operation, Shape
from testbed.api.common import (
    bank_block,
    bank_code_sub,
    bank_names,
    bank_says,
    contract_account,
    empty_list_on_refusal,
    mask,
    refusal_from_bank,
    registered,
)
from testbed.api.common import req_client as req_client_of
from testbed.api.context import Call, begin
from testbed.api.fields import (
    ACCOUNT_NUM,
    AH,
    AN,
    BANK_CODE_STD,
    BANK_TRAN_ID,
    FINTECH_USE_NUM,
    TRAN_AMT,
    TRAN_DTIME,
    A,
    N,
    Spec,
    aN,
    parse_list,
)
from testbed.config import BankCodeError
from testbed.network.centre import TransferOrder, TransferOutcome
from testbed.network.codes import Refusal
from testbed.network.ledger import Account
from testbed.network.openbanking import TransferRecord
from testbed.network.parties import FintechClient

WITHDRAW_SCOPES = ("transfer", "sa")
CENTRE_SCOPES = ("oob", "sa")

_REQ_CLIENT = (
    AH("req_client_name", 20),
    AN("req_client_bank_code", 3, required=False),
    AN("req_client_account_num", 16, required=False),
    AN("req_client_fintech_use_num", 24, required=False),
    AN("req_client_num", 20),
)
_SUB_FRNC = (
    AH("sub_frnc_name", 40, required=False),
    AN("sub_frnc_num", 20, required=False),
    N("sub_frnc_business_num", 10, required=False),
    # KFTC's own sample spells it with a double s; the gateway takes it, so do we
    N("sub_frnc_bussiness_num", 10, required=False),
)
WITHDRAW = Spec(
    BANK_TRAN_ID,
    A("cntr_account_type", 1, choices=("N", "C")),
    AN("cntr_account_num", 16),
    AH("dps_print_content", 20),
    FINTECH_USE_NUM,
    AH("wd_print_content", 20, required=False),
    TRAN_AMT,
    TRAN_DTIME,
    *_REQ_CLIENT,
    AN("transfer_purpose", 2, choices=("TR", "ST", "RC")),
    *_SUB_FRNC,
    AH("recv_client_name", 20, required=False),
    AN("recv_client_bank_code", 3, required=False),
    AN("recv_client_account_num", 16, required=False),
)
DEPOSIT = Spec(
    A("cntr_account_type", 1, choices=("N", "C")),
    AN("cntr_account_num", 16),
    aN("wd_pass_phrase", 128),
    AH("wd_print_content", 20),
    aN("name_check_option", 3, required=False, choices=("on", "off")),
    *_SUB_FRNC,
    TRAN_DTIME,
    N("req_cnt", 5),
)
_DEPOSIT_ITEM = (
    N("tran_no", 5),
    BANK_TRAN_ID,
    AH("print_content", 20),
    TRAN_AMT,
    *_REQ_CLIENT,
    AN("transfer_purpose", 2, choices=("TR", "ST", "AU", "RC")),
    AN("recv_bank_tran_id", 20, required=False),
    AN("cms_num", 32, required=False),
    AN("withdraw_bank_tran_id", 20, required=False),
)
DEPOSIT_ITEM_FIN = Spec(*_DEPOSIT_ITEM, FINTECH_USE_NUM)
DEPOSIT_ITEM_ACNT = Spec(
    *_DEPOSIT_ITEM, BANK_CODE_STD, ACCOUNT_NUM, AH("account_holder_name", 20, required=False)
)
RESULT = Spec(AN("check_type", 1, choices=("1", "2")), TRAN_DTIME, N("req_cnt", 5))
RESULT_ITEM = Spec(
    N("tran_no", 5),
    AN("org_bank_tran_id", 20, exact=True),
    N("org_bank_tran_date", 8, check="date"),
    N("org_tran_amt", 12, check="amount"),
)


def _side(
    call: Call, account: Account, print_content: str, fintech_use_num: str = ""
) -> dict[str, str]:
    bank_name, savings = bank_names(call, account.bank_code)
    return {
        "bank_code_std": account.bank_code,
        "bank_code_sub": bank_code_sub(account),
        "bank_name": bank_name,
        "savings_bank_name": savings,
        "fintech_use_num": fintech_use_num,
        "account_num": account.account_num,
        "account_num_masked": mask(account.account_num),
        "print_content": print_content,
        "account_holder_name": account.holder_name,
    }


async def _move(
    call: Call,
    api: str,
    bank_tran_id: str,
    date: str,
    payer: Account,
    payee: Account,
    amount: int,
    wd_print: str,
    dps_print: str,
    req_client: dict[str, str],
    wd_fintech: str = "",
    dps_fintech: str = "",
    user_seq_no: str = "",
) -> TransferRecord:
    """Move the money through the network and keep the record, whatever the outcome."""
    assert call.client is not None
    outcome = await call.world.transfer(
        TransferOrder(
            payer.key,
            payee.key,
            amount,
            wd_print,
            dps_print,
            ref=bank_tran_id,
            api=api,
            client_use_code=call.client.client_use_code,
        )
    )
    if outcome.ok:
        rsp, bank_code, bank_rsp, bank_msg = "A0000", payer.bank_code, "000", ""
    elif outcome.problem == "centre_closed":
        rsp, bank_code, bank_rsp, bank_msg = "A0020", call.world.config.centre.code, "", ""
    elif outcome.problem == "timeout":
        # the client hears "time-out"; the banks may still finish (see _settle_later)
        rsp = outcome.response.rsp_code if outcome.response else "A0017"
        bank_code, bank_rsp, bank_msg = outcome.bank_code, "", ""
    else:
        assert outcome.response is not None
        rsp, bank_code = outcome.response.rsp_code, outcome.bank_code
        bank_rsp, bank_msg = outcome.response.bank_rsp_code, outcome.response.message
    record = call.world.openbanking.record(
        TransferRecord(
            client_use_code=call.client.client_use_code,
            bank_tran_id=bank_tran_id,
            bank_tran_date=date,
            api=api,
            tran_amt=amount,
            time=call.world.clock.now(),
            rsp_code=rsp,
            bank_code_tran=bank_code,
            bank_rsp_code=bank_rsp,
            bank_rsp_message=bank_msg,
            moved=outcome.ok,
            entry_id=outcome.entry.id if outcome.entry else 0,
            user_seq_no=user_seq_no,
            wd=_side(call, payer, wd_print, wd_fintech),
            dps=_side(call, payee, dps_print, dps_fintech),
            req_client=req_client,
        )
    )
    if outcome.pending is not None:
        _settle_later(call, record, outcome.pending)
    await call.runtime.store.durable()  # a success the client sees is on disk first
    if outcome.problem == "timeout":
        raise Refusal(rsp, **bank_block(bank_tran_id, date, outcome.bank_code, "", ""))
    if not outcome.ok:
        raise refusal_from_bank(call, outcome, bank_tran_id, date)
    return record


def _settle_later(call: Call, record: TransferRecord, work: simpy.Process) -> None:
    """When timed-out work ends at the banks, keep what really happened."""
    world = call.world

    def ended(event: simpy.Event) -> None:
        outcome = cast(TransferOutcome, event.value)
        if outcome.entry is not None:
            world.openbanking.settle(
                record, outcome.entry.id, record.wd["bank_code_std"], "000", ""
            )
            world.events.emit(
                outcome.entry.time,
                "transfer",
                entry=outcome.entry.id,
                amount=record.tran_amt,
                from_bank=record.wd["bank_code_std"],
                to_bank=record.dps["bank_code_std"],
                ref=record.bank_tran_id,
                late=True,
            )
        elif outcome.response is not None:
            world.openbanking.settle(
                record,
                0,
                outcome.bank_code,
                outcome.response.bank_rsp_code,
                outcome.response.message,
            )

    if work.processed:  # already over (the bank finished before the centre gave up)
        ended(work)
    else:
        work.callbacks.append(ended)


async def withdraw(request: web.Request) -> web.Response:
    call = begin(request, WITHDRAW_SCOPES, transfer=True)
    data = WITHDRAW.parse(await call.body(), call.warnings)
    return await answer_withdraw(
        call, data, lambda: registered(call, data["fintech_use_num"], consent="transfer")
    )


async def answer_withdraw(call: Call, data: dict[str, str], locate: Locate) -> web.Response:
    """출금이체 once the request is parsed: `locate` finds the account (fin_num or acnt_num)."""
    req_client = req_client_of(call, data)
    reg, account = locate()
    contract = contract_account(call, "withdraw", data)
    assert call.client is not None
    book = call.world.openbanking
    amount = int(data["tran_amt"])
    date = book.claim(call.client, data["bank_tran_id"], "withdraw", call.now)
    book.check_limits(call.client, "withdraw", reg.user_seq_no, amount, date)
    wd_print = data.get("wd_print_content") or call.client.name
    await _move(
        call, "withdraw", data["bank_tran_id"], date, account, contract, amount,
        wd_print, data["dps_print_content"], req_client,
        wd_fintech=reg.fintech_use_num, user_seq_no=reg.user_seq_no,
    )  # fmt: skip
    bank_name, savings = bank_names(call, account.bank_code)
    dps_name, _ = bank_names(call, contract.bank_code)
    used = book.moved[(reg.client_use_code, reg.user_seq_no, "withdraw", date)]
    return call.answer(
        {
            **call.envelope(),
            "dps_bank_code_std": contract.bank_code,
            "dps_bank_code_sub": bank_code_sub(contract),
            "dps_bank_name": dps_name,
            "dps_account_num_masked": mask(contract.account_num),
            "dps_print_content": data["dps_print_content"],
            "dps_account_holder_name": contract.holder_name,
            **bank_block(data["bank_tran_id"], date, account.bank_code),
            "fintech_use_num": reg.fintech_use_num,
            "account_alias": reg.account_alias,
            "bank_code_std": account.bank_code,
            "bank_code_sub": bank_code_sub(account),
            "bank_name": bank_name,
            "savings_bank_name": savings,
            "account_num_masked": mask(account.account_num),
            "print_content": wd_print,
            "account_holder_name": account.holder_name,
            "tran_amt": data["tran_amt"],
            "wd_limit_remain_amt": str(_user_remaining(call.client, used)),
        }
    )


def _user_remaining(client: FintechClient, used_today: int) -> int:
    limit = client.limit("user_withdraw_day")
    return max(limit - used_today, 0) if limit else 999_999_999_999


def _deposit_target(call: Call, item: dict[str, str], by_account: bool) -> tuple[Account, str, str]:
    """(account, fintech_use_num, account_alias) of a deposit item."""
    if not by_account:
        reg, account = registered(call, item["fintech_use_num"])
        return account, reg.fintech_use_num, reg.account_alias
    try:
        candidates = call.world.resolver.resolve_for_deposit(item["bank_code_std"])
    except BankCodeError as e:
        raise Refusal("A0004", f"bank_code_std: {e.message}") from None
    for institution in candidates:
        found = call.world.ledger.accounts.get((institution.code, item["account_num"]))
        if found is not None:
            return found, "", ""
    missing = bank_says(call, candidates[0].code, "account_not_found", item["bank_tran_id"], "")
    raise Refusal(
        "A0009", "", res_cnt="1", res_list=[{"tran_no": item["tran_no"], **_bank_fields(missing)}]
    )


async def _deposit(request: web.Request, by_account: bool) -> web.Response:
    call = begin(request, CENTRE_SCOPES, transfer=True)
    body = await call.body()
    data = DEPOSIT.parse({k: v for k, v in body.items() if k != "req_list"}, call.warnings)
    item_spec = DEPOSIT_ITEM_ACNT if by_account else DEPOSIT_ITEM_FIN
    items = parse_list(item_spec, body.get("req_list"), "req_list", call.warnings, limit=1)
    if data["req_cnt"] != "1" or len(items) != 1:
        raise Refusal("A0004", "req_cnt: 1 (one deposit per request)")
    item = items[0]
    req_client = req_client_of(call, item)
    assert call.client is not None
    with empty_list_on_refusal():
        payer = contract_account(call, "deposit", data)
        if data["wd_pass_phrase"] != call.client.wd_pass_phrase:
            raise Refusal("A0307")
        payee, fintech_use_num, alias = _deposit_target(call, item, by_account)
        name_check = data.get("name_check_option", "on") == "on"
        if by_account and name_check and item.get("account_holder_name", "") != payee.holder_name:
            raise Refusal("A0312")
        book = call.world.openbanking
        amount = int(item["tran_amt"])
        date = book.claim(call.client, item["bank_tran_id"], "deposit", call.now)
        book.check_limits(call.client, "deposit", "", amount, date)
        try:
            await _move(
                call,
                "deposit",
                item["bank_tran_id"],
                date,
                payer,
                payee,
                amount,
                data["wd_print_content"],
                item["print_content"],
                req_client,
                dps_fintech=fintech_use_num,
            )
        except Refusal as refused:
            # a list API: the bank's answer goes in the item, the top says "see the items"
            raise Refusal(
                "A0009",
                "",
                res_cnt="1",
                res_list=[{"tran_no": item["tran_no"], **_bank_fields(refused)}],
            ) from None
    bank_name, savings = bank_names(call, payee.bank_code)
    wd_name, _ = bank_names(call, payer.bank_code)
    result: dict[str, Any] = {
        "tran_no": item["tran_no"],
        **bank_block(item["bank_tran_id"], date, payee.bank_code),
        "fintech_use_num": fintech_use_num,
        "account_alias": alias,
        "bank_code_std": payee.bank_code,
        "bank_code_sub": bank_code_sub(payee),
        "bank_name": bank_name,
        "savings_bank_name": savings,
        "account_num_masked": mask(payee.account_num),
        "print_content": item["print_content"],
        "account_holder_name": payee.holder_name,
        "tran_amt": item["tran_amt"],
        "cms_num": item.get("cms_num", ""),
    }
    if by_account:
        result["account_num"] = payee.account_num
    return call.answer(
        {
            **call.envelope(),
            "wd_bank_code_std": payer.bank_code,
            "wd_bank_code_sub": bank_code_sub(payer),
            "wd_bank_name": wd_name,
            "wd_account_num_masked": mask(payer.account_num),
            "wd_print_content": data["wd_print_content"],
            "wd_account_holder_name": payer.holder_name,
            "res_cnt": "1",
            "res_list": [result],
        }
    )


def _bank_fields(refused: Refusal) -> dict[str, Any]:
    keys = ("bank_tran_id", "bank_tran_date", "bank_code_tran", "bank_rsp_code", "bank_rsp_message")
    fields = {k: refused.fields.get(k, "") for k in keys}
    if not fields["bank_rsp_message"]:
        fields["bank_rsp_message"] = refused.rsp_message
    return fields


async def deposit_fin_num(request: web.Request) -> web.Response:
    return await _deposit(request, by_account=False)


async def deposit_acnt_num(request: web.Request) -> web.Response:
    return await _deposit(request, by_account=True)


_RESULT_SIDES = (
    "bank_code_std",
    "bank_code_sub",
    "bank_name",
    "savings_bank_name",
    "fintech_use_num",
    "account_num_masked",
    "print_content",
    "account_holder_name",
)


async def result(request: web.Request) -> web.Response:
    call = begin(request, CENTRE_SCOPES)
    body = await call.body()
    data = RESULT.parse({k: v for k, v in body.items() if k != "req_list"}, call.warnings)
    items = parse_list(RESULT_ITEM, body.get("req_list"), "req_list", call.warnings, limit=25)
    if int(data["req_cnt"]) != len(items):
        raise Refusal("A0004", "req_cnt: the number of req_list items")
    assert call.client is not None
    api = "withdraw" if data["check_type"] == "1" else "deposit"
    out, missing = [], 0
    for item in items:
        record = call.world.openbanking.find(
            call.client.client_use_code, item["org_bank_tran_id"], item["org_bank_tran_date"]
        )
        if record is None or record.api != api or str(record.tran_amt) != item["org_tran_amt"]:
            missing += 1
            out.append(_missing(item))
            continue
        row: dict[str, Any] = {
            "tran_no": item["tran_no"],
            **bank_block(
                record.bank_tran_id,
                record.bank_tran_date,
                record.bank_code_tran,
                record.bank_rsp_code,
                record.bank_rsp_message,
            ),
        }
        for side, fields in (("wd", record.wd), ("dps", record.dps)):
            for key in _RESULT_SIDES:
                row[f"{side}_{key}"] = fields.get(key, "")
        row["tran_amt"] = str(record.tran_amt)
        out.append(row)
    if missing == len(items) == 1:
        raise Refusal("A0310", res_cnt="0", res_list=[])
    envelope = call.envelope(
        "A0009" if missing else "A0000", "" if not missing else "처리 실패 건 존재"
    )
    return call.answer({**envelope, "res_cnt": str(len(out)), "res_list": out})


def _missing(item: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "tran_no": item["tran_no"],
        **bank_block(item["org_bank_tran_id"], item["org_bank_tran_date"], "", "", "이체내역 없음"),
    }
    for side in ("wd", "dps"):
        for key in _RESULT_SIDES:
            row[f"{side}_{key}"] = ""
    row["tran_amt"] = item["org_tran_amt"]
    return row


_DEPOSIT_TOP = (
    *ENVELOPE,
    "wd_bank_code_std",
    "wd_bank_code_sub",
    "wd_bank_name",
    "wd_account_num_masked",
    "wd_print_content",
    "wd_account_holder_name",
    "res_cnt",
    "res_list",
)
#: the account a transfer touches, as withdraw's answer and deposit's items show it
_ACCOUNT_SIDE = (
    "fintech_use_num",
    "account_alias",
    "bank_code_std",
    "bank_code_sub",
    "bank_name",
    "savings_bank_name",
    "account_num_masked",
    "print_content",
    "account_holder_name",
    "tran_amt",
)
_DEPOSIT_ITEM_OUT = ("tran_no", *BANK_BLOCK, *_ACCOUNT_SIDE, "cms_num")
OPERATIONS = [
    Operation(
        "POST",
        "/v2.0/transfer/withdraw/fin_num",
        withdraw,
        "출금이체",
        "Withdrawal",
        "이체",
        WITHDRAW_SCOPES,
        WITHDRAW,
        Shape(
            (
                *ENVELOPE,
                "dps_bank_code_std",
                "dps_bank_code_sub",
                "dps_bank_name",
                "dps_account_num_masked",
                "dps_print_content",
                "dps_account_holder_name",
                *BANK_BLOCK,
                *_ACCOUNT_SIDE,
                "wd_limit_remain_amt",
            ),
        ),
    ),
    Operation(
        "POST",
        "/v2.0/transfer/deposit/fin_num",
        deposit_fin_num,
        "입금이체-핀번호",
        "Deposit (fintech_use_num)",
        "이체",
        CENTRE_SCOPES,
        DEPOSIT,
        Shape(_DEPOSIT_TOP, items=_DEPOSIT_ITEM_OUT),
        items=DEPOSIT_ITEM_FIN,
    ),
    Operation(
        "POST",
        "/v2.0/transfer/deposit/acnt_num",
        deposit_acnt_num,
        "입금이체-계좌번호",
        "Deposit (account number)",
        "이체",
        CENTRE_SCOPES,
        DEPOSIT,
        Shape(_DEPOSIT_TOP, items=(*_DEPOSIT_ITEM_OUT, "account_num")),
        items=DEPOSIT_ITEM_ACNT,
    ),
    Operation(
        "POST",
        "/v2.0/transfer/result",
        result,
        "이체결과조회",
        "Transfer result",
        "이체",
        CENTRE_SCOPES,
        RESULT,
        Shape(
            (*ENVELOPE, "res_cnt", "res_list"),
            items=(
                "tran_no",
                *BANK_BLOCK,
                *(f"{s}_{k}" for s in ("wd", "dps") for k in _RESULT_SIDES),
                "tran_amt",
            ),
        ),
        items=RESULT_ITEM,
    ),
]
