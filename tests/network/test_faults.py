"""Faults in the model: random transfers under random faults never lose or invent money."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testbed.clock import parse_kst
from testbed.network.centre import TransferOrder
from testbed.network.faults import Fault, fault_from_spec
from tests.conftest import WorldFactory

FAULTS: list[dict[str, Any]] = [
    {"kind": "error", "problem": "bank_error", "probability": 0.3},
    {"kind": "error", "problem": "insufficient_balance", "probability": 0.2, "api": "withdraw"},
    {"kind": "timeout_after_commit", "probability": 0.2},
    {"kind": "timeout_before_commit", "probability": 0.2},
    {"kind": "latency", "latency": {"distribution": "uniform", "low": "0s", "high": "30s"}},
    {"kind": "capacity", "capacity": 1},
    {"kind": "bank_down", "for": "1m"},
    {"kind": "maintenance", "for": "2m"},
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    chosen=st.lists(st.sampled_from(range(len(FAULTS))), min_size=1, max_size=4),
)
def test_random_transfers_under_random_faults_keep_the_books(
    make_world: WorldFactory, seed: int, chosen: list[int]
) -> None:
    world = make_world(seed=seed % 7, users=15)
    rng = random.Random(seed)
    keys = sorted(k for k, a in world.ledger.accounts.items() if a.owner.startswith("user:"))
    banks = sorted({k[0] for k in keys})
    for i in chosen:
        spec = dict(FAULTS[i])
        if spec["kind"] in ("capacity", "bank_down", "maintenance") or rng.random() < 0.5:
            spec["banks"] = [rng.choice(banks)]
        world.faults.add(fault_from_spec(world, spec))
    before = world.ledger.check()
    told: dict[str, str] = {}

    async def one(n: int) -> None:
        debit, credit = rng.sample(keys, 2)
        ref = f"T{n:06d}"
        order = TransferOrder(
            debit,
            credit,
            rng.choice((1, 5_000, 70_000, 4_040_017)),
            ref=ref,
            api=rng.choice(("withdraw", "deposit")),
        )
        outcome = await world.transfer(order)
        told[ref] = "A0000" if outcome.ok else outcome.problem

    async def run() -> None:
        async with world.clock:
            for batch in range(10):
                await asyncio.gather(*(one(batch * 20 + i) for i in range(20)))
            world.clock.shift(3600)  # every timed-out transfer ends at its banks

    asyncio.run(run())
    report = world.ledger.check()
    assert report["ok"], report["problems"]
    assert report["total_balance"] == before["total_balance"]
    in_ledger = Counter(e.ref for e in world.ledger.entries if e.ref)
    for ref, answer in told.items():
        if answer == "A0000":
            assert in_ledger[ref] == 1, ref  # told success: exactly once
        elif answer != "timeout":
            assert in_ledger[ref] == 0, ref  # told failure: never
        else:
            assert in_ledger[ref] <= 1, ref  # told "unknown": at most once
    answers = Counter(told.values())
    # (a world where every transfer times out is legitimate: the claims are the ledger's)
    assert len(told) == 200, answers  # every transfer got an answer


def test_fault_schedule_edges() -> None:
    base = 1_772_413_200.0  # 2026-03-02 10:00 KST
    once = Fault("F1", "maintenance", start=base, end=base + 600)
    assert not once.active(base - 0.001) and once.active(base) and not once.active(base + 600)
    daily = Fault("F2", "maintenance", start=base, every=23 * 3600 + 1800, duration=3600)
    midnight = base - 10 * 3600
    assert daily.active(midnight + 23.5 * 3600) and daily.active(midnight + 24.4 * 3600)
    assert not daily.active(midnight + 24.5 * 3600) and not daily.active(midnight + 23.4 * 3600)


async def test_advancing_across_midnight_runs_everything_in_order(make_world: WorldFactory) -> None:
    world = make_world(seed=3, users=20, start="2026-03-02T22:00:00+09:00")
    world.faults.add(
        fault_from_spec(world, {"kind": "latency", "banks": ["088"], "latency": "1s", "for": "3h"})
    )
    keys = sorted(k for k, a in world.ledger.accounts.items() if a.owner.startswith("user:"))
    async with world.clock:
        for i in range(20):
            debit, credit = keys[i % len(keys)], keys[(i * 7 + 3) % len(keys)]
            if debit != credit:
                await world.transfer(TransferOrder(debit, credit, 1000 + i, ref=f"N{i}"))
    world.clock.set(parse_kst("2026-03-03T02:00:00+09:00"))
    events = world.events.since(0)
    times = [e["time"] for e in events]
    assert times == sorted(times)  # one clock, every event in order
    kinds = [e["type"] for e in events]
    first_cutover = kinds.index("bank_state")
    settlement = kinds.index("settlement")
    fault_end = kinds.index("fault_end")
    assert first_cutover < settlement < fault_end
    assert events[settlement]["time"] == "2026-03-02T23:55:00.000+09:00"
    assert events[fault_end]["time"] == "2026-03-03T01:00:00.000+09:00"
    assert sum(events[settlement]["positions"].values()) == 0
    shinhan = [(e["time"][11:16], e["state"]) for e in events if e.get("bank") == "088"]
    # slow from the fault's start, closed in its window, still slow after it (the fault
    # outlives the window), open when the fault ends
    assert shinhan == [
        ("22:00", "degraded"),
        ("23:30", "cutover"),
        ("23:40", "degraded"),
        ("01:00", "open"),
    ]
    assert world.ledger.check()["ok"]
