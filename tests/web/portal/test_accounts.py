"""What the portal keeps: hashed passwords, the lockout on the simulated clock, developers
across a restart, and a session key; and what it leaves alone: the KFTC API's requests."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import aiohttp_session
import pytest
from aiohttp import web
from argon2 import PasswordHasher

from testbed.config.settings import Settings
from testbed.network.portal import DELAYS, LOCK_SECONDS, Developer
from testbed.network.records import plain
from testbed.store import Store
from testbed.typedefs import RUNTIME
from testbed.web.app import init_app
from testbed.web.portal import passwords
from testbed.web.portal.sessions import (
    SessionKeyError,
    current_developer,
    require_developer,
    session_key,
    storage,
)
from tests.api.conftest import Api, Client
from tests.disk import bytes_on_disk
from tests.web.portal.conftest import KEY, PASSWORD, me, signin, signup

# --- passwords --------------------------------------------------------------------------


async def test_the_password_is_stored_hashed_and_the_hash_verifies(
    aiohttp_client: Any, on_file: Settings
) -> None:
    client: Client = await aiohttp_client(init_app(on_file))
    await signup(client)
    developer = client.server.app[RUNTIME].world.developers.get("DEV000001")
    assert developer is not None
    record = plain(developer)
    assert PASSWORD not in json.dumps(record)
    assert record["password_hash"].startswith("$argon2id$")
    assert PasswordHasher().verify(record["password_hash"], PASSWORD)
    await client.close()
    on_disk = bytes_on_disk(on_file.db)
    assert PASSWORD.encode() not in on_disk  # and the hash itself is sealed:
    assert record["password_hash"].encode() not in on_disk
    store = Store(on_file.db)
    try:
        assert store.stored_records("developer") == [("DEV000001", record)]
    finally:
        store.close()


async def test_the_defaults_of_argon2_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher())  # not the tests' cheap one
    first = await passwords.hash_password(PASSWORD)
    again = await passwords.hash_password(PASSWORD)
    assert first.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert first != again  # a salt of its own each time (the OS's randomness)
    assert await passwords.verify(first, PASSWORD) == (True, "")
    assert await passwords.verify(first, PASSWORD + "x") == (False, "")
    assert await passwords.verify("not a hash", PASSWORD) == (False, "")


async def test_a_weaker_hash_is_redone_at_sign_in(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await signup(api.http)  # the tests' cheapest parameters
    stronger = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", stronger)
    resp = await signin(api.http)
    assert resp.status == 200
    developer = api.runtime.world.developers.get("DEV000001")
    assert developer is not None and "$m=1024,t=2,p=1$" in developer.password_hash


# --- the lockout ------------------------------------------------------------------------


async def _wrong(api: Api, status: int = 401) -> dict[str, Any]:
    resp = await signin(api.http, password="wrong password!")
    assert resp.status == status, await resp.text()
    body: dict[str, Any] = await resp.json()
    if status == 429:
        assert resp.headers["Retry-After"] == str(body["retry_after"])
    return body


async def test_wrong_passwords_slow_down_then_lock_until_the_simulated_lock_ends(
    api: Api,
) -> None:
    await signup(api.http)
    await api.http.post("/portal/api/signout", json={})
    await _wrong(api)
    await _wrong(api)  # two typos cost nothing
    for delay in DELAYS[2:]:
        early = await _wrong(api, 429)
        assert early["locked"] is False and early["retry_after"] == delay
        await api.advance(shift=delay)
        await _wrong(api)
    # the fifth wrong password locked it: even the right one waits
    locked = await (await signin(api.http)).json()
    assert locked["locked"] is True and locked["retry_after"] == LOCK_SECONDS
    assert "15" in locked["error"] and "locked" in locked["error"].lower()
    await api.advance(shift=LOCK_SECONDS - 1)
    resp = await signin(api.http)
    assert resp.status == 429 and (await resp.json())["retry_after"] == 1
    await api.advance(shift=1)
    resp = await signin(api.http)
    assert resp.status == 200
    assert (await me(api.http))[0] == 200
    await _wrong(api)  # the count started again
    await _wrong(api)


async def test_guesses_sent_at_once_are_counted_each(api: Api) -> None:
    await signup(api.http)
    await api.http.post("/portal/api/signout", json={})
    answers = await asyncio.gather(
        *(signin(api.http, password=f"guess number {n}") for n in range(8))
    )
    statuses = sorted(resp.status for resp in answers)
    assert 200 not in statuses and statuses.count(401) <= 2  # the rest wait (429)
    developer = api.runtime.world.developers.get("DEV000001")
    assert developer is not None and developer.failed_attempts == statuses.count(401)


async def test_a_lock_survives_a_restart(aiohttp_client: Any, on_file: Settings) -> None:
    client: Client = await aiohttp_client(init_app(on_file))
    api = Api(client, {"Authorization": f"Bearer {on_file.admin_token}"})
    await signup(client)
    await _wrong(api)
    for delay in DELAYS[1:]:  # 0, 2, 4, 8: five wrong passwords, each when it may come
        if delay:
            await api.advance(shift=delay)
        await _wrong(api)
    await client.close()
    client = await aiohttp_client(init_app(on_file))
    resp = await signin(client)
    assert resp.status == 429 and (await resp.json())["locked"] is True


# --- restarts and keys ------------------------------------------------------------------


async def test_a_developer_and_their_session_survive_a_restart(
    aiohttp_client: Any, on_file: Settings
) -> None:
    client: Client = await aiohttp_client(init_app(on_file))
    made = await signup(client)
    cookies = client.session.cookie_jar.filter_cookies(client.make_url("/portal/"))
    value = cookies["testbed_portal"].value
    await client.close()
    client = await aiohttp_client(init_app(on_file))
    resp = await client.get("/portal/api/me", cookies={"testbed_portal": value})
    assert resp.status == 200 and await resp.json() == made
    client.session.cookie_jar.clear()
    assert (await signin(client)).status == 200
    second = await signup(client, "second@example.com")
    assert second["developer"]["id"] == "DEV000002"  # ids go on from the stored ones


def test_the_session_key_comes_from_settings_or_a_kept_file(
    settings: Settings, tmp_path: Any
) -> None:
    assert len(session_key(settings)) == 32
    assert session_key(settings) == session_key(settings)  # the fixed one
    url_safe = dataclasses.replace(settings, session_key=KEY.replace("+", "-").replace("/", "_"))
    assert session_key(url_safe) == session_key(settings)
    memory = dataclasses.replace(settings, session_key="")
    assert session_key(memory) != session_key(memory)  # :memory: keeps nothing: new each time
    on_file = dataclasses.replace(memory, db=str(tmp_path / "x.db"))
    made = session_key(on_file)
    assert session_key(on_file) == made
    (tmp_path / "testbed-session.key").chmod(0o644)
    assert session_key(on_file) == made
    assert (tmp_path / "testbed-session.key").stat().st_mode & 0o077 == 0  # tightened
    for bad in ("short", "!" * 44, "QUJD"):
        with pytest.raises(SessionKeyError, match="32"):
            session_key(dataclasses.replace(settings, session_key=bad))
    (tmp_path / "testbed-session.key").write_text("garbage\n")
    with pytest.raises(SessionKeyError, match=r"testbed-session\.key"):
        session_key(on_file)


# --- the KFTC API is left alone ---------------------------------------------------------


async def test_kftc_requests_never_meet_the_session_machinery(
    aiohttp_client: Any, settings: Settings, auth: dict[str, str]
) -> None:
    touched: dict[str, bool] = {}

    async def seen(request: web.Request, response: web.StreamResponse) -> None:
        # aiohttp-session's middleware marks every request it handles with its storage
        touched[request.path] = aiohttp_session.STORAGE_KEY in request

    app = init_app(settings)
    app.on_response_prepare.append(seen)
    api = Api(await aiohttp_client(app), auth)
    token = await api.token()
    await signup(api.http)  # a portal cookie in the jar: its path keeps it at /portal/
    resp = await api.http.get(
        "/v2.0/bank/status",
        headers={"Authorization": f"Bearer {token}"},
        cookies={"testbed_portal": "sent anyway"},
    )
    assert resp.status == 200 and (await resp.json())["rsp_code"] == "A0000"
    assert "Set-Cookie" not in resp.headers
    resp = await api.http.post("/oauth/2.0/token", data={"grant_type": "client_credentials"})
    assert "Set-Cookie" not in resp.headers
    assert touched["/v2.0/bank/status"] is False and touched["/oauth/2.0/token"] is False
    assert touched["/portal/api/signup"] is True
    middlewares = api.http.server.app.middlewares
    assert not any("aiohttp_session" in getattr(m, "__module__", "") for m in middlewares)


# --- the helpers the applications pages will use ----------------------------------------


async def test_require_developer_answers_401_to_the_api_and_redirects_a_page(
    api: Api, aiohttp_client: Any, settings: Settings
) -> None:
    """A stand-in for the applications pages: a sub-app with the same storage and key."""

    @require_developer
    async def mine(request: web.Request, developer: Developer) -> web.Response:
        assert await current_developer(request) is developer
        return web.json_response({"mine": developer.id})

    app = web.Application()
    app[RUNTIME] = api.runtime
    sub = web.Application()
    aiohttp_session.setup(sub, storage(settings))
    sub.router.add_get("/applications", mine)
    sub.router.add_get("/api/applications", mine)
    app.add_subapp("/portal/", sub)
    client: Client = await aiohttp_client(app)
    resp = await client.get("/portal/applications", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/portal/"
    resp = await client.get("/portal/api/applications")
    assert resp.status == 401 and "error" in await resp.json()
    await signup(api.http)
    cookies = api.http.session.cookie_jar.filter_cookies(api.http.make_url("/portal/"))
    value = cookies["testbed_portal"].value
    for path in ("/portal/applications", "/portal/api/applications"):
        resp = await client.get(path, cookies={"testbed_portal": value})
        assert await resp.json() == {"mine": "DEV000001"}
