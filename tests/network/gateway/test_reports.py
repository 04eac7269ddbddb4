"""관리's rules (gateway.reports), one test each, without HTTP: what the centre reports to
an institution of its own use — fees, counts, limits — and of the banks."""

from __future__ import annotations

import pytest

from testbed.network.codes import Refusal
from testbed.network.gateway import Gateway
from testbed.network.names import Api
from testbed.network.parties import FintechClient, Registration
from testbed.network.world import World
from tests.network.gateway.conftest import caller, withdraw_order

TODAY = "20260302"


async def _one_withdrawal_and_one_refused(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["transfer"], reg.user_seq_no)
    await gateway.transfers.withdraw(call, withdraw_order(demo, reg, 1, 12_000))
    with pytest.raises(Refusal):  # the user's limit per transaction: no money moves
        await gateway.transfers.withdraw(call, withdraw_order(demo, reg, 2, 10_000_001))


async def test_fees_charge_only_transfers_whose_money_moved(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    await _one_withdrawal_and_one_refused(world, gateway, demo, reg)
    (row,) = gateway.reports.fees(caller(world, demo, ["oob"]), TODAY, TODAY)
    assert (row.api, row.fee_type, row.count, row.amount, row.fee) == (
        Api.WITHDRAW,
        "reduced",
        1,
        12_000,
        30,
    )


async def test_fees_of_a_period_that_ends_before_it_starts_is_A0004(
    world: World, gateway: Gateway, demo: FintechClient
) -> None:
    with pytest.raises(Refusal) as refused:
        gateway.reports.fees(caller(world, demo, ["oob"]), TODAY, "20260301")
    assert refused.value.rsp_code == "A0004"


async def test_counts_are_calls_that_took_a_bank_tran_id_and_transfers_by_outcome(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    await _one_withdrawal_and_one_refused(world, gateway, demo, reg)
    (row,) = gateway.reports.counts(caller(world, demo, ["oob"]), TODAY)
    # the refused one took its bank_tran_id (limits are checked after), but no transfer
    assert (row.api, row.calls, row.transfers, row.moved) == (Api.WITHDRAW, 2, 1, 1)


async def test_limits_show_what_was_used_of_them_today(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    demo.limits["withdraw_day"] = 100_000
    await _one_withdrawal_and_one_refused(world, gateway, demo, reg)
    withdraw, deposit = gateway.reports.limits(caller(world, demo, ["oob"]))
    assert (withdraw.api, withdraw.used_day, withdraw.remain_day) == (Api.WITHDRAW, 12_000, 88_000)
    assert (deposit.api, deposit.used_day, deposit.remain_day) == (Api.DEPOSIT, 0, None)


async def test_bank_status_says_which_banks_take_business_now(
    world: World, gateway: Gateway, demo: FintechClient
) -> None:
    status = gateway.reports.bank_status(caller(world, demo, ["oob"]))
    assert [bank for bank, _ in status] == list(world.participants)
    assert all(open_ for _, open_ in status)  # a Monday at 10:00: the centre and banks open


async def test_fds_detect_finds_nothing_after_checking_its_window(
    world: World, gateway: Gateway, demo: FintechClient
) -> None:
    call = caller(world, demo, ["oob"])
    assert gateway.reports.fds_detect(call, "090000", "100000") == []
    with pytest.raises(Refusal) as refused:
        gateway.reports.fds_detect(call, "100000", "090000")
    assert refused.value.rsp_code == "A0004"
