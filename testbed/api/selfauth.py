"""The acnt_num variants for self-auth institutions (scope `sa`): balance, transaction_list
and withdraw address the account by bank code, account number and user_seq_no instead of
a fintech_use_num, and answer exactly the fields of their fin_num variants.

The account must be registered with the caller (A0323 otherwise) for that user (A0313).
All three take a JSON body, as KFTC's sample sends them.
"""

from __future__ import annotations

from aiohttp import web

from testbed.api.accounts import PAGE_SIZE, TRANSACTIONS, _row
from testbed.api.common import (
    balance_fields,
    bank_block,
    empty_list_on_refusal,
    history_page,
    history_window,
    inquire,
    registered_account,
    transactions_fields,
    withdraw_fields,
)
from testbed.api.context import begin
from testbed.api.fields import (
    ACCOUNT_NUM,
    AN,
    BANK_CODE_STD,
    BANK_TRAN_ID,
    TRAN_DTIME,
    USER_SEQ_NO,
    Field,
    Spec,
)
from testbed.api.transfers import WITHDRAW, _contract, _move, _req_client, _user_remaining

SA = ("sa",)
BY_ACCOUNT = (BANK_CODE_STD, ACCOUNT_NUM, USER_SEQ_NO)


def _instead_of_fintech_use_num(spec: Spec, *fields: Field) -> Spec:
    """The fin_num variant's fields, with `fields` where fintech_use_num was."""
    out: list[Field] = []
    for field in spec.fields:
        out.extend(fields if field.name == "fintech_use_num" else (field,))
    return Spec(*out)


BALANCE = Spec(BANK_TRAN_ID, TRAN_DTIME, *BY_ACCOUNT)
TRANSACTIONS_ACNT = _instead_of_fintech_use_num(TRANSACTIONS, *BY_ACCOUNT)
WITHDRAW_ACNT = _instead_of_fintech_use_num(
    WITHDRAW, AN("wd_bank_code_std", 3), AN("wd_account_num", 16), USER_SEQ_NO
)


async def balance(request: web.Request) -> web.Response:
    call = begin(request, SA)
    data = BALANCE.parse(await call.body(), call.warnings)
    reg, account = registered_account(
        call, data["bank_code_std"], data["account_num"], data["user_seq_no"], consent="inquiry"
    )
    date = await inquire(call, data["bank_tran_id"], "balance", account)
    return call.answer(
        {
            **call.envelope(),
            **bank_block(data["bank_tran_id"], date, account.bank_code),
            **balance_fields(call, reg, account),
        }
    )


async def transaction_list(request: web.Request) -> web.Response:
    call = begin(request, SA)
    data = TRANSACTIONS_ACNT.parse(await call.body(), call.warnings)
    window = history_window(data)
    with empty_list_on_refusal("page_record_cnt"):
        reg, account = registered_account(
            call,
            data["bank_code_std"],
            data["account_num"],
            data["user_seq_no"],
            consent="inquiry",
        )
        date = await inquire(call, data["bank_tran_id"], "transactions", account)
    lines, next_position = history_page(
        account.history, window, data["inquiry_type"], data["sort_order"] == "D", PAGE_SIZE
    )
    rows = [_row(line, account.branch_name) for line in lines]
    return call.answer(
        {
            **call.envelope(),
            **bank_block(data["bank_tran_id"], date, account.bank_code),
            **transactions_fields(call, reg, account, rows, next_position),
        }
    )


async def withdraw(request: web.Request) -> web.Response:
    call = begin(request, SA, transfer=True)
    data = WITHDRAW_ACNT.parse(await call.body(), call.warnings)
    req_client = _req_client(data, call)
    reg, account = registered_account(
        call,
        data["wd_bank_code_std"],
        data["wd_account_num"],
        data["user_seq_no"],
        consent="transfer",
        field="wd_bank_code_std",
    )
    contract = _contract(call, "withdraw", data)
    assert call.client is not None
    book = call.world.openbanking
    amount = int(data["tran_amt"])
    date = book.claim(call.client, data["bank_tran_id"], "withdraw", call.now)
    book.check_limits(call.client, "withdraw", reg.user_seq_no, amount, date)
    wd_print = data.get("wd_print_content") or call.client.name
    await _move(
        call,
        "withdraw",
        data["bank_tran_id"],
        date,
        account,
        contract,
        amount,
        wd_print,
        data["dps_print_content"],
        req_client,
        wd_fintech=reg.fintech_use_num,
        user_seq_no=reg.user_seq_no,
    )
    remain = _user_remaining(
        call.client, reg, book.moved[(reg.client_use_code, reg.user_seq_no, "withdraw", date)]
    )
    return call.answer(
        {
            **call.envelope(),
            **withdraw_fields(call, data, date, reg, account, contract, wd_print, remain),
        }
    )
