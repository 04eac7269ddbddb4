"""The gateway's use cases without HTTP: a seeded world on a virtual clock (the clock
running, so banks answer), its first institution, one of that institution's registrations
that takes transfers, and the plain values (`gateway.orders`) a handler would build."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from testbed.network.gateway import Caller, Gateway
from testbed.network.gateway.orders import (
    ByFintechNum,
    ContractRef,
    DepositItem,
    DepositOrder,
    RequestingCustomer,
    WithdrawOrder,
)
from testbed.network.parties import FintechClient, Registration
from testbed.network.world import World
from tests.conftest import WorldFactory

#: the scopes of a user token that may do everything a user may allow
USER_SCOPES = ["login", "inquiry", "transfer"]


@pytest.fixture
async def world(make_world: WorldFactory) -> AsyncIterator[World]:
    world = make_world()
    async with world.clock:
        yield world


@pytest.fixture
def gateway(world: World) -> Gateway:
    return Gateway(world)


@pytest.fixture
def demo(world: World) -> FintechClient:
    """The seeded world's first institution: the callers of these tests."""
    return next(iter(world.directory.clients.values()))


@pytest.fixture
def reg(world: World, demo: FintechClient) -> Registration:
    """A registration of the demo institution with both consents."""
    return next(
        r
        for r in world.directory.registrations.values()
        if r.client_use_code == demo.client_use_code
        and r.transfer_agree_dtime
        and r.inquiry_agree_dtime
    )


def caller(world: World, client: FintechClient, scopes: list[str], user_seq_no: str = "") -> Caller:
    """An authenticated call of `client`: a user's token (user_seq_no) or the institution's."""
    now = world.clock.now()
    grant = world.auth.issue(client.client_use_code, user_seq_no, scopes, now)
    return Caller(client, grant, now, [])


def tran_id(client: FintechClient, n: int) -> str:
    """The n-th bank_tran_id of `client` (이용기관코드 + U + 9 digits)."""
    return f"{client.client_use_code}U{n:09d}"


def contract(client: FintechClient, purpose: str) -> ContractRef:
    """The 약정계좌 the institution has for `purpose`, as a request names it."""
    account = client.contract_account(purpose)
    assert account is not None
    return ContractRef(
        cntr_account_type=account.cntr_account_type, cntr_account_num=account.account_num
    )


def customer(**named: str) -> RequestingCustomer:
    """A requesting customer; by default named by a fintech_use_num."""
    fields = {"fintech_use_num": "199000000000000000000001", **named}
    return RequestingCustomer(name="홍길동", num="CUST0001", transfer_purpose="TR", **fields)


def withdraw_order(
    client: FintechClient, reg: Registration, n: int, amount: int, **changes: object
) -> WithdrawOrder:
    """출금이체 of `amount` from `reg` to the client's withdraw 약정계좌 (bank_tran_id n)."""
    values: dict[str, object] = {
        "bank_tran_id": tran_id(client, n),
        "account": ByFintechNum(reg.fintech_use_num),
        "contract": contract(client, "withdraw"),
        "amount": amount,
        "dps_print": "포인트충전",
        "customer": customer(),
        **changes,
    }
    return WithdrawOrder(**values)


def deposit_order(
    client: FintechClient, reg: Registration, n: int, amount: int, **changes: object
) -> DepositOrder:
    """입금이체 of `amount` from the client's deposit 약정계좌 to `reg` (bank_tran_id n);
    `changes` replace the item's fields, or the order's (contract, pass_phrase, ...)."""
    item_fields = {f for f in DepositItem.__dataclass_fields__}
    item_values: dict[str, object] = {
        "tran_no": "1",
        "bank_tran_id": tran_id(client, n),
        "payee": ByFintechNum(reg.fintech_use_num),
        "print_content": "환불",
        "amount": amount,
        "customer": customer(),
        **{k: v for k, v in changes.items() if k in item_fields},
    }
    values: dict[str, object] = {
        "contract": contract(client, "deposit"),
        "pass_phrase": client.wd_pass_phrase,
        "wd_print": "이용기관",
        "item": DepositItem(**item_values),
        **{k: v for k, v in changes.items() if k not in item_fields},
    }
    return DepositOrder(**values)
