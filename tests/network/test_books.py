"""The centre's registers (network/books.py) without HTTP: bank_tran_id once a day (A0004,
A0326), the limits over what moved (A0101–A0112), and the 처리대행비용 tier and bill."""

from __future__ import annotations

import orjson
import pytest

from testbed.clock import DAY, parse_kst
from testbed.network.books import OpenBankingBook, Total, TransferRecord
from testbed.network.codes import Refusal
from testbed.network.names import Api
from testbed.network.parties import FintechClient
from testbed.network.records import plain

NOW = parse_kst("2026-03-02T10:00:00+09:00")
CODE = "T991000001"


def institution(**limits: int) -> FintechClient:
    return FintechClient(
        client_use_code=CODE,
        name="테스트",
        name_en="Test",
        client_id="id",
        client_secret="secret",
        redirect_uris=[],
        scopes=["oob"],
        self_auth=False,
        main_bank="088",
        limits=dict(limits),
    )


def moved(book: OpenBankingBook, n: int, api: str, amount: int, date: str, user: str = "") -> None:
    """A transfer the books count: its money moved."""
    book.record(
        TransferRecord(
            client_use_code=CODE,
            bank_tran_id=f"{CODE}U{n:09d}",
            bank_tran_date=date,
            api=api,
            tran_amt=amount,
            time=NOW,
            rsp_code="A0000",
            bank_code_tran="088",
            bank_rsp_code="000",
            bank_rsp_message="",
            moved=True,
            entry_id=n,
            user_seq_no=user,
            wd={},
            dps={},
            req_client={},
        )
    )


def code_of(call: object) -> str:
    with pytest.raises(Refusal) as refused:
        call()  # type: ignore[operator]
    return refused.value.rsp_code


def test_a_bank_tran_id_is_the_institutions_code_u_and_9_characters_once_a_day() -> None:
    book, client = OpenBankingBook(), institution()
    assert book.claim(client, f"{CODE}U000000001", "balance", NOW) == "20260302"
    assert code_of(lambda: book.claim(client, f"{CODE}U000000001", "balance", NOW)) == "A0326"
    assert book.claim(client, f"{CODE}U000000001", "balance", NOW + DAY) == "20260303"
    for wrong in (f"{CODE}U00000001", f"{CODE}X000000001", "T991000002U000000001", ""):
        assert code_of(lambda w=wrong: book.claim(client, w, "balance", NOW)) == "A0004"


def test_withdraw_limits_per_transaction_day_month_and_user() -> None:
    book = OpenBankingBook()
    client = institution(
        withdraw_per_tx=10_000, withdraw_day=15_000, withdraw_month=30_000, user_withdraw_day=12_000
    )
    check = book.check_limits
    check(client, "withdraw", "", 10_000, "20260302")  # at the limit: allowed
    assert code_of(lambda: check(client, "withdraw", "", 10_001, "20260302")) == "A0105"
    moved(book, 1, "withdraw", 10_000, "20260302", user="1100000001")
    assert code_of(lambda: check(client, "withdraw", "", 6_000, "20260302")) == "A0103"
    assert code_of(lambda: check(client, "withdraw", "1100000001", 3_000, "20260302")) == "A0112"
    check(client, "withdraw", "1100000002", 3_000, "20260302")  # another user's day
    moved(book, 2, "withdraw", 10_000, "20260303")
    moved(book, 3, "withdraw", 10_000, "20260304")
    assert code_of(lambda: check(client, "withdraw", "", 1, "20260305")) == "A0104"
    check(client, "withdraw", "", 10_000, "20260401")  # a new month


def test_deposit_limits_have_their_own_codes() -> None:
    book = OpenBankingBook()
    client = institution(deposit_per_tx=100, deposit_day=150, deposit_month=1_000)
    assert code_of(lambda: book.check_limits(client, "deposit", "", 101, "20260302")) == "A0106"
    moved(book, 1, "deposit", 100, "20260302")
    assert code_of(lambda: book.check_limits(client, "deposit", "", 100, "20260302")) == "A0101"


def test_the_bill_counts_what_moved_at_the_reduced_tier_unless_basic_from_the_start() -> None:
    client = institution()
    book = OpenBankingBook(clients={CODE: client})
    moved(book, 1, "withdraw", 1_000, "20260302")
    moved(book, 2, "withdraw", 2_000, "20260302")
    withdraw, deposit = book.bill(CODE, "2026-03")["apis"]
    rate = book.tariff.reduced["withdraw"]
    assert (withdraw["count"], withdraw["amount"], withdraw["fee"]) == (2, 3_000, 2 * rate)
    assert withdraw["rate"] == rate
    assert withdraw["fee_type"] == "reduced" and deposit["count"] == 0
    client.fee_start = "basic"  # 경감기준을 초과하는 것으로 확인된 이용기관: basic from month one
    assert book.fee_type(CODE, "withdraw", "2026-03") == "basic"


def test_running_totals_are_an_institutions_per_day_and_month_and_a_users_per_day() -> None:
    book = OpenBankingBook()
    moved(book, 1, Api.WITHDRAW, 1_000, "20260302", user="1100000001")
    moved(book, 2, Api.WITHDRAW, 2_000, "20260303")
    moved(book, 3, Api.DEPOSIT, 500, "20260303")
    assert dict(book.moved) == {
        Total(CODE, Api.WITHDRAW, "20260302"): 1_000,
        Total(CODE, Api.WITHDRAW, "2026-03"): 3_000,
        Total(CODE, Api.WITHDRAW, "20260302", "1100000001"): 1_000,
        Total(CODE, Api.WITHDRAW, "20260303"): 2_000,
        Total(CODE, Api.DEPOSIT, "20260303"): 500,
        Total(CODE, Api.DEPOSIT, "2026-03"): 500,
    }


def test_stored_records_keep_the_apis_text_and_load_as_its_member() -> None:
    """The StrEnum changed nothing on disk: a record is stored with "withdraw", as before,
    and a stored one (text) loads with Api.WITHDRAW, counted as it always was."""
    book, client = OpenBankingBook(), institution()
    book.claim(client, f"{CODE}U000000009", Api.BALANCE, NOW)
    moved(book, 1, Api.WITHDRAW, 1_000, "20260302")
    stored = {
        kind: {key: orjson.loads(orjson.dumps(plain(obj))) for key, obj in table.items()}
        for kind, table in book.tables.items()
    }
    assert {r["api"] for table in stored.values() for r in table.values()} == {
        "balance",
        "withdraw",
    }
    again = OpenBankingBook()
    for kind, table in stored.items():
        for key, record in table.items():
            again.load(kind, key, record)
    (record,) = again.transfers.values()
    (used,) = again.used_ids.values()
    assert (record.api, used.api) == (Api.WITHDRAW, Api.BALANCE)
    assert type(record.api) is Api and type(used.api) is Api
    assert again.moved == book.moved
