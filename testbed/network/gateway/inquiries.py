"""조회: user/me and account/list (사용자/계좌), balance and transaction_list (조회, by the
user's consent), real_name, receive and remit_list (조회, the institution's own).

Each inquiry takes a bank_tran_id and is answered by the account's bank: its hours,
queue, latency and faults apply, and so does the account's state.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import NamedTuple

from testbed.clock import from_compact
from testbed.network.codes import Refusal, empty_list_on_refusal
from testbed.network.gateway.base import Caller, GatewayBase, named_by
from testbed.network.gateway.orders import (
    AccountRef,
    HistoryQuery,
    Period,
    RealNameQuery,
    ReceiveQuery,
    RemitQuery,
)
from testbed.network.gateway.views import mask
from testbed.network.ledger import Account, AccountStatus, HistoryLine
from testbed.network.names import Api, Consent
from testbed.network.parties import Registration, User
from testbed.network.retention import shown_on

PAGE_SIZE = 25  # ⚠ one mock's claim; KFTC does not publish it


class Window(NamedTuple):
    start: float
    end: float  # exclusive
    cursor: str


@dataclass(frozen=True, slots=True)
class Inquired:
    """An inquiry the bank answered: the registration, the account, the bank_tran_date."""

    reg: Registration
    account: Account
    date: str


@dataclass(frozen=True, slots=True)
class Answered:
    """An institution's inquiry on any account, answered by its bank."""

    account: Account
    date: str


@dataclass(frozen=True, slots=True)
class Received(Answered):
    """수취조회's answer: the payee's account, and the caller's 약정계좌 the deposit would be
    paid from (the answer's `wd_` fields)."""

    paid_from: Account


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of an account's history (`next_position` None: the last page)."""

    account: Account
    date: str
    lines: list[HistoryLine]
    next_position: int | None
    reg: Registration | None = None

    @property
    def cursor(self) -> str:
        """befor_inquiry_trace_info: where the next page starts ("" after the last)."""
        return "" if self.next_position is None else str(self.next_position)


@dataclass(frozen=True, slots=True)
class Remitter:
    """Who paid a history line in: the paying account's holder, bank and masked number
    (money with no paying account, cash, names the line's text and no account)."""

    name: str
    bank_code: str
    account_num_masked: str


class Inquiries(GatewayBase):
    def user_me(self, caller: Caller, user_seq_no: str) -> tuple[User, list[Registration]]:
        """사용자정보조회: the user and the accounts registered with the caller."""
        with empty_list_on_refusal():
            user = self.own_user(caller, user_seq_no)
        return user, self.user_registrations(caller, user.user_seq_no, False)

    def account_list(
        self, caller: Caller, user_seq_no: str, include_cancelled: bool, descending: bool
    ) -> tuple[User, list[Registration]]:
        """등록계좌조회: the user's registrations with the caller, by registration time."""
        with empty_list_on_refusal():
            user = self.own_user(caller, user_seq_no)
        regs = self.user_registrations(caller, user.user_seq_no, include_cancelled)
        regs.sort(key=lambda r: r.registered_at, reverse=descending)
        return user, regs

    async def balance(self, caller: Caller, bank_tran_id: str, ref: AccountRef) -> Inquired:
        """잔액조회 of a registered account the user agreed to share (inquiry consent)."""
        reg, account = self.locate(caller, ref, consent=Consent.INQUIRY)
        date = await self.inquire(caller, bank_tran_id, Api.BALANCE, account)
        return Inquired(reg, account, date)

    async def transactions(self, caller: Caller, q: HistoryQuery, ref: AccountRef) -> HistoryPage:
        """거래내역조회: one page of the account's history in the asked window."""
        window = history_window(q.period, q.cursor)
        with empty_list_on_refusal("page_record_cnt"):
            reg, account = self.locate(caller, ref, consent=Consent.INQUIRY)
            date = await self.inquire(caller, q.bank_tran_id, Api.TRANSACTIONS, account)
        lines, next_position = history_page(
            account.history, window, q.inquiry_type, q.descending, self.today()
        )
        return HistoryPage(account, date, lines, next_position, reg)

    async def real_name(self, caller: Caller, q: RealNameQuery) -> Answered:
        """계좌실명조회: whose is this account? The holder's birth date (or business number),
        when given, must match."""
        institution = self.resolve("bank_code_std", q.bank_code)
        tran_id = q.bank_tran_id
        date = await self.through_bank(caller, tran_id, institution.code, Api.REAL_NAME)
        account = self.account_at(caller, institution.code, q.account_num)
        problem = ""
        if account is None:
            problem = "account_not_found"
        elif account.status is not AccountStatus.NORMAL:
            problem = account.status.problem
        elif q.holder_info and q.holder_info != account.holder_info:
            problem = "name_mismatch"
        if problem:
            raise self.bank_says(institution.code, problem, tran_id, date)
        assert account is not None
        return Answered(account, date)

    async def receive(self, caller: Caller, q: ReceiveQuery) -> Received:
        """수취조회: can this account receive a deposit from the caller, and whose is it?
        (It exists and is in a normal state; the balance and later limits are not checked.)
        The payee is named by bank code + account number, or by a fintech_use_num of the
        caller's (KFTC's field list marks all three optional)."""
        self.req_client(q.customer)
        paid_from = self.contract_account(caller, Api.DEPOSIT, q.contract)
        account: Account | None
        fields = ("bank_code_std", "account_num")
        if named_by("payee", q.bank_code, q.account_num, q.fintech_use_num, fields):
            candidates = self.resolve_for_deposit("bank_code_std", q.bank_code)
            found = (self.account_at(caller, i.code, q.account_num) for i in candidates)
            account = next((a for a in found if a is not None), None)
            answering = account.bank_code if account is not None else candidates[0].code
        else:
            _, account = self.registered(caller, q.fintech_use_num)
            answering = account.bank_code
        tran_id = q.bank_tran_id
        date = await self.through_bank(caller, tran_id, answering, Api.RECEIVE)
        if account is None:
            raise self.bank_says(answering, "account_not_found", tran_id, date)
        self.account_state(account, tran_id, date)
        return Received(account, date, paid_from)

    async def remit_list(self, caller: Caller, q: RemitQuery) -> HistoryPage:
        """송금인정보조회: the deposits (money in) into one of the caller's 약정계좌."""
        window = history_window(q.period, q.cursor)
        code = self.resolve("bank_code_std", q.bank_code).code
        with empty_list_on_refusal("page_record_cnt"):
            account = self._own_contract_account(caller, code, q.account_num)
            tran_id = q.bank_tran_id
            date = await self.through_bank(caller, tran_id, account.bank_code, Api.REMIT_LIST)
            self.account_state(account, tran_id, date)
        lines, next_position = history_page(
            account.history, window, "I", q.descending, self.today()
        )
        return HistoryPage(account, date, lines, next_position)

    def remitter(self, account: Account, line: HistoryLine) -> Remitter:
        """Who paid a history line of `account` in: the other account of its ledger entry."""
        ledger = self.world.ledger
        entry = ledger.entry(line.entry_id) if line.entry_id else None
        if entry is not None:
            for leg in entry.postings:
                payer = ledger.accounts.get(leg.account) if leg.amount < 0 else None
                if payer is not None and payer.key != account.key:
                    return Remitter(payer.holder_name, payer.bank_code, mask(payer.account_num))
        return Remitter(line.print_content, "", "")

    def _own_contract_account(self, caller: Caller, code: str, account_num: str) -> Account:
        """One of the caller's 약정계좌 (any purpose) at canonical bank `code`, else A0322."""
        for contract in caller.client.contract_accounts:
            if contract.bank_code == code and contract.account_num == account_num:
                return self.world.ledger.accounts[(contract.bank_code, contract.account_num)]
        raise Refusal("A0322")


def history_window(period: Period, cursor: str = "") -> Window:
    """The period a history inquiry asks for (by date, or by date and time), and its cursor."""
    by_time = period.by_time
    start = from_compact(period.from_date, (by_time and period.from_time) or "000000")
    end = from_compact(period.to_date, (by_time and period.to_time) or "235959") + 1
    if end <= start:
        raise Refusal("A0004", "from_date/from_time must not be after to_date/to_time")
    if cursor and not (cursor.isascii() and cursor.isdigit()):
        raise Refusal("A0004", "befor_inquiry_trace_info: the value a previous page returned")
    return Window(start, end, cursor)


def history_page(
    history: list[HistoryLine], window: Window, inquiry_type: str, descending: bool, today: str
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
    shown = shown_on(today)
    for i in indexes:
        line = history[i]
        if (inquiry_type == "I" and line.amount < 0) or (inquiry_type == "O" and line.amount > 0):
            continue
        if not shown(line):  # a carry line, or a seeded line past its retention
            continue
        if len(lines) == PAGE_SIZE:
            return lines, i + 1 if descending else i
        lines.append(line)
    return lines, None
