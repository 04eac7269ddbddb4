"""The registration door (gateway.registrations.register_account) and its rule, on every
door: 출금(transfer) consent only on 수시입출금 (demand) accounts. The consent pages,
user/register and account/update are held to it over HTTP in tests/api and tests/web;
here, without HTTP, the door itself, the control plane's and My Page's use case, scenario
fixtures and the seeded world."""

from __future__ import annotations

from pathlib import Path

from testbed.network.fixtures import AccountSpec, UserSpec, create_user
from testbed.network.gateway import population
from testbed.network.gateway.registrations import register_account
from testbed.network.ledger import AccountType
from testbed.network.world import World
from testbed.scenario.loader import Loader
from testbed.scenario.model import load_scenario
from tests.conftest import WorldFactory

DEMAND, SAVINGS = AccountType.DEMAND, AccountType.SAVINGS


def two_accounts(world: World) -> population.MadeUser:
    """A user with a demand and a savings account, made through the control plane's door,
    asking for transfer consent on both."""
    demo = next(iter(world.directory.clients.values()))
    spec = UserSpec(
        name="홍길동",
        birth_date="19900101",
        accounts=(
            AccountSpec("088", 1_000, account_type=DEMAND, transfer=True),
            AccountSpec("088", 1_000, account_type=SAVINGS, transfer=True),
        ),
    )
    return population.make_test_user(world, demo, spec)


def test_the_door_gives_transfer_consent_on_demand_accounts_only(
    make_world: WorldFactory,
) -> None:
    demo_world = make_world(users=2)
    client = next(iter(demo_world.directory.clients.values()))
    user = create_user(
        demo_world,
        UserSpec(
            name="김",
            birth_date="19900101",
            accounts=(AccountSpec("004", account_type=SAVINGS), AccountSpec("004")),
        ),
    )
    savings, demand = (demo_world.ledger.accounts[k] for k in user.accounts)
    on_savings = register_account(demo_world, client, user, savings, True, True)
    on_demand = register_account(demo_world, client, user, demand, True, True)
    assert on_savings.inquiry_agree_dtime and not on_savings.transfer_agree_dtime
    assert on_demand.inquiry_agree_dtime and on_demand.transfer_agree_dtime


def test_the_control_plane_and_my_page_door(make_world: WorldFactory) -> None:
    made = two_accounts(make_world(users=2))
    demand, savings = made.registrations
    assert demand.transfer_agree_dtime and not savings.transfer_agree_dtime
    assert demand.inquiry_agree_dtime and savings.inquiry_agree_dtime


def test_the_scenario_fixtures_door(make_world: WorldFactory, tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        """\
name: two kinds of accounts
fixtures:
  institutions: {fintech: {}}
  users:
    kim:
      name: 김영희
      birth_date: "19900101"
      accounts: [{bank: "088", balance: 10}, {bank: "088", type: "2", balance: 10}]
""",
        encoding="utf-8",
    )
    world = make_world(users=2)
    values = Loader(world, load_scenario(path)).apply_fixtures()
    regs = [world.directory.registrations[values["kim"][str(i)]["fintech_use_num"]] for i in (0, 1)]
    assert regs[0].transfer_agree_dtime and not regs[1].transfer_agree_dtime


def test_the_seeded_world_holds_to_the_rule(make_world: WorldFactory) -> None:
    world = make_world(users=40)
    consented = [r for r in world.directory.registrations.values() if r.transfer_agree_dtime]
    assert consented
    for reg in consented:
        account = world.ledger.accounts[(reg.bank_code, reg.account_num)]
        assert account.account_type.transferable, reg
