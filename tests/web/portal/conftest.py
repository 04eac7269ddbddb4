"""Fixtures for the developer portal: the app on the test client (every JSON answer held
to /openapi.json), cheap password hashes, and a developer's view of the portal."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from multidict import CIMultiDictProxy

from testbed.config.settings import Settings
from testbed.web.portal import passwords
from tests.api.conftest import Api, Client, api
from tests.tenants import PASSWORD, alice, bob

__all__ = ["PASSWORD", "alice", "api", "bob"]

#: a fixed session key (base64 of 32 bytes): tests that restart the app keep their cookies
KEY = "dGVzdGJlZC1wb3J0YWwtc2Vzc2lvbi1rZXktMzJieXQ="


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2's cheapest parameters: the defaults cost a third of a second a hash (one
    test, `test_the_defaults_of_argon2_are_used`, keeps them)."""
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
    yield


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, session_key=KEY)


@pytest.fixture
def on_file(settings: Settings, tmp_path: Any) -> Settings:
    return dataclasses.replace(settings, db=str(tmp_path / "portal.db"))


async def signup(
    client: Client, email: str = "dev@example.com", password: str = PASSWORD
) -> dict[str, Any]:
    resp = await client.post("/portal/api/signup", json={"email": email, "password": password})
    assert resp.status == 201, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def signin(client: Client, email: str = "dev@example.com", password: str = PASSWORD) -> Any:
    return await client.post("/portal/api/signin", json={"email": email, "password": password})


async def me(client: Client) -> tuple[int, dict[str, Any]]:
    resp = await client.get("/portal/api/me")
    return resp.status, await resp.json()


def set_cookie(headers: CIMultiDictProxy[str]) -> str:
    """The portal's Set-Cookie header (exactly one)."""
    (cookie,) = [h for h in headers.getall("Set-Cookie", []) if h.startswith("testbed_portal=")]
    return cookie


def csrf_of(html: str) -> str:
    """The CSRF token of the page's first form."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def developers(portal: Api) -> dict[str, Any]:
    return dict(portal.runtime.world.developers.developers)
