"""The registration door (gateway.registrations.register_account) and its rule, on every
door: 출금(transfer) consent only on 수시입출금 (demand) accounts. The consent pages,
user/register and account/update are held to it over HTTP in tests/api and tests/web;
here, without HTTP, the door itself, the control plane's and My Page's use case, scenario
fixtures and the seeded world; then the rules of user/register, account/info and
account/update called with their plain values (gateway.orders)."""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.network.codes import Refusal
from testbed.network.fixtures import AccountSpec, UserSpec, create_user
from testbed.network.gateway import Gateway, population
from testbed.network.gateway.orders import ByAccountNum, RegistrationQuery, SelfAuthRegistration
from testbed.network.gateway.registrations import register_account
from testbed.network.ledger import Account, AccountType
from testbed.network.names import Consent
from testbed.network.parties import FintechClient, User
from testbed.network.world import World
from testbed.scenario.loader import Loader
from testbed.scenario.model import load_scenario
from tests.conftest import WorldFactory
from tests.network.gateway.conftest import caller, tran_id

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


# --- 사용자계좌등록 and the sa account calls, with plain values ---------------------------


def _new_user(world: World) -> tuple[User, Account]:
    """A centre user with one demand account, registered with no institution yet."""
    user = create_user(
        world, UserSpec(name="이순신", birth_date="19850428", accounts=(AccountSpec("088"),))
    )
    return user, world.ledger.accounts[user.accounts[0]]


def _registration(
    demo: FintechClient, user: User, account: Account, **changes: object
) -> SelfAuthRegistration:
    values: dict[str, object] = {
        "bank_tran_id": tran_id(demo, 1),
        "bank_code": account.bank_code,
        "account_num": account.account_num,
        "user_name": user.name,
        "user_info": user.birth_date,
        "user_ci": user.user_ci,
        "scopes": (Consent.INQUIRY, Consent.TRANSFER),
        "inquiry_agreed": True,
        "transfer_agreed": True,
        **changes,
    }
    return SelfAuthRegistration(**values)  # type: ignore[arg-type]


async def test_user_register_registers_an_account_the_institution_verified(
    world: World, gateway: Gateway, demo: FintechClient
) -> None:
    user, account = _new_user(world)
    done = await gateway.registrations.user_register(
        caller(world, demo, ["sa"]), _registration(demo, user, account)
    )
    assert (done.reg.user_seq_no, done.account) == (user.user_seq_no, account)
    assert done.reg.inquiry_agree_dtime and done.reg.transfer_agree_dtime


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"inquiry_agreed": False}, "A0305"),  # info_prvd_agmt_yn not Y
        ({"transfer_agreed": False}, "A0306"),  # wd_agmt_yn not Y
        ({"user_name": "홍길동"}, "A0312"),  # not the holder's name
        ({"user_ci": "another"}, "A0313"),  # not the holder's CI
    ],
)
async def test_user_register_needs_the_consents_and_the_holders_identity(
    world: World, gateway: Gateway, demo: FintechClient, changes: dict[str, object], code: str
) -> None:
    user, account = _new_user(world)
    with pytest.raises(Refusal) as refused:
        await gateway.registrations.user_register(
            caller(world, demo, ["sa"]), _registration(demo, user, account, **changes)
        )
    assert refused.value.rsp_code == code
    assert not world.directory.registrations_of(demo.client_use_code, user.user_seq_no)


async def test_user_register_of_a_service_already_registered_is_A0324(
    world: World, gateway: Gateway, demo: FintechClient
) -> None:
    user, account = _new_user(world)
    call = caller(world, demo, ["sa"])
    await gateway.registrations.user_register(call, _registration(demo, user, account))
    again = _registration(demo, user, account, bank_tran_id=tran_id(demo, 2))
    with pytest.raises(Refusal) as refused:
        await gateway.registrations.user_register(call, again)
    assert refused.value.rsp_code == "A0324"


async def test_account_info_of_an_account_not_registered_for_the_scope_is_A0323(
    world: World, gateway: Gateway, demo: FintechClient
) -> None:
    user, account = _new_user(world)
    call = caller(world, demo, ["sa"])
    only_inquiry = _registration(demo, user, account, scopes=(Consent.INQUIRY,))
    await gateway.registrations.user_register(call, only_inquiry)
    query = RegistrationQuery(
        bank_tran_id=tran_id(demo, 2),
        account=ByAccountNum(account.bank_code, account.account_num, user.user_seq_no),
        scopes=(Consent.TRANSFER, Consent.INQUIRY),
    )
    with pytest.raises(Refusal) as refused:
        await gateway.registrations.account_info(call, query)
    # the scope as it was sent, in its order
    assert refused.value.rsp_message.endswith("[not registered for transfer inquiry]")


async def test_account_update_gives_the_consents_in_scope_and_the_new_email(
    world: World, gateway: Gateway, demo: FintechClient
) -> None:
    user, account = _new_user(world)
    call = caller(world, demo, ["sa"])
    only_inquiry = _registration(demo, user, account, scopes=(Consent.INQUIRY,))
    await gateway.registrations.user_register(call, only_inquiry)
    query = RegistrationQuery(
        bank_tran_id=tran_id(demo, 2),
        account=ByAccountNum(account.bank_code, account.account_num, user.user_seq_no),
        scopes=(Consent.TRANSFER,),
        email="lee@example.com",
    )
    done = await gateway.registrations.account_update(call, query)
    assert done.reg.transfer_agree_dtime and user.email == "lee@example.com"
