"""사용자/계좌관리 and 조회(사용자): user/me, account/list, balance, transaction_list."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import Any, NamedTuple

from aiohttp import web

from testbed.api.catalogue import BANK_BLOCK, ENVELOPE, Operation, Shape
from testbed.api.common import (
    account_object,
    bank_block,
    bank_names,
    empty_list_on_refusal,
    inquire,
    registered,
)
from testbed.api.context import Call, begin
from testbed.api.fields import (
    AN,
    BANK_TRAN_ID,
    FINTECH_USE_NUM,
    TRAN_DTIME,
    USER_SEQ_NO,
    A,
    N,
    Spec,
)
from testbed.clock import date_and_time, from_compact, yyyymmdd
from testbed.network.codes import Refusal
from testbed.network.ledger import Account, HistoryLine
from testbed.network.parties import Registration

LOGIN = ("login", "sa")
INQUIRY = ("inquiry", "sa")
PAGE_SIZE = 25  # ⚠ one mock's claim; KFTC does not publish it

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


def _own_user(call: Call, user_seq_no: str) -> None:
    """A user token serves only its own user; an `sa` token any user of its institution."""
    assert call.grant is not None and call.client is not None
    if call.grant.is_user_token and call.grant.user_seq_no != user_seq_no:
        raise Refusal("A0313")
    user = call.world.directory.users.get(user_seq_no)
    if user is None or not _registrations(call, user_seq_no, include_cancelled=True):
        raise Refusal("A0313")


def _registrations(call: Call, user_seq_no: str, include_cancelled: bool) -> list[Any]:
    assert call.client is not None
    code = call.client.client_use_code
    return [
        r
        for r in call.world.directory.registrations.values()
        if r.client_use_code == code
        and r.user_seq_no == user_seq_no
        and (include_cancelled or not r.cancelled)
    ]


async def user_me(request: web.Request) -> web.Response:
    call = begin(request, LOGIN)
    q = USER_ME.parse(call.query(), call.warnings)
    with empty_list_on_refusal():
        _own_user(call, q["user_seq_no"])
    user = call.world.directory.users[q["user_seq_no"]]
    items = [
        account_object(call, r, for_list=False)
        for r in _registrations(call, user.user_seq_no, False)
    ]
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
    call = begin(request, LOGIN)
    q = ACCOUNT_LIST.parse(call.query(), call.warnings)
    with empty_list_on_refusal():
        _own_user(call, q["user_seq_no"])
    user = call.world.directory.users[q["user_seq_no"]]
    regs = _registrations(call, user.user_seq_no, q.get("include_cancel_yn") == "Y")
    regs.sort(key=lambda r: r.registered_at, reverse=q.get("sort_order", "D") == "D")
    items = [account_object(call, r, for_list=True) for r in regs]
    return call.answer(
        {
            **call.envelope(),
            "user_name": user.name,
            "res_cnt": str(len(items)),
            "res_list": items,
        }
    )


Locate = Callable[[], tuple[Registration, Account]]


async def balance(request: web.Request) -> web.Response:
    call = begin(request, INQUIRY)
    q = BALANCE.parse(call.query(), call.warnings)
    return await answer_balance(
        call, q["bank_tran_id"], lambda: registered(call, q["fintech_use_num"], consent="inquiry")
    )


async def answer_balance(call: Call, bank_tran_id: str, locate: Locate) -> web.Response:
    """잔액조회 once the request is parsed: `locate` finds the account (fin_num or acnt_num)."""
    reg, account = locate()
    date = await inquire(call, bank_tran_id, "balance", account)
    bank_name, savings = bank_names(call, account.bank_code)
    last = yyyymmdd(account.history[-1].time) if account.history else ""
    return call.answer(
        {
            **call.envelope(),
            **bank_block(bank_tran_id, date, account.bank_code),
            "bank_name": bank_name,
            "savings_bank_name": savings,
            "fintech_use_num": reg.fintech_use_num,
            "balance_amt": str(account.balance),
            "available_amt": str(max(account.balance, 0)),
            "account_type": account.account_type.value,
            "product_name": account.product_name,
            "account_issue_date": account.issue_date,
            "maturity_date": account.maturity_date,
            "last_tran_date": last,
        }
    )


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


async def transaction_list(request: web.Request) -> web.Response:
    call = begin(request, INQUIRY)
    q = TRANSACTIONS.parse(call.query(), call.warnings)
    return await answer_transactions(
        call, q, lambda: registered(call, q["fintech_use_num"], consent="inquiry")
    )


class Window(NamedTuple):
    start: float
    end: float  # exclusive
    cursor: str


def history_window(q: dict[str, str]) -> Window:
    by_time = q["inquiry_base"] == "T"
    start = from_compact(q["from_date"], q.get("from_time", "000000") if by_time else "000000")
    end = from_compact(q["to_date"], q.get("to_time", "235959") if by_time else "235959") + 1
    if end <= start:
        raise Refusal("A0004", "from_date/from_time must not be after to_date/to_time")
    cursor = q.get("befor_inquiry_trace_info", "")
    if cursor and not cursor.isdigit():
        raise Refusal("A0004", "befor_inquiry_trace_info: the value a previous page returned")
    return Window(start, end, cursor)


def history_page(
    history: list[HistoryLine], window: Window, inquiry_type: str, descending: bool
) -> tuple[list[HistoryLine], int | None]:
    """One page of an account's history, and the cursor of the next page (None: the last).

    The cursor is the position in the account's history where the next page starts;
    finding the window is a binary search, so a page costs O(log n + page).
    """
    lo = bisect_left(history, window.start, key=lambda h: h.time)
    hi = bisect_left(history, window.end, key=lambda h: h.time)
    cursor = window.cursor
    if descending:
        position = min(int(cursor), hi) if cursor else hi
        indexes = range(position - 1, lo - 1, -1)
    else:
        position = max(int(cursor), lo) if cursor else lo
        indexes = range(position, hi)
    lines: list[HistoryLine] = []
    for i in indexes:
        line = history[i]
        if (inquiry_type == "I" and line.amount < 0) or (inquiry_type == "O" and line.amount > 0):
            continue
        if len(lines) == PAGE_SIZE:
            return lines, i + 1 if descending else i
        lines.append(line)
    return lines, None


async def answer_transactions(call: Call, q: dict[str, str], locate: Locate) -> web.Response:
    """거래내역조회 once the request is parsed: `locate` finds the account."""
    window = history_window(q)
    with empty_list_on_refusal("page_record_cnt"):
        reg, account = locate()
        date = await inquire(call, q["bank_tran_id"], "transactions", account)
    lines, next_position = history_page(
        account.history, window, q["inquiry_type"], q["sort_order"] == "D"
    )
    rows = [_row(line, account.branch_name) for line in lines]
    bank_name, savings = bank_names(call, account.bank_code)
    return call.answer(
        {
            **call.envelope(),
            **bank_block(q["bank_tran_id"], date, account.bank_code),
            "bank_name": bank_name,
            "savings_bank_name": savings,
            "fintech_use_num": reg.fintech_use_num,
            "balance_amt": str(account.balance),
            "page_record_cnt": str(len(rows)),
            "next_page_yn": "Y" if next_position is not None else "N",
            "befor_inquiry_trace_info": "" if next_position is None else str(next_position),
            "res_list": rows,
        }
    )


ACCOUNT_ITEM = (
    "fintech_use_num",
    "account_alias",
    "bank_code_std",
    "bank_code_sub",
    "bank_name",
    "savings_bank_name",
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
GROUP = "사용자/계좌관리"
OPERATIONS = [
    Operation(
        "GET",
        "/v2.0/user/me",
        user_me,
        "사용자정보조회",
        "User information",
        GROUP,
        LOGIN,
        USER_ME,
        Shape(
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
        "GET",
        "/v2.0/account/list",
        account_list,
        "등록계좌조회",
        "Registered accounts",
        GROUP,
        LOGIN,
        ACCOUNT_LIST,
        Shape(
            (*ENVELOPE, "user_name", "res_cnt", "res_list"), items=(*ACCOUNT_ITEM, "account_state")
        ),
        body="query",
    ),
    Operation(
        "GET",
        "/v2.0/account/balance/fin_num",
        balance,
        "잔액조회",
        "Balance",
        "조회",
        INQUIRY,
        BALANCE,
        Shape(
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
    ),
    Operation(
        "GET",
        "/v2.0/account/transaction_list/fin_num",
        transaction_list,
        "거래내역조회",
        "Transactions",
        "조회",
        INQUIRY,
        TRANSACTIONS,
        Shape(
            (
                *ENVELOPE,
                *BANK_BLOCK,
                "bank_name",
                "savings_bank_name",
                "fintech_use_num",
                "balance_amt",
                "page_record_cnt",
                "next_page_yn",
                "befor_inquiry_trace_info",
                "res_list",
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
    ),
]
