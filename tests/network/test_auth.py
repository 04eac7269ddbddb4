"""The centre's grants: tokens from the secret source, never the seed; an authorization
code redeemed twice revokes what it issued (RFC 6749 §4.1.2)."""

from __future__ import annotations

import pytest

from testbed.network.auth import Grants
from testbed.network.codes import Refusal
from testbed.rng import ReplaySecrets, SecretSource, SeededSource


def grants(kind: type[SecretSource], seed: int = 20191218) -> Grants:
    secrets = kind(SeededSource(seed))
    return Grants(secrets.stream("tokens"), secrets.key("jwt"))


def test_tokens_and_codes_are_not_the_seeds() -> None:
    a, b = grants(SecretSource), grants(SecretSource)
    assert a.secret != b.secret  # the signing key: random for each world
    assert (
        a.issue("T1", "", ["oob"], 0.0).access_token != b.issue("T1", "", ["oob"], 0.0).access_token
    )
    assert (
        a.new_code("T1", "11", ["login"], "u", 0.0).code
        != b.new_code("T1", "11", ["login"], "u", 0.0).code
    )


def test_a_replay_draws_them_from_the_seed_the_same_every_time() -> None:
    a, b = grants(ReplaySecrets), grants(ReplaySecrets)
    assert a.secret == b.secret
    assert (
        a.issue("T1", "", ["oob"], 0.0).access_token == b.issue("T1", "", ["oob"], 0.0).access_token
    )
    assert grants(ReplaySecrets, seed=1).secret != a.secret


def test_a_second_use_of_a_code_revokes_its_tokens_and_their_refreshes() -> None:
    book = grants(SecretSource)
    code = book.new_code("T1", "1100000001", ["login", "inquiry"], "https://a/cb", 0.0)
    first = book.redeem(code.code, "T1", "https://a/cb", 1.0)
    refreshed = book.refresh(first.refresh_token, "T1", [], 2.0)
    other = book.issue("T1", "1100000001", ["login"], 3.0)  # not from this code
    with pytest.raises(Refusal) as refused:
        book.redeem(code.code, "T1", "https://a/cb", 4.0)
    assert refused.value.rsp_code == "O0001"
    for grant in (first, refreshed):
        with pytest.raises(Refusal):
            book.check(grant.access_token, 5.0)
    assert book.check(other.access_token, 5.0) is other
