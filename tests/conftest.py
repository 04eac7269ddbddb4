"""Shared fixtures: the shipped network, small virtual-clock worlds, an app on the test client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from testbed.clock import VirtualClock, parse_kst
from testbed.config import NetworkConfig, load_network
from testbed.config.settings import Settings
from testbed.network.seed import WorldSize, populate
from testbed.network.world import World
from testbed.resources import default_network_path
from testbed.rng import SecretSource

ADMIN = "test-admin-token"
START = "2026-03-02T10:00:00+09:00"  # a Monday morning


@pytest.fixture(scope="session")
def network() -> NetworkConfig:
    return load_network(default_network_path())


WorldFactory = Callable[..., World]


def without_secrets(records: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    """A book's records with the institutions' secrets blanked: the world a seed makes is
    the same every time, its secrets never (testbed.rng)."""
    return [
        (kind, key, {**data, "client_secret": "<secret>"} if kind == "client" else data)
        for kind, key, data in records
    ]


@pytest.fixture
def make_world(network: NetworkConfig) -> WorldFactory:
    """A world on a virtual clock; `users=0` gives an empty one."""

    def make(
        seed: int = 7,
        users: int = 12,
        start: str = START,
        config: NetworkConfig | None = None,
        secrets: type[SecretSource] = SecretSource,
    ) -> World:
        world = World(config or network, VirtualClock(parse_kst(start)), seed, secrets)
        if users:
            populate(world, WorldSize(users=users, history_days=40, registered_users=3))
        return world

    return make


@pytest.fixture
def settings() -> Settings:
    return Settings(
        db=":memory:", clock="virtual", start=START, admin_token=ADMIN, users=8, history_days=30
    )


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN}"}
