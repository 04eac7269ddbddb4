"""/v2.0/transfer/*: 출금이체 (withdraw, by fintech_use_num or, self-auth, by account
number), 입금이체 (deposit, by fintech_use_num or account number) and 이체결과조회
(transfer/result). The rules are the gateway's (`testbed.network.gateway.transfers`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from testbed.api.catalogue import (
    BANK_BLOCK,
    CENTRE_SCOPES,
    ENVELOPE,
    SA,
    TRANSFER_OR_SA,
    Operation,
    Shape,
    pick,
    self_auth_variant,
)
from testbed.api.context import Call, begin
from testbed.api.fields import (
    ACCOUNT_NUM,
    AH,
    AN,
    BANK_CODE_STD,
    BANK_TRAN_ID,
    FINTECH_USE_NUM,
    REQ_CLIENT,
    SUB_FRNC,
    TRAN_AMT,
    TRAN_DTIME,
    USER_SEQ_NO,
    A,
    N,
    Spec,
    aN,
    parse_list,
)
from testbed.api.orders import contract_ref, requesting_customer
from testbed.network.books import TransferRecord
from testbed.network.codes import Refusal
from testbed.network.gateway import AccountRef, ByAccountNum, ByFintechNum
from testbed.network.gateway.orders import DepositItem, DepositOrder, ResultQuery, WithdrawOrder
from testbed.network.gateway.views import bank_block
from testbed.network.names import Api

WITHDRAW = Spec(
    BANK_TRAN_ID,
    A("cntr_account_type", 1, choices=("N", "C")),
    AN("cntr_account_num", 16),
    AH("dps_print_content", 20),
    FINTECH_USE_NUM,
    AH("wd_print_content", 20, required=False),
    TRAN_AMT,
    TRAN_DTIME,
    *REQ_CLIENT,
    AN("transfer_purpose", 2, choices=("TR", "ST", "RC")),
    *SUB_FRNC,
    AH("recv_client_name", 20, required=False),
    AN("recv_client_bank_code", 3, required=False),
    AN("recv_client_account_num", 16, required=False),
)
WITHDRAW_ACNT = WITHDRAW.instead_of(
    "fintech_use_num", AN("wd_bank_code_std", 3), AN("wd_account_num", 16), USER_SEQ_NO
)
DEPOSIT = Spec(
    A("cntr_account_type", 1, choices=("N", "C")),
    AN("cntr_account_num", 16),
    aN("wd_pass_phrase", 128),
    AH("wd_print_content", 20),
    aN("name_check_option", 3, required=False, choices=("on", "off")),
    *SUB_FRNC,
    TRAN_DTIME,
    N("req_cnt", 5),
)
_DEPOSIT_ITEM = (
    N("tran_no", 5),
    BANK_TRAN_ID,
    AH("print_content", 20),
    TRAN_AMT,
    *REQ_CLIENT,
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

#: the contract account's side, as withdraw's answer (dps_) and deposit's (wd_) show it
_CONTRACT_SIDE = (
    "bank_code_std",
    "bank_code_sub",
    "bank_name",
    "account_num_masked",
    "print_content",
    "account_holder_name",
)
#: the user's account, as withdraw's answer and deposit's items show it (after the alias)
_ACCOUNT_SIDE = (
    "bank_code_std",
    "bank_code_sub",
    "bank_name",
    "savings_bank_name",
    "account_num_masked",
    "print_content",
    "account_holder_name",
)
#: each side of a transfer as transfer/result shows it
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


async def withdraw(request: web.Request) -> web.Response:
    call = begin(request, TRANSFER_OR_SA, transfer=True)
    data = call.parse(WITHDRAW, await call.body())
    return await _withdraw(call, data, ByFintechNum(data["fintech_use_num"]))


async def withdraw_acnt(request: web.Request) -> web.Response:
    call = begin(request, SA, transfer=True)
    data = call.parse(WITHDRAW_ACNT, await call.body())
    ref = ByAccountNum(
        data["wd_bank_code_std"], data["wd_account_num"], data["user_seq_no"], "wd_bank_code_std"
    )
    return await _withdraw(call, data, ref)


async def _withdraw(call: Call, data: dict[str, str], ref: AccountRef) -> web.Response:
    order = WithdrawOrder(
        bank_tran_id=data["bank_tran_id"],
        account=ref,
        contract=contract_ref(data),
        amount=int(data["tran_amt"]),
        wd_print=data.get("wd_print_content", ""),
        dps_print=data["dps_print_content"],
        customer=requesting_customer(data, call.warnings),
    )
    done = await call.gateway.transfers.withdraw(call.caller, order)
    record = done.record
    return call.answer(
        {
            **call.envelope(),
            **pick(record.dps, _CONTRACT_SIDE, "dps_"),
            **bank_block(record.bank_tran_id, record.bank_tran_date, record.wd["bank_code_std"]),
            "fintech_use_num": record.wd["fintech_use_num"],
            "account_alias": done.account_alias,
            **pick(record.wd, _ACCOUNT_SIDE),
            "tran_amt": data["tran_amt"],
            "wd_limit_remain_amt": str(done.remaining),
        }
    )


async def deposit_fin_num(request: web.Request) -> web.Response:
    return await _deposit(request, by_account=False)


async def deposit_acnt_num(request: web.Request) -> web.Response:
    return await _deposit(request, by_account=True)


async def _deposit(request: web.Request, by_account: bool) -> web.Response:
    call = begin(request, CENTRE_SCOPES, transfer=True)
    body = await call.body()
    data = call.parse(DEPOSIT, {k: v for k, v in body.items() if k != "req_list"})
    item_spec = DEPOSIT_ITEM_ACNT if by_account else DEPOSIT_ITEM_FIN
    items = parse_list(item_spec, body.get("req_list"), "req_list", call.warnings, limit=1)
    if data["req_cnt"] != "1" or len(items) != 1:
        raise Refusal("A0004", "req_cnt: 1 (one deposit per request)")
    item = items[0]
    order = _deposit_order(data, item, by_account, call.warnings)
    done = await call.gateway.transfers.deposit(call.caller, order)
    record = done.record
    result: dict[str, Any] = {
        "tran_no": item["tran_no"],
        **bank_block(record.bank_tran_id, record.bank_tran_date, record.dps["bank_code_std"]),
        "fintech_use_num": record.dps["fintech_use_num"],
        "account_alias": done.account_alias,
        **pick(record.dps, _ACCOUNT_SIDE),
        "tran_amt": item["tran_amt"],
        "cms_num": item.get("cms_num", ""),
        "withdraw_bank_tran_id": item.get("withdraw_bank_tran_id", ""),
    }
    if by_account:
        result["account_num"] = record.dps["account_num"]
    return call.answer(
        {
            **call.envelope(),
            **pick(record.wd, _CONTRACT_SIDE, "wd_"),
            "res_cnt": "1",
            "res_list": [result],
        }
    )


async def result(request: web.Request) -> web.Response:
    call = begin(request, CENTRE_SCOPES)
    body = await call.body()
    data = call.parse(RESULT, {k: v for k, v in body.items() if k != "req_list"})
    items = parse_list(RESULT_ITEM, body.get("req_list"), "req_list", call.warnings, limit=25)
    if int(data["req_cnt"]) != len(items):
        raise Refusal("A0004", "req_cnt: the number of req_list items")
    api = Api.WITHDRAW if data["check_type"] == "1" else Api.DEPOSIT
    queries = [
        ResultQuery(
            org_bank_tran_id=item["org_bank_tran_id"],
            org_bank_tran_date=item["org_bank_tran_date"],
            org_tran_amt=int(item["org_tran_amt"]),
        )
        for item in items
    ]
    found = call.gateway.transfers.transfer_result(call.caller, api, queries)
    rows = [_result_row(item, record) for item, record in zip(items, found.records, strict=True)]
    envelope = call.envelope(found.rsp_code, found.rsp_message)
    return call.answer({**envelope, "res_cnt": str(len(rows)), "res_list": rows})


def _deposit_order(
    data: dict[str, str], item: dict[str, str], by_account: bool, warnings: list[str]
) -> DepositOrder:
    """The deposit a request asks for: its one item's payee by account number (any
    account) or by fintech_use_num (a registered one)."""
    payee: AccountRef = (
        ByAccountNum(item["bank_code_std"], item["account_num"])
        if by_account
        else ByFintechNum(item["fintech_use_num"])
    )
    return DepositOrder(
        contract=contract_ref(data),
        pass_phrase=data["wd_pass_phrase"],
        wd_print=data["wd_print_content"],
        name_check=data.get("name_check_option", "on") == "on",
        item=DepositItem(
            tran_no=item["tran_no"],
            bank_tran_id=item["bank_tran_id"],
            payee=payee,
            holder_name=item.get("account_holder_name", ""),
            print_content=item["print_content"],
            amount=int(item["tran_amt"]),
            customer=requesting_customer(item, warnings),
        ),
    )


def _result_row(item: dict[str, str], record: TransferRecord | None) -> dict[str, Any]:
    """One transfer/result item: the transfer as recorded, or 이체내역 없음."""
    if record is None:
        block = bank_block(
            item["org_bank_tran_id"], item["org_bank_tran_date"], "", "", "이체내역 없음"
        )
        sides = {f"{side}_{key}": "" for side in ("wd", "dps") for key in _RESULT_SIDES}
        return {"tran_no": item["tran_no"], **block, **sides, "tran_amt": item["org_tran_amt"]}
    return {
        "tran_no": item["tran_no"],
        **bank_block(
            record.bank_tran_id,
            record.bank_tran_date,
            record.bank_code_tran,
            record.bank_rsp_code,
            record.bank_rsp_message,
        ),
        **{f"wd_{key}": record.wd.get(key, "") for key in _RESULT_SIDES},
        **{f"dps_{key}": record.dps.get(key, "") for key in _RESULT_SIDES},
        "tran_amt": str(record.tran_amt),
    }


_DEPOSIT_TOP = (*ENVELOPE, *(f"wd_{k}" for k in _CONTRACT_SIDE), "res_cnt", "res_list")
#: the user's account side of withdraw's answer and deposit's items
_ACCOUNT_FIELDS = ("fintech_use_num", "account_alias", *_ACCOUNT_SIDE, "tran_amt")
#: a deposit's item ends with the echoes of cms_num and withdraw_bank_tran_id ("" when not sent)
_DEPOSIT_ITEM_OUT = ("tran_no", *BANK_BLOCK, *_ACCOUNT_FIELDS, "cms_num", "withdraw_bank_tran_id")
_WITHDRAW = Operation(
    method="POST",
    path="/v2.0/transfer/withdraw/fin_num",
    handler=withdraw,
    writes=True,
    name_ko="출금이체",
    name_en="Withdrawal",
    group="이체",
    scopes=TRANSFER_OR_SA,
    request=WITHDRAW,
    response=Shape(
        (
            *ENVELOPE,
            *(f"dps_{k}" for k in _CONTRACT_SIDE),
            *BANK_BLOCK,
            *_ACCOUNT_FIELDS,
            "wd_limit_remain_amt",
        ),
    ),
)
OPERATIONS = [
    _WITHDRAW,
    Operation(
        method="POST",
        path="/v2.0/transfer/deposit/fin_num",
        handler=deposit_fin_num,
        writes=True,
        name_ko="입금이체-핀번호",
        name_en="Deposit (fintech_use_num)",
        group="이체",
        scopes=CENTRE_SCOPES,
        request=DEPOSIT,
        response=Shape(_DEPOSIT_TOP, items=_DEPOSIT_ITEM_OUT),
        items=DEPOSIT_ITEM_FIN,
    ),
    Operation(
        method="POST",
        path="/v2.0/transfer/deposit/acnt_num",
        handler=deposit_acnt_num,
        writes=True,
        name_ko="입금이체-계좌번호",
        name_en="Deposit (account number)",
        group="이체",
        scopes=CENTRE_SCOPES,
        request=DEPOSIT,
        response=Shape(_DEPOSIT_TOP, items=(*_DEPOSIT_ITEM_OUT, "account_num")),
        items=DEPOSIT_ITEM_ACNT,
    ),
    Operation(
        method="POST",
        path="/v2.0/transfer/result",
        handler=result,
        name_ko="이체결과조회",
        name_en="Transfer result",
        group="이체",
        scopes=CENTRE_SCOPES,
        request=RESULT,
        response=Shape(
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
#: the self-auth (sa) variant, listed after the fin_num operations
SELF_AUTH = [self_auth_variant(_WITHDRAW, withdraw_acnt, WITHDRAW_ACNT)]
