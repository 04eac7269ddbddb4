"""조회's rules (gateway.inquiries), one test each, without HTTP: balance, the history and
its window, 계좌실명조회, 수취조회 and 송금인정보조회 called with plain values."""

from __future__ import annotations

import pytest

from testbed.network.codes import Refusal
from testbed.network.gateway import Gateway
from testbed.network.gateway.inquiries import PAGE_SIZE, history_window
from testbed.network.gateway.orders import (
    ByFintechNum,
    HistoryQuery,
    Period,
    RealNameQuery,
    ReceiveQuery,
    RemitQuery,
)
from testbed.network.parties import FintechClient, Registration
from testbed.network.world import World
from tests.network.gateway.conftest import (
    caller,
    contract,
    customer,
    tran_id,
    withdraw_order,
)

TODAY = Period(from_date="20260302", to_date="20260302", by_time=False)


def _history(n: int, client: FintechClient, **changes: object) -> HistoryQuery:
    values: dict[str, object] = {
        "bank_tran_id": tran_id(client, n),
        "period": TODAY,
        "inquiry_type": "A",
        "descending": True,
        **changes,
    }
    return HistoryQuery(**values)  # type: ignore[arg-type]


async def test_balance_needs_the_inquiry_consent_A0305(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    reg.inquiry_agree_dtime = ""
    call = caller(world, demo, ["inquiry"], reg.user_seq_no)
    with pytest.raises(Refusal) as refused:
        await gateway.inquiries.balance(call, tran_id(demo, 1), ByFintechNum(reg.fintech_use_num))
    assert refused.value.rsp_code == "A0305"


async def test_balance_of_a_registered_account_is_its_banks_answer(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["inquiry"], reg.user_seq_no)
    done = await gateway.inquiries.balance(
        call, tran_id(demo, 1), ByFintechNum(reg.fintech_use_num)
    )
    assert done.reg is reg and done.account.key == (reg.bank_code, reg.account_num)
    assert done.date == "20260302"


async def test_the_history_window_must_not_end_before_it_starts() -> None:
    backwards = Period(from_date="20260302", to_date="20260301", by_time=False)
    with pytest.raises(Refusal) as refused:
        history_window(backwards)
    assert refused.value.rsp_message.endswith(
        "[from_date/from_time must not be after to_date/to_time]"
    )


async def test_the_history_window_by_time_takes_the_times_and_by_date_whole_days() -> None:
    by_time = Period(
        from_date="20260302", to_date="20260302", by_time=True, from_time="100000", to_time="110000"
    )
    window = history_window(by_time)
    assert window.end - window.start == 3601
    whole = history_window(Period(**{**_fields(by_time), "by_time": False}))
    assert whole.end - whole.start == 86_400


def _fields(period: Period) -> dict[str, object]:
    return {name: getattr(period, name) for name in Period.__dataclass_fields__}


async def test_a_history_cursor_is_the_value_a_previous_page_returned() -> None:
    with pytest.raises(Refusal) as refused:
        history_window(TODAY, "abc")
    assert refused.value.rsp_code == "A0004"


async def test_transactions_page_by_page_with_the_cursor(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["inquiry", "transfer"], reg.user_seq_no)
    for n in range(1, PAGE_SIZE + 3):  # a page and two lines of withdrawals today
        await gateway.transfers.withdraw(call, withdraw_order(demo, reg, n, 100 + n))
    ref = ByFintechNum(reg.fintech_use_num)
    first = await gateway.inquiries.transactions(call, _history(100, demo, inquiry_type="O"), ref)
    assert len(first.lines) == PAGE_SIZE and first.next_position is not None
    query = _history(101, demo, inquiry_type="O", cursor=first.cursor)
    second = await gateway.inquiries.transactions(call, query, ref)
    assert second.next_position is None and second.cursor == ""
    amounts = [-line.amount for line in first.lines + second.lines]
    assert amounts == [100 + n for n in range(PAGE_SIZE + 2, 0, -1)]  # newest first, each once


async def test_transactions_of_one_kind_money_in_or_out(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["inquiry", "transfer"], reg.user_seq_no)
    await gateway.transfers.withdraw(call, withdraw_order(demo, reg, 1, 7_000))
    ref = ByFintechNum(reg.fintech_use_num)
    out = await gateway.inquiries.transactions(call, _history(2, demo, inquiry_type="O"), ref)
    assert [line.amount for line in out.lines] == [-7_000]
    money_in = await gateway.inquiries.transactions(call, _history(3, demo, inquiry_type="I"), ref)
    assert all(line.amount > 0 for line in money_in.lines)


async def test_real_name_with_another_birth_date_is_the_banks_name_mismatch(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["oob"])
    account = world.ledger.accounts[(reg.bank_code, reg.account_num)]
    query = RealNameQuery(
        bank_tran_id=tran_id(demo, 1), bank_code=reg.bank_code, account_num=reg.account_num
    )
    assert (await gateway.inquiries.real_name(call, query)).account is account
    wrong = RealNameQuery(
        bank_tran_id=tran_id(demo, 2),
        bank_code=reg.bank_code,
        account_num=reg.account_num,
        holder_info="000101",
    )
    with pytest.raises(Refusal) as refused:
        await gateway.inquiries.real_name(call, wrong)
    mismatch = world.banks[reg.bank_code].response("name_mismatch")
    assert refused.value.fields["bank_rsp_code"] == mismatch.bank_rsp_code


def _receive(demo: FintechClient, n: int, **changes: object) -> ReceiveQuery:
    values: dict[str, object] = {
        "bank_tran_id": tran_id(demo, n),
        "contract": contract(demo, "deposit"),
        "customer": customer(),
        **changes,
    }
    return ReceiveQuery(**values)  # type: ignore[arg-type]


async def test_receive_names_the_payee_and_the_contract_account_it_would_be_paid_from(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["oob"])
    query = _receive(demo, 1, bank_code=reg.bank_code, account_num=reg.account_num)
    done = await gateway.inquiries.receive(call, query)
    paying = demo.contract_account("deposit")
    assert paying is not None
    assert done.account.key == (reg.bank_code, reg.account_num)
    assert done.paid_from.account_num == paying.account_num


async def test_receive_with_the_withdraw_contract_account_is_A0322(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    query = _receive(demo, 1, contract=contract(demo, "withdraw"), fintech_use_num="1")
    with pytest.raises(Refusal) as refused:
        await gateway.inquiries.receive(caller(world, demo, ["oob"]), query)
    assert refused.value.rsp_code == "A0322"


async def test_receive_names_the_payee_one_way_not_both(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    both = _receive(
        demo,
        1,
        bank_code=reg.bank_code,
        account_num=reg.account_num,
        fintech_use_num=reg.fintech_use_num,
    )
    with pytest.raises(Refusal) as refused:
        await gateway.inquiries.receive(caller(world, demo, ["oob"]), both)
    assert refused.value.rsp_message.endswith("[payee: bank+account or fintech_use_num, not both]")


async def test_remit_list_shows_who_paid_into_the_callers_contract_account(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    call = caller(world, demo, ["oob", "transfer"], reg.user_seq_no)
    await gateway.transfers.withdraw(call, withdraw_order(demo, reg, 1, 4_000))
    paid_into = demo.contract_account("withdraw")
    assert paid_into is not None
    whole_day = Period(
        from_date="20260302", to_date="20260302", by_time=True, from_time="000000", to_time="235959"
    )
    query = RemitQuery(
        bank_tran_id=tran_id(demo, 2),
        bank_code=paid_into.bank_code,
        account_num=paid_into.account_num,
        period=whole_day,
        descending=True,
    )
    page = await gateway.inquiries.remit_list(call, query)
    latest = page.lines[0]
    assert latest.amount == 4_000
    payer = world.ledger.accounts[(reg.bank_code, reg.account_num)]
    assert gateway.inquiries.remitter(page.account, latest).name == payer.holder_name


async def test_remit_list_of_an_account_not_the_callers_is_A0322(
    world: World, gateway: Gateway, demo: FintechClient, reg: Registration
) -> None:
    whole_day = Period(
        from_date="20260302", to_date="20260302", by_time=True, from_time="000000", to_time="235959"
    )
    query = RemitQuery(
        bank_tran_id=tran_id(demo, 1),
        bank_code=reg.bank_code,
        account_num=reg.account_num,
        period=whole_day,
        descending=True,
    )
    with pytest.raises(Refusal) as refused:
        await gateway.inquiries.remit_list(caller(world, demo, ["oob"]), query)
    assert refused.value.rsp_code == "A0322"
