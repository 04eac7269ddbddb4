"""Fixtures of two developers on one testbed: Alice and Bob, each with their own cookies, an approved
application (an institution of their own) and a test user made for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from tests.api.conftest import Api
from tests.network.test_admission import application

CALLBACK = "https://fintech.example/callback"
PASSWORD = "correct horse battery"


@dataclass
class Tenant:
    """A developer of the portal with a session of their own (their own cookie jar)."""

    name: str
    http: aiohttp.ClientSession
    base: str
    app: dict[str, Any] = field(default_factory=dict)  # the approved application's answer
    user: dict[str, Any] = field(default_factory=dict)  # a test user of their institution

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def code(self) -> str:
        return str(self.app["credentials"]["client_use_code"])

    @property
    def client_id(self) -> str:
        return str(self.app["credentials"]["client_id"])

    @property
    def client_secret(self) -> str:
        return str(self.app["credentials"]["client_secret"])

    async def json(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        async with self.http.request(method, self.url(path), **kwargs) as resp:
            return resp.status, await resp.json(content_type=None)

    async def token(self, scope: str = "oob") -> str:
        _status, body = await self.json(
            "POST",
            "/oauth/2.0/token",
            data={
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "scope": scope,
                "grant_type": "client_credentials",
            },
        )
        assert "access_token" in body, body
        return str(body["access_token"])


async def tenant(api: Api, name: str, number: str, **change: Any) -> Tenant:
    """Sign up, apply (approved at once: an institution) and make one test user for it."""
    base = str(api.http.make_url("")).rstrip("/")
    jar = aiohttp.CookieJar(unsafe=True)  # the test server is an IP address
    who = Tenant(name, aiohttp.ClientSession(cookie_jar=jar), base)
    email = f"{name}@example.com"
    status, _ = await who.json(
        "POST", "/portal/api/signup", json={"email": email, "password": PASSWORD}
    )
    assert status == 201
    status, who.app = await who.json(
        "POST",
        "/portal/api/applications",
        json=application(
            company_name=f"{name} 페이",
            business_number=number,
            redirect_uris=[CALLBACK],
            **change,
        ),
    )
    assert status == 201 and who.app["status"] == "approved", who.app
    resp = await api.http.post(
        "/testbed/users",
        json={
            "name": f"{name}고객",
            "birth_date": "19900101",
            "client_use_code": who.code,
            "accounts": [{"bank_code": "088", "balance": 5_000_000}],
            "scope": "login inquiry transfer",
        },
        headers=api.admin,
    )
    assert resp.status == 201, await resp.text()
    who.user = await resp.json()
    return who


@pytest.fixture
async def alice(api: Api) -> AsyncIterator[Tenant]:
    who = await tenant(api, "alice", "220-81-62517")
    yield who
    await who.http.close()


@pytest.fixture
async def bob(api: Api) -> AsyncIterator[Tenant]:
    who = await tenant(api, "bob", "124-81-00998")
    yield who
    await who.http.close()
