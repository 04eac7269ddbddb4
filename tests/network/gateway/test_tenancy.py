"""The tenancy rule (testbed.network.gateway.tenancy), without HTTP: an institution or a
developer sees only the users, accounts and events of its own tenant."""

from __future__ import annotations

import pytest

from testbed.network.fixtures import AccountSpec, FixtureError, UserSpec
from testbed.network.gateway import Gateway, population, tenancy
from testbed.network.parties import FintechClient
from testbed.network.world import World
from tests.conftest import WorldFactory
from tests.network.test_admission import apply


@pytest.fixture
def world(make_world: WorldFactory) -> World:
    return make_world(users=4)


def institution(world: World, developer: str, number: str) -> FintechClient:
    app = apply(world, owner=developer, business_number=number)
    return world.directory.clients[app.client_use_code]


def user_of(world: World, client: FintechClient, name: str) -> population.MadeUser:
    spec = UserSpec(name=name, birth_date="19900101", accounts=(AccountSpec("088", 1_000),))
    return population.make_test_user(world, client, spec)


def test_an_institution_belongs_to_its_developer_and_the_demo_ones_to_everybody(
    world: World,
) -> None:
    alice = institution(world, "DEV000001", "2208162517")
    demo = next(iter(world.directory.clients.values()))
    assert tenancy.tenant_of(alice) == "DEV000001"
    assert tenancy.tenant_of(demo) == tenancy.SHARED
    assert tenancy.institutions_of(world, "DEV000001") == [alice]
    assert alice not in tenancy.institutions_of(world, tenancy.SHARED)
    assert Gateway(world).admission.institutions("DEV000001") == [alice]


def test_a_user_is_seen_by_its_own_tenant_only(world: World) -> None:
    alice = institution(world, "DEV000001", "2208162517")
    bob = institution(world, "DEV000002", "1248100998")
    made = user_of(world, alice, "앨리스고객").user
    assert made.developer == "DEV000001"
    assert tenancy.may_see("DEV000001", made)
    assert not tenancy.may_see("DEV000002", made) and not tenancy.may_see(tenancy.SHARED, made)
    assert tenancy.user_for(world, tenancy.tenant_of(bob), made.user_seq_no) is None
    assert tenancy.user_for(world, "DEV000001", made.user_seq_no) is made
    assert list(tenancy.users_of(world, "DEV000001")) == [made]
    assert list(tenancy.users_of(world, "DEV000002")) == []
    shared = list(tenancy.users_of(world, tenancy.SHARED))
    assert made not in shared and len(shared) == 4  # the seeded population
    assert tenancy.count_users(world, "DEV000001") == 1


def test_another_tenants_accounts_do_not_exist_for_it(world: World) -> None:
    alice = institution(world, "DEV000001", "2208162517")
    bob = institution(world, "DEV000002", "1248100998")
    account = world.ledger.accounts[user_of(world, alice, "앨리스고객").user.accounts[0]]
    assert tenancy.may_see_account(world, "DEV000001", account)
    assert not tenancy.may_see_account(world, "DEV000002", account)
    assert not tenancy.may_see_account(world, tenancy.SHARED, account)
    seeded = next(a for a in world.ledger.accounts.values() if a.owner.startswith("user:"))
    assert tenancy.may_see_account(world, tenancy.SHARED, seeded)
    assert not tenancy.may_see_account(world, "DEV000001", seeded)
    contract = bob.contract_accounts[0]
    bobs = world.ledger.accounts[(contract.bank_code, contract.account_num)]
    assert tenancy.may_see_account(world, "DEV000002", bobs)
    assert not tenancy.may_see_account(world, "DEV000001", bobs)
    demo = next(iter(world.directory.clients.values())).contract_accounts[0]
    demos = world.ledger.accounts[(demo.bank_code, demo.account_num)]
    assert tenancy.may_see_account(world, "DEV000001", demos)  # shared: everybody's


def test_the_events_a_tenant_may_watch(world: World) -> None:
    alice = institution(world, "DEV000001", "2208162517")
    codes = frozenset({alice.client_use_code})

    def sees(**event: object) -> bool:
        return tenancy.may_see_event(world, "DEV000001", codes, dict(event))

    assert sees(type="bank_state", bank="088", state="cutover")
    assert sees(type="fault_start", fault="f1", kind="bank_down", banks=[], label="")
    assert sees(type="api", client_use_code=alice.client_use_code)
    assert not sees(type="api", client_use_code="T991000001")
    assert not sees(type="api", client_use_code=None)
    assert sees(type="transfer", ref=f"{alice.client_use_code}U000000001", amount=1)
    assert not sees(type="transfer", ref="T991000001U000000001", amount=1)
    assert sees(type="application", application="APP000001")
    assert not tenancy.may_see_event(
        world, "DEV000002", frozenset(), {"type": "application", "application": "APP000001"}
    )
    for operators in ("settlement", "cash", "purge", "restore", "scenario_loaded"):
        assert not sees(type=operators)


def test_a_developers_test_users_are_capped(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = institution(world, "DEV000001", "2208162517")
    monkeypatch.setattr(population, "MAX_TENANT_USERS", 2)
    user_of(world, alice, "하나")
    user_of(world, alice, "둘")
    users = len(world.directory.users)
    with pytest.raises(FixtureError, match="at most 2 test users"):
        user_of(world, alice, "셋")
    assert len(world.directory.users) == users
    demo = next(iter(world.directory.clients.values()))
    user_of(world, demo, "공유")  # the shared population: the operator's, not capped
