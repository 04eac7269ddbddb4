"""Account ledgers of every bank, kept as one double-entry book.

Every movement of money is an `Entry` whose `Posting`s sum to zero. Customer
accounts live at banks; two kinds of internal account complete the book:

- `EXTERNAL`: the world outside the network (cash at the counter, an employer paying
  salaries in the seeded history). Money enters and leaves the network only through it.
- a clearing account per bank at the centre: an interbank transfer also posts the
  centre's clearing pair (payer bank -, payee bank +), from which the day's net
  positions of the banks are computed. The pair balances on its own.

`post` validates everything before it changes anything, so a refused movement leaves
no trace; `check` proves conservation over the whole book at any time. No account may
hold more than `MAX_BALANCE`.

Seeded history is lazy. An account of the seeded world opens with `seeded` won (its
balance once its seeded history has run: `open_seeded`), which came from EXTERNAL; the
lines of that history are a pure function of the world's seed and the account, made
by the ledger's `HistorySource` when first read, never stored. They are self-contained
(every seeded line moves money between the account and EXTERNAL), start from 0 and end
at `seeded`, so conservation holds with `seeded` standing for them: `check()` proves
it, and proves the lines of every history it reads (`deep=True`: all of them).

Retention (전자금융거래기록 보관) removes entries for good (`purge`). What they moved stays:
one balanced `CARRY` entry (이월) holds each account's net of the removed postings, and
each account's history keeps, where a run of its lines was removed, one carry line with
that run's net and the balance after it. Balances, conservation and every history's line
by line proof stay exact; the API shows no carry line. A carry posting's `print_content`
is the place of its line: `<id of the last removed entry of the run>@<its time>`.
Entry ids stay in order but have gaps once entries were purged.

One concept over ~500 lines: the double-entry book of every bank.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, cast

AccountKey = tuple[str, str]  # (canonical bank code, account number)

EXTERNAL: AccountKey = ("@external", "world")
CLEARING = "@clearing"
SEED = "seed"  # entry kind of the generated world's history
CARRY = "이월"  # entry kind (and tran_type of the lines) of what retention carried forward
#: the most an account may hold (1,000조 won): far above any real account, exact as a
#: JavaScript number (< 2^53) and far inside SQLite's 64-bit integers, where a cash-in of
#: 10^30 won once failed the store's write and, with it, every write after
MAX_BALANCE = 10**15


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

    @property
    def transferable(self) -> bool:
        """Whether 출금이체 may be agreed on such an account: 수시입출금 (demand) only, the
        rule every registration door applies (`gateway.registrations.register_account`)."""
        return self is AccountType.DEMAND


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


class HistorySource(Protocol):
    """Where the seeded history of accounts comes from (`testbed.network.seed.Seeding`)."""

    def lines(self, account: Account) -> list[HistoryLine]:
        """The account's seeded history lines, oldest first: read them, never change them."""
        ...

    def generate(self, account: Account) -> list[HistoryLine]:
        """The same lines, made anew (a list the caller owns)."""
        ...


class _Lazy:
    """The history slot of an account, outside its dataclass fields (so not compared,
    copied or shown): the account's history lines, or the source of its seeded history
    while that has not been made."""

    __slots__ = ("_lines",)
    _lines: list[HistoryLine] | HistorySource

    @property
    def history(self) -> list[HistoryLine]:
        """Every line of the account, oldest first: the seeded ones (made when read),
        then those of the entries posted to it. Read it; `Ledger.post` adds to it."""
        try:
            lines = self._lines
        except AttributeError:
            lines = self._lines = []
        if isinstance(lines, list):
            return lines
        return lines.lines(cast("Account", self))

    def own_history(self) -> list[HistoryLine]:
        """The history as a list the account keeps (its seeded lines made for good)."""
        try:
            lines = self._lines
        except AttributeError:
            lines = self._lines = []
        if not isinstance(lines, list):
            lines = self._lines = lines.generate(cast("Account", self))
        return lines

    @property
    def history_source(self) -> HistorySource | None:
        """Where the seeded history will come from, while it has not been made for good."""
        lines = getattr(self, "_lines", None)
        return None if lines is None or isinstance(lines, list) else lines

    def seed_history(self, source: HistorySource) -> None:
        """Its seeded history will come from `source` (an account with no lines yet)."""
        self._lines = source

    def take_history(self, other: _Lazy) -> None:
        """Go on with the history of `other` (the same account, as it was made before)."""
        lines = getattr(other, "_lines", None)
        if lines is not None:
            self._lines = lines


#: sets an account's `_lines` (the slot's own setter: no Python call)
_SET_LINES: Callable[[_Lazy, HistorySource], None] = _Lazy.__dict__["_lines"].__set__


@dataclass(slots=True)
class Account(_Lazy):
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
    #: what the seeded world opened it with (its lazy seeded history's net); 0: none
    seeded: int = 0

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


class BalanceLimit(LedgerError):
    """More than MAX_BALANCE in one account: the receiving bank cannot process it."""


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
        #: where the seeded accounts' history comes from (the world's seeding), if any
        self.seeding: HistorySource | None = None
        #: True while the ledger is exactly what its seeding made (no entry, no change)
        self.pristine = False
        self.last_id = 0  # the id of the latest entry (purged ones are not in `entries`)
        #: told the ids of entries removed for good by `purge`
        self.purge_listeners: list[Callable[[list[int]], None]] = []

    # accounts
    def open_account(self, account: Account) -> Account:
        if account.key in self.accounts:
            raise LedgerError(f"account {account.bank_code}-{account.account_num} already exists")
        if account.balance or account.seeded or account.history:
            raise LedgerError("an account opens empty; money arrives only through postings")
        self.accounts[account.key] = account
        self.pristine = False
        for listener in self.account_listeners:
            listener(account)
        return account

    def open_seeded(
        self, accounts: Iterable[tuple[AccountKey, Account]], source: HistorySource
    ) -> None:
        """Open accounts of the seeded world, each with (key, account): an account holds
        `seeded` won (its `balance` too), which its seeded history brought in from
        EXTERNAL; `source` makes that history when it is read. `key` must be the
        account's (bank_code, account_num): one tuple for the ledger and the account's
        owner, in a world of millions."""
        table = self.accounts
        listeners = self.account_listeners
        set_lines = _SET_LINES
        total = 0
        for key, account in accounts:
            amount = account.seeded
            if key in table:
                raise LedgerError(f"account {key[0]}-{key[1]} already exists")
            if amount <= 0 or account.balance != amount:
                raise LedgerError(f"a seeded account opens with its seeded won, not {amount!r}")
            set_lines(account, source)  # account.seed_history(source), without the call
            table[key] = account
            total += amount
            if listeners:
                for listener in listeners:
                    listener(account)
        self.seeded_total += total
        self.internal[EXTERNAL] -= total

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
        entry_id = self.last_id + 1
        touched: list[Account] = []
        afters: list[int] = []
        self.pristine = False
        for leg in legs:
            account = self.accounts.get(leg.account)
            if account is None:
                self.internal[leg.account] = self.internal.get(leg.account, 0) + leg.amount
                afters.append(0)
                continue
            account.balance += leg.amount
            afters.append(account.balance)
            account.own_history().append(
                HistoryLine(
                    entry_id, time, leg.amount, account.balance, leg.print_content, leg.tran_type
                )
            )
            touched.append(account)
        entry = Entry(entry_id, time, kind, legs, ref, tuple(afters))
        self._count_external(entry)
        self.entries.append(entry)
        self.last_id = entry_id
        for listener in self.listeners:
            listener(entry, touched)
        return entry

    def _count_external(self, entry: Entry, sign: int = 1) -> None:
        """Money crossing the network's edge: the seeded world's flows, then cash (`sign`
        -1: take back the count of an entry that goes). A CARRY entry's legs on EXTERNAL
        say which flow they carry (`print_content`: seed, cash_in, cash_out)."""
        if entry.kind == CARRY:
            for leg in entry.postings:
                if leg.account == EXTERNAL:
                    self._count_flow(leg.print_content, sign * leg.amount)
            return
        external = sum(leg.amount for leg in entry.postings if leg.account == EXTERNAL)
        self._count_flow(_flow(entry.kind, external), sign * external)

    def _count_flow(self, flow: str, external: int) -> None:
        if flow == _SEED_FLOW:
            self.seeded_total -= external
        elif flow == _CASH_IN:
            self.cash_in -= external
        elif flow == _CASH_OUT:
            self.cash_out += external

    def restore(
        self,
        accounts: Iterable[Account],
        entries: Iterable[Entry],
        seeding: HistorySource | None = None,
    ) -> None:
        """Rebuild the book from storage: accounts as stored, then every entry in order.

        An account stored with `seeded` won takes its seeded history from `seeding`.
        `check()` then proves the stored balances agree with the stored history.
        """
        if self.accounts or self.entries:
            raise LedgerError("restore() needs an empty ledger")
        if seeding is not None:
            self.seeding = seeding
        self.overlay(accounts, entries)
        self.pristine = False

    def overlay(self, accounts: Iterable[Account], entries: Iterable[Entry]) -> None:
        """Bring a seeded ledger to what storage holds: the stored accounts replace (or
        join) the seeded ones, then the stored entries follow the ledger's own."""
        self.pristine = False
        for account in accounts:
            key = account.key
            seeded = self.accounts.get(key)
            if seeded is not None and seeded.seeded != account.seeded:
                raise LedgerError(
                    f"account {key[0]}-{key[1]} was seeded with {account.seeded} won, not"
                    f" {seeded.seeded}: another seeding"
                )
            if seeded is not None:  # the seeded account's history goes on in the stored one
                account.take_history(seeded)
            elif account.seeded:
                if self.seeding is None:
                    raise LedgerError(f"account {key[0]}-{key[1]} is seeded, but by nothing")
                account.seed_history(self.seeding)
                self.seeded_total += account.seeded
                self.internal[EXTERNAL] -= account.seeded
            self.accounts[key] = account
        for entry in entries:
            if entry.id <= self.last_id:
                raise LedgerError(f"entry {entry.id} after entry {self.last_id}")
            for leg, after in zip(entry.postings, entry.balances_after, strict=True):
                holder = self.accounts.get(leg.account)
                if holder is None:
                    self.internal[leg.account] = self.internal.get(leg.account, 0) + leg.amount
                elif entry.kind == CARRY:
                    _place_carry_line(holder.own_history(), entry.id, leg, after)
                else:
                    holder.own_history().append(
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
            self.last_id = entry.id

    def entry(self, entry_id: int) -> Entry | None:
        """The entry of this id, if it was not purged (binary search: ids are in order)."""
        entries = self.entries
        i = bisect.bisect_left(entries, entry_id, key=_entry_id)
        return entries[i] if i < len(entries) and entries[i].id == entry_id else None

    def purge(self, time: float, expired: Callable[[Entry], bool]) -> Entry | None:
        """Remove for good every entry `expired` says (never a CARRY one), carrying what
        they moved forward: one CARRY entry, posted at `time`, and a carry line in each
        account's history where its removed lines were. Returns the CARRY entry (None:
        nothing expired). The store hears the removed ids, then the CARRY entry."""
        gone = [e for e in self.entries if e.kind != CARRY and expired(e)]
        if not gone:
            return None
        gone_ids = {e.id for e in gone}
        self.pristine = False
        carry_id = self.last_id + 1
        legs: list[Posting] = []
        afters: list[int] = []
        touched: list[Account] = []
        nets: dict[AccountKey, int] = {}
        flows: dict[str, int] = {}  # EXTERNAL's net, by the flow it counted as
        for entry in gone:
            for leg in entry.postings:
                if leg.account == EXTERNAL:
                    flow = _flow(entry.kind, leg.amount)
                    flows[flow] = flows.get(flow, 0) + leg.amount
                else:
                    nets[leg.account] = nets.get(leg.account, 0) + leg.amount
        for flow, net in flows.items():
            if net:
                legs.append(Posting(EXTERNAL, net, flow, CARRY))
                afters.append(0)
        for key, net in nets.items():
            account = self.accounts.get(key)
            if account is None:  # internal: its net alone, no history
                if net:
                    legs.append(Posting(key, net, "", CARRY))
                    afters.append(0)
                continue
            kept: list[HistoryLine] = []
            run: list[HistoryLine] = []
            for line in account.own_history():
                if line.entry_id in gone_ids and line.tran_type != CARRY:
                    run.append(line)
                    continue
                if run:
                    _carry(run, carry_id, kept, legs, afters, key)
                    run = []
                kept.append(line)
            if run:
                _carry(run, carry_id, kept, legs, afters, key)
            account.own_history()[:] = kept
            touched.append(account)
        self.entries = [e for e in self.entries if e.id not in gone_ids]
        for told in self.purge_listeners:
            told(sorted(gone_ids))
        carry = Entry(carry_id, time, CARRY, tuple(legs), "retention", tuple(afters))
        self.entries.append(carry)
        self.last_id = carry_id
        for listener in self.listeners:
            listener(carry, touched)
        return carry

    def forget(self, ids: set[int]) -> None:
        """Drop entries a purge removed that were made again since (a seeded world made anew
        from its seeding): their lines and what they moved go; the stored CARRY entries
        bring back what they carried. Nobody is told: the file never held them."""
        gone = [e for e in self.entries if e.id in ids]
        for entry in gone:
            self._count_external(entry, -1)
            for leg in entry.postings:
                account = self.accounts.get(leg.account)
                if account is None:
                    self.internal[leg.account] = self.internal.get(leg.account, 0) - leg.amount
                else:
                    account.balance -= leg.amount
        touched = {leg.account for e in gone for leg in e.postings}
        for key in touched:
            account = self.accounts.get(key)
            if account is not None:
                lines = account.own_history()
                lines[:] = [line for line in lines if line.entry_id not in ids]
        self.entries = [e for e in self.entries if e.id not in ids]

    def set_status(self, key: AccountKey, status: AccountStatus) -> Account:
        account = self.get(key)
        account.status = status
        self.pristine = False
        for listener in self.account_listeners:
            listener(account)
        return account

    def _validate(self, legs: tuple[Posting, ...]) -> None:
        if len(legs) < 2:
            raise Unbalanced("an entry needs at least two postings")
        total = 0
        outgoing: dict[AccountKey, int] = {}
        incoming: dict[AccountKey, int] = {}
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
                else:
                    incoming[leg.account] = incoming.get(leg.account, 0) + leg.amount
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
        for key, amount in incoming.items():
            account = self.accounts[key]
            if account.balance + amount > MAX_BALANCE:
                raise BalanceLimit(
                    f"account {key[0]}-{key[1]} would hold more than {MAX_BALANCE:,} won", key
                )

    # proofs
    def check(self, deep: bool = False) -> dict[str, Any]:
        """Prove money is conserved; returns the figures and every violation found.

        Each account's seeded won (the net of its seeded history) counts as its first
        posting, from EXTERNAL. Every history already made is proven line by line (each
        line's balance the sum of the lines up to it, the last one the balance, the
        seeded lines summing to `seeded`, none negative); `deep=True` makes and proves
        the seeded history of every account too (as long as the world is large).
        """
        problems: list[str] = []
        recomputed: dict[AccountKey, int] = {}
        seeded = 0
        lines_proven = 0
        for key, account in self.accounts.items():
            if account.seeded:
                recomputed[key] = account.seeded
                seeded += account.seeded
            source = account.history_source
            if source is None:
                history = account.history
            elif deep:
                history = source.generate(account)
            else:
                continue
            lines_proven += len(history)
            problem = _history_problem(account, history, complete=source is None)
            if problem:
                problems.append(f"account {key[0]}-{key[1]}: {problem}")
        recomputed[EXTERNAL] = -seeded
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
            "history_lines_proven": lines_proven,
            "problems": problems[:50],
        }

    def clearing_positions(self) -> dict[str, int]:
        """Each bank's running net position against the centre (+ to receive, - to pay)."""
        return {k[1]: v for k, v in self.internal.items() if k[0] == CLEARING}


_SEED_FLOW, _CASH_IN, _CASH_OUT = "seed", "cash_in", "cash_out"


def _flow(kind: str, external: int) -> str:
    """Which count a movement on EXTERNAL belongs to ("" for none)."""
    if kind == SEED:
        return _SEED_FLOW
    return _CASH_IN if external < 0 else _CASH_OUT if external > 0 else ""


def _entry_id(entry: Entry) -> int:
    return entry.id


def _carry(
    run: list[HistoryLine],
    carry_id: int,
    kept: list[HistoryLine],
    legs: list[Posting],
    afters: list[int],
    key: AccountKey,
) -> None:
    """A run of removed lines becomes one carry line (none if they moved nothing net)."""
    net = sum(line.amount for line in run)
    if not net:
        return
    last = run[-1]
    kept.append(HistoryLine(carry_id, last.time, net, last.balance_after, "", CARRY))
    legs.append(Posting(key, net, f"{last.entry_id}@{last.time!r}", CARRY))
    afters.append(last.balance_after)


def _place_carry_line(lines: list[HistoryLine], carry_id: int, leg: Posting, after: int) -> None:
    """Put a stored carry line back where its run was: after the lines that came before."""
    last_id, _, at = leg.print_content.partition("@")
    before, time = int(last_id), float(at)
    i = len(lines)
    while i > 0 and (lines[i - 1].time, _place(lines[i - 1])) > (time, before):
        i -= 1
    lines.insert(i, HistoryLine(carry_id, time, leg.amount, after, "", CARRY))


def _place(line: HistoryLine) -> int:
    """Where a line belongs among lines of the same time: its entry's id (a carry line's
    own id is later than the run it stands for; seeded lines, 0, come first)."""
    return line.entry_id if line.tran_type != CARRY else -1


def _is_internal(key: AccountKey) -> bool:
    return key[0].startswith("@")


def _history_problem(account: Account, history: list[HistoryLine], complete: bool) -> str:
    """What is wrong with an account's history lines ("" if nothing).

    `complete`: the lines are all of it (else only the seeded ones, which end at `seeded`).
    """
    running = 0
    seeded_lines = 0
    last = float("-inf")
    for line in history:
        running += line.amount
        if line.balance_after != running:
            return (
                f"the line of entry {line.entry_id} at {line.time} says {line.balance_after}"
                f" won after it, the lines sum to {running}"
            )
        if running < 0:
            return f"the line of entry {line.entry_id} at {line.time} leaves it negative"
        if line.entry_id == 0:  # seeded: made in time order, before any entry
            if line.time < last:
                return f"its seeded line at {line.time} is out of time order"
            last = line.time
            seeded_lines += line.amount
    if seeded_lines != account.seeded:
        return f"its seeded lines sum to {seeded_lines}, it was seeded with {account.seeded}"
    if complete and running != account.balance:
        return f"holds {account.balance} but its history lines sum to {running}"
    return ""
