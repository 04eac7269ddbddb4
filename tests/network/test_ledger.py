"""The ledger never creates or destroys money, and a refused movement leaves no trace."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from testbed.network.centre import TransferOrder
from testbed.network.ledger import (
    EXTERNAL,
    MAX_BALANCE,
    Account,
    AccountNotFound,
    AccountNotNormal,
    AccountStatus,
    AccountType,
    BalanceLimit,
    HistoryLine,
    InsufficientFunds,
    Ledger,
    Posting,
    Unbalanced,
    clearing_key,
)
from tests.conftest import WorldFactory

BANKS = ("004", "088", "090")


def _account(bank: str, num: str) -> Account:
    return Account(
        bank, num, "홍길동", "900101", "P", AccountType.DEMAND, "보통예금", "20200101", ""
    )


def _ledger(per_bank: int = 3, opening: int = 100_000) -> Ledger:
    ledger = Ledger()
    for bank in BANKS:
        for i in range(per_bank):
            key = ledger.open_account(_account(bank, f"{i:012d}")).key
            ledger.post(0.0, "seed", [Posting(key, opening), Posting(EXTERNAL, -opening)])
    return ledger


def _fingerprint(ledger: Ledger) -> tuple[object, ...]:
    return (
        tuple((k, a.balance, len(a.history), a.status) for k, a in sorted(ledger.accounts.items())),
        tuple(sorted(ledger.internal.items())),
        len(ledger.entries),
        ledger.cash_in,
        ledger.cash_out,
    )


def _transfer_legs(debit: tuple[str, str], credit: tuple[str, str], amount: int) -> list[Posting]:
    legs = [Posting(debit, -amount), Posting(credit, amount)]
    if debit[0] != credit[0]:
        legs += [Posting(clearing_key(debit[0]), -amount), Posting(clearing_key(credit[0]), amount)]
    return legs


moves = st.lists(
    st.tuples(
        st.sampled_from(["transfer", "cash"]),
        st.integers(0, 8),
        st.integers(0, 8),
        st.integers(-300_000, 300_000),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(moves)
def test_random_movements_conserve_money(ops: list[tuple[str, int, int, int]]) -> None:
    ledger = _ledger()
    keys = sorted(ledger.accounts)
    for t, (kind, a, b, amount) in enumerate(ops, start=1):
        before = _fingerprint(ledger)
        try:
            if kind == "cash":
                ledger.post(t, "cash", [Posting(keys[a], amount), Posting(EXTERNAL, -amount)])
            else:
                ledger.post(t, "transfer", _transfer_legs(keys[a], keys[b], abs(amount)))
        except (InsufficientFunds, Unbalanced):
            assert _fingerprint(ledger) == before  # a refused movement leaves no trace
    report = ledger.check()
    assert report["ok"], report["problems"]
    assert report["total_balance"] == 9 * 100_000 + ledger.cash_in - ledger.cash_out
    assert all(a.balance >= 0 for a in ledger.accounts.values())


def test_refusals_change_nothing() -> None:
    ledger = _ledger()
    a, b = ("004", f"{0:012d}"), ("088", f"{0:012d}")
    before = _fingerprint(ledger)
    with pytest.raises(InsufficientFunds):
        ledger.post(1, "transfer", _transfer_legs(a, b, 100_001))
    with pytest.raises(Unbalanced):
        ledger.post(1, "transfer", [Posting(a, -5), Posting(b, 4)])
    with pytest.raises(Unbalanced):
        ledger.post(1, "transfer", [Posting(a, 0), Posting(b, 0)])
    with pytest.raises(AccountNotFound):
        ledger.post(1, "transfer", _transfer_legs(a, ("088", "999"), 10))
    with pytest.raises(BalanceLimit) as limit:  # nothing past what SQLite and JavaScript hold
        ledger.post(1, "cash", [Posting(b, MAX_BALANCE), Posting(EXTERNAL, -MAX_BALANCE)])
    assert limit.value.account == b and limit.value.problem == "bank_error"
    assert _fingerprint(ledger) == before
    ledger.set_status(b, AccountStatus.SUSPENDED)
    before = _fingerprint(ledger)
    with pytest.raises(AccountNotNormal) as refused:
        ledger.post(1, "transfer", _transfer_legs(a, b, 10))
    assert refused.value.problem == "account_suspended"
    assert _fingerprint(ledger) == before


def test_check_catches_a_tampered_balance() -> None:
    ledger = _ledger()
    assert ledger.check()["ok"]
    next(iter(ledger.accounts.values())).balance += 1  # money from nowhere
    report = ledger.check()
    assert not report["ok"]
    assert any("postings sum to" in p for p in report["problems"])
    assert any("expected" in p for p in report["problems"])


def test_history_rows_carry_running_balance() -> None:
    ledger = _ledger(per_bank=1)
    a, b = ("004", f"{0:012d}"), ("090", f"{0:012d}")
    entry = ledger.post(5, "transfer", _transfer_legs(a, b, 30_000))
    assert entry.balances_after == (70_000, 130_000, 0, 0)
    assert ledger.accounts[a].history[-1].balance_after == 70_000
    assert ledger.accounts[b].history[-1].amount == 30_000
    assert ledger.clearing_positions() == {"004": -30_000, "090": 30_000}


async def test_thousands_of_network_transfers_conserve_money(make_world: WorldFactory) -> None:
    """Random transfers through the SimPy model (queues, latency) on the virtual clock."""
    world = make_world(seed=11, users=30)
    rng = random.Random(5)
    keys = [k for k, a in sorted(world.ledger.accounts.items()) if a.owner.startswith("user:")]
    before = world.ledger.check()
    refused = succeeded = 0
    async with world.clock:
        for _ in range(2000):
            debit, credit = rng.sample(keys, 2)
            amount = rng.choice((1, 990, 15_000, 250_000, 3_000_000))
            before_debit = world.ledger.accounts[debit].balance
            outcome = await world.transfer(TransferOrder(debit, credit, amount))
            if outcome.ok:
                succeeded += 1
                assert world.ledger.accounts[debit].balance == before_debit - amount
            else:
                refused += 1
                assert world.ledger.accounts[debit].balance == before_debit
    report = world.ledger.check()
    assert report["ok"], report["problems"]
    assert report["total_balance"] == before["total_balance"]
    assert report["entries"] == before["entries"] + succeeded
    assert succeeded > 500 and refused > 50  # both paths really exercised


def test_check_catches_a_transfer_posted_twice_the_same_day() -> None:
    ledger = _ledger(per_bank=1)
    a, b = ("004", f"{0:012d}"), ("090", f"{0:012d}")
    ledger.post(100.0, "transfer", _transfer_legs(a, b, 10), ref="T000000001U000000001")
    ledger.post(200.0, "transfer", _transfer_legs(a, b, 10), ref="T000000001U000000002")
    ledger.post(
        86_400 * 2, "transfer", _transfer_legs(a, b, 10), ref="T000000001U000000001"
    )  # another day
    assert ledger.check()["ok"]
    ledger.post(300.0, "transfer", _transfer_legs(a, b, 10), ref="T000000001U000000001")
    report = ledger.check()
    assert not report["ok"] and "posted twice the same day" in report["problems"][0]


# --- seeded accounts: their history made when read -----------------------------------


class _Broken:
    """A seeding whose lines do not end at the account's seeded won."""

    def lines(self, account: Account) -> list[HistoryLine]:
        return self.generate(account)

    def generate(self, account: Account) -> list[HistoryLine]:
        return [HistoryLine(0, 0.0, account.seeded - 1, account.seeded - 1, "신규", "현금")]


def test_check_proves_seeded_histories() -> None:
    ledger = Ledger()
    account = Account(
        "004", "000000000001", "홍길동", "900101", "P", AccountType.DEMAND, "", "", ""
    )
    account.balance = account.seeded = 50_000
    ledger.open_seeded([(account.key, account)], _Broken())
    report = ledger.check()
    assert report["ok"], report["problems"]  # conservation holds; the lines are not read
    assert report["seeded_total"] == report["total_balance"] == 50_000
    assert report["external_balance"] == -50_000
    deep = ledger.check(deep=True)
    assert not deep["ok"] and "seeded lines sum to 49999" in deep["problems"][0]
    ledger.post(1.0, "cash", [Posting(account.key, 1_000), Posting(EXTERNAL, -1_000)])
    assert not ledger.check()["ok"]  # made for good now: proven each time
    account.balance += 1
    assert "holds 51001" in " ".join(ledger.check()["problems"])


def test_a_seeded_account_is_opened_with_its_seeded_won() -> None:
    ledger = Ledger()
    account = Account("004", "1", "홍길동", "900101", "P", AccountType.DEMAND, "", "", "")
    with pytest.raises(Exception, match="seeded won"):
        ledger.open_seeded([(account.key, account)], _Broken())
    account.balance = account.seeded = 10
    ledger.open_seeded([(account.key, account)], _Broken())
    with pytest.raises(Exception, match="already exists"):
        ledger.open_seeded([(account.key, account)], _Broken())
    with pytest.raises(Exception, match="opens empty"):
        ledger.open_account(
            Account("004", "2", "", "", "P", AccountType.DEMAND, "", "", "", seeded=1)
        )


@settings(max_examples=100, deadline=None)
@given(moves, st.lists(st.integers(0, 60), max_size=4), st.data())
def test_purges_carry_forward_exactly(
    ops: list[tuple[str, int, int, int]], purge_points: list[int], data: st.DataObject
) -> None:
    """Retention removes any entries, in several purges between movements: balances stay,
    the check (conservation and every history line by line) passes, the restored copy of
    the book is the same, and what the book shows holds no line of a removed entry."""
    ledger = _ledger()
    keys = sorted(ledger.accounts)
    points = set(purge_points)
    removed: set[int] = set()
    for t, (kind, a, b, amount) in enumerate(ops, start=1):
        try:
            if kind == "cash":
                ledger.post(t, "cash", [Posting(keys[a], amount), Posting(EXTERNAL, -amount)])
            else:
                ledger.post(t, "transfer", _transfer_legs(keys[a], keys[b], abs(amount)))
        except (InsufficientFunds, Unbalanced):
            pass
        if t in points:
            balances = {k: acc.balance for k, acc in ledger.accounts.items()}
            chosen = data.draw(st.sets(st.sampled_from([e.id for e in ledger.entries])))
            ledger.purge(t + 0.5, lambda e, chosen=chosen: e.id in chosen)
            removed |= {i for i in chosen if ledger.entry(i) is None}
            assert {k: acc.balance for k, acc in ledger.accounts.items()} == balances
            report = ledger.check()
            assert report["ok"], report["problems"]
    for account in ledger.accounts.values():
        assert not {line.entry_id for line in account.history} & removed
    copy = Ledger()
    copy.restore([dataclasses.replace(acc) for acc in ledger.accounts.values()], ledger.entries)
    assert [(k, a.history) for k, a in copy.accounts.items()] == [
        (k, a.history) for k, a in ledger.accounts.items()
    ]
    assert copy.check()["ok"]
