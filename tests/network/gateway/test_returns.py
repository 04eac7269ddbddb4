"""자금반환's rules (gateway.returns), one test each, without HTTP: a claim refers to a
deposit of the caller whose money moved, matched on every detail, once."""

from __future__ import annotations

import pytest

from testbed.network.books import CLAIM_REQUESTED, TransferRecord
from testbed.network.codes import Refusal
from testbed.network.gateway import Caller, Gateway
from testbed.network.gateway.orders import ReturnClaimOrder
from testbed.network.parties import FintechClient, Registration
from testbed.network.world import World
from tests.network.gateway.conftest import caller, deposit_order, tran_id


async def _deposited(
    gateway: Gateway, call: Caller, demo: FintechClient, reg: Registration
) -> TransferRecord:
    return (await gateway.transfers.deposit(call, deposit_order(demo, reg, 1, 5_000))).record


def _claim(
    demo: FintechClient, n: int, deposit: TransferRecord, **changes: object
) -> ReturnClaimOrder:
    """A claim of `deposit` naming its payee by fintech_use_num."""
    values: dict[str, object] = {
        "bank_tran_id": tran_id(demo, n),
        "org_bank_tran_id": deposit.bank_tran_id,
        "org_bank_tran_date": deposit.bank_tran_date,
        "org_tran_amt": deposit.tran_amt,
        "org_wd_bank_code": deposit.wd["bank_code_std"],
        "org_dps_fintech_use_num": deposit.dps["fintech_use_num"],
        "claim_code": "05",
        "total_return": True,
        **changes,
    }
    return ReturnClaimOrder(**values)  # type: ignore[arg-type]


async def test_a_claim_of_a_deposit_is_taken_and_moves_no_money(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["oob"])
    deposit = await _deposited(gateway, call, demo, reg)
    entries = len(world.ledger.entries)
    done = await gateway.returns.return_claim(call, _claim(demo, 2, deposit))
    assert done.deposit is deposit and done.claim.total_return_yn == "Y"
    assert done.claim.state == CLAIM_REQUESTED
    assert len(world.ledger.entries) == entries
    found = gateway.returns.return_result(call, done.claim.bank_tran_date, done.claim.bank_tran_id)
    assert found is done.claim


async def test_a_deposit_claimed_twice_is_A0008(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["oob"])
    deposit = await _deposited(gateway, call, demo, reg)
    await gateway.returns.return_claim(call, _claim(demo, 2, deposit))
    with pytest.raises(Refusal) as refused:
        await gateway.returns.return_claim(call, _claim(demo, 3, deposit))
    assert refused.value.rsp_code == "A0008"


async def test_a_claim_that_differs_from_the_deposit_in_any_detail_is_A0310(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["oob"])
    deposit = await _deposited(gateway, call, demo, reg)
    with pytest.raises(Refusal) as refused:
        await gateway.returns.return_claim(call, _claim(demo, 2, deposit, org_tran_amt=5_001))
    assert refused.value.rsp_code == "A0310"


async def test_a_claim_names_the_payee_by_account_or_fintech_use_num_not_both(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["oob"])
    deposit = await _deposited(gateway, call, demo, reg)
    both = _claim(
        demo, 2, deposit, org_dps_bank_code=reg.bank_code, org_dps_account_num=reg.account_num
    )
    with pytest.raises(Refusal) as refused:
        await gateway.returns.return_claim(call, both)
    assert refused.value.rsp_message.endswith(
        "[org_dps: bank+account or fintech_use_num, not both]"
    )


async def test_the_result_of_an_unknown_claim_is_A0310(
    world: World, gateway: Gateway, demo: FintechClient
) -> None:
    with pytest.raises(Refusal) as refused:
        gateway.returns.return_result(caller(world, demo, ["oob"]), "20260302", tran_id(demo, 9))
    assert refused.value.rsp_code == "A0310"
