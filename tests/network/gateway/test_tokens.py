"""The gateway's OAuth rules (gateway.tokens), without HTTP: who the client is (O0001),
which token it may have (O0001, O0011), codes redeemed once, what a bearer token is."""

from __future__ import annotations

import pytest

from testbed.network.codes import Refusal
from testbed.network.gateway import tokens
from testbed.network.world import World
from tests.conftest import WorldFactory


@pytest.fixture
def world(make_world: WorldFactory) -> World:
    return make_world(users=3)


def test_the_client_is_its_client_id_and_secret(world: World) -> None:
    demo = next(iter(world.directory.clients.values()))
    assert tokens.client_of(world, demo.client_id, demo.client_secret) is demo
    for client_id, secret, sub in (
        ("", demo.client_secret, tokens.MISSING),
        (demo.client_id, "", tokens.MISSING),
        (demo.client_id, "wrong", tokens.UNKNOWN_CLIENT),
        ("nobody", demo.client_secret, tokens.UNKNOWN_CLIENT),
    ):
        with pytest.raises(Refusal) as e:
            tokens.client_of(world, client_id, secret)
        assert e.value.rsp_code == "O0001" and e.value.rsp_message.endswith(f"({sub})")


def test_sa_only_for_a_self_auth_institution(world: World) -> None:
    center, self_auth = list(world.directory.clients.values())[:2]
    assert not center.self_auth and self_auth.self_auth
    now = world.clock.now()
    with pytest.raises(Refusal) as e:
        tokens.institution_token(world, center, ["sa"], now)
    assert e.value.rsp_code == "O0011"
    assert tokens.institution_token(world, self_auth, ["sa"], now).scopes == ["sa"]
    assert tokens.institution_token(world, center, ["oob"], now).scopes == ["oob"]
    for scopes in ([], ["oob", "sa"], ["login"]):
        with pytest.raises(Refusal) as e:
            tokens.institution_token(world, self_auth, scopes, now)
        assert e.value.rsp_code == "O0001"


def test_a_code_once_and_a_bearer_token_stands_for_its_user(world: World) -> None:
    demo = next(iter(world.directory.clients.values()))
    user = next(iter(world.directory.users.values()))
    now = world.clock.now()
    code = tokens.authorization_code(world, demo, user, ["login"], demo.redirect_uris[0], now)
    grant = tokens.user_token(world, demo, code.code, demo.redirect_uris[0], now)
    assert tokens.bearer_user(world, grant.access_token, now) == (user, demo)
    with pytest.raises(Refusal):
        tokens.user_token(world, demo, code.code, demo.redirect_uris[0], now)
    with pytest.raises(Refusal) as e:
        tokens.bearer(world, grant.access_token, now)  # revoked by the second use
    assert e.value.rsp_code == "O0002"
