"""Depth and size limits (testbed.config.limits): a body nested 100,000 levels deep, or a
YAML "billion laughs", is refused fast and names the limit, with and without `--record`
(whose middleware reads every KFTC body again), and never holds the event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from testbed.config.limits import MAX_DEPTH, TOO_DEEP, TOO_MANY
from testbed.config.settings import Settings
from testbed.web.app import init_app
from testbed.web.recorder import install
from tests.api.conftest import Api, Client

DEEP_JSON = b"[" * 100_000 + b"]" * 100_000
#: deeper than the limit, within what orjson and the stdlib parse without complaint
RATHER_DEEP_JSON = b'{"a":' * (MAX_DEPTH + 10) + b"1" + b"}" * (MAX_DEPTH + 10)
DEEP_YAML = "name: deep\nsteps: " + "[" * 100_000 + "]" * 100_000 + "\n"
WITHDRAW = "/v2.0/transfer/withdraw/fin_num"


def laughs(levels: int = 9) -> str:
    """Each anchor nine aliases of the one before: 9**levels strings, in 1 kB of text."""
    text = 'name: laughs\nlol0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in range(1, levels + 1):
        text += f"lol{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]\n"
    return text + f"steps: [*l{levels}]\n"


@pytest.fixture(params=["plain", "recorded"])
async def api(
    request: pytest.FixtureRequest,
    aiohttp_client: Any,
    settings: Settings,
    auth: dict[str, str],
    tmp_path: Path,
) -> AsyncIterator[Api]:
    """The app as `serve` runs it, and as `serve --record` does."""
    app = init_app(settings)
    if request.param == "recorded":
        install(app, str(tmp_path / "recorded.yaml"))
    client: Client = await aiohttp_client(app)
    yield Api(client, auth)


@pytest.mark.parametrize("body", [DEEP_JSON, RATHER_DEEP_JSON], ids=["100000", "74"])
async def test_a_deep_kftc_body_is_a0004_naming_the_limit(api: Api, body: bytes) -> None:
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    resp = await api.http.post(
        WITHDRAW,
        data=body,
        headers={
            "Authorization": f"Bearer {user['access_token']}",
            "Content-Type": "application/json",
        },
    )
    assert resp.status == 200
    answer = await resp.json()
    assert answer["rsp_code"] == "A0004" and TOO_DEEP in answer["rsp_message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/testbed/clock"),
        ("POST", "/testbed/users"),
        ("POST", "/testbed/faults"),
    ],
)
@pytest.mark.parametrize("body", [DEEP_JSON, RATHER_DEEP_JSON], ids=["100000", "74"])
async def test_a_deep_control_body_is_400_naming_the_limit(
    api: Api, method: str, path: str, body: bytes
) -> None:
    resp = await api.http.request(
        method, path, data=body, headers={**api.admin, "Content-Type": "application/json"}
    )
    assert resp.status == 400, await resp.text()
    assert TOO_DEEP in (await resp.json())["error"]


async def test_a_deep_scenario_is_400_naming_the_limit(api: Api) -> None:
    resp = await api.http.post("/testbed/scenarios", data=DEEP_YAML.encode(), headers=api.admin)
    assert resp.status == 400
    assert any(TOO_DEEP in problem for problem in (await resp.json())["problems"])


async def test_billion_laughs_is_refused_at_once_while_others_are_answered(api: Api) -> None:
    """Refused before a single alias is expanded (it was 11 s of a stalled server), and
    clients asking meanwhile are answered: the scenario is parsed off the event loop."""
    answered: list[float] = []

    async def another_client() -> None:
        while len(answered) < 20:
            started = time.perf_counter()
            resp = await api.http.get("/testbed/clock", headers=api.admin)
            assert resp.status == 200
            answered.append(time.perf_counter() - started)

    others = asyncio.create_task(another_client())
    started = time.perf_counter()
    for bomb in (laughs(), laughs(12)):
        resp = await api.http.post("/testbed/scenarios", data=bomb.encode(), headers=api.admin)
        assert resp.status == 400
        assert any(TOO_MANY in problem for problem in (await resp.json())["problems"])
    refused_in = time.perf_counter() - started
    await others
    assert refused_in < 1.0, f"two bombs took {refused_in:.2f} s to refuse"
    assert max(answered) < 1.0
