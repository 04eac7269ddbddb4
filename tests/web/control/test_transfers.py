"""`/testbed/transfers` (자금세탁방지): the seed's three examples, each transfer with its
requesting customer (요청고객), found by member number, period and amount, its retention
class shown, and every read in the processing log."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.test_transfer import Bank

JSON = dict[str, Any]


@pytest.fixture
async def fintech(api: Api) -> Bank:
    return Bank(api, await api.demo())


async def transfers(api: Api, status: int = 200, **params: str) -> JSON:
    resp = await api.http.get("/testbed/transfers", params=params, headers=api.admin)
    body: JSON = await resp.json()
    assert resp.status == status, body
    return body


async def seed_examples(api: Api, fintech: Bank) -> tuple[JSON, JSON]:
    """The seed's 자금세탁방지 page: A pays B through the fintech (A → fintech, fintech →
    B), A charges points (A → fintech), the fintech checks A owns an account (fintech → A);
    A is the requesting customer of every one."""
    a = await api.user([{"bank_code": "004", "balance": 1_000_000}], name="김에이")
    b = await api.user([{"bank_code": "088", "balance": 0}], name="이비")
    a_fin = a["accounts"][0]["fintech_use_num"]
    a_account = a["accounts"][0]
    as_a = {"req_client_name": "김에이", "req_client_num": "MEMBERA0001"}
    token = await api.token()
    paid = await fintech.withdraw(a["access_token"], a_fin, 30_000, **as_a)
    assert paid["rsp_code"] == "A0000", paid
    to_b = {"fintech_use_num": b["accounts"][0]["fintech_use_num"], "tran_amt": "30000", **as_a,
            "req_client_bank_code": "004", "req_client_account_num": a_account["account_num"]}  # fmt: skip
    answer = await api.post("/v2.0/transfer/deposit/fin_num", token, fintech.deposit_body(to_b))
    assert answer["rsp_code"] == "A0000", answer
    points = await fintech.withdraw(a["access_token"], a_fin, 5_000, **as_a)
    assert points["rsp_code"] == "A0000", points
    check = {"fintech_use_num": a_fin, "tran_amt": "1", **as_a, "print_content": "인증1234",
             "req_client_bank_code": "004", "req_client_account_num": a_account["account_num"]}  # fmt: skip
    answer = await api.post("/v2.0/transfer/deposit/fin_num", token, fintech.deposit_body(check))
    assert answer["rsp_code"] == "A0000", answer
    return a, b


async def test_the_seeds_three_examples_carry_the_requesting_customer(
    api: Api, fintech: Bank
) -> None:
    a, b = await seed_examples(api, fintech)
    found = await transfers(api, req_client_num="MEMBERA0001")
    assert found["total"] == 4
    check, points, to_b, paid = found["transfers"]  # newest first
    name = fintech.demo["name"]
    # ① 출금이체 (A → 핀테크기업): 송금인 A, 수취인 the fintech, 요청고객 A
    assert (paid["api"], paid["payer"]["name"], paid["payee"]["name"]) == (
        "withdraw",
        "김에이",
        name,
    )
    # ② 입금이체 (핀테크기업 → B): 송금인 the fintech, 수취인 B, 요청고객 A
    assert (to_b["api"], to_b["payer"]["name"], to_b["payee"]["name"]) == ("deposit", name, "이비")
    # the point charge, and the ownership check (핀테크기업 → A)
    assert (points["api"], points["payer"]["name"]) == ("withdraw", "김에이")
    assert (check["api"], check["payee"]["name"], check["tran_amt"]) == ("deposit", "김에이", 1)
    for t in (paid, to_b, points, check):
        assert t["req_client"]["name"] == "김에이" and t["req_client"]["num"] == "MEMBERA0001"
        assert t["moved"] and t["rsp_code"] == "A0000" and t["client_name"] == name
    # the customer named by fintech_use_num or by account, in full (an analyst traces it)
    assert paid["req_client"]["fintech_use_num"] == a["accounts"][0]["fintech_use_num"]
    assert to_b["req_client"]["account_num"] == a["accounts"][0]["account_num"]
    assert to_b["payee"]["account_num"] == b["accounts"][0]["account_num"]
    # 전자금융거래기록 보관: 5 years above 10,000 won, 1 year at or below
    assert (paid["retention_class"], paid["keep_until"]) == ("5년", "20310302")
    assert (check["retention_class"], check["keep_until"]) == ("1년", "20270302")
    assert points["retention_years"] == 1


async def test_filters_and_pages(api: Api, fintech: Bank) -> None:
    await seed_examples(api, fintech)
    assert (await transfers(api, req_client_num="MEMBERB0001"))["total"] == 0
    assert (await transfers(api, min_amount="10001"))["total"] == 2
    assert (await transfers(api, client_use_code=fintech.code))["total"] == 4
    assert (await transfers(api, client_use_code="M000000000"))["total"] == 0
    assert (await transfers(api, **{"from": "2026-03-03"}))["total"] == 0
    assert (await transfers(api, to="2026-03-02"))["total"] == 4
    page = await transfers(api, size="3", page="2")
    assert (page["total"], len(page["transfers"]), page["transfers"][0]["tran_amt"]) == (
        4,
        1,
        30_000,
    )


async def test_reading_them_is_logged_with_the_fields_and_people_shown(
    api: Api, fintech: Bank
) -> None:
    a, b = await seed_examples(api, fintech)
    await transfers(api, req_client_num="MEMBERA0001", size="1")  # the ownership check only
    resp = await api.http.get(
        "/testbed/audit", params={"action": "read", "size": "1"}, headers=api.admin
    )
    (record,) = (await resp.json())["records"]
    assert record["path"] == "GET /testbed/transfers"
    assert {"req_client_name", "req_client_num", "account_num", "tran_amt"} <= set(record["fields"])
    a_ref = api.runtime.store.account_ref("004", a["accounts"][0]["account_num"])
    assert a["user_seq_no"] in record["subjects"] and a_ref in record["subjects"]
    assert b["user_seq_no"] not in record["subjects"]  # not on the page read
    resp = await api.http.get(
        "/testbed/audit", params={"subject": b["user_seq_no"]}, headers=api.admin
    )
    paths = [r["path"] for r in (await resp.json())["records"]]
    assert "GET /testbed/transfers" not in paths


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"min_amount": "-1"}, "min_amount"),
        ({"min_amount": "ten"}, "min_amount"),
        ({"from": "soon"}, "from"),
        ({"size": "0"}, "size"),
    ],
)
async def test_a_bad_filter_is_a_400(api: Api, params: JSON, says: str) -> None:
    assert says in (await transfers(api, 400, **params))["error"]
