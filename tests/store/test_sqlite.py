"""The store: a world written and read back is the same world, and commits are grouped."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from testbed.clock import VirtualClock, parse_kst, yyyymmdd
from testbed.config import NetworkConfig
from testbed.network.books import Total, TransferRecord, record_key
from testbed.network.centre import TransferOrder
from testbed.network.codes import Refusal
from testbed.network.ledger import AccountStatus
from testbed.network.names import Api
from testbed.network.world import World
from testbed.runtime import world_from_snapshot
from testbed.store import Store, StoreError
from testbed.store.sqlite import (
    LAZY_WITHIN,
    ROWS,
    SEEDED,
    decode_snapshot,
    encode_snapshot,
    restore_snapshot,
    snapshot_state,
)
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
    with pytest.raises(StoreError, match="make otherwise"):  # kept as its seeding
        reopen(tmp_path / "w.db", zengin)
    rows = Store(str(tmp_path / "rows.db"))  # kept as rows: a world from a snapshot
    rows.save_world(world_from_snapshot(network, encode_snapshot(snapshot_state(make_world()))))
    rows.close()
    with pytest.raises(StoreError, match="does not have"):
        reopen(tmp_path / "rows.db", zengin)


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
    assert again.openbanking.moved[Total(client.client_use_code, Api.WITHDRAW, date)] == 20_000
    assert record.api is Api.WITHDRAW  # the stored text loads as the member it names
    with pytest.raises(Refusal) as duplicate:
        again.openbanking.claim(client, client.client_use_code + "U000000001", "withdraw", 0.0)
    assert duplicate.value.rsp_code == "A0326"


async def test_faults_survive_a_restart_and_keep_acting(
    tmp_path: Path, make_world: WorldFactory, network: NetworkConfig
) -> None:
    from testbed.network.faults import BankState, fault_from_spec

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


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        (n,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(n)


async def test_a_fresh_world_is_kept_as_its_seeding_and_its_changes(
    tmp_path: Path, make_world: WorldFactory, network: NetworkConfig
) -> None:
    world = make_world(seed=7, users=30)
    path = tmp_path / "w.db"
    store = Store(str(path))
    store.save_world(world)
    meta = store.meta()
    assert meta["world"] == SEEDED and json.loads(meta["seeding"])["users"] == 30
    # only the institutions (their secrets are not the seed's): 2 records
    clients = len(world.directory.clients)
    assert [_count(path, t) for t in ("accounts", "entries", "records")] == [0, 0, clients]
    store.attach(world)
    keys = [k for k, a in world.ledger.accounts.items() if a.seeded and a.owner.startswith("user:")]
    async with world.clock:
        outcome = await world.transfer(TransferOrder(keys[0], keys[5], 12_345))
    assert outcome.ok
    world.ledger.set_status(keys[9], AccountStatus.ACCIDENT)
    user = next(iter(world.directory.users.values()))
    user.email = "changed@example.com"
    world.directory.put_user(user)
    await store.durable()
    store.close()
    assert _count(path, "accounts") == len({keys[0], keys[5], keys[9]})  # what changed
    again = reopen(path, network)
    assert world_bytes(again) == world_bytes(world)  # balances, statuses, every line
    assert again.directory.users[user.user_seq_no].email == "changed@example.com"
    assert [c.client_secret for c in again.directory.clients.values()] == [
        c.client_secret for c in world.directory.clients.values()
    ]  # kept, not drawn again
    assert again.ledger.accounts[keys[0]].history[-1].amount == -12_345
    assert again.ledger.accounts[keys[1]].history_source is not None  # still lazy
    report = again.ledger.check(deep=True)
    assert report["ok"], report["problems"]
    assert report == world.ledger.check(deep=True)


def test_a_world_from_a_snapshot_is_kept_as_rows(
    tmp_path: Path, make_world: WorldFactory, network: NetworkConfig
) -> None:
    world = make_world(seed=7)
    world.cash(next(iter(world.ledger.accounts)), 1_000)
    restored = world_from_snapshot(network, encode_snapshot(snapshot_state(world)))
    assert world_bytes(restored) == world_bytes(world)
    store = Store(str(tmp_path / "w.db"))
    store.save_world(restored)
    assert store.meta()["world"] == ROWS and "seeding" in store.meta()
    store.close()
    assert _count(tmp_path / "w.db", "accounts") == len(world.ledger.accounts)
    again = reopen(tmp_path / "w.db", network)
    assert world_bytes(again) == world_bytes(world)
    assert again.ledger.check(deep=True)["ok"]


def test_a_seeding_from_another_generator_is_refused(
    tmp_path: Path, make_world: WorldFactory, network: NetworkConfig
) -> None:
    store = Store(str(tmp_path / "w.db"))
    store.save_world(make_world(seed=7))
    spec = json.loads(store.meta()["seeding"])
    store.put_meta("seeding", json.dumps({**spec, "generator": 1}))
    store.close()
    with pytest.raises(StoreError, match="generator 1"):
        reopen(tmp_path / "w.db", network)


_OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE accounts (
    bank_code TEXT NOT NULL, account_num TEXT NOT NULL,
    holder_name TEXT NOT NULL, holder_info TEXT NOT NULL, holder_type TEXT NOT NULL,
    account_type TEXT NOT NULL, product_name TEXT NOT NULL, issue_date TEXT NOT NULL,
    maturity_date TEXT NOT NULL, owner TEXT NOT NULL, branch_name TEXT NOT NULL,
    status TEXT NOT NULL, balance INTEGER NOT NULL,
    PRIMARY KEY (bank_code, account_num)
);
CREATE TABLE entries (id INTEGER PRIMARY KEY, time REAL NOT NULL, kind TEXT NOT NULL,
    ref TEXT NOT NULL);
CREATE TABLE postings (
    entry_id INTEGER NOT NULL, seq INTEGER NOT NULL,
    bank_code TEXT NOT NULL, account_num TEXT NOT NULL, amount INTEGER NOT NULL,
    balance_after INTEGER NOT NULL, print_content TEXT NOT NULL, tran_type TEXT NOT NULL,
    PRIMARY KEY (entry_id, seq)
) WITHOUT ROWID;
INSERT INTO meta VALUES ('schema', '1'), ('seed', '7'), ('world', '1');
INSERT INTO accounts VALUES
    ('004', '111122223333', '김하나', '900101', 'P', '1', '보통예금', '20200101', '', 'user:1100000001',
     '본점', 'normal', 70000),
    ('088', '444455556666', '박둘', '910202', 'P', '1', '보통예금', '20200101', '', 'user:1100000002',
     '본점', 'normal', 30000);
INSERT INTO entries VALUES (1, 1.0, 'seed', ''), (2, 3.0, 'transfer', 'T1');
INSERT INTO postings VALUES
    (1, 0, '004', '111122223333', 100000, 100000, '신규', '현금'),
    (1, 1, '@external', 'world', -100000, 0, '', ''),
    (2, 0, '004', '111122223333', -30000, 70000, '박둘', '타행환'),
    (2, 1, '088', '444455556666', 30000, 30000, '김하나', '타행환'),
    (2, 2, '@clearing', '004', -30000, 0, '', ''),
    (2, 3, '@clearing', '088', 30000, 0, '', '');
"""


def test_a_file_from_before_seeded_accounts_still_opens(
    tmp_path: Path, network: NetworkConfig
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(_OLD_SCHEMA)
    again = reopen(path, network)
    ledger = again.ledger
    assert [(a.balance, a.seeded) for a in ledger.accounts.values()] == [(70_000, 0), (30_000, 0)]
    assert [h.amount for h in ledger.accounts[("004", "111122223333")].history] == [
        100_000,
        -30_000,
    ]
    report = ledger.check()
    assert report["ok"], report["problems"]
    assert report["seeded_total"] == 100_000 and report["history_lines_proven"] == 3
    store = Store(str(path))  # the column is added once, the file goes on
    assert store.has_world()
    store.close()


def test_a_snapshot_of_format_1_restores(make_world: WorldFactory, network: NetworkConfig) -> None:
    state = decode_snapshot(encode_snapshot(snapshot_state(make_world(seed=7))))
    assert state["format"] == 2 and state["seeding"]["seed"] == 7
    old = {
        "format": 1,
        "seed": 7,
        "clock": state["clock"],
        "accounts": [
            [
                "004",
                "111122223333",
                "김하나",
                "900101",
                "P",
                "1",
                "보통예금",
                "20200101",
                "",
                "user:1",
                "본점",
                "normal",
                5000,
            ],
        ],
        "entries": [
            [
                1,
                1.0,
                "seed",
                "",
                [
                    ["004", "111122223333", 5000, 5000, "신규", "현금"],
                    ["@external", "world", -5000, 0, "", ""],
                ],
            ]
        ],
        "records": [],
        "random": {},
    }
    world = World(network, VirtualClock(parse_kst(START)), 7)
    restore_snapshot(world, old)
    assert world.ledger.accounts[("004", "111122223333")].history[0].amount == 5000
    assert world.ledger.check()["ok"]


def _records(path: Path) -> list[tuple[str, str]]:
    """What another connection (another process, after a crash) finds on disk."""
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT kind, key_ref FROM records ORDER BY rowid").fetchall()


async def test_an_inquiry_claim_waits_for_company_but_not_long(
    make_world: WorldFactory, tmp_path: Path
) -> None:
    """A lazy record (an inquiry's bank_tran_id) does not wake the writer: it rides with the
    next write, or is committed alone once LAZY_WITHIN has passed."""
    path = tmp_path / "lazy.db"
    world = make_world(users=2)
    store = Store(str(path))
    store.save_world(world)
    store.attach(world)
    client = next(iter(world.directory.clients.values()))
    now = world.clock.now()

    def claim(n: int) -> str:
        bank_tran_id = f"{client.client_use_code}U{n:09d}"
        world.openbanking.claim(client, bank_tran_id, "balance", now)
        # on disk, a record's key is its keyed hash
        return store.record_ref(
            "tran_id", record_key(client.client_use_code, yyyymmdd(now), bank_tran_id)
        )

    def on_disk() -> list[str]:
        return [key for kind, key in _records(path) if kind == "tran_id"]

    try:
        await store.durable()
        commits = store.commits
        first = [claim(1), claim(2)]
        assert not store._urgent  # queued, the writer left asleep
        store.put_meta("company", "1")  # any other write takes them along
        await store.durable()
        assert store.commits == commits + 1 and on_disk() == first
        # alone, a claim is committed within LAZY_WITHIN, with nobody waiting for it
        third = claim(3)
        for _ in range(100):
            if third in on_disk():
                break
            await asyncio.sleep(LAZY_WITHIN / 5)
        assert on_disk() == [*first, third]
        assert store.commits == commits + 2
    finally:
        store.close()
