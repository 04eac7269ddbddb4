"""Settlement: each bank's net position for a KST day, and the daily settlement at 23:55."""

from __future__ import annotations

import random

import pytest

from testbed.clock import DAY, kst_midnight, parse_kst, yyyymmdd
from testbed.network import settlement
from testbed.network.centre import TransferOrder
from testbed.network.ledger import CLEARING, Ledger, Posting, clearing_key
from testbed.network.settlement import (
    Settlement,
    SettlementError,
    day_entries,
    positions,
    settle,
)
from testbed.network.world import World
from tests.conftest import WorldFactory

TODAY = "20260302"  # tests/conftest.py START


def _brute_force(ledger: Ledger, date: str) -> tuple[dict[str, int], int]:
    """The same figures by scanning every entry: what the binary search must agree with."""
    found: dict[str, int] = {}
    transfers = 0
    for entry in ledger.entries:
        if yyyymmdd(entry.time) != date:
            continue
        legs = [leg for leg in entry.postings if leg.account[0] == CLEARING]
        transfers += bool(legs)
        for leg in legs:
            found[leg.account[1]] = found.get(leg.account[1], 0) + leg.amount
    return found, transfers


def _user_accounts(world: World) -> list[tuple[str, str]]:
    return [k for k, a in sorted(world.ledger.accounts.items()) if a.owner.startswith("user:")]


def _busy_weeks(world: World, days: int = 40, per_day: int = 20) -> None:
    """Transfers between the world's accounts, `per_day` a day (a few refused for want of
    money) for `days` days from its start, in time order, posted as the centre does."""
    ledger = world.ledger
    keys = _user_accounts(world)
    rng = random.Random(days)
    start = world.clock.now()
    for n in range(days * per_day):
        debit, credit = rng.sample(keys, 2)
        amount = rng.choice((10_000, 50_000, 300_000, 2_000_000))
        if ledger.accounts[debit].balance < amount:
            continue
        legs = [Posting(debit, -amount, "이체", "대체"), Posting(credit, amount, "이체", "대체")]
        if debit[0] != credit[0]:
            legs += [
                Posting(clearing_key(debit[0]), -amount),
                Posting(clearing_key(credit[0]), amount),
            ]
        ledger.post(start + n * DAY / per_day, "transfer", legs, f"T{n:08d}")


async def test_positions_are_what_each_bank_sent_and_received(make_world: WorldFactory) -> None:
    world = make_world(seed=3, users=20)
    baseline = positions(world.ledger, TODAY)  # the seeded history may reach into today
    keys = _user_accounts(world)
    rng = random.Random(9)
    expected: dict[str, int] = {}
    crossed = 0
    async with world.clock:
        for _ in range(300):
            debit, credit = rng.sample(keys, 2)
            amount = rng.choice((1_000, 25_000, 130_000))
            outcome = await world.transfer(TransferOrder(debit, credit, amount))
            if outcome.ok and debit[0] != credit[0]:
                crossed += 1
                expected[debit[0]] = expected.get(debit[0], 0) - amount
                expected[credit[0]] = expected.get(credit[0], 0) + amount
    assert crossed > 100  # transfers between banks really happened today
    assert world.clock.now() < parse_kst("2026-03-03T00:00:00+09:00")
    day = settle(world.ledger, TODAY)
    banks = set(baseline) | set(expected)
    assert {b: day.positions.get(b, 0) - baseline.get(b, 0) for b in banks} == {
        b: expected.get(b, 0) for b in banks
    }
    assert day.total == 0 and sum(day.positions.values()) == 0
    assert day.transfers - settle(make_world(seed=3, users=20).ledger, TODAY).transfers == crossed


def test_every_day_agrees_with_a_full_scan(make_world: WorldFactory) -> None:
    world = make_world(seed=5, users=25)
    _busy_weeks(world)
    last = world.ledger.entries[-1].time  # the 40 busy days, and a little around them
    days = {yyyymmdd(last - d * DAY) for d in range(-2, 45)}
    busy = 0
    for date in sorted(days):
        day = settle(world.ledger, date)
        assert (day.positions, day.transfers) == _brute_force(world.ledger, date), date
        assert day.total == 0
        busy += day.transfers > 0
    assert busy > 15  # interbank transfers on many days
    assert world.ledger.check()["ok"]


def test_the_day_is_found_by_binary_search(
    make_world: WorldFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(seed=5, users=25)
    _busy_weeks(world)
    probes = 0
    original = settlement._time

    def counting(entry: object) -> float:
        nonlocal probes
        probes += 1
        return original(entry)  # type: ignore[arg-type]

    monkeypatch.setattr(settlement, "_time", counting)
    date = yyyymmdd(world.ledger.entries[len(world.ledger.entries) // 2].time)
    entries = day_entries(world.ledger, date)
    n = len(world.ledger.entries)
    assert n > 500 and entries
    assert 0 < probes <= 2 * (n.bit_length() + 1)  # O(log n), not a scan of the ledger
    assert all(yyyymmdd(e.time) == date for e in entries)


def test_the_day_is_kst_midnight_to_midnight() -> None:
    ledger = Ledger()
    midnight = parse_kst("2026-03-03T00:00:00+09:00")
    for n, at in enumerate((-DAY - 0.001, -0.001, 0.0, 1800.0, DAY - 0.001, DAY), start=1):
        ledger.post(
            midnight + at,
            "transfer",
            [
                Posting(clearing_key("004"), -n),
                Posting(clearing_key("088"), n),
            ],
        )
    assert settle(ledger, "20260302") == Settlement("20260302", {"004": -2, "088": 2}, 1)
    assert positions(ledger, "20260303") == {"004": -12, "088": 12}  # 3 + 4 + 5
    assert settle(ledger, "20260303").transfers == 3
    assert settle(ledger, "20260301").transfers == settle(ledger, "20260304").transfers == 1
    assert settle(ledger, "20260305") == Settlement("20260305", {}, 0)


@pytest.mark.parametrize("date", ["2026-03-02", "2026032", "20260230", "abcdefgh", ""])
def test_a_bad_date_is_refused(make_world: WorldFactory, date: str) -> None:
    with pytest.raises(SettlementError):
        settle(make_world(users=0).ledger, date)


async def test_settlement_event_at_the_centres_close_every_day(make_world: WorldFactory) -> None:
    world = make_world(seed=3, users=20)
    keys = _user_accounts(world)
    debit = keys[0]
    credit = next(k for k in keys if k[0] != debit[0])
    async with world.clock:
        outcome = await world.transfer(TransferOrder(debit, credit, 7_000))
    assert outcome.ok
    assert world.config.centre.close == 23 * 3600 + 55 * 60
    world.clock.set(parse_kst("2026-03-02T23:54:59+09:00"))
    assert world.events.since(0, "settlement") == []
    world.clock.set(parse_kst("2026-03-02T23:55:00+09:00"))
    (first,) = world.events.since(0, "settlement")
    assert first["time"] == "2026-03-02T23:55:00.000+09:00"
    assert first["date"] == TODAY and first["total"] == 0
    assert first["positions"] == positions(world.ledger, TODAY)
    assert first["positions"][debit[0]] <= -7_000 or first["transfers"] > 1
    world.clock.set(parse_kst("2026-03-04T09:00:00+09:00"))
    dates = [e["date"] for e in world.events.since(0, "settlement")]
    assert dates == [TODAY, "20260303"]
    second = world.events.since(first["seq"], "settlement")[0]
    assert second["time"] == "2026-03-03T23:55:00.000+09:00"
    assert second["positions"] == {} and second["transfers"] == 0  # a quiet day


def test_a_world_started_after_the_close_settles_the_next_day(make_world: WorldFactory) -> None:
    world = make_world(users=0, start="2026-03-02T23:57:00+09:00")
    world.clock.set(parse_kst("2026-03-03T23:54:00+09:00"))
    assert world.events.since(0, "settlement") == []
    world.clock.set(parse_kst("2026-03-03T23:56:00+09:00"))
    assert [e["date"] for e in world.events.since(0, "settlement")] == ["20260303"]
    assert kst_midnight(world.clock.now()) == parse_kst("2026-03-03T00:00:00+09:00")


def test_positions_are_kept_incrementally_and_counted_again_after_a_purge(
    make_world: WorldFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(seed=5, users=25)
    _busy_weeks(world)
    ledger = world.ledger
    last = ledger.entries[-1].time
    date = yyyymmdd(last)
    assert (settle(ledger, date).positions, settle(ledger, date).transfers) == _brute_force(
        ledger, date
    )
    looked = 0
    original = settlement.yyyymmdd

    def counting(t: float) -> str:
        nonlocal looked
        looked += 1
        return original(t)

    monkeypatch.setattr(settlement, "yyyymmdd", counting)
    settle(ledger, date)
    assert looked == 0  # a refresh with nothing new walks nothing
    for n in range(3):  # three interbank transfers more on the same day
        ledger.post(
            last + n,
            "transfer",
            [Posting(clearing_key("004"), -(n + 1)), Posting(clearing_key("088"), n + 1)],
        )
    day = settle(ledger, date)
    assert looked == 3  # only the new entries, not the day's
    assert (day.positions, day.transfers) == _brute_force(ledger, date)
    # retention removes the oldest days for good: the totals are counted again
    first = ledger.entries[0].time
    assert ledger.purge(last + 10, lambda e: e.time < first + 10 * DAY) is not None
    for d in range(45):
        other = yyyymmdd(first + d * DAY)
        day = settle(ledger, other)
        assert (day.positions, day.transfers) == _brute_force(ledger, other), other
        assert day.total == 0
