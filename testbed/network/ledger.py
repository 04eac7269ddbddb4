"""Account ledgers of every bank, kept as one double-entry book.

Every movement of money is an `Entry` whose `Posting`s sum to zero. Customer
accounts live at banks; two kinds of internal account complete the book:

- `EXTERNAL`: the world outside the network (cash at the counter, an employer paying
  salaries in the seeded history). Money enters and leaves the network only through it.
- a clearing account per bank at the centre: an interbank transfer also posts the
  centre's clearing pair (payer bank -, payee bank +), from which the day's net
  positions of the banks are computed. The pair balances on its own.

`post` validates everything before it changes anything, so a refused movement leaves
no trace; `check` proves conservation over the whole book at any time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

AccountKey = tuple[str, str]  # (canonical bank code, account number)

EXTERNAL: AccountKey = ("@external", "world")
CLEARING = "@clearing"
SEED = "seed"  # entry kind of the generated world's history


def clearing_key(bank_code: str) -> AccountKey:
    return (CLEARING, bank_code)


class AccountType(StrEnum):
    """KFTC `account_type` values."""

    DEMAND = "1"  # 수시입출금
    SAVINGS = "2"  # 예적금
    FUND = "6"  # 수익증권
    COMPREHENSIVE = "T"  # 종합계좌

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_LABELS = {
    AccountType.DEMAND: "수시입출금",
    AccountType.SAVINGS: "예적금",
    AccountType.FUND: "수익증권",
    AccountType.COMPREHENSIVE: "종합계좌",
}


class AccountStatus(StrEnum):
    NORMAL = "normal"  # 정상
    CLOSED = "closed"  # 해지
    ACCIDENT = "accident"  # 사고 (accident reported)
    SUSPENDED = "suspended"  # 정지

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def problem(self) -> str:
        """The bank response code key (banks.yaml `codes`) for a movement refused by status."""
        return f"account_{self.value}"


_STATUS_LABELS = {
    AccountStatus.NORMAL: "정상",
    AccountStatus.CLOSED: "해지",
    AccountStatus.ACCIDENT: "사고",
    AccountStatus.SUSPENDED: "정지",
}


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One posting as its account sees it: a row of a transaction list."""

    entry_id: int
    time: float
    amount: int  # + in, - out
    balance_after: int
    print_content: str
    tran_type: str


@dataclass(slots=True)
class Account:
    bank_code: str
    account_num: str
    holder_name: str
    holder_info: str  # birth date YYMMDD (person) or business registration number
    holder_type: str  # "P" person, "B" business
    account_type: AccountType
    product_name: str
    issue_date: str  # YYYYMMDD
    owner: str  # "user:<user_seq_no>", "client:<client_use_code>" or ""
    branch_name: str = ""
    maturity_date: str = ""
    status: AccountStatus = AccountStatus.NORMAL
    balance: int = 0
    history: list[HistoryLine] = field(default_factory=list, repr=False)

    @property
    def key(self) -> AccountKey:
        return (self.bank_code, self.account_num)


@dataclass(frozen=True, slots=True)
class Posting:
    account: AccountKey
    amount: int  # + into the account, - out of it
    print_content: str = ""
    tran_type: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    time: float
    kind: str  # "seed", "cash", "transfer", ...
    postings: tuple[Posting, ...]
    ref: str = ""  # what caused it, e.g. a bank_tran_id
    balances_after: tuple[
        int, ...
    ] = ()  # per posting: the account's balance after it (0: internal)


class LedgerError(Exception):
    """A movement the ledger refuses; `problem` is the banks.yaml `codes` key for it."""

    problem = "bank_error"

    def __init__(self, message: str, account: AccountKey | None = None) -> None:
        super().__init__(message)
        self.account = account


class AccountNotFound(LedgerError):
    problem = "account_not_found"


class AccountNotNormal(LedgerError):
    def __init__(self, account: Account) -> None:
        super().__init__(
            f"account {account.bank_code}-{account.account_num} is {account.status.value}"
            f" ({account.status.label})",
            account.key,
        )
        self.problem = account.status.problem


class InsufficientFunds(LedgerError):
    problem = "insufficient_balance"


class Unbalanced(LedgerError):
    pass


EntryListener = Callable[[Entry, list[Account]], None]


class Ledger:
    def __init__(self) -> None:
        self.accounts: dict[AccountKey, Account] = {}
        self.internal: dict[AccountKey, int] = {EXTERNAL: 0}
        self.entries: list[Entry] = []
        #: money the seeded world brought in (its history's net flow from EXTERNAL)
        self.seeded_total = 0
        self.cash_in = 0
        self.cash_out = 0
        self.listeners: list[EntryListener] = []
        self.account_listeners: list[Callable[[Account], None]] = []

    # accounts
    def open_account(self, account: Account) -> Account:
        if account.key in self.accounts:
            raise LedgerError(f"account {account.bank_code}-{account.account_num} already exists")
        if account.balance or account.history:
            raise LedgerError("an account opens empty; money arrives only through postings")
        self.accounts[account.key] = account
        for listener in self.account_listeners:
            listener(account)
        return account

    def get(self, key: AccountKey) -> Account:
        try:
            return self.accounts[key]
        except KeyError:
            raise AccountNotFound(f"no account {key[0]}-{key[1]}", key) from None

    def balance(self, key: AccountKey) -> int:
        if key in self.accounts:
            return self.accounts[key].balance
        return self.internal.get(key, 0)

    # movements
    def post(self, time: float, kind: str, postings: Iterable[Posting], ref: str = "") -> Entry:
        """Apply a balanced entry atomically, or raise and change nothing."""
        legs = tuple(postings)
        self._validate(legs)
        entry_id = len(self.entries) + 1
        touched: list[Account] = []
        afters: list[int] = []
        for leg in legs:
            account = self.accounts.get(leg.account)
            if account is None:
                self.internal[leg.account] = self.internal.get(leg.account, 0) + leg.amount
                afters.append(0)
                continue
            account.balance += leg.amount
            afters.append(account.balance)
            account.history.append(
                HistoryLine(
                    entry_id, time, leg.amount, account.balance, leg.print_content, leg.tran_type
                )
            )
            touched.append(account)
        entry = Entry(entry_id, time, kind, legs, ref, tuple(afters))
        self._count_external(entry)
        self.entries.append(entry)
        for listener in self.listeners:
            listener(entry, touched)
        return entry

    def _count_external(self, entry: Entry) -> None:
        """Money crossing the network's edge: the seeded world's flows, then cash."""
        external = sum(leg.amount for leg in entry.postings if leg.account == EXTERNAL)
        if entry.kind == SEED:
            self.seeded_total -= external
        elif external < 0:
            self.cash_in -= external
        elif external > 0:
            self.cash_out += external

    def restore(self, accounts: Iterable[Account], entries: Iterable[Entry]) -> None:
        """Rebuild the book from storage: accounts as stored, then every entry in order.

        `check()` then proves the stored balances agree with the stored history.
        """
        if self.accounts or self.entries:
            raise LedgerError("restore() needs an empty ledger")
        for account in accounts:
            self.accounts[account.key] = account
        for entry in entries:
            for leg, after in zip(entry.postings, entry.balances_after, strict=True):
                holder = self.accounts.get(leg.account)
                if holder is None:
                    self.internal[leg.account] = self.internal.get(leg.account, 0) + leg.amount
                else:
                    holder.history.append(
                        HistoryLine(
                            entry.id,
                            entry.time,
                            leg.amount,
                            after,
                            leg.print_content,
                            leg.tran_type,
                        )
                    )
            self._count_external(entry)
            self.entries.append(entry)

    def set_status(self, key: AccountKey, status: AccountStatus) -> Account:
        account = self.get(key)
        account.status = status
        for listener in self.account_listeners:
            listener(account)
        return account

    def _validate(self, legs: tuple[Posting, ...]) -> None:
        if len(legs) < 2:
            raise Unbalanced("an entry needs at least two postings")
        total = 0
        outgoing: dict[AccountKey, int] = {}
        for leg in legs:
            if type(leg.amount) is not int or leg.amount == 0:
                raise Unbalanced(f"posting amounts are non-zero integer won, not {leg.amount!r}")
            total += leg.amount
            if leg.account in self.accounts:
                account = self.accounts[leg.account]
                if account.status is not AccountStatus.NORMAL:
                    raise AccountNotNormal(account)
                if leg.amount < 0:
                    outgoing[leg.account] = outgoing.get(leg.account, 0) - leg.amount
            elif not _is_internal(leg.account):
                raise AccountNotFound(f"no account {leg.account[0]}-{leg.account[1]}", leg.account)
        if total != 0:
            raise Unbalanced(f"postings sum to {total}, not 0")
        for key, amount in outgoing.items():
            account = self.accounts[key]
            if account.balance < amount:
                raise InsufficientFunds(
                    f"account {key[0]}-{key[1]} holds {account.balance} won, {amount} needed", key
                )

    # proofs
    def check(self) -> dict[str, Any]:
        """Prove money is conserved; returns the figures and every violation found."""
        problems: list[str] = []
        recomputed: dict[AccountKey, int] = {}
        for entry in self.entries:
            if sum(leg.amount for leg in entry.postings) != 0:
                problems.append(f"entry {entry.id} is unbalanced")
            for leg in entry.postings:
                recomputed[leg.account] = recomputed.get(leg.account, 0) + leg.amount
        customer_total = 0
        negative = 0
        for key, account in self.accounts.items():
            customer_total += account.balance
            if account.balance != recomputed.get(key, 0):
                problems.append(
                    f"account {key[0]}-{key[1]} holds {account.balance} but its postings sum to"
                    f" {recomputed.get(key, 0)}"
                )
            if account.balance < 0:
                negative += 1
                problems.append(f"account {key[0]}-{key[1]} is negative ({account.balance})")
        for key, balance in self.internal.items():
            if balance != recomputed.get(key, 0):
                problems.append(f"internal account {key} disagrees with its postings")
        # a transfer's reference (its bank_tran_id) is posted once a day at most: a client
        # told "success" once must find its money moved once
        seen: set[tuple[str, int]] = set()
        for entry in self.entries:
            if entry.kind == "transfer" and entry.ref:
                posted = (entry.ref, int((entry.time + 9 * 3600) // 86400))  # the KST day
                if posted in seen:
                    problems.append(f"transfer {entry.ref} posted twice the same day")
                seen.add(posted)
        clearing_total = sum(b for k, b in self.internal.items() if k[0] == CLEARING)
        expected = self.seeded_total + self.cash_in - self.cash_out
        if customer_total != expected:
            problems.append(
                f"customer balances total {customer_total}, expected {expected}"
                " (seeded total + cash in - cash out)"
            )
        if clearing_total != 0:
            problems.append(f"clearing positions sum to {clearing_total}, not 0")
        return {
            "ok": not problems,
            "accounts": len(self.accounts),
            "entries": len(self.entries),
            "total_balance": customer_total,
            "seeded_total": self.seeded_total,
            "cash_in": self.cash_in,
            "cash_out": self.cash_out,
            "expected_total": expected,
            "external_balance": self.internal.get(EXTERNAL, 0),
            "clearing_total": clearing_total,
            "negative_accounts": negative,
            "problems": problems[:50],
        }

    def clearing_positions(self) -> dict[str, int]:
        """Each bank's running net position against the centre (+ to receive, - to pay)."""
        return {k[1]: v for k, v in self.internal.items() if k[0] == CLEARING}


def _is_internal(key: AccountKey) -> bool:
    return key[0].startswith("@")
