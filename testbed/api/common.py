"""What several business APIs share: registered accounts, bank answers, KFTC shapes."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from testbed.api.context import Call
from testbed.clock import from_kst, yyyymmdd
from testbed.config import BankCodeError
from testbed.network.centre import TransferOutcome
from testbed.network.codes import Refusal
from testbed.network.fixtures import active_registration
from testbed.network.ledger import Account, AccountStatus, HistoryLine
from testbed.network.parties import Registration


def mask(account_num: str) -> str:
    """`account_num_masked`: the last three digits hidden, as the API shows it (000-1230000-***)."""
    if len(account_num) <= 6:
        return account_num[:-3] + "***"
    return f"{account_num[:3]}-{account_num[3:-3]}-***"


def bank_block(
    bank_tran_id: str,
    bank_tran_date: str,
    bank_code_tran: str,
    bank_rsp_code: str = "000",
    bank_rsp_message: str = "",
) -> dict[str, str]:
    return {
        "bank_tran_id": bank_tran_id,
        "bank_tran_date": bank_tran_date,
        "bank_code_tran": bank_code_tran,
        "bank_rsp_code": bank_rsp_code,
        "bank_rsp_message": bank_rsp_message,
    }


def bank_names(call: Call, code: str) -> tuple[str, str]:
    """(bank_name, savings_bank_name) of a canonical code."""
    institution = call.world.config.institution(code)
    savings = institution.name_ko if institution.kind == "savings" else ""
    return institution.name_ko, savings


def bank_code_sub(account: Account) -> str:
    """7-digit 점별코드: the bank code and a branch number (the testbed keeps one per account)."""
    branch = sum(ord(c) for c in account.branch_name) % 9000 + 1000
    return f"{account.bank_code}{branch:04d}"


def registered(call: Call, fintech_use_num: str, consent: str = "") -> tuple[Registration, Account]:
    """The account a fintech_use_num names for this caller, with the consent it needs.

    A number that is not this institution's (unknown, cancelled, or another
    institution's) is A0304 either way: the answer never says which.
    """
    assert call.client is not None and call.grant is not None
    reg = call.world.directory.registrations.get(fintech_use_num)
    if reg is None or reg.cancelled or reg.client_use_code != call.client.client_use_code:
        raise Refusal("A0304")
    if call.grant.is_user_token and reg.user_seq_no != call.grant.user_seq_no:
        raise Refusal("A0313")
    if consent == "inquiry" and not reg.inquiry_agree_dtime:
        raise Refusal("A0305")
    if consent == "transfer" and not reg.transfer_agree_dtime:
        raise Refusal("A0306")
    return reg, call.world.ledger.accounts[(reg.bank_code, reg.account_num)]


def refusal_from_bank(
    call: Call, outcome: TransferOutcome, bank_tran_id: str, date: str, **fields: Any
) -> Refusal:
    """How the gateway reports a bank that did not answer yes."""
    if outcome.problem == "centre_closed":
        centre = call.world.config.centre
        return Refusal(
            "A0020",
            f"센터 운영시간 {_hhmm(centre.open)}~{_hhmm(centre.close)}",
            **bank_block(bank_tran_id, date, centre.code, "", ""),
            **fields,
        )
    response = outcome.response
    assert response is not None
    return Refusal(
        response.rsp_code,
        "",
        **bank_block(
            bank_tran_id, date, outcome.bank_code, response.bank_rsp_code, response.message
        ),
        **fields,
    )


async def ask_bank(call: Call, bank_code: str, bank_tran_id: str, date: str) -> None:
    """An inquiry the account's bank must answer: its queue, latency and opening hours."""
    outcome = await call.world.clock.run(call.world.centre.inquire(bank_code))
    if outcome is not None:
        raise refusal_from_bank(call, outcome, bank_tran_id, date)


def account_state_refusal(call: Call, account: Account, bank_tran_id: str, date: str) -> None:
    """An inquiry on a closed, suspended or accident-reported account is refused by its bank."""
    if account.status is AccountStatus.NORMAL:
        return
    bank = call.world.banks[account.bank_code]
    response = bank.response(account.status.problem)
    raise Refusal(
        response.rsp_code,
        "",
        **bank_block(bank_tran_id, date, bank.code, response.bank_rsp_code, response.message),
    )


@contextmanager
def empty_list_on_refusal(count_field: str = "res_cnt") -> Iterator[None]:
    """List APIs answer `res_list: []` when they fail after validation: some clients read
    `res_list[0]` even on errors."""
    try:
        yield
    except Refusal as refusal:
        refusal.fields.setdefault(count_field, "0")
        refusal.fields.setdefault("res_list", [])
        raise


def yn(flag: bool) -> str:
    return "Y" if flag else "N"


def account_object(call: Call, reg: Registration, *, for_list: bool) -> dict[str, Any]:
    """An account as user/me (for_list False) or account/list (for_list True) shows it."""
    account = call.world.ledger.accounts[(reg.bank_code, reg.account_num)]
    bank_name, savings = bank_names(call, reg.bank_code)
    item: dict[str, Any] = {
        "fintech_use_num": reg.fintech_use_num,
        "account_alias": reg.account_alias,
        "bank_code_std": reg.bank_code,
        "bank_code_sub": bank_code_sub(account),
        "bank_name": bank_name,
        "savings_bank_name": savings,
        "account_num_masked": mask(account.account_num),
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
        item["payer_num"] = ""
    return item


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


# --- shared by the fin_num and acnt_num variants (self-auth institutions address accounts by
# bank code and number); the fin_num handlers render the same fields inline today.


def registered_account(
    call: Call,
    bank_code_std: str,
    account_num: str,
    user_seq_no: str,
    consent: str = "",
    field: str = "bank_code_std",
) -> tuple[Registration, Account]:
    """The registration of an account named by bank code and number, for this caller.

    An account this institution has not registered (or whose registration was cancelled)
    is A0323; one registered for another user than `user_seq_no` is A0313; then the
    checks of `registered` (consent A0305/A0306).
    """
    assert call.client is not None
    try:
        institution = call.world.resolver.resolve(bank_code_std)
    except BankCodeError as e:
        raise Refusal("A0004", f"{field}: {e.message}") from None
    reg = active_registration(
        call.world, call.client.client_use_code, (institution.code, account_num)
    )
    if reg is None:
        raise Refusal("A0323")
    if reg.user_seq_no != user_seq_no:
        raise Refusal("A0313")
    return registered(call, reg.fintech_use_num, consent)


async def inquire(call: Call, bank_tran_id: str, api: str, account: Account) -> str:
    """An inquiry on a registered account: the bank_tran_id, the bank's answer, the
    account's state. Returns the bank_tran_date."""
    assert call.client is not None
    date = call.world.openbanking.claim(call.client, bank_tran_id, api, call.now)
    await ask_bank(call, account.bank_code, bank_tran_id, date)
    account_state_refusal(call, account, bank_tran_id, date)
    return date


def balance_fields(call: Call, reg: Registration, account: Account) -> dict[str, Any]:
    """account/balance after the bank block."""
    bank_name, savings = bank_names(call, account.bank_code)
    last = yyyymmdd(account.history[-1].time) if account.history else ""
    return {
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


def history_window(q: dict[str, str]) -> tuple[float, float, str]:
    """(start, end, cursor) of a transaction_list request: `end` is exclusive."""
    by_time = q["inquiry_base"] == "T"
    start = _kst(q["from_date"], q.get("from_time", "000000") if by_time else "000000")
    end = _kst(q["to_date"], q.get("to_time", "235959") if by_time else "235959") + 1
    if end <= start:
        raise Refusal("A0004", "from_date/from_time must not be after to_date/to_time")
    cursor = q.get("befor_inquiry_trace_info", "")
    if cursor and not cursor.isdigit():
        raise Refusal("A0004", "befor_inquiry_trace_info: the value a previous page returned")
    return start, end, cursor


def history_page(
    history: list[HistoryLine],
    window: tuple[float, float, str],
    inquiry_type: str,
    descending: bool,
    page_size: int,
) -> tuple[list[HistoryLine], int | None]:
    """One page of an account's history and the cursor of the next page (None: the last).

    The cursor is the position in the account's history where the next page starts.
    """
    start, end, cursor = window
    lo = bisect_left(history, start, key=lambda h: h.time)
    hi = bisect_left(history, end, key=lambda h: h.time)
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
        if len(lines) == page_size:
            return lines, i + 1 if descending else i
        lines.append(line)
    return lines, None


def transactions_fields(
    call: Call,
    reg: Registration,
    account: Account,
    rows: list[dict[str, str]],
    next_position: int | None,
) -> dict[str, Any]:
    """account/transaction_list after the bank block."""
    bank_name, savings = bank_names(call, account.bank_code)
    return {
        "bank_name": bank_name,
        "savings_bank_name": savings,
        "fintech_use_num": reg.fintech_use_num,
        "balance_amt": str(account.balance),
        "page_record_cnt": str(len(rows)),
        "next_page_yn": "Y" if next_position is not None else "N",
        "befor_inquiry_trace_info": str(next_position) if next_position is not None else "",
        "res_list": rows,
    }


def withdraw_fields(
    call: Call,
    data: dict[str, str],
    date: str,
    reg: Registration,
    account: Account,
    contract: Account,
    wd_print: str,
    remain: int,
) -> dict[str, Any]:
    """transfer/withdraw after the envelope: the deposit side, the bank block, the payer."""
    bank_name, savings = bank_names(call, account.bank_code)
    dps_name, _ = bank_names(call, contract.bank_code)
    return {
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
        "wd_limit_remain_amt": str(remain),
    }


def _kst(date: str, time: str) -> float:
    return from_kst(datetime.strptime(date + time, "%Y%m%d%H%M%S"))
