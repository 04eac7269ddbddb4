"""What the gateway's use cases share (gateway.base), without HTTP: how a bank's answer
becomes a KFTC code, written once (`BankAnswer.of`)."""

from __future__ import annotations

from testbed.config import ResponseCode
from testbed.network.centre import TransferOutcome
from testbed.network.gateway import BankAnswer
from testbed.network.ledger import Entry
from tests.conftest import WorldFactory


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
