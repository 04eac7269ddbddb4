"""Fixtures for the KFTC API: an app on a virtual clock, tokens, users, bank_tran_ids."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from jsonschema import Draft7Validator

from testbed.config.settings import Settings
from testbed.runtime import Runtime
from testbed.typedefs import RUNTIME
from testbed.web.app import init_app
from testbed.web.routes import document

Client = TestClient[web.Request, web.Application]


class Api:
    """A fintech's view of the testbed, for tests: credentials, tokens, calls."""

    def __init__(self, client: Client, admin: dict[str, str]) -> None:
        self.http = client
        self.admin = admin
        self._ids = itertools.count(1)

    @property
    def runtime(self) -> Runtime:
        return self.http.server.app[RUNTIME]

    async def clients(self) -> list[dict[str, Any]]:
        resp = await self.http.get("/testbed/clients", headers=self.admin)
        clients: list[dict[str, Any]] = (await resp.json())["clients"]
        return clients

    async def demo(self, index: int = 0) -> dict[str, Any]:
        return (await self.clients())[index]

    def tran_id(self, client_use_code: str) -> str:
        return f"{client_use_code}U{next(self._ids):09d}"

    async def token(self, scope: str = "oob", index: int = 0) -> str:
        demo = await self.demo(index)
        resp = await self.http.post(
            "/oauth/2.0/token",
            data={
                "client_id": demo["client_id"],
                "client_secret": demo["client_secret"],
                "scope": scope,
                "grant_type": "client_credentials",
            },
        )
        body = await resp.json()
        assert "access_token" in body, body
        token: str = body["access_token"]
        return token

    async def user(
        self,
        accounts: list[dict[str, Any]] | None = None,
        scope: str = "login inquiry transfer",
        index: int = 0,
        name: str = "홍길동",
    ) -> dict[str, Any]:
        demo = await self.demo(index)
        resp = await self.http.post(
            "/testbed/users",
            json={
                "name": name,
                "birth_date": "19900101",
                "client_use_code": demo["client_use_code"],
                "accounts": accounts or [{"bank_code": "088", "balance": 1_000_000}],
                "scope": scope,
            },
            headers=self.admin,
        )
        assert resp.status == 201, await resp.text()
        user: dict[str, Any] = await resp.json()
        return user

    async def get(self, path: str, token: str, **params: str) -> dict[str, Any]:
        resp = await self.http.get(
            path, params=params, headers={"Authorization": f"Bearer {token}"}
        )
        assert resp.status == 200
        body: dict[str, Any] = await resp.json()
        return body

    async def post(self, path: str, token: str, body: Any) -> dict[str, Any]:
        resp = await self.http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 200
        answer: dict[str, Any] = await resp.json()
        return answer

    async def advance(self, **clock: Any) -> dict[str, Any]:
        resp = await self.http.post("/testbed/clock", json=clock, headers=self.admin)
        assert resp.status == 200, await resp.text()
        state: dict[str, Any] = await resp.json()
        return state


def hold_to_the_document(app: web.Application, problems: list[str]) -> None:
    """Check every KFTC answer the app gives against its schema in /openapi.json."""
    paths = document()["paths"]
    validators: dict[tuple[str, str, str], Draft7Validator] = {}

    async def check(request: web.Request, response: web.StreamResponse) -> None:
        resource = request.match_info.route.resource
        if resource is None or not isinstance(response, web.Response):
            return
        operation = paths.get(resource.canonical, {}).get(request.method.lower())
        if operation is None or response.content_type != "application/json":
            return
        # the answer's own status when the document has it (the portal: 201, 4XX), else
        # 200's schema (KFTC answers 200 whatever it says; the control plane's 4xx hold to it)
        responses = operation["responses"]
        status = next(
            (s for s in (str(response.status), f"{response.status // 100}XX") if s in responses),
            "200",
        )
        content = responses.get(status, {}).get("content", {}).get("application/json")
        if content is None:
            problems.append(
                f"{request.method} {request.path}: JSON answer {response.status} not documented"
            )
            return
        key = (request.method, resource.canonical, status)
        if key not in validators:
            validators[key] = Draft7Validator(content["schema"])
        body = json.loads(response.text or "null")
        for error in validators[key].iter_errors(body):
            problems.append(f"{request.method} {request.path}: {error.message[:300]}")

    app.on_response_prepare.append(check)


@pytest.fixture
async def api(aiohttp_client: Any, settings: Settings, auth: dict[str, str]) -> AsyncIterator[Api]:
    """The app on the test client; every KFTC answer it gives must match /openapi.json."""
    app = init_app(settings)
    problems: list[str] = []
    hold_to_the_document(app, problems)
    client: Client = await aiohttp_client(app)
    yield Api(client, auth)
    assert not problems, "answers that do not match /openapi.json:\n" + "\n".join(problems)


Checker = Callable[[dict[str, Any]], None]

ENVELOPE = {"api_tran_id", "api_tran_dtm", "rsp_code", "rsp_message"}
BANK_BLOCK = {
    "bank_tran_id",
    "bank_tran_date",
    "bank_code_tran",
    "bank_rsp_code",
    "bank_rsp_message",
}


def assert_strings(body: Any, path: str = "") -> None:
    """KFTC sends every value as a string (expires_in excepted, checked elsewhere)."""
    if isinstance(body, dict):
        for key, value in body.items():
            assert_strings(value, f"{path}.{key}")
    elif isinstance(body, list):
        for i, value in enumerate(body):
            assert_strings(value, f"{path}[{i}]")
    else:
        assert isinstance(body, str), f"{path} is {body!r}, not a string"


def assert_envelope(body: dict[str, Any], rsp_code: str = "A0000") -> None:
    assert body["rsp_code"] == rsp_code, body
    assert len(body["api_tran_dtm"]) == 17 and body["api_tran_dtm"].isdigit()
    assert len(body["api_tran_id"]) == 36
