"""Test users made on purpose, each for one institution: the operator's
`POST /testbed/users` and a developer's My Page (`POST /portal/api/apps/{code}/users`)
both come here, so a user made by either is made the same way, registered the same way,
and belongs to the institution's tenant (`tenancy`): a portal app's user is its
developer's, seen by no other developer's institutions."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from testbed.network.auth import USER_SCOPES, Grant
from testbed.network.fixtures import AccountSpec, FixtureError, UserSpec, create_user
from testbed.network.gateway import tenancy
from testbed.network.gateway.registrations import register_account
from testbed.network.parties import FintechClient, Registration, User
from testbed.network.world import World

__all__ = [
    "MAX_TENANT_USERS",
    "AccountSpec",
    "FixtureError",
    "MadeUser",
    "UserSpec",
    "make_test_user",
    "make_user",
]

#: test users one developer's tenant may hold: a shared server's memory and disk are
#: everybody's (the operator's shared population has no such cap)
MAX_TENANT_USERS: Final = 1_000


def make_user(world: World, client: FintechClient, spec: UserSpec) -> User:
    """A user of `client`'s tenant (its developer's, or the shared population) with the
    spec's accounts, registered nowhere yet (the consent pages register after consent);
    at most MAX_TENANT_USERS a developer. `FixtureError` makes nothing."""
    tenant = tenancy.tenant_of(client)
    if tenant != tenancy.SHARED and tenancy.count_users(world, tenant) >= MAX_TENANT_USERS:
        raise FixtureError(
            f"name: at most {MAX_TENANT_USERS} test users a developer (the server is shared);"
            " reuse the ones you have"
        )
    return create_user(world, dataclasses.replace(spec, developer=tenant))


@dataclass(frozen=True, slots=True)
class MadeUser:
    user: User
    registrations: list[Registration]  # one per account, in the spec's order
    grant: Grant | None  # a user token, when scopes were asked for


def make_test_user(
    world: World, client: FintechClient, spec: UserSpec, scopes: Sequence[str] = ()
) -> MadeUser:
    """A user of `client`'s tenant with the spec's accounts, each registered to `client`
    with the consents the spec gives, and a user token of `scopes` if any. A spec that
    cannot be made raises `FixtureError` and makes nothing."""
    if any(s not in USER_SCOPES for s in scopes):
        raise FixtureError(f"scope: any of {' '.join(USER_SCOPES)}")
    world.clock.sync()
    user = make_user(world, client, spec)
    registrations = [
        register_account(
            world,
            client,
            user,
            world.ledger.accounts[key],
            account.inquiry,
            account.transfer,
            account.alias,
        )
        for account, key in zip(spec.accounts, user.accounts, strict=True)
    ]
    grant = None
    if scopes:
        grant = world.auth.issue(
            client.client_use_code, user.user_seq_no, list(scopes), world.clock.now()
        )
    return MadeUser(user, registrations, grant)
