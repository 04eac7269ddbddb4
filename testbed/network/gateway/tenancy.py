"""Who may see which test users: the tenancy rule, in one place.

Many developers share one testbed (a workshop, a team's instance). Each *tenant* is a
developer of the portal, named by their id; `SHARED` ("") is everybody's: the seeded
demo institutions, the institutions a scenario or the operator made, and the population
the seed made. An institution belongs to the developer whose application it became
(`FintechClient.developer`); a test user to the developer whose institution, My Page or
control-plane call made them (`User.developer`).

The rule: **an institution, or a developer, sees only the users of its own tenant.**
A portal institution's consent pages list and accept only its developer's users; the
demo institutions the shared population; self-auth `user/register` treats another
tenant's user as unknown (A0313); My Page lists and resets its developer's users only.
Another tenant's user is unknown everywhere: no name, no listing, no registration, and
their accounts answer as accounts that do not exist (`may_see_account`). The
operator (the admin token) is above the rule, and decides whom a user it makes belongs
to by naming an institution.

Every page, API and control-plane route asks these functions; none decides by itself
(tests/network/gateway/test_tenancy.py holds the rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from testbed.network.ledger import Account
from testbed.network.parties import FintechClient, User
from testbed.network.world import World

#: the tenant of the seeded demo institutions, the operator's and scenarios' ones, and
#: the seeded population
SHARED: Final = ""


def tenant_of(client: FintechClient) -> str:
    """The tenant an institution belongs to: its developer, or SHARED."""
    return client.developer


def may_see(tenant: str, user: User) -> bool:
    """Whether the tenant may see (list, name, register, act for) the user."""
    return user.developer == tenant


def users_of(world: World, tenant: str) -> Iterator[User]:
    """The users a tenant may see, oldest first (indexed: no scan of the whole world)."""
    return world.directory.users_of(tenant)


def count_users(world: World, tenant: str) -> int:
    """How many users a (developer's) tenant has."""
    return world.directory.count_users_of(tenant)


def user_for(world: World, tenant: str, user_seq_no: str) -> User | None:
    """The user named, if the tenant may see them; else None, as for no such user."""
    user = world.directory.users.get(user_seq_no)
    return user if user is not None and may_see(tenant, user) else None


def may_see_account(world: World, tenant: str, account: Account) -> bool:
    """Whether the tenant may name an account by its number (실명조회, 수취조회, 입금이체 by
    account number, user/register): a user's account is its user's tenant's; an
    institution's (약정계좌) its institution's, and everybody's when that one is shared.
    To another tenant it is as an account that does not exist."""
    kind, _, name = account.owner.partition(":")
    if kind == "user":
        user = world.directory.users.get(name)
        return user is None or may_see(tenant, user)
    if kind == "client":
        client = world.directory.clients.get(name)
        return client is None or tenant_of(client) in (tenant, SHARED)
    return True


#: events about the network itself, which every tenant may watch (the banks' states and
#: the faults on them); any other event is about somebody's institution, or the operator's
NETWORK_EVENTS: Final = frozenset({"bank_state", "fault", "fault_start", "fault_end", "reset"})
#: events of one institution's own doing, seen by its tenant only
INSTITUTION_EVENTS: Final = frozenset(
    {"api", "institution_reset", "readiness_start", "readiness_drill", "readiness_finish"}
)


def may_see_event(world: World, tenant: str, codes: frozenset[str], event: dict[str, Any]) -> bool:
    """Whether a developer's dashboard shows an event: the network's own, and those of
    the tenant's institutions (`codes`): their API calls, the money their bank_tran_ids
    moved, their resets, their own applications. Never another tenant's, never the
    operator's (settlement positions, snapshots, purges sum up everybody's)."""
    kind = event.get("type")
    if kind in NETWORK_EVENTS:
        # a fault laid for one institution (a readiness drill) is that institution's
        scoped = event.get("client_use_code")
        return not scoped or scoped in codes
    if kind in INSTITUTION_EVENTS:
        return event.get("client_use_code") in codes
    if kind == "transfer":
        ref = str(event.get("ref", ""))
        return ref[:10] in codes  # a bank_tran_id: the institution's code, U, 9 characters
    if kind == "application":
        found = world.applications.applications.get(str(event.get("application", "")))
        return found is not None and found.developer == tenant != SHARED
    return False


def institutions_of(world: World, developer: str) -> list[FintechClient]:
    """A tenant's institutions, in the order they were made: a developer's, or (SHARED)
    the demo institutions, whose credentials are meant to be shown to everybody (the
    landing page, the start-up banner); a portal institution's never are."""
    return [c for c in world.directory.clients.values() if c.developer == developer]
