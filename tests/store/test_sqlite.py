"""The store: a world written and read back is the same world, and commits are grouped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from testbed.clock import VirtualClock, parse_kst
from testbed.config import NetworkConfig
from testbed.network.centre import TransferOrder
from testbed.network.codes import Refusal
from testbed.network.ledger import AccountStatus
from testbed.network.openbanking import TransferRecord
from testbed.network.world import World
from testbed.store import Store, StoreError
from tests.conftest import START, WorldFactory
from tests.network.test_seed import world_bytes


def reopen(path: Path, network: NetworkConfig, seed: int = 7) -> World:
    world = World(network, VirtualClock(parse_kst(START)), seed)
    store = Store(str(path))
    try:
        store.load(world)
    finally:
        store.close()
    return world


def test_world_round_trips_through_the_file(
    tmp_path: Path, make_world: WorldFactory, network: NetworkConfig
) -> None:
    world = make_world(seed=7)
    store = Store(str(tmp_path / "w.db"))
    store.save_world(world)
    assert store.has_world()
    store.close()
    again = reopen(tmp_path / "w.db", network)
    assert world_bytes(again) == world_bytes(world)
    assert [h for a in again.ledger.accounts.values() for h in a.history] == [
        h for a in world.ledger.accounts.values() for h in a.history
    ]
    assert again.ledger.check() == world.ledger.check()


async def test_changes_after_attach_are_durable(
    tmp_path: Path, make_world: WorldFactory, network: NetworkConfig
) -> None:
    world = make_world(seed=7)
    store = Store(str(tmp_path / "w.db"))
    store.save_world(world)
    store.attach(world)
    keys = [k for k, a in world.ledger.accounts.items() if a.owner.startswith("user:")]
    async with world.clock:
        results = await asyncio.gather(
            *(world.transfer(TransferOrder(keys[i], keys[i + 1], 1000)) for i in range(8))
        )
    world.cash(keys[0], 5000)
    world.ledger.set_status(keys[1], AccountStatus.SUSPENDED)
    await store.durable()
    assert store.commits >= 1
    store.close()
    assert any(r.ok for r in results)
    again = reopen(tmp_path / "w.db", network)
    assert world_bytes(again) == world_bytes(world)
    assert again.ledger.accounts[keys[1]].status is AccountStatus.SUSPENDED
    report = again.ledger.check()
    assert report["ok"] and report["cash_in"] == 5000


async def test_group_commit_batches_many_writes(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "g.db"))
    for i in range(2000):
        store.put_meta(f"k{i}", str(i))
    await asyncio.gather(*(store.durable() for _ in range(50)))
    assert store.meta()["k1999"] == "1999"
    assert store.commits < 2000  # grouped, not one fsync per write
    store.close()


def test_a_database_from_another_network_is_refused(
    tmp_path: Path, make_world: WorldFactory, network: NetworkConfig
) -> None:
    store = Store(str(tmp_path / "w.db"))
    store.save_world(make_world(seed=7))
    store.close()
    from testbed.config import load_network
    from testbed.resources import network_path

    zengin = load_network(network_path("zengin"))
    with pytest.raises(StoreError, match="does not have"):
        reopen(tmp_path / "w.db", zengin)


def test_unopenable_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open"):
        Store(str(tmp_path / "missing-dir" / "x.db"))


async def test_tokens_and_transfer_records_survive_a_restart(
    tmp_path: Path, make_world: WorldFactory, network: NetworkConfig
) -> None:
    world = make_world(seed=7)
    store = Store(str(tmp_path / "w.db"))
    store.save_world(world)
    store.attach(world)
    client = next(iter(world.directory.clients.values()))
    user = next(iter(world.directory.users.values()))
    grant = world.auth.issue(client.client_use_code, user.user_seq_no, ["login"], world.clock.now())
    date = world.openbanking.claim(client, client.client_use_code + "U000000001", "withdraw", 0.0)
    world.openbanking.record(
        TransferRecord(
            client.client_use_code,
            client.client_use_code + "U000000001",
            date,
            "withdraw",
            20_000,
            0.0,
            "A0000",
            "088",
            "000",
            "",
            True,
            1,
            user.user_seq_no,
            {},
            {},
            {},
        )
    )
    await store.durable()
    store.close()
    again = reopen(tmp_path / "w.db", network)
    restored = again.auth.check(grant.access_token, world.clock.now())
    assert restored.user_seq_no == user.user_seq_no
    assert again.auth.by_refresh[grant.refresh_token] is restored
    record = again.openbanking.find(
        client.client_use_code, client.client_use_code + "U000000001", date
    )
    assert (
        record is not None
        and record.fee == 30
        and record.keep_until.startswith(str(int(date[:4]) + 5))
    )
    assert again.openbanking.moved[(client.client_use_code, "withdraw", "day", date)] == 20_000
    with pytest.raises(Refusal) as duplicate:
        again.openbanking.claim(client, client.client_use_code + "U000000001", "withdraw", 0.0)
    assert duplicate.value.rsp_code == "A0326"


async def test_faults_survive_a_restart_and_keep_acting(
    tmp_path: Path, make_world: WorldFactory, network: NetworkConfig
) -> None:
    from testbed.network.bank import BankState
    from testbed.network.fault_specs import fault_from_spec

    world = make_world(seed=7)
    store = Store(str(tmp_path / "w.db"))
    store.save_world(world)
    store.attach(world)
    world.faults.add(fault_from_spec(world, {"kind": "bank_down", "banks": ["088"], "for": "10m"}))
    await store.durable()
    store.close()
    again = reopen(tmp_path / "w.db", network)
    again.after_load()
    assert again.banks["088"].state_at(again.clock.now()) is BankState.DOWN
    again.clock.shift(601)
    assert again.banks["088"].state_at(again.clock.now()) is BankState.OPEN
    announced = [
        (e["type"], e.get("state"))
        for e in again.events.since(0)
        if e.get("bank") == "088" or e["type"] == "fault_end"
    ]
    assert ("bank_state", "open") in announced and ("fault_end", None) in announced
