"""GET /testbed/events: the log as JSON, as a server-sent event stream, and `api` events."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any

import pytest
from aiohttp import ClientResponse, ClientSession, web
from aiohttp.test_utils import TestClient, unused_port

from testbed.config.settings import Settings
from testbed.runtime import Runtime
from testbed.typedefs import RUNTIME
from testbed.web import events
from testbed.web.app import init_app
from tests.api.conftest import Api

Client = TestClient[web.Request, web.Application]
STREAM = {"Accept": "text/event-stream"}
DTIME = "20260302100000"


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings) -> Client:
    made: Client = await aiohttp_client(init_app(settings))
    return made


def _runtime(client: Client) -> Runtime:
    assert client.app is not None
    return client.app[RUNTIME]


async def _an_account(client: Client, auth: dict[str, str]) -> str:
    users = (await (await client.get("/testbed/users", headers=auth)).json())["users"]
    account = users[0]["accounts"][0]
    return f"/testbed/accounts/{account['bank_code']}/{account['account_num']}"


async def _cash(client: Client, auth: dict[str, str], path: str, amount: int) -> None:
    resp = await client.post(f"{path}/cash", json={"amount": amount}, headers=auth)
    assert resp.status == 200, await resp.text()


async def _frames(resp: ClientResponse, count: int, timeout: float = 5.0) -> list[dict[str, str]]:
    """The next `count` frames of a stream: events as {id, event, data}, comments as {":": ...}."""
    frames: list[dict[str, str]] = []
    current: dict[str, str] = {}
    async with asyncio.timeout(timeout):
        while len(frames) < count:
            raw = await resp.content.readline()
            if not raw:
                raise AssertionError(f"the stream ended after {frames}")
            line = raw.decode().rstrip("\n")
            if line.startswith(":"):
                frames.append({":": line[1:].strip()})
            elif line:
                name, _, value = line.partition(": ")
                current[name] = value
            elif current:
                frames.append(current)
                current = {}
    return frames


async def _ended(resp: ClientResponse, timeout: float = 5.0) -> bool:
    async with asyncio.timeout(timeout):
        while await resp.content.readline():
            pass
    return True


async def _eventually(check: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


# --- JSON -------------------------------------------------------------------------------


async def test_json_log_filters_by_since_and_type(client: Client, auth: dict[str, str]) -> None:
    path = await _an_account(client, auth)
    for amount in (1_000, 2_000, 3_000):
        await _cash(client, auth, path, amount)
    world = _runtime(client).world
    world.events.emit(world.clock.now(), "other", note="not cash")
    cash = (await (await client.get("/testbed/events?type=cash", headers=auth)).json())["events"]
    assert [e["amount"] for e in cash] == [1_000, 2_000, 3_000]
    later = await client.get(f"/testbed/events?type=cash&since={cash[0]['seq']}", headers=auth)
    assert [e["amount"] for e in (await later.json())["events"]] == [2_000, 3_000]
    everything = (await (await client.get("/testbed/events", headers=auth)).json())["events"]
    assert {e["type"] for e in everything} == {"cash", "other"}
    assert [e["seq"] for e in everything] == sorted(e["seq"] for e in everything)


@pytest.mark.parametrize("since", ["soon", "-1", "1.5"])
async def test_a_bad_since_is_refused(client: Client, auth: dict[str, str], since: str) -> None:
    resp = await client.get(f"/testbed/events?since={since}", headers=auth)
    assert resp.status == 400 and "since" in (await resp.json())["error"]
    resp = await client.get("/testbed/events", headers={**auth, **STREAM, "Last-Event-ID": since})
    assert resp.status == 400 and "Last-Event-ID" in (await resp.json())["error"]


# --- the stream -------------------------------------------------------------------------


async def test_stream_replays_then_goes_live(client: Client, auth: dict[str, str]) -> None:
    path = await _an_account(client, auth)
    await _cash(client, auth, path, 5_000)
    resp = await client.get("/testbed/events", headers={**auth, **STREAM})
    assert resp.status == 200 and resp.content_type == "text/event-stream"
    (replayed,) = await _frames(resp, 1)
    assert replayed["event"] == "cash"
    assert json.loads(replayed["data"])["amount"] == 5_000
    assert json.loads(replayed["data"])["seq"] == int(replayed["id"])
    await _cash(client, auth, path, 6_000)
    (live,) = await _frames(resp, 1)
    assert live["event"] == "cash" and json.loads(live["data"])["amount"] == 6_000
    assert int(live["id"]) > int(replayed["id"])
    resp.close()


async def test_last_event_id_resumes_after_it(client: Client, auth: dict[str, str]) -> None:
    path = await _an_account(client, auth)
    for amount in (1_000, 2_000, 3_000):
        await _cash(client, auth, path, amount)
    cash = (await (await client.get("/testbed/events?type=cash", headers=auth)).json())["events"]
    first = cash[0]["seq"]
    resp = await client.get(
        "/testbed/events?since=0", headers={**auth, **STREAM, "Last-Event-ID": str(first)}
    )
    frames = await _frames(resp, 2)
    assert [json.loads(f["data"])["amount"] for f in frames] == [2_000, 3_000]
    resp.close()
    resp = await client.get(f"/testbed/events?since={cash[1]['seq']}", headers={**auth, **STREAM})
    (frame,) = await _frames(resp, 1)
    assert json.loads(frame["data"])["amount"] == 3_000
    resp.close()


async def test_stream_keeps_alive_and_filters_by_type(
    client: Client, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "KEEPALIVE", 0.05)
    resp = await client.get("/testbed/events?type=cash", headers={**auth, **STREAM})
    assert await _frames(resp, 1) == [{":": "keep-alive"}]
    world = _runtime(client).world
    world.events.emit(world.clock.now(), "other")
    path = await _an_account(client, auth)
    await _cash(client, auth, path, 4_000)
    frames = [f for f in await _frames(resp, 3) if ":" not in f][:1]
    assert frames and frames[0]["event"] == "cash"
    resp.close()


async def test_a_slow_reader_loses_the_oldest_and_is_told(
    client: Client, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "QUEUE_SIZE", 3)
    world = _runtime(client).world
    resp = await client.get("/testbed/events", headers={**auth, **STREAM})
    await _eventually(lambda: len(world.events.listeners) == 1)
    for n in range(10):  # all at once: the reader cannot keep up
        world.events.emit(world.clock.now(), "tick", n=n)
    frames = await _frames(resp, 4)
    assert frames[0]["event"] == "gap" and "id" not in frames[0]
    gap = json.loads(frames[0]["data"])
    assert gap["dropped"] == 7 and gap["last"] - gap["first"] == 6
    assert [json.loads(f["data"])["n"] for f in frames[1:]] == [7, 8, 9]
    resp.close()


async def test_an_event_is_encoded_once_for_every_reader(
    client: Client, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    world = _runtime(client).world
    readers = [await client.get("/testbed/events", headers={**auth, **STREAM}) for _ in range(3)]
    await _eventually(lambda: len(world.events.listeners) == 3)
    encoded = 0
    original = events.frame

    def counting(event: dict[str, Any]) -> bytes:
        nonlocal encoded
        encoded += 1
        return original(event)

    monkeypatch.setattr(events, "frame", counting)
    for n in range(4):
        world.events.emit(world.clock.now(), "tick", n=n)
    assert encoded == 4  # not 12: one encoding an event, whatever the readers
    for resp in readers:
        frames = await _frames(resp, 4)
        assert [json.loads(f["data"])["n"] for f in frames] == [0, 1, 2, 3]
        resp.close()


async def test_a_resume_older_than_the_log_is_told_what_it_lost(
    client: Client, auth: dict[str, str]
) -> None:
    world = _runtime(client).world
    world.events.items = deque(world.events.items, maxlen=3)  # a log that keeps 3 events
    for n in range(6):
        world.events.emit(world.clock.now(), "tick", n=n)
    resp = await client.get("/testbed/events", headers={**auth, **STREAM, "Last-Event-ID": "1"})
    frames = await _frames(resp, 4)
    assert frames[0]["event"] == "gap"
    assert json.loads(frames[0]["data"]) == {"dropped": 2, "first": 2, "last": 3}
    assert [int(f["id"]) for f in frames[1:]] == [4, 5, 6]
    resp.close()


async def test_the_listener_goes_when_the_reader_goes(client: Client, auth: dict[str, str]) -> None:
    runtime = _runtime(client)
    assert runtime.world.events.listeners == []
    resp = await client.get("/testbed/events", headers={**auth, **STREAM})
    await _eventually(lambda: len(runtime.world.events.listeners) == 1)
    assert len(runtime.world_listeners) == 1
    resp.close()
    await _eventually(lambda: not runtime.world.events.listeners and not runtime.world_listeners)


async def test_streams_end_when_the_app_shuts_down(client: Client, auth: dict[str, str]) -> None:
    resp = await client.get("/testbed/events", headers={**auth, **STREAM})
    runtime = _runtime(client)
    await _eventually(lambda: len(runtime.world.events.listeners) == 1)
    assert client.app is not None
    await client.app.on_shutdown.send(client.app)
    assert await _ended(resp)
    assert runtime.world.events.listeners == []


async def test_the_stream_follows_a_reset(client: Client, auth: dict[str, str]) -> None:
    runtime = _runtime(client)
    path = await _an_account(client, auth)
    await _cash(client, auth, path, 1_000)
    resp = await client.get("/testbed/events", headers={**auth, **STREAM})
    (before,) = await _frames(resp, 1)
    old = runtime.world
    assert (await client.post("/testbed/reset", headers=auth)).status == 200
    assert runtime.world is not old and old.events.listeners == []
    (reset,) = await _frames(resp, 1)
    assert reset["event"] == "reset" and int(reset["id"]) > int(before["id"])
    await _cash(client, auth, path, 2_000)  # the seed makes the same accounts
    (after,) = await _frames(resp, 1)
    assert after["event"] == "cash" and int(after["id"]) == int(reset["id"]) + 1
    resp.close()


# --- api events -------------------------------------------------------------------------


async def test_every_kftc_call_is_an_api_event_without_secrets(
    client: Client, auth: dict[str, str]
) -> None:
    api = Api(client, auth)
    demo = await api.demo()
    user = await api.user([{"bank_code": "004", "balance": 70_000}])
    account = user["accounts"][0]
    token = await api.token()  # the institution's own token, by client credentials
    balance = await api.get(
        "/v2.0/account/balance/fin_num",
        user["access_token"],
        bank_tran_id=api.tran_id(demo["client_use_code"]),
        fintech_use_num=account["fintech_use_num"],
        tran_dtime=DTIME,
    )
    assert balance["rsp_code"] == "A0000"
    refused = await api.get("/v2.0/user/me", "not-a-token", user_seq_no=user["user_seq_no"])
    assert refused["rsp_code"] == "O0002"
    # a token the gateway read and refused (the institution's oob token on a user API)
    # names its institution: the refusal is the institution's to debug
    scoped = await api.get("/v2.0/user/me", token, user_seq_no=user["user_seq_no"])
    assert scoped["rsp_code"] == "O0011"
    missing = await client.get("/v2.0/no/such/api")
    assert (await missing.json())["rsp_code"] == "O0005"

    log = (await (await client.get("/testbed/events?type=api", headers=auth)).json())["events"]
    assert [(e["method"], e["path"], e["rsp_code"]) for e in log] == [
        ("POST", "/oauth/2.0/token", None),  # an OAuth success carries no rsp_code
        ("GET", "/v2.0/account/balance/fin_num", "A0000"),
        ("GET", "/v2.0/user/me", "O0002"),
        ("GET", "/v2.0/user/me", "O0011"),
        ("GET", "/v2.0/no/such/api", "O0005"),
    ]
    code = demo["client_use_code"]
    assert [e["client_use_code"] for e in log] == [code, code, None, code, None]
    assert log[0]["outcome"] == "token" and "outcome" not in log[1]
    assert all(e["status"] == 200 and e["elapsed"] >= 0 for e in log)
    assert log[1]["elapsed"] > 0  # the bank's processing time, on the simulated clock
    text = json.dumps(log, ensure_ascii=False)
    for secret in (token, user["access_token"], demo["client_secret"], account["account_num"]):
        assert secret not in text
    assert account["fintech_use_num"] not in text  # no query string either


async def test_as_served_the_reader_leaving_and_shutdown_end_the_stream(
    settings: Settings, auth: dict[str, str]
) -> None:
    """`serve` does not cancel a handler when its client goes (the test server does)."""
    app = init_app(settings)
    runner = web.AppRunner(app, handler_cancellation=False)
    await runner.setup()
    port = unused_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    runtime = app[RUNTIME]
    url = f"http://127.0.0.1:{port}/testbed/events"
    try:
        async with ClientSession() as session:
            resp = await session.get(url, headers={**auth, **STREAM})
            await _eventually(lambda: len(runtime.world.events.listeners) == 1)
            resp.close()
            await _eventually(lambda: not runtime.world.events.listeners)  # seen by polling
            resp = await session.get(url, headers={**auth, **STREAM})
            await _eventually(lambda: len(runtime.world.events.listeners) == 1)
            async with asyncio.timeout(5):  # not the 60 s a graceful shutdown may wait
                await runner.cleanup()
            assert await _ended(resp)
    finally:
        await runner.cleanup()
