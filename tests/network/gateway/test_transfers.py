"""이체's rules (gateway.transfers), one test each, without HTTP: withdraw, deposit and
transfer/result called with the plain values a handler builds (tests/api holds the wire)."""

from __future__ import annotations

import pytest

from testbed.network.codes import Refusal
from testbed.network.gateway import Gateway
from testbed.network.gateway.orders import ByAccountNum, ByFintechNum, ResultQuery
from testbed.network.ledger import Account
from testbed.network.names import Api
from testbed.network.parties import FintechClient, Registration
from testbed.network.world import World
from tests.network.gateway.conftest import (
    USER_SCOPES,
    caller,
    contract,
    customer,
    deposit_order,
    withdraw_order,
)


def _account(world: World, reg: Registration) -> Account:
    return world.ledger.accounts[(reg.bank_code, reg.account_num)]


async def _refused(awaitable: object) -> Refusal:
    with pytest.raises(Refusal) as refused:
        await awaitable  # type: ignore[misc]
    return refused.value


# --- 출금이체 ------------------------------------------------------------------------------


async def test_a_withdrawal_moves_the_money_and_keeps_the_record(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    account = _account(world, reg)
    before = account.balance
    order = withdraw_order(demo, reg, 1, 12_000)
    done = await gateway.transfers.withdraw(
        caller(world, demo, USER_SCOPES, reg.user_seq_no), order
    )
    assert account.balance == before - 12_000
    record = done.record
    assert (record.rsp_code, record.moved, record.tran_amt, record.api) == (
        "A0000",
        True,
        12_000,
        Api.WITHDRAW,
    )
    assert record.wd["fintech_use_num"] == reg.fintech_use_num
    assert record.req_client == customer().record()  # AML: the requesting customer, kept
    assert record.retention_years == 5  # above 10,000 won
    assert done.remaining == 10_000_000 - 12_000  # the default per-user daily limit
    assert world.openbanking.find(demo.client_use_code, order.bank_tran_id, record.bank_tran_date)
    assert world.ledger.check()["ok"]


async def test_withdraw_prints_the_institutions_name_when_the_order_gives_none(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    done = await gateway.transfers.withdraw(
        caller(world, demo, ["transfer"], reg.user_seq_no), withdraw_order(demo, reg, 1, 1_000)
    )
    assert done.record.wd["print_content"] == demo.name


async def test_withdraw_refused_beyond_the_users_daily_limit(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    demo.limits["user_withdraw_day"] = 20_000
    call = caller(world, demo, ["transfer"], reg.user_seq_no)
    done = await gateway.transfers.withdraw(call, withdraw_order(demo, reg, 1, 15_000))
    assert done.remaining == 5_000
    refused = await _refused(gateway.transfers.withdraw(call, withdraw_order(demo, reg, 2, 6_000)))
    assert (refused.rsp_code, refused.rsp_message.endswith("[user_withdraw_day 20000]")) == (
        "A0112",
        True,
    )


async def test_withdraw_refused_beyond_the_users_limit_per_transaction_changes_nothing(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    entries = len(world.ledger.entries)
    order = withdraw_order(demo, reg, 1, 10_000_001)
    call = caller(world, demo, ["transfer"], reg.user_seq_no)
    assert (await _refused(gateway.transfers.withdraw(call, order))).rsp_code == "A0111"
    assert len(world.ledger.entries) == entries and not world.openbanking.transfers


async def test_withdraw_refused_beyond_the_institutions_daily_limit(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    demo.limits["withdraw_day"] = 10_000
    call = caller(world, demo, ["transfer"], reg.user_seq_no)
    await gateway.transfers.withdraw(call, withdraw_order(demo, reg, 1, 10_000))
    refused = await _refused(gateway.transfers.withdraw(call, withdraw_order(demo, reg, 2, 1)))
    assert refused.rsp_code == "A0103"


async def test_withdraw_to_an_account_other_than_the_contract_account_is_A0322(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    order = withdraw_order(demo, reg, 1, 1_000, contract=contract(demo, "deposit"))
    call = caller(world, demo, ["transfer"], reg.user_seq_no)
    assert (await _refused(gateway.transfers.withdraw(call, order))).rsp_code == "A0322"


async def test_withdraw_needs_the_transfer_consent_A0306(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    reg.transfer_agree_dtime = ""
    call = caller(world, demo, ["transfer"], reg.user_seq_no)
    order = withdraw_order(demo, reg, 1, 1_000)
    assert (await _refused(gateway.transfers.withdraw(call, order))).rsp_code == "A0306"


async def test_withdraw_from_another_users_account_is_A0313(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["transfer"], "1999999999")  # another user's token
    order = withdraw_order(demo, reg, 1, 1_000)
    assert (await _refused(gateway.transfers.withdraw(call, order))).rsp_code == "A0313"


async def test_withdraw_by_account_number_of_another_user_is_A0313(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    ref = ByAccountNum(reg.bank_code, reg.account_num, "1999999999", "wd_bank_code_std")
    order = withdraw_order(demo, reg, 1, 1_000, account=ref)
    refused = await _refused(gateway.transfers.withdraw(caller(world, demo, ["sa"]), order))
    assert refused.rsp_code == "A0313"
    mine = ByAccountNum(reg.bank_code, reg.account_num, reg.user_seq_no, "wd_bank_code_std")
    done = await gateway.transfers.withdraw(
        caller(world, demo, ["sa"]), withdraw_order(demo, reg, 2, 1_000, account=mine)
    )
    assert done.record.wd["fintech_use_num"] == reg.fintech_use_num


@pytest.mark.parametrize(
    ("named", "detail"),
    [
        (
            {"bank_code": "088", "account_num": "1234"},
            "req_client: bank+account or fintech_use_num, not both",
        ),
        ({"fintech_use_num": ""}, "req_client: bank+account or fintech_use_num is required"),
        (
            {"fintech_use_num": "", "bank_code": "088"},
            "req_client_bank_code and req_client_account_num go together",
        ),
    ],
)
async def test_the_requesting_customer_is_named_by_bank_and_account_or_fintech_use_num(
    world: World,
    gateway: Gateway,
    demo: FintechClient,
    reg: Registration,
    named: dict[str, str],
    detail: str,
) -> None:
    order = withdraw_order(demo, reg, 1, 1_000, customer=customer(**named))
    call = caller(world, demo, ["transfer"], reg.user_seq_no)
    refused = await _refused(gateway.transfers.withdraw(call, order))
    assert (refused.rsp_code, refused.rsp_message.endswith(f"[{detail}]")) == ("A0004", True)
    assert not world.openbanking.used_ids  # refused before the bank_tran_id is taken


async def test_a_bank_tran_id_twice_a_day_is_A0326(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["transfer"], reg.user_seq_no)
    await gateway.transfers.withdraw(call, withdraw_order(demo, reg, 1, 1_000))
    again = withdraw_order(demo, reg, 1, 2_000)
    assert (await _refused(gateway.transfers.withdraw(call, again))).rsp_code == "A0326"


# --- 입금이체 ------------------------------------------------------------------------------


async def test_a_deposit_to_a_registered_account_moves_the_money(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    account = _account(world, reg)
    before = account.balance
    done = await gateway.transfers.deposit(
        caller(world, demo, ["oob"]), deposit_order(demo, reg, 1, 5_000)
    )
    assert account.balance == before + 5_000
    assert (done.record.api, done.record.dps["fintech_use_num"]) == (
        Api.DEPOSIT,
        reg.fintech_use_num,
    )
    assert done.account_alias == reg.account_alias


async def test_deposit_with_a_wrong_pass_phrase_is_A0307(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    order = deposit_order(demo, reg, 1, 5_000, pass_phrase="WRONG")
    refused = await _refused(gateway.transfers.deposit(caller(world, demo, ["oob"]), order))
    assert (refused.rsp_code, refused.fields) == ("A0307", {"res_cnt": "0", "res_list": []})


async def test_deposit_by_account_number_checks_the_holders_name_A0312(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    account = _account(world, reg)
    payee = ByAccountNum(reg.bank_code, reg.account_num)
    call = caller(world, demo, ["oob"])
    wrong = deposit_order(demo, reg, 1, 5_000, payee=payee, holder_name="누구")
    assert (await _refused(gateway.transfers.deposit(call, wrong))).rsp_code == "A0312"
    right = deposit_order(demo, reg, 2, 5_000, payee=payee, holder_name=account.holder_name)
    assert (await gateway.transfers.deposit(call, right)).record.moved
    unchecked = deposit_order(demo, reg, 3, 5_000, payee=payee, name_check=False)
    assert (await gateway.transfers.deposit(call, unchecked)).record.moved


async def test_deposit_to_an_account_that_does_not_exist_is_A0009_with_the_banks_answer(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    payee = ByAccountNum(reg.bank_code, "9999999999999")
    order = deposit_order(demo, reg, 1, 5_000, payee=payee, name_check=False)
    refused = await _refused(gateway.transfers.deposit(caller(world, demo, ["oob"]), order))
    missing = world.banks[reg.bank_code].response("account_not_found")
    (item,) = refused.fields["res_list"]
    assert (refused.rsp_code, item["bank_rsp_code"]) == ("A0009", missing.bank_rsp_code)


async def test_deposit_to_another_institutions_registration_is_A0304(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    order = deposit_order(demo, reg, 1, 5_000, payee=ByFintechNum("1" * 24))
    refused = await _refused(gateway.transfers.deposit(caller(world, demo, ["oob"]), order))
    assert refused.rsp_code == "A0304"


# --- 이체결과조회 ----------------------------------------------------------------------------


async def test_transfer_result_tells_the_recorded_outcome(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["transfer"], reg.user_seq_no)
    done = await gateway.transfers.withdraw(call, withdraw_order(demo, reg, 1, 3_000))
    query = ResultQuery(
        org_bank_tran_id=done.record.bank_tran_id,
        org_bank_tran_date=done.record.bank_tran_date,
        org_tran_amt=3_000,
    )
    found = gateway.transfers.transfer_result(call, Api.WITHDRAW, [query])
    assert (found.records, found.rsp_code) == ([done.record], "A0000")


async def test_transfer_result_of_one_unknown_transfer_is_A0310(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["oob"])
    query = ResultQuery(org_bank_tran_id="x", org_bank_tran_date="20260302", org_tran_amt=1)
    with pytest.raises(Refusal) as refused:
        gateway.transfers.transfer_result(call, Api.WITHDRAW, [query])
    assert refused.value.rsp_code == "A0310"


async def test_transfer_result_matches_the_api_and_the_amount_and_marks_each_missing_A0009(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["transfer"], reg.user_seq_no)
    done = await gateway.transfers.withdraw(call, withdraw_order(demo, reg, 1, 3_000))
    record = done.record

    def asked(amount: int) -> ResultQuery:
        return ResultQuery(
            org_bank_tran_id=record.bank_tran_id,
            org_bank_tran_date=record.bank_tran_date,
            org_tran_amt=amount,
        )

    found = gateway.transfers.transfer_result(call, Api.WITHDRAW, [asked(3_000), asked(3_001)])
    assert (found.records, found.rsp_code) == ([record, None], "A0009")
    as_deposit = gateway.transfers.transfer_result(call, Api.DEPOSIT, [asked(3_000), asked(3_000)])
    assert as_deposit.records == [None, None]


async def test_transfer_result_on_another_date_says_which_date_the_transfer_has(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["transfer"], reg.user_seq_no)
    done = await gateway.transfers.withdraw(call, withdraw_order(demo, reg, 1, 3_000))
    query = ResultQuery(
        org_bank_tran_id=done.record.bank_tran_id, org_bank_tran_date="20260301", org_tran_amt=3_000
    )
    with pytest.raises(Refusal):
        gateway.transfers.transfer_result(call, Api.WITHDRAW, [query])
    assert (
        call.warnings
        and f"the testbed has it on {done.record.bank_tran_date}" in (call.warnings[0])
    )
