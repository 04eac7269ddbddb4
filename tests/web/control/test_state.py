"""Settlement, account status, snapshots and reset through the control plane."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from testbed import runtime as runtime_module
from testbed.clock import VirtualClock, parse_kst
from testbed.config import NetworkConfig
from testbed.config.settings import Settings
from testbed.network.centre import TransferOrder
from testbed.network.ledger import AccountKey
from testbed.network.seed import WorldSize, populate
from testbed.network.settlement import settle
from testbed.network.world import World
from testbed.runtime import Runtime
from testbed.store import Store
from testbed.store.sqlite import decode_snapshot, encode_snapshot, snapshot_state
from testbed.typedefs import RUNTIME
from testbed.web.app import init_app
from tests.api.conftest import Api
from tests.conftest import START, without_secrets
from tests.network.test_seed import world_bytes

Client = TestClient[web.Request, web.Application]
DTIME = "20260302100000"
AT_START = "2026-03-02T10:00:00.000+09:00"


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings) -> Client:
    made: Client = await aiohttp_client(init_app(settings))
    return made


@pytest.fixture
def on_file(settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(settings, db=str(tmp_path / "testbed.db"))


def _runtime(client: Client) -> Runtime:
    assert client.app is not None
    return client.app[RUNTIME]


def fingerprint(world: World) -> dict[str, Any]:
    """What a world holds, read directly from the model (not through the snapshot code)."""
    ledger = world.ledger
    return {
        "accounts": [dataclasses.astuple(a) for a in ledger.accounts.values()],
        "entries": list(ledger.entries),
        "internal": dict(ledger.internal),
        "flows": (ledger.seeded_total, ledger.cash_in, ledger.cash_out),
        "records": [without_secrets(book.records()) for book in world.books],
        "clock": world.clock.state(),
    }


def _snapshot(world: World) -> dict[str, Any]:
    """A snapshot's state, the institutions' secrets blanked (never the seed's)."""
    state = snapshot_state(world)
    state["records"] = [list(r) for r in without_secrets([tuple(r) for r in state["records"]])]
    return state


def fresh_world(network: NetworkConfig, settings: Settings) -> World:
    world = World(network, VirtualClock(parse_kst(START)), settings.seed)
    populate(world, WorldSize(users=settings.users, history_days=settings.history_days))
    return world


async def _get(client: Client, auth: dict[str, str], path: str) -> Any:
    resp = await client.get(path, headers=auth)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _post(client: Client, auth: dict[str, str], path: str, body: Any = None) -> Any:
    resp = await client.post(path, json=body, headers=auth)
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


async def _balance(api: Api, user: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    demo = await api.demo()
    return await api.get(
        "/v2.0/account/balance/fin_num",
        token or user["access_token"],
        bank_tran_id=api.tran_id(demo["client_use_code"]),
        fintech_use_num=user["accounts"][0]["fintech_use_num"],
        tran_dtime=DTIME,
    )


async def _withdraw(api: Api, user: dict[str, Any], amount: int) -> dict[str, Any]:
    demo = await api.demo()
    contract = next(a for a in demo["contract_accounts"] if a["purpose"] == "withdraw")
    fin = user["accounts"][0]["fintech_use_num"]
    return await api.post(
        "/v2.0/transfer/withdraw/fin_num",
        user["access_token"],
        {
            "bank_tran_id": api.tran_id(demo["client_use_code"]),
            "cntr_account_type": "N",
            "cntr_account_num": contract["account_num"],
            "dps_print_content": "포인트충전",
            "fintech_use_num": fin,
            "wd_print_content": "핀테크충전",
            "tran_amt": str(amount),
            "tran_dtime": DTIME,
            "req_client_name": "홍길동",
            "req_client_fintech_use_num": fin,
            "req_client_num": "MEMBER0001",
            "transfer_purpose": "RC",
        },
    )


async def _revoke(api: Api, token: str) -> None:
    demo = await api.demo()
    resp = await api.http.post(
        "/oauth/2.0/revoke",
        data={
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "access_token": token,
        },
    )
    assert (await resp.json())["rsp_code"] == "A0000"


def _two_banks(world: World) -> tuple[AccountKey, AccountKey]:
    keys = [k for k, a in world.ledger.accounts.items() if a.owner.startswith("user:")]
    rich = max(keys, key=lambda k: world.ledger.accounts[k].balance)
    return rich, next(k for k in keys if k[0] != rich[0])


# --- settlement -------------------------------------------------------------------------


async def test_settlement_of_today(client: Client, auth: dict[str, str]) -> None:
    world = _runtime(client).world
    before = await _get(client, auth, "/testbed/settlement")
    assert before["date"] == "20260302" and before["total"] == 0
    payer, payee = _two_banks(world)
    for amount in (40_000, 2_500):
        assert (await world.transfer(TransferOrder(payer, payee, amount))).ok
    assert (await world.transfer(TransferOrder(payee, payer, 500))).ok
    after = await _get(client, auth, "/testbed/settlement?date=20260302")
    assert after["transfers"] == before["transfers"] + 3 and after["total"] == 0
    moved = {
        bank: after["positions"].get(bank, 0) - before["positions"].get(bank, 0)
        for bank in set(after["positions"]) | set(before["positions"])
    }
    assert {b: v for b, v in moved.items() if v} == {payer[0]: -42_000, payee[0]: 42_000}
    assert sum(after["positions"].values()) == 0


async def test_settlement_of_another_day(client: Client, auth: dict[str, str]) -> None:
    world = _runtime(client).world
    busy = next(
        d
        for d in (f"202602{day:02d}" for day in range(1, 29))
        if settle(world.ledger, d).transfers > 1
    )
    answer = await _get(client, auth, f"/testbed/settlement?date={busy}")
    assert answer == settle(world.ledger, busy).view()
    assert answer["positions"] and answer["total"] == 0


@pytest.mark.parametrize("date", ["2026-03-02", "20261301", "yesterday", "202603021"])
async def test_settlement_refuses_a_bad_date(
    client: Client, auth: dict[str, str], date: str
) -> None:
    resp = await client.get(f"/testbed/settlement?date={date}", headers=auth)
    assert resp.status == 400 and "date" in (await resp.json())["error"]


# --- account status ---------------------------------------------------------------------


async def test_a_suspended_account_is_refused_by_its_bank_and_stays_so(
    aiohttp_client: Any, on_file: Settings, auth: dict[str, str]
) -> None:
    client: Client = await aiohttp_client(init_app(on_file))
    api = Api(client, auth)
    user = await api.user([{"bank_code": "088", "balance": 30_000}])
    account = user["accounts"][0]
    path = f"/testbed/accounts/088/{account['account_num']}"
    assert (await _balance(api, user))["rsp_code"] == "A0000"
    view = await _post(client, auth, f"{path}/status", {"status": "suspended"})
    assert view == {**await _get(client, auth, path + "?history=0"), "status": "suspended"}
    assert view["balance"] == 30_000 and "history" not in view
    body = await _balance(api, user)
    assert (body["rsp_code"], body["bank_rsp_code"]) == ("A0002", "420")
    (event,) = (await _get(client, auth, "/testbed/events?type=account_status"))["events"]
    assert event["bank"] == "088" and event["status"] == "suspended"
    assert account["account_num"] not in json.dumps(event)
    await client.close()
    client = await aiohttp_client(init_app(on_file))  # the change was written to the file
    assert (await _get(client, auth, path))["status"] == "suspended"
    await _post(client, auth, f"{path}/status", {"status": "normal"})
    api.http = client  # the same fintech, its bank_tran_ids going on
    assert (await _balance(api, user))["rsp_code"] == "A0000"


@pytest.mark.parametrize(
    ("body", "status"),
    [({"status": "frozen"}, 400), ({}, 400), ({"status": "closed", "why": "x"}, 400)],
)
async def test_a_bad_status_changes_nothing(
    client: Client, auth: dict[str, str], body: Any, status: int
) -> None:
    users = (await _get(client, auth, "/testbed/users"))["users"]
    account = users[0]["accounts"][0]
    path = f"/testbed/accounts/{account['bank_code']}/{account['account_num']}"
    resp = await client.post(f"{path}/status", json=body, headers=auth)
    assert resp.status == status and "normal" in (await resp.json())["error"]
    assert (await _get(client, auth, path))["status"] == "normal"
    resp = await client.post("/testbed/accounts/004/0000/status", json={"status": "closed"})
    assert resp.status == 401
    resp = await client.post(
        "/testbed/accounts/004/0000/status", json={"status": "closed"}, headers=auth
    )
    assert resp.status == 404


# --- snapshots --------------------------------------------------------------------------


async def test_restore_gives_back_the_world_and_survives_a_restart(
    aiohttp_client: Any, on_file: Settings, auth: dict[str, str]
) -> None:
    client: Client = await aiohttp_client(init_app(on_file))
    api = Api(client, auth)
    old_user = await api.user([{"bank_code": "004", "balance": 500_000}])
    old_token = old_user["access_token"]
    made = await _post(client, auth, "/testbed/snapshots", {"label": "월요일 아침"})
    assert made == {"id": 1, "label": "월요일 아침", "time": AT_START}
    runtime = _runtime(client)
    saved = fingerprint(runtime.world)
    saved_state = snapshot_state(runtime.world)
    clock = await _get(client, auth, "/testbed/clock")

    # changes: cash, a new user and token, a transfer through the API, a revoke, the clock
    path = f"/testbed/accounts/004/{old_user['accounts'][0]['account_num']}"
    await _post(client, auth, f"{path}/cash", {"amount": 70_000})
    new_user = await api.user([{"bank_code": "088", "balance": 90_000}], name="김새롬")
    assert (await _withdraw(api, new_user, 12_000))["rsp_code"] == "A0000"
    await _revoke(api, old_token)
    await _post(client, auth, "/testbed/clock", {"shift": "3h"})
    assert runtime.store.last_time() == runtime.clock.now() > parse_kst(START) + 3 * 3600
    assert (await _balance(api, old_user))["rsp_code"] == "O0002"
    assert fingerprint(runtime.world) != saved

    restored = await _post(client, auth, "/testbed/snapshots/1/restore")
    assert restored == {"id": 1, "label": "월요일 아침", "time": AT_START, "clock": clock}
    assert fingerprint(runtime.world) == saved
    assert snapshot_state(runtime.world) == saved_state  # the random streams too
    assert await _get(client, auth, "/testbed/clock") == clock
    assert (await _balance(api, old_user))["rsp_code"] == "A0000"  # the old token again
    assert (await _balance(api, old_user))["balance_amt"] == "500000"
    assert (await _balance(api, new_user))["rsp_code"] == "O0002"  # issued after: unknown
    assert runtime.world.ledger.check()["ok"]
    assert runtime.store.last_time() == parse_kst(START)  # a restart resumes it there
    (event,) = (await _get(client, auth, "/testbed/events?type=restore"))["events"]
    assert event["snapshot"] == 1
    restored_world = fingerprint(runtime.world)

    # a restart on the same file: the database holds the restored world, and the snapshot
    await client.close()
    client = await aiohttp_client(init_app(on_file))
    runtime = _runtime(client)
    assert fingerprint(runtime.world) == restored_world
    listing = (await _get(client, auth, "/testbed/snapshots"))["snapshots"]
    assert [(s["id"], s["label"], s["time"]) for s in listing] == [(1, "월요일 아침", AT_START)]
    assert listing[0]["bytes"] > 1000
    await _post(client, auth, f"{path}/cash", {"amount": 1_000})
    await _post(client, auth, "/testbed/clock", {"shift": "1h"})
    await _post(client, auth, "/testbed/snapshots/1/restore")
    assert fingerprint(runtime.world) == saved
    api.http = client
    assert (await _balance(api, old_user))["rsp_code"] == "A0000"


async def test_snapshots_take_an_optional_label(client: Client, auth: dict[str, str]) -> None:
    resp = await client.post("/testbed/snapshots", headers=auth)  # no body at all
    assert resp.status == 201 and (await resp.json())["label"] == ""
    await _post(client, auth, "/testbed/clock", {"shift": "90m"})
    second = await _post(client, auth, "/testbed/snapshots", {"label": "later"})
    assert second["id"] == 2 and second["time"] == "2026-03-02T11:30:00.000+09:00"
    listing = (await _get(client, auth, "/testbed/snapshots"))["snapshots"]
    assert [(s["id"], s["label"]) for s in listing] == [(1, ""), (2, "later")]
    for body, phrase in [({"label": 5}, "label"), ({"name": "x"}, "unknown"), ([1], "object")]:
        resp = await client.post("/testbed/snapshots", json=body, headers=auth)
        assert resp.status == 400 and phrase in (await resp.json())["error"]
    # an id past 64 bits was a 500 (SQLite refused to look): found by make soak's fuzz
    for bad in ("3", "0", "abc", "9" * 30, str(2**63)):
        resp = await client.post(f"/testbed/snapshots/{bad}/restore", headers=auth)
        assert resp.status == 404 and "no snapshot" in (await resp.json())["error"]
    assert len((await _get(client, auth, "/testbed/snapshots"))["snapshots"]) == 2


async def test_a_realtime_clock_comes_back_as_it_was(
    aiohttp_client: Any, settings: Settings, auth: dict[str, str]
) -> None:
    realtime = dataclasses.replace(settings, clock="realtime", speed=60.0)
    client: Client = await aiohttp_client(init_app(realtime))
    await _post(client, auth, "/testbed/clock", {"freeze": True})
    await _post(client, auth, "/testbed/snapshots")
    frozen = await _get(client, auth, "/testbed/clock")
    assert frozen["mode"] == "realtime" and frozen["frozen"] and frozen["speed"] == 60.0
    await _post(client, auth, "/testbed/clock", {"resume": True, "speed": 1})
    await _post(client, auth, "/testbed/clock", {"shift": "2h"})
    await _post(client, auth, "/testbed/snapshots/1/restore")
    assert await _get(client, auth, "/testbed/clock") == frozen


async def test_a_request_in_flight_during_a_swap_gets_its_answer(
    aiohttp_client: Any, on_file: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_module, "RETIRE_GRACE", 0.0)
    client: Client = await aiohttp_client(init_app(on_file))
    runtime = _runtime(client)
    old = runtime.world
    payer, payee = _two_banks(old)
    before = old.ledger.accounts[payer].balance
    pending = asyncio.ensure_future(old.transfer(TransferOrder(payer, payee, 1_000)))
    await asyncio.sleep(0)  # the transfer's process has started on the old world
    assert old.clock.demand == 1
    await runtime.replace_world(fresh_world(runtime.network, runtime.settings))
    async with asyncio.timeout(5):
        outcome = await pending
    assert outcome.ok and old.ledger.accounts[payer].balance == before - 1_000
    assert runtime.world.ledger.accounts[payer].balance == before  # another world
    await runtime.store.durable()
    on_disk = World(runtime.network, VirtualClock(parse_kst(START)), on_file.seed)
    store = Store(on_file.db)  # a second reader of the file
    try:
        store.load(on_disk)
    finally:
        store.close()
    assert fingerprint(on_disk) == fingerprint(runtime.world)  # nothing of the old one


# --- reset ------------------------------------------------------------------------------


async def test_reset_gives_back_the_seeded_world(
    aiohttp_client: Any, on_file: Settings, auth: dict[str, str], network: NetworkConfig
) -> None:
    client: Client = await aiohttp_client(init_app(on_file))
    api = Api(client, auth)
    runtime = _runtime(client)
    seeded = fresh_world(network, on_file)
    assert world_bytes(runtime.world) == world_bytes(seeded)
    user = await api.user([{"bank_code": "004", "balance": 80_000}])
    assert (await _withdraw(api, user, 5_000))["rsp_code"] == "A0000"
    account = next(iter(runtime.world.ledger.accounts.values()))
    path = f"/testbed/accounts/{account.bank_code}/{account.account_num}"
    await _post(client, auth, f"{path}/cash", {"amount": 33_000})
    await _post(client, auth, f"{path}/status", {"status": "closed"})
    await _post(client, auth, "/testbed/snapshots", {"label": "kept"})
    await _post(client, auth, "/testbed/clock", {"shift": "20h"})
    last_seq = runtime.world.events.seq
    assert world_bytes(runtime.world) != world_bytes(seeded)

    answer = await _post(client, auth, "/testbed/reset")
    assert answer["clock"]["now"] == AT_START and answer["seed"] == on_file.seed
    world = runtime.world
    balances = {k: a.balance for k, a in world.ledger.accounts.items()}
    assert balances == {k: a.balance for k, a in seeded.ledger.accounts.items()}
    assert answer["users"] == len(seeded.directory.users) == on_file.users
    assert answer["entries"] == len(seeded.ledger.entries)
    assert [len(t) for b in world.books for t in b.tables.values()] == [
        len(t) for b in seeded.books for t in b.tables.values()
    ]
    assert world_bytes(world) == world_bytes(seeded)
    assert fingerprint(world) == fingerprint(seeded)
    assert _snapshot(world) == _snapshot(seeded)
    assert (await _balance(api, user))["rsp_code"] == "O0002"  # that user never existed
    (event,) = (await _get(client, auth, "/testbed/events?type=reset"))["events"]
    assert event["seq"] == last_seq + 1  # the log goes on across worlds

    await client.close()  # a restart: the database holds the seeded world again
    client = await aiohttp_client(init_app(on_file))
    assert fingerprint(_runtime(client).world) == fingerprint(seeded)
    snapshots = (await _get(client, auth, "/testbed/snapshots"))["snapshots"]
    assert [s["label"] for s in snapshots] == ["kept"]  # reset keeps the snapshots


async def test_reset_of_a_realtime_clock_without_start_is_now(
    aiohttp_client: Any, settings: Settings, auth: dict[str, str]
) -> None:
    realtime = dataclasses.replace(settings, clock="realtime", start=None, users=2)
    client: Client = await aiohttp_client(init_app(realtime))
    await _post(client, auth, "/testbed/clock", {"shift": "30d"})
    answer = await _post(client, auth, "/testbed/reset")
    assert answer["clock"]["mode"] == "realtime"
    assert abs(answer["clock"]["epoch"] - time.time()) < 60


def test_a_snapshot_decodes_to_what_was_captured(
    settings: Settings, network: NetworkConfig
) -> None:
    world = fresh_world(network, settings)
    state = snapshot_state(world)
    assert decode_snapshot(encode_snapshot(state)) == json.loads(json.dumps(state))
    rebuilt = runtime_module.world_from_snapshot(network, encode_snapshot(state))
    assert fingerprint(rebuilt) == fingerprint(world)
    assert world_bytes(rebuilt) == world_bytes(world)
