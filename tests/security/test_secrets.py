"""A deterministic world, unpredictable secrets: two servers started with the same seed
make the same world but issue different secrets, tokens and codes; the shipped scenarios,
replayed twice, still give byte-identical transcripts (a replay-only mode: testbed.rng)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from testbed.config.settings import Settings
from testbed.replay.runner import run_scenario
from testbed.rng import ReplaySecrets, SecretSource, SeededSource
from testbed.runtime import secrets_of
from testbed.scenario.model import load_scenario
from testbed.typedefs import RUNTIME
from testbed.web.app import init_app
from tests.network.test_admission import application
from tests.tenants import PASSWORD

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


async def what_a_server_issues(aiohttp_client: Any, settings: Settings) -> dict[str, Any]:
    client = await aiohttp_client(init_app(settings))
    world = client.server.app[RUNTIME].world
    demo = next(iter(world.directory.clients.values()))
    seeded = [(c.client_use_code, c.client_id) for c in world.directory.clients.values()]
    token = await (
        await client.post(
            "/oauth/2.0/token",
            data={
                "client_id": demo.client_id,
                "client_secret": demo.client_secret,
                "scope": "oob",
                "grant_type": "client_credentials",
            },
        )
    ).json()
    resp = await client.post(
        "/portal/api/signup", json={"email": "same@example.com", "password": PASSWORD}
    )
    assert resp.status == 201
    resp = await client.post("/portal/api/applications", json=application())
    credentials = (await resp.json())["credentials"]
    page = await (
        await client.get(
            "/oauth/2.0/authorize",
            params={
                "response_type": "code",
                "client_id": demo.client_id,
                "redirect_uri": demo.redirect_uris[0],
                "scope": "login inquiry",
                "state": "s",
            },
        )
    ).text()
    flow = re.search(r'name="flow" value="([0-9a-f]+)"', page)
    assert flow
    return {
        "world": seeded,
        "users": list(world.directory.users),
        "demo_secret": demo.client_secret,
        "token": token["access_token"],
        "portal_client_id": credentials["client_id"],
        "portal_secret": credentials["client_secret"],
        "flow": flow.group(1),
    }


async def test_two_servers_with_one_seed_share_a_world_and_no_secret(
    aiohttp_client: Any, settings: Settings
) -> None:
    one = await what_a_server_issues(aiohttp_client, settings)
    two = await what_a_server_issues(aiohttp_client, settings)
    assert one["world"] == two["world"] and one["users"] == two["users"]  # the seed's
    for secret in ("demo_secret", "token", "portal_client_id", "portal_secret", "flow"):
        assert one[secret] != two[secret], secret


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_shipped_scenario_replays_byte_for_byte(path: Path) -> None:
    first = asyncio.run(run_scenario(load_scenario(path))).transcript()
    second = asyncio.run(run_scenario(load_scenario(path))).transcript()
    assert first == second


def test_sms_codes_come_from_the_os_not_the_seed() -> None:
    """The consent pages' 인증번호 (`SecretSource.code`): two sources on one seed draw
    different codes and leave the seeded streams untouched; only a replay's follow the seed."""
    seeded = [SeededSource(7), SeededSource(7)]
    before = seeded[0].states()
    drawn = [[SecretSource(s).code("consent", 6) for _ in range(8)] for s in seeded]
    assert drawn[0] != drawn[1]
    assert all(len(c) == 6 and c.isdigit() for c in drawn[0] + drawn[1])
    assert seeded[0].states() == before
    replayed = [[ReplaySecrets(SeededSource(7)).code("consent", 6)] for _ in range(2)]
    assert replayed[0] == replayed[1]


def test_replay_secrets_are_refused_for_a_database_file(tmp_path: Path) -> None:
    """A replay's secrets follow the public seed: never for a world a server would keep."""
    on_file = Settings(db=str(tmp_path / "t.db"), secrets="replay")
    with pytest.raises(ValueError, match="replay"):
        secrets_of(on_file)
    assert secrets_of(Settings(db=":memory:", secrets="replay")) is ReplaySecrets
    assert secrets_of(Settings(db=str(tmp_path / "t.db"))) is SecretSource
