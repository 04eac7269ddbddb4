"""Shared fixtures for the config tests: the shipped networks and a small valid file."""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.config import BankCodeResolver, NetworkConfig, load_network

REPO = Path(__file__).resolve().parents[2]
BANKS_YAML = REPO / "banks.yaml"
ZENGIN_YAML = REPO / "networks" / "zengin.yaml"


@pytest.fixture(scope="session")
def kftc() -> NetworkConfig:
    return load_network(BANKS_YAML)


@pytest.fixture(scope="session")
def resolver(kftc: NetworkConfig) -> BankCodeResolver:
    return BankCodeResolver(kftc)
