"""Encryption at rest: no personal value in plain text on disk, keys, rotation, migration.

The seed's 고객정보 암호화 rule on the testbed's own file: account numbers, 개인식별번호
(birth dates, the holder info, CI), phone numbers, e-mail addresses and names are sealed
(AES-GCM); rows are found by keyed hashes.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from testbed.config.settings import Settings
from testbed.runtime import open_runtime
from testbed.store import Store, StoreError
from testbed.store.crypto import (
    MasterKey,
    encode_key,
    key_file_of,
    new_key,
    pending_key_file_of,
    write_key_file,
)
from testbed.store.rekey import rotate
from testbed.typedefs import RUNTIME
from testbed.web.app import init_app
from tests.disk import bytes_on_disk

ACCOUNT = "90817263540"
BIRTH = "19870613"
PHONE = "01098761234"
EMAIL = "kim.secret@example.kr"
NAME = "김보안"
DTIME = "20260302100000"


async def _write_known_values(
    aiohttp_client: Any, settings: Settings, admin: dict[str, str]
) -> list[bytes]:
    """Through the HTTP API: a user with a known account, a withdrawal from it, a snapshot.
    Returns the personal values the file must not show (the CI the testbed made too)."""
    client = await aiohttp_client(init_app(settings))
    demo = (await (await client.get("/testbed/clients", headers=admin)).json())["clients"][0]
    made = await client.post(
        "/testbed/users",
        json={
            "name": NAME,
            "birth_date": BIRTH,
            "cell_no": PHONE,
            "email": EMAIL,
            "client_use_code": demo["client_use_code"],
            "accounts": [{"bank_code": "088", "account_num": ACCOUNT, "balance": 500_000}],
            "scope": "login inquiry transfer",
        },
        headers=admin,
    )
    assert made.status == 201, await made.text()
    user = await made.json()
    fin = user["accounts"][0]["fintech_use_num"]
    token = await (
        await client.post(
            "/oauth/2.0/token",
            data={
                "client_id": demo["client_id"],
                "client_secret": demo["client_secret"],
                "scope": "oob",
                "grant_type": "client_credentials",
            },
        )
    ).json()
    contract = {a["purpose"]: a for a in demo["contract_accounts"]}["withdraw"]
    answer = await (
        await client.post(
            "/v2.0/transfer/withdraw/fin_num",
            json={
                "bank_tran_id": f"{demo['client_use_code']}U000000001",
                "cntr_account_type": "N",
                "cntr_account_num": contract["account_num"],
                "dps_print_content": NAME,
                "fintech_use_num": fin,
                "wd_print_content": "포인트충전",
                "tran_amt": "20000",
                "tran_dtime": DTIME,
                "req_client_name": NAME,
                "req_client_fintech_use_num": fin,
                "req_client_num": "MEMBER0001",
                "transfer_purpose": "RC",
            },
            headers={"Authorization": f"Bearer {user['access_token']}"},
        )
    ).json()
    assert answer["rsp_code"] == "A0000", answer
    del token
    snap = await client.post("/testbed/snapshots", json={"label": "after"}, headers=admin)
    assert snap.status in (200, 201), await snap.text()
    runtime = client.server.app[RUNTIME]
    ci = runtime.world.directory.users[user["user_seq_no"]].user_ci
    await client.close()
    return [v.encode() for v in (ACCOUNT, BIRTH, BIRTH[2:], PHONE, EMAIL, NAME, ci)]


async def test_no_personal_value_is_on_disk_in_plain_text(
    aiohttp_client: Any, settings: Settings, auth: dict[str, str], tmp_path: Path
) -> None:
    on_file = dataclasses.replace(settings, db=str(tmp_path / "t.db"))
    secrets = await _write_known_values(aiohttp_client, on_file, auth)
    disk = bytes_on_disk(on_file.db)
    store = Store(on_file.db)
    try:
        snapshots = [store.snapshot(sid) for sid, *_ in store.snapshots()]
        records = store.stored_records("user")
    finally:
        store.close()
    assert snapshots and all(s is not None for s in snapshots)
    assert any(r["cell_no"] == PHONE for _, r in records)  # it is there, sealed
    with sqlite3.connect(on_file.db) as conn:
        (stored,) = conn.execute("SELECT data FROM snapshots").fetchone()
    for value in secrets:
        assert value not in disk, f"{value.decode()} is on disk in plain text"
        assert value not in bytes(stored)
    # and every value comes back: the world reopens as it was
    runtime = open_runtime(on_file)
    try:
        account = runtime.world.ledger.accounts[("088", ACCOUNT)]
        assert account.holder_name == NAME and account.balance == 480_000
        assert runtime.world.ledger.check()["ok"]
    finally:
        runtime.close()


def test_the_key_file_is_made_once_beside_the_database_mode_0600(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    Store(db).close()
    key = key_file_of(db)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = key.read_text()
    Store(db).close()
    assert key.read_text() == first


def test_a_database_does_not_open_with_another_key_or_without_one(tmp_path: Path) -> None:
    db = str(tmp_path / "k.db")
    Store(db).close()
    key_file_of(db).unlink()
    with pytest.raises(StoreError, match=r"key file .* is not there"):
        Store(db)
    with pytest.raises(StoreError, match="does not open the database"):
        Store(db, encode_key(new_key()))
    with pytest.raises(StoreError, match="32 random bytes"):
        Store(db, "not-a-key")


def test_testbed_data_key_takes_the_place_of_the_key_file(tmp_path: Path) -> None:
    db, key = str(tmp_path / "e.db"), encode_key(new_key())
    store = Store(db, key)
    store.put_meta("hello", "1")
    store.close()
    assert not key_file_of(db).exists()
    store = Store(db, key)
    assert store.meta()["hello"] == "1"
    store.close()


def _world_state(db: str, settings: Settings) -> tuple[Any, ...]:
    runtime = open_runtime(dataclasses.replace(settings, db=db))
    try:
        ledger = runtime.world.ledger
        return (
            [(a.key, a.holder_name, a.holder_info, a.balance) for a in ledger.accounts.values()],
            [(e.id, e.postings, e.balances_after) for e in ledger.entries],
            sorted((k, key) for book in runtime.world.books for k, key, _ in book.records()),
            ledger.check()["ok"],
        )
    finally:
        runtime.close()


async def test_rekey_with_the_key_file_loses_nothing(
    aiohttp_client: Any, settings: Settings, auth: dict[str, str], tmp_path: Path
) -> None:
    db = str(tmp_path / "r.db")
    on_file = dataclasses.replace(settings, db=db)
    secrets = await _write_known_values(aiohttp_client, on_file, auth)
    before = _world_state(db, settings)
    old_key = key_file_of(db).read_text()
    with sqlite3.connect(db) as conn:
        old_ref = conn.execute("SELECT account_ref FROM accounts ORDER BY rowid").fetchall()
    lines = rotate(db, None, None)
    assert "sealed again" in lines[0]
    assert key_file_of(db).read_text() != old_key and not pending_key_file_of(db).exists()
    assert _world_state(db, settings) == before
    with sqlite3.connect(db) as conn:  # the index key stays: pseudonyms are the same
        assert conn.execute("SELECT account_ref FROM accounts ORDER BY rowid").fetchall() == old_ref
    store = Store(db)
    assert store.snapshots() and store.snapshot(store.snapshots()[0][0]) is not None
    store.close()
    for value in secrets:
        assert value not in bytes_on_disk(db)
    key_file_of(db).write_text(old_key)  # the old key no longer opens it
    with pytest.raises(StoreError, match="does not open"):
        Store(db)


def test_rekey_from_and_to_testbed_data_key(tmp_path: Path, settings: Settings) -> None:
    db = str(tmp_path / "env.db")
    open_runtime(dataclasses.replace(settings, db=db)).close()
    before = _world_state(db, settings)
    env_key = encode_key(new_key())
    lines = rotate(db, None, env_key)  # from the key file to an environment key
    assert not key_file_of(db).exists() and any("TESTBED_DATA_KEY" in line for line in lines)
    with pytest.raises(StoreError, match="TESTBED_NEW_DATA_KEY"):
        rotate(db, env_key, None)
    newer = encode_key(new_key())
    rotate(db, env_key, newer)
    assert (
        _world_state(
            dataclasses.replace(settings).db if False else db,
            dataclasses.replace(settings, data_key=newer),
        )
        == before
    )


def test_a_rotation_that_stopped_half_way_is_finished_or_undone(tmp_path: Path) -> None:
    db = str(tmp_path / "h.db")
    Store(db).close()
    old = key_file_of(db).read_text()
    pending_key_file_of(db).write_text(encode_key(new_key()))  # written; never committed
    Store(db).close()
    assert key_file_of(db).read_text() == old and not pending_key_file_of(db).exists()
    # committed, then the process died before the new key took the old one's place
    store = Store(db, exclusive=True)
    new = new_key()
    write_key_file(pending_key_file_of(db), new)
    store.rekey(MasterKey(new, "test"))
    store.close()
    Store(db).close()
    assert key_file_of(db).read_text().strip() == encode_key(new)
    assert not pending_key_file_of(db).exists()


def test_rekey_refuses_a_database_in_use(tmp_path: Path) -> None:
    db = str(tmp_path / "busy.db")
    running = Store(db)
    try:
        with pytest.raises(StoreError, match="in use by a running testbed"):
            rotate(db, None, None)
    finally:
        running.close()


def test_an_altered_sealed_value_is_refused_not_misread(tmp_path: Path, settings: Settings) -> None:
    db = str(tmp_path / "x.db")
    on_file = dataclasses.replace(settings, db=db, users=3)
    runtime = open_runtime(on_file)
    for key in list(runtime.world.ledger.accounts)[:2]:
        runtime.world.cash(key, 1000)
    runtime.close()
    with sqlite3.connect(db) as conn:  # one account's sealed identity moved to another row
        rows = conn.execute("SELECT rowid, sealed FROM accounts ORDER BY rowid").fetchall()
        conn.execute("UPDATE accounts SET sealed = ? WHERE rowid = ?", (rows[0][1], rows[-1][0]))
    with pytest.raises(StoreError, match="altered"):
        open_runtime(on_file)


def test_the_same_seed_gives_the_same_world_though_the_ciphertext_differs(
    tmp_path: Path, settings: Settings
) -> None:
    dbs = [str(tmp_path / f"{n}.db") for n in "ab"]
    for db in dbs:
        runtime = open_runtime(dataclasses.replace(settings, db=db, users=3))
        runtime.world.cash(next(iter(runtime.world.ledger.accounts)), 1000)
        runtime.close()
    assert _world_state(dbs[0], settings) == _world_state(dbs[1], settings)
    sealed = []
    for db in dbs:
        with sqlite3.connect(db) as conn:
            sealed.append(conn.execute("SELECT sealed FROM accounts").fetchall())
    assert sealed[0] != sealed[1]
    assert os.path.exists(key_file_of(dbs[0]))


def test_a_database_of_the_previous_version_is_sealed_on_first_open(
    tmp_path: Path, settings: Settings
) -> None:
    """`data/v2.db` was written by the version before sealing (schema 2): a user with a known
    account, phone and e-mail made over HTTP, a withdrawal, a snapshot."""
    db = tmp_path / "v2.db"
    db.write_bytes((Path(__file__).parent / "data" / "v2.db").read_bytes())
    plain = [ACCOUNT.encode(), PHONE.encode(), EMAIL.encode(), NAME.encode()]
    assert all(value in db.read_bytes() for value in plain)  # what the old version left
    old = dataclasses.replace(
        settings, db=str(db), users=3, history_days=5, start="2026-03-02T10:00:00+09:00"
    )
    runtime = open_runtime(old)
    try:
        account = runtime.world.ledger.accounts[("088", ACCOUNT)]
        assert (account.holder_name, account.balance) == (NAME, 480_000)
        users = [u for u in runtime.world.directory.users.values() if u.cell_no == PHONE]
        assert [u.email for u in users] == [EMAIL]
        assert runtime.world.ledger.check()["ok"]
        assert len(runtime.world.openbanking.tables["transfer"]) == 1
        ((snapshot_id, label, *_),) = runtime.store.snapshots()
        assert label == "v2" and runtime.store.snapshot(snapshot_id) is not None
        assert runtime.store.meta()["schema"] == "3"
    finally:
        runtime.close()
    for value in plain:
        assert value not in bytes_on_disk(db), f"{value.decode()} is still on disk"


def test_nonces_never_repeat_within_a_sealer_or_across_sealers() -> None:
    from testbed.store.crypto import DatabaseKeys, Sealer

    keys = DatabaseKeys.new()
    first, second = Sealer(keys), Sealer(keys)  # two processes with the same key
    nonces = [s.seal(b"x", b"row")[1:13] for s in (first, second) for _ in range(1000)]
    assert len(set(nonces)) == 2000
    assert first.open(first.seal(b"value", b"r"), b"r") == b"value"
