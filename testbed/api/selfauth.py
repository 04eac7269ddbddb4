"""The acnt_num variants for self-auth institutions (scope `sa`): balance, transaction_list
and withdraw address the account by bank code, account number and user_seq_no instead of
a fintech_use_num, and answer exactly the fields of their fin_num variants.

The account must be registered with the caller (A0323 otherwise) for that user (A0313).
All three take a JSON body, as KFTC's sample sends them.
"""

from __future__ import annotations

import dataclasses

from aiohttp import web

from testbed.api import accounts, transfers
from testbed.api.accounts import TRANSACTIONS, answer_balance, answer_transactions
from testbed.api.catalogue import find
from testbed.api.common import registered_account
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
from testbed.api.transfers import WITHDRAW, answer_withdraw

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
    return await answer_balance(
        call,
        data["bank_tran_id"],
        lambda: registered_account(
            call, data["bank_code_std"], data["account_num"], data["user_seq_no"], consent="inquiry"
        ),
    )


async def transaction_list(request: web.Request) -> web.Response:
    call = begin(request, SA)
    data = TRANSACTIONS_ACNT.parse(await call.body(), call.warnings)
    return await answer_transactions(
        call,
        data,
        lambda: registered_account(
            call, data["bank_code_std"], data["account_num"], data["user_seq_no"], consent="inquiry"
        ),
    )


async def withdraw(request: web.Request) -> web.Response:
    call = begin(request, SA, transfer=True)
    data = WITHDRAW_ACNT.parse(await call.body(), call.warnings)
    return await answer_withdraw(
        call,
        data,
        lambda: registered_account(
            call,
            data["wd_bank_code_std"],
            data["wd_account_num"],
            data["user_seq_no"],
            consent="transfer",
            field="wd_bank_code_std",
        ),
    )


OPERATIONS = [
    dataclasses.replace(
        op,
        path=op.path.replace("/fin_num", "/acnt_num"),
        method="POST",
        handler=handler,
        name_ko=op.name_ko + "(자체인증)",
        name_en=op.name_en + " (self-auth, by account number)",
        scopes=SA,
        request=spec,
        body="json",
    )
    for op, handler, spec in (
        (find(accounts.OPERATIONS, "/v2.0/account/balance/fin_num"), balance, BALANCE),
        (
            find(accounts.OPERATIONS, "/v2.0/account/transaction_list/fin_num"),
            transaction_list,
            TRANSACTIONS_ACNT,
        ),
        (find(transfers.OPERATIONS, "/v2.0/transfer/withdraw/fin_num"), withdraw, WITHDRAW_ACNT),
    )
]
