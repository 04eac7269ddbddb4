"""The gateway without HTTP: the Open Banking use cases called with plain values, as the
handlers call them, on a world with a virtual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from testbed.config import ResponseCode
from testbed.network.centre import TransferOutcome
from testbed.network.codes import Refusal
from testbed.network.gateway import BankAnswer, ByAccountNum, ByFintechNum, Caller, Gateway
from testbed.network.ledger import Entry
from testbed.network.parties import FintechClient, Registration
from testbed.network.world import World
from tests.conftest import WorldFactory


def _demo(world: World) -> FintechClient:
    return next(iter(world.directory.clients.values()))


def _transferable(world: World, client: FintechClient) -> Registration:
    return next(
        r
        for r in world.directory.registrations.values()
        if r.client_use_code == client.client_use_code and r.transfer_agree_dtime
    )


def _caller(world: World, scopes: list[str], user_seq_no: str = "") -> Caller:
    client = _demo(world)
    grant = world.auth.issue(client.client_use_code, user_seq_no, scopes, world.clock.now())
    return Caller(client, grant, world.clock.now(), [])


def _withdraw_request(world: World, reg: Registration, tran_id: str, amount: int) -> dict[str, str]:
    contract = _demo(world).contract_account("withdraw")
    assert contract is not None
    return {
        "bank_tran_id": tran_id,
        "cntr_account_type": "N",
        "cntr_account_num": contract.account_num,
        "dps_print_content": "포인트충전",
        "fintech_use_num": reg.fintech_use_num,
        "tran_amt": str(amount),
        "req_client_name": "홍길동",
        "req_client_fintech_use_num": reg.fintech_use_num,
        "req_client_num": "CUST0001",
        "transfer_purpose": "TR",
    }


@pytest.fixture
async def world(make_world: WorldFactory) -> AsyncIterator[World]:
    world = make_world()
    async with world.clock:
        yield world


async def test_a_withdrawal_moves_the_money_and_keeps_the_record(world: World) -> None:
    gateway = Gateway(world)
    reg = _transferable(world, _demo(world))
    caller = _caller(world, ["login", "inquiry", "transfer"], reg.user_seq_no)
    account = world.ledger.accounts[(reg.bank_code, reg.account_num)]
    before = account.balance
    tran_id = _demo(world).client_use_code + "U000000001"
    data = _withdraw_request(world, reg, tran_id, 12_000)
    done = await gateway.transfers.withdraw(caller, ByFintechNum(reg.fintech_use_num), data)
    assert account.balance == before - 12_000
    record = done.record
    assert (record.rsp_code, record.moved, record.tran_amt) == ("A0000", True, 12_000)
    assert record.wd["fintech_use_num"] == reg.fintech_use_num
    assert record.req_client["req_client_num"] == "CUST0001"  # AML: the requesting customer
    assert record.retention_years == 5  # above 10,000 won
    assert done.remaining == 10_000_000 - 12_000  # the default per-user daily limit
    assert world.openbanking.find(record.client_use_code, tran_id, record.bank_tran_date) is record
    assert world.ledger.check()["ok"]


async def test_the_same_rules_by_account_number(world: World) -> None:
    gateway = Gateway(world)
    reg = _transferable(world, _demo(world))
    caller = _caller(world, ["sa"])
    ref = ByAccountNum(reg.bank_code, reg.account_num, "1999999999")  # another user
    with pytest.raises(Refusal) as refused:
        gateway.locate(caller, ref, consent="transfer")
    assert refused.value.rsp_code == "A0313"
    found, account = gateway.locate(
        caller, ByAccountNum(reg.bank_code, reg.account_num, reg.user_seq_no)
    )
    assert found is reg and account.account_num == reg.account_num


async def test_a_refused_withdrawal_changes_nothing(world: World) -> None:
    gateway = Gateway(world)
    client = _demo(world)
    reg = _transferable(world, client)
    caller = _caller(world, ["transfer"], reg.user_seq_no)
    entries = len(world.ledger.entries)
    data = _withdraw_request(world, reg, client.client_use_code + "U000000002", 10_000_001)
    with pytest.raises(Refusal) as refused:
        await gateway.transfers.withdraw(caller, ByFintechNum(reg.fintech_use_num), data)
    assert refused.value.rsp_code == "A0111"  # the user's per-transaction limit
    assert len(world.ledger.entries) == entries and not world.openbanking.transfers


async def test_balance_needs_the_inquiry_consent(world: World) -> None:
    gateway = Gateway(world)
    client = _demo(world)
    reg = _transferable(world, client)
    reg.inquiry_agree_dtime = ""
    caller = _caller(world, ["inquiry"], reg.user_seq_no)
    with pytest.raises(Refusal) as refused:
        await gateway.inquiries.balance(
            caller, client.client_use_code + "U000000003", ByFintechNum(reg.fintech_use_num)
        )
    assert refused.value.rsp_code == "A0305"


# --- the one mapping of a bank's answer to a KFTC code --------------------------------


def test_bank_answers_map_to_kftc_codes(make_world: WorldFactory) -> None:
    world = make_world(users=0)
    centre = world.config.centre
    entry = Entry(1, 0.0, "transfer", ())
    assert BankAnswer.of(world, TransferOutcome(entry), "088") == BankAnswer(
        "A0000", "", "088", "000", ""
    )
    closed = BankAnswer.of(world, TransferOutcome(None, "centre_closed", centre.code), "088")
    assert (closed.rsp_code, closed.bank_code, closed.bank_rsp_code) == ("A0020", centre.code, "")
    assert closed.detail.startswith("센터 운영시간 ")
    late = TransferOutcome(None, "timeout", "004", ResponseCode("A0007", "", ""))
    assert BankAnswer.of(world, late, "088") == BankAnswer("A0007", "", "004", "", "")
    silent = TransferOutcome(None, "timeout", "004", None)
    assert BankAnswer.of(world, silent, "088").rsp_code == "A0017"
    poor = TransferOutcome(
        None, "insufficient_balance", "004", ResponseCode("A0002", "411", "잔액부족")
    )
    answer = BankAnswer.of(world, poor, "088")
    assert answer == BankAnswer("A0002", "", "004", "411", "잔액부족")
    refusal = answer.refusal("T991599190U000000001", "20260302")
    assert refusal.rsp_code == "A0002"
    assert refusal.fields == {
        "bank_tran_id": "T991599190U000000001",
        "bank_tran_date": "20260302",
        "bank_code_tran": "004",
        "bank_rsp_code": "411",
        "bank_rsp_message": "잔액부족",
    }
