"""Cutover windows (공동망 미개시) and the centre's hours, on the virtual clock."""

from __future__ import annotations

import dataclasses

import pytest

from testbed.clock import VirtualClock, parse_kst
from testbed.config import NetworkConfig, Window
from testbed.network.centre import TransferOrder
from testbed.network.faults import BankState
from testbed.network.world import World
from tests.conftest import WorldFactory


def _with_window(network: NetworkConfig, code: str, start: int, end: int) -> NetworkConfig:
    institutions = tuple(
        dataclasses.replace(i, cutover=(Window(start, end),)) if i.code == code else i
        for i in network.institutions
    )
    return dataclasses.replace(network, institutions=institutions)


@pytest.fixture
def night_world(network: NetworkConfig) -> World:
    """A world where 004 closes 23:30–00:30 (written 23:30–24:30)."""
    config = _with_window(network, "004", 23 * 3600 + 1800, 24 * 3600 + 1800)
    return World(config, VirtualClock(parse_kst("2026-03-02T12:00:00+09:00")), seed=1)


@pytest.mark.parametrize("day", ["2026-03-02", "2026-03-03"])
@pytest.mark.parametrize(
    ("moment", "next_day", "state"),
    [
        ("23:29:59", False, BankState.OPEN),
        ("23:30:00", False, BankState.CUTOVER),
        ("00:29:59", True, BankState.CUTOVER),
        ("00:30:00", True, BankState.OPEN),
    ],
)
def test_bank_window_edges_on_two_days(
    night_world: World, day: str, moment: str, next_day: bool, state: BankState
) -> None:
    t = parse_kst(f"{day}T{moment}+09:00") + (86400 if next_day else 0)
    night_world.clock.set(t)
    assert night_world.banks["004"].state_at(night_world.clock.now()) is state


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("23:54:59", True),
        ("23:55:00", False),
        ("00:04:59", False),
        ("00:05:00", True),
        ("12:00:00", True),
    ],
)
def test_centre_closed_from_2355_to_0005(night_world: World, moment: str, is_open: bool) -> None:
    night_world.clock.set(parse_kst(f"2026-03-03T{moment}+09:00"))
    assert night_world.centre.is_open(night_world.clock.now()) is is_open


def test_daily_process_announces_each_change_at_its_moment(night_world: World) -> None:
    night_world.clock.set(parse_kst("2026-03-04T12:00:00+09:00"))  # two nights later
    changes = [e for e in night_world.events.since(0, "bank_state") if e["bank"] == "004"]
    assert [(e["time"], e["state"]) for e in changes] == [
        ("2026-03-02T23:30:00.000+09:00", "cutover"),
        ("2026-03-03T00:30:00.000+09:00", "open"),
        ("2026-03-03T23:30:00.000+09:00", "cutover"),
        ("2026-03-04T00:30:00.000+09:00", "open"),
    ]


def test_virtual_time_does_not_run_to_the_next_event_on_its_own(night_world: World) -> None:
    # Nothing is waiting on the model: the 23:30 change must not have fired at noon.
    assert night_world.events.since(0, "bank_state") == []
    assert night_world.banks["004"].state_at(night_world.clock.now()) is BankState.OPEN


def test_next_change_is_reported(night_world: World) -> None:
    bank = night_world.banks["004"]
    moment, state = bank.next_change(night_world.clock.now()) or (0.0, None)
    assert (moment, state) == (parse_kst("2026-03-02T23:30:00+09:00"), BankState.CUTOVER)


async def test_transfer_refused_in_cutover_with_configured_code(make_world: WorldFactory) -> None:
    world = make_world(users=10, start="2026-03-02T23:35:00+09:00")
    user_keys = [k for k, a in world.ledger.accounts.items() if a.owner.startswith("user:")]
    closed = next(
        k for k in user_keys if world.banks[k[0]].state_at(world.clock.now()) is BankState.CUTOVER
    )
    other = next(k for k in user_keys if k[0] != closed[0])
    balance = world.ledger.accounts[closed].balance
    async with world.clock:
        outcome = await world.transfer(TransferOrder(closed, other, 1000))
    assert not outcome.ok
    assert outcome.problem == "bank_closed" and outcome.bank_code == closed[0]
    assert outcome.response == world.banks[closed[0]].institution.codes["bank_closed"]
    assert world.ledger.accounts[closed].balance == balance
