"""/v2.0/user/me, /v2.0/account/list, /v2.0/account/balance/*, /v2.0/account/transaction_list/*:
what a user's consent lets an institution read (사용자정보조회, 등록계좌조회, 잔액조회,
거래내역조회), by fintech_use_num or (self-auth) by account number."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from testbed.api.catalogue import (
    BANK_BLOCK,
    ENVELOPE,
    INQUIRY_OR_SA,
    LOGIN_OR_SA,
    PAGING,
    SA,
    Operation,
    Shape,
    pick,
    self_auth_variant,
)
from testbed.api.context import Call, begin
from testbed.api.fields import (
    ACCOUNT_NUM,
    AN,
    BANK_CODE_STD,
    BANK_TRAN_ID,
    FINTECH_USE_NUM,
    TRAN_DTIME,
    USER_SEQ_NO,
    A,
    N,
    Spec,
)
from testbed.clock import date_and_time, yyyymmdd
from testbed.network.gateway import AccountRef, ByAccountNum, ByFintechNum
from testbed.network.gateway.inquiries import HistoryPage
from testbed.network.gateway.orders import HistoryQuery, Period
from testbed.network.gateway.views import bank_block, bank_names, date_or_none, payer_num, yn
from testbed.network.ledger import Account, HistoryLine
from testbed.network.parties import Registration

USER_ME = Spec(USER_SEQ_NO)
ACCOUNT_LIST = Spec(
    USER_SEQ_NO,
    A("include_cancel_yn", 1, required=False, choices=("Y", "N")),
    A("sort_order", 1, required=False, choices=("D", "A")),
)
BALANCE = Spec(BANK_TRAN_ID, FINTECH_USE_NUM, TRAN_DTIME)
TRANSACTIONS = Spec(
    BANK_TRAN_ID,
    FINTECH_USE_NUM,
    A("inquiry_type", 1, choices=("A", "I", "O")),
    A("inquiry_base", 1, choices=("D", "T")),
    N("from_date", 8, check="date"),
    N("from_time", 6, required=False, check="time"),
    N("to_date", 8, check="date"),
    N("to_time", 6, required=False, check="time"),
    A("sort_order", 1, choices=("D", "A")),
    TRAN_DTIME,
    AN("befor_inquiry_trace_info", 20, required=False),
)
BY_ACCOUNT = (BANK_CODE_STD, ACCOUNT_NUM, USER_SEQ_NO)
BALANCE_ACNT = Spec(BANK_TRAN_ID, TRAN_DTIME, *BY_ACCOUNT)
TRANSACTIONS_ACNT = TRANSACTIONS.instead_of("fintech_use_num", *BY_ACCOUNT)

#: an account as user/me and account/list show it (then payer_num, or account_state);
#: `account_num` only for a 계좌번호 공개 이용기관 (FintechClient.show_account_num)
ACCOUNT_ITEM = (
    "fintech_use_num",
    "account_alias",
    "bank_code_std",
    "bank_code_sub",
    "bank_name",
    "savings_bank_name",
    "account_num",
    "account_num_masked",
    "account_seq",
    "account_holder_name",
    "account_holder_type",
    "account_type",
    "inquiry_agree_yn",
    "inquiry_agree_dtime",
    "transfer_agree_yn",
    "transfer_agree_dtime",
)
_VIEW = ("bank_code_sub", "bank_name", "savings_bank_name", "account_num_masked")
#: the same for a 계좌번호 공개 이용기관: the plain number before the masked one
_VIEW_PLAIN = (
    "bank_code_sub",
    "bank_name",
    "savings_bank_name",
    "account_num",
    "account_num_masked",
)


def _account_item(call: Call, reg: Registration, *, for_list: bool) -> dict[str, Any]:
    """An account as user/me (for_list False) or account/list (for_list True) shows it."""
    account = call.world.ledger.accounts[(reg.bank_code, reg.account_num)]
    view = _VIEW_PLAIN if call.caller.client.show_account_num else _VIEW
    item: dict[str, Any] = {
        "fintech_use_num": reg.fintech_use_num,
        "account_alias": reg.account_alias,
        "bank_code_std": reg.bank_code,
        **pick(call.gateway.view(account), view),
        "account_seq": "",
        "account_holder_name": account.holder_name,
        "account_holder_type": account.holder_type,
        "account_type": account.account_type.value,
        "inquiry_agree_yn": yn(bool(reg.inquiry_agree_dtime)),
        "inquiry_agree_dtime": reg.inquiry_agree_dtime,
        "transfer_agree_yn": yn(bool(reg.transfer_agree_dtime)),
        "transfer_agree_dtime": reg.transfer_agree_dtime,
    }
    if for_list:
        item["account_state"] = "09" if reg.cancelled else "01"
    else:
        item["payer_num"] = payer_num(reg)
    return item


async def user_me(request: web.Request) -> web.Response:
    call = begin(request, LOGIN_OR_SA)
    q = call.parse(USER_ME, call.query())
    user, regs = call.gateway.inquiries.user_me(call.caller, q["user_seq_no"])
    items = [_account_item(call, r, for_list=False) for r in regs]
    return call.answer(
        {
            **call.envelope(),
            "user_seq_no": user.user_seq_no,
            "user_ci": user.user_ci,
            "user_name": user.name,
            "user_info": user.birth_date,
            "user_gender": user.gender,
            "user_cell_no": user.cell_no,
            "user_email": user.email,
            "res_cnt": str(len(items)),
            "res_list": items,
        }
    )


async def account_list(request: web.Request) -> web.Response:
    call = begin(request, LOGIN_OR_SA)
    q = call.parse(ACCOUNT_LIST, call.query())
    user, regs = call.gateway.inquiries.account_list(
        call.caller,
        q["user_seq_no"],
        include_cancelled=q.get("include_cancel_yn") == "Y",
        descending=q.get("sort_order", "D") == "D",
    )
    items = [_account_item(call, r, for_list=True) for r in regs]
    return call.answer(
        {**call.envelope(), "user_name": user.name, "res_cnt": str(len(items)), "res_list": items}
    )


async def balance(request: web.Request) -> web.Response:
    call = begin(request, INQUIRY_OR_SA)
    q = call.parse(BALANCE, call.query())
    return await _balance(call, q["bank_tran_id"], ByFintechNum(q["fintech_use_num"]))


async def balance_acnt(request: web.Request) -> web.Response:
    call = begin(request, SA)
    data = call.parse(BALANCE_ACNT, await call.body())
    return await _balance(call, data["bank_tran_id"], _by_account(data))


async def _balance(call: Call, bank_tran_id: str, ref: AccountRef) -> web.Response:
    done = await call.gateway.inquiries.balance(call.caller, bank_tran_id, ref)
    account = done.account
    last = yyyymmdd(account.history[-1].time) if account.history else ""
    return call.answer(
        {
            **_head(call, bank_tran_id, done.date, account, done.reg),
            "available_amt": str(max(account.balance, 0)),
            "account_type": account.account_type.value,
            "product_name": account.product_name,
            "account_issue_date": account.issue_date,
            "maturity_date": date_or_none(account.maturity_date),
            "last_tran_date": date_or_none(last),
        }
    )


async def transaction_list(request: web.Request) -> web.Response:
    call = begin(request, INQUIRY_OR_SA)
    q = call.parse(TRANSACTIONS, call.query())
    page = await call.gateway.inquiries.transactions(
        call.caller, _history_query(q), ByFintechNum(q["fintech_use_num"])
    )
    return _transactions(call, q["bank_tran_id"], page)


async def transaction_list_acnt(request: web.Request) -> web.Response:
    call = begin(request, SA)
    data = call.parse(TRANSACTIONS_ACNT, await call.body())
    page = await call.gateway.inquiries.transactions(
        call.caller, _history_query(data), _by_account(data)
    )
    return _transactions(call, data["bank_tran_id"], page)


def _transactions(call: Call, bank_tran_id: str, page: HistoryPage) -> web.Response:
    account = page.account
    assert page.reg is not None
    rows = [_row(line, account.branch_name) for line in page.lines]
    return call.answer(
        {
            **_head(call, bank_tran_id, page.date, account, page.reg),
            "page_record_cnt": str(len(rows)),
            "next_page_yn": yn(page.next_position is not None),
            "befor_inquiry_trace_info": page.cursor,
            "res_list": rows,
        }
    )


def _head(
    call: Call, bank_tran_id: str, date: str, account: Account, reg: Registration
) -> dict[str, Any]:
    """What balance and transaction_list answer first: the envelope, the bank block, the
    bank's names, the fintech_use_num and the balance."""
    bank_name, savings = bank_names(call.world.config, account.bank_code)
    return {
        **call.envelope(),
        **bank_block(bank_tran_id, date, account.bank_code),
        "bank_name": bank_name,
        "savings_bank_name": savings,
        "fintech_use_num": reg.fintech_use_num,
        "balance_amt": str(account.balance),
    }


def _row(line: HistoryLine, branch: str) -> dict[str, str]:
    tran_date, tran_time = date_and_time(line.time)
    return {
        "tran_date": tran_date,
        "tran_time": tran_time,
        "inout_type": "입금" if line.amount > 0 else "출금",
        "tran_type": line.tran_type or "대체",
        "print_content": line.print_content,
        "tran_amt": str(abs(line.amount)),
        "after_balance_amt": str(line.balance_after),
        "branch_name": branch,
    }


def _history_query(q: dict[str, str]) -> HistoryQuery:
    # `period(q, ...)` written out, and `in` for `.get`: four calls fewer on the hot path of
    # every transaction list (the bench budget's row)
    return HistoryQuery(
        bank_tran_id=q["bank_tran_id"],
        period=Period(
            from_date=q["from_date"],
            to_date=q["to_date"],
            by_time=q["inquiry_base"] == "T",
            from_time=q["from_time"] if "from_time" in q else "",  # noqa: SIM401
            to_time=q["to_time"] if "to_time" in q else "",  # noqa: SIM401
        ),
        inquiry_type=q["inquiry_type"],
        descending=q["sort_order"] == "D",
        cursor=q["befor_inquiry_trace_info"] if "befor_inquiry_trace_info" in q else "",  # noqa: SIM401
    )


def period(q: dict[str, str], by_time: bool) -> Period:
    """from_date/from_time and to_date/to_time of a history inquiry (times "" when not sent)."""
    return Period(
        from_date=q["from_date"],
        to_date=q["to_date"],
        by_time=by_time,
        from_time=q.get("from_time", ""),
        to_time=q.get("to_time", ""),
    )


def _by_account(data: dict[str, str]) -> ByAccountNum:
    return ByAccountNum(data["bank_code_std"], data["account_num"], data["user_seq_no"])


GROUP = "사용자/계좌관리"
_BALANCE = Operation(
    method="GET",
    path="/v2.0/account/balance/fin_num",
    handler=balance,
    name_ko="잔액조회",
    name_en="Balance",
    group="조회",
    scopes=INQUIRY_OR_SA,
    request=BALANCE,
    response=Shape(
        (
            *ENVELOPE,
            *BANK_BLOCK,
            "bank_name",
            "savings_bank_name",
            "fintech_use_num",
            "balance_amt",
            "available_amt",
            "account_type",
            "product_name",
            "account_issue_date",
            "maturity_date",
            "last_tran_date",
        ),
    ),
    body="query",
)
_TRANSACTIONS = Operation(
    method="GET",
    path="/v2.0/account/transaction_list/fin_num",
    handler=transaction_list,
    name_ko="거래내역조회",
    name_en="Transactions",
    group="조회",
    scopes=INQUIRY_OR_SA,
    request=TRANSACTIONS,
    response=Shape(
        (
            *ENVELOPE,
            *BANK_BLOCK,
            "bank_name",
            "savings_bank_name",
            "fintech_use_num",
            "balance_amt",
            *PAGING,
        ),
        items=(
            "tran_date",
            "tran_time",
            "inout_type",
            "tran_type",
            "print_content",
            "tran_amt",
            "after_balance_amt",
            "branch_name",
        ),
    ),
    body="query",
)
OPERATIONS = [
    Operation(
        method="GET",
        path="/v2.0/user/me",
        handler=user_me,
        name_ko="사용자정보조회",
        name_en="User information",
        group=GROUP,
        scopes=LOGIN_OR_SA,
        request=USER_ME,
        response=Shape(
            (
                *ENVELOPE,
                "user_seq_no",
                "user_ci",
                "user_name",
                "user_info",
                "user_gender",
                "user_cell_no",
                "user_email",
                "res_cnt",
                "res_list",
            ),
            items=(*ACCOUNT_ITEM, "payer_num"),
        ),
        body="query",
    ),
    Operation(
        method="GET",
        path="/v2.0/account/list",
        handler=account_list,
        name_ko="등록계좌조회",
        name_en="Registered accounts",
        group=GROUP,
        scopes=LOGIN_OR_SA,
        request=ACCOUNT_LIST,
        response=Shape(
            (*ENVELOPE, "user_name", "res_cnt", "res_list"), items=(*ACCOUNT_ITEM, "account_state")
        ),
        body="query",
    ),
    _BALANCE,
    _TRANSACTIONS,
]
#: the self-auth (sa) variants, listed after the fin_num operations
SELF_AUTH = [
    self_auth_variant(_BALANCE, balance_acnt, BALANCE_ACNT),
    self_auth_variant(_TRANSACTIONS, transaction_list_acnt, TRANSACTIONS_ACNT),
]
