"""The shortcut for requests that meet nothing: same outcomes as the SimPy process, no process.

A bank with no processing time, a free place and no fault in force answers at once
(`Centre.at_once`). These tests prove the shortcut is taken only then, and that a
sequence of transfers and inquiries gives the same ledger, byte for byte, whether it
goes through the shortcut or the process.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from typing import Any

import pytest

from testbed.clock import parse_kst
from testbed.config import Latency, NetworkConfig
from testbed.network.centre import TransferOrder, TransferOutcome
from testbed.network.faults import Fault, FaultBook, fault_from_spec
from testbed.network.world import World
from tests.conftest import WorldFactory

ZERO = Latency("fixed", value=0.0)


@pytest.fixture(scope="module")
def instant_network(network: NetworkConfig) -> NetworkConfig:
    """The shipped network with every bank answering in no time."""
    return dataclasses.replace(
        network,
        institutions=tuple(dataclasses.replace(i, latency=ZERO) for i in network.institutions),
    )


def _user_accounts(world: World) -> list[tuple[str, str]]:
    return sorted(k for k, a in world.ledger.accounts.items() if a.owner.startswith("user:"))


def _orders(world: World, n: int) -> list[TransferOrder]:
    rng = random.Random(5)
    keys = _user_accounts(world)
    orders = []
    for i in range(n):
        debit, credit = rng.sample(keys, 2)
        amount = rng.choice((1_000, 50_000, 900_000, 40_000_000))  # some overdraw
        orders.append(
            TransferOrder(debit, credit, amount, "pay", "paid", f"R{i:05d}", api="withdraw")
        )
    return orders


def _ledger_bytes(world: World) -> list[tuple[object, ...]]:
    return [
        (e.id, e.time, e.kind, e.ref, e.postings, e.balances_after) for e in world.ledger.entries
    ]


def test_a_plain_transfer_is_answered_at_once(
    make_world: WorldFactory, instant_network: NetworkConfig
) -> None:
    world = make_world(config=instant_network)
    order = _orders(world, 1)[0]
    order = dataclasses.replace(order, amount=1_000)
    outcome = world.centre.transfer_at_once(order)
    assert outcome is not None and outcome.ok
    assert outcome.entry is not None and outcome.entry.time == world.env.now
    assert world.ledger.check()["ok"]


def test_the_shortcut_is_not_taken_when_something_could_happen(
    make_world: WorldFactory, network: NetworkConfig, instant_network: NetworkConfig
) -> None:
    slow = make_world(config=network)  # banks with 30-120 ms of processing
    order = dataclasses.replace(_orders(slow, 1)[0], amount=1_000)
    assert slow.centre.transfer_at_once(order) is None
    assert not slow.centre.inquired_at_once(order.debit[0])

    world = make_world(config=instant_network)
    order = dataclasses.replace(_orders(world, 1)[0], amount=1_000)
    assert world.centre.inquired_at_once(order.debit[0])
    # a magic amount always goes through the process (it stands for a fault)
    assert world.centre.transfer_at_once(dataclasses.replace(order, amount=4_040_401)) is None
    # any fault in force, even on another API, takes the process: it may draw
    fault = world.faults.add(
        fault_from_spec(world, {"kind": "latency", "latency": "1s", "api": "balance"})
    )
    assert world.centre.transfer_at_once(order) is None
    assert not world.centre.inquired_at_once(order.debit[0])
    world.faults.remove(fault.id)
    assert world.centre.inquired_at_once(order.debit[0])
    # a bank whose places are all taken queues the request
    bank = world.banks[order.debit[0]]
    slots = [bank.capacity.request() for _ in range(bank.capacity.capacity)]
    assert not world.centre.inquired_at_once(bank.code)
    for slot in slots:
        bank.capacity.release(slot)
    # the payer's nightly window (공동망 미개시) and the centre's closed hours
    world.clock.set(parse_kst("2026-03-02T23:40:00+09:00"))
    assert world.centre.transfer_at_once(order) is None
    world.clock.set(parse_kst("2026-03-02T23:58:00+09:00"))
    assert not world.centre.at_once(())


def test_shortcut_and_process_give_the_same_ledger(
    make_world: WorldFactory, instant_network: NetworkConfig
) -> None:
    """The same transfers, one world through `World.transfer` (shortcut), the other always
    through the SimPy process: the same answers, entries, times and balances."""
    fast = make_world(config=instant_network)
    slow = make_world(config=instant_network)
    orders = _orders(fast, 120)
    fast_told: list[str] = []
    slow_told: list[str] = []
    processes = 0
    run_process = fast.clock.run

    async def counted(process: Any) -> Any:
        nonlocal processes
        processes += 1
        return await run_process(process)

    fast.clock.run = counted  # type: ignore[method-assign]

    def told(outcome: TransferOutcome) -> str:
        return "A0000" if outcome.ok else f"{outcome.problem}:{outcome.bank_code}"

    async def run() -> None:
        async with fast.clock, slow.clock:
            for i, order in enumerate(orders):
                if i == 60:  # half way, into the nightly windows: refusals both ways
                    for world in (fast, slow):
                        world.clock.set(parse_kst("2026-03-02T23:45:00+09:00"))
                fast_told.append(told(await fast.transfer(order)))
                slow_told.append(told(await slow.clock.run(slow.centre.transfer(order))))
                assert await fast.inquire(order.debit[0]) is None or i >= 60
                await slow.clock.run(slow.centre.inquire(order.debit[0]))

    asyncio.run(run())
    assert fast_told == slow_told
    assert "A0000" in fast_told and any(t.startswith("insufficient_balance") for t in fast_told)
    assert any(t.startswith("bank_closed") for t in fast_told)
    assert _ledger_bytes(fast) == _ledger_bytes(slow)
    # the shortcut served the day (60 transfers, 60 inquiries), the process the night
    assert 0 < processes <= 120
    assert fast.ledger.check()["ok"]


def test_fault_book_quiet_follows_every_boundary(make_world: WorldFactory) -> None:
    world = make_world(users=0)
    book: FaultBook = world.faults
    now = float(world.env.now)
    assert book.quiet(now) and book.quiet(now + 10**6)
    later = book.add(Fault("F1", "bank_down", start=now + 100, end=now + 200, banks=["004"]))
    assert book.quiet(now)  # cached until the fault's start
    assert book.quiet(now + 99.9)
    assert not book.quiet(now + 100) and not book.quiet(now + 150)
    assert book.quiet(now + 200) and book.quiet(now + 10)
    assert book.state("004", now + 150) is later
    # a daily fault: quiet outside its hour, in force inside it, every day
    daily = book.add(Fault("F2", "maintenance", start=now, every=3600, duration=600, banks=["088"]))
    midnight = now - (now + 9 * 3600) % 86400
    for day in range(1, 4):  # from the next day: it starts at 10:00 today
        assert not book.quiet(midnight + day * 86400 + 3600 + 300)
        assert book.quiet(midnight + day * 86400 + 3600 + 600)
        assert book.quiet(midnight + day * 86400 + 3000)
    # ended faults leave the book quiet again
    book.remove(later.id)
    book.remove(daily.id)
    assert book.quiet(now + 150)
    assert book.quiet(midnight + 86400 + 3600 + 300)
