"""Bad input never breaks the server: each case gets the gateway's code and changes nothing."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.test_transfer import Bank


@pytest.fixture
async def fintech(api: Api) -> Bank:
    return Bank(api, await api.demo())


async def books(api: Api) -> tuple[int, int]:
    check = await (await api.http.get("/testbed/ledger/check", headers=api.admin)).json()
    assert check["ok"], check["problems"]
    return check["entries"], check["total_balance"]


async def raw(
    api: Api, path: str, token: str, data: bytes, content_type: str = "application/json"
) -> Any:
    resp = await api.http.post(
        path, data=data, headers={"Authorization": f"Bearer {token}", "Content-Type": content_type}
    )
    assert resp.status == 200  # KFTC answers 200 whatever went wrong
    return await resp.json()


WITHDRAW = "/v2.0/transfer/withdraw/fin_num"


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b'{"a": 1, "a": 2}', "application/json"),
        (b"\xff\xfe\xfd", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"null", "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
        (b"tran_amt=1000", "application/x-www-form-urlencoded"),
    ],
)
async def test_malformed_bodies(api: Api, data: bytes, content_type: str) -> None:
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    before = await books(api)
    answer = await raw(api, WITHDRAW, user["access_token"], data, content_type)
    assert answer["rsp_code"] == "A0004"
    assert await books(api) == before


async def test_a_lone_surrogate_is_refused_and_the_store_keeps_writing(
    api: Api, fintech: Bank
) -> None:
    """JSON's \\ud800 escape writes a character UTF-8 cannot hold; the stdlib parser kept
    it, the posting's print_content took it, the store's write failed, and so did every
    write after it (found by `make soak`'s fuzz of the control plane, then here)."""
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    token, fin = user["access_token"], user["accounts"][0]["fintech_use_num"]
    before = await books(api)
    for field in ("dps_print_content", "req_client_name", "\ud800"):
        body = fintech.withdraw_body(fin, 1000, **{field: "가\ud800"})
        answer = await raw(api, WITHDRAW, token, json.dumps(body).encode())  # as an escape
        assert answer["rsp_code"] == "A0004" and "not text" in answer["rsp_message"]
    assert await books(api) == before
    assert (await fintech.withdraw(token, fin, 1000))["rsp_code"] == "A0000"  # still writes


async def test_a_token_form_that_is_not_utf8_gets_an_answer(api: Api) -> None:
    """Was a 500: the form's decoding failed inside the handler."""
    resp = await api.http.post(
        "/oauth/2.0/token",
        data=b"client_id=\xff&client_secret=x&scope=oob&grant_type=client_credentials",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status == 200
    assert (await resp.json())["rsp_code"] == "O0001"
    assert "not UTF-8" in resp.headers["X-Testbed-Warning"]


async def test_a_body_over_the_size_limit(api: Api) -> None:
    user = await api.user()
    answer = await raw(
        api, WITHDRAW, user["access_token"], b'{"x": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    )
    assert answer["rsp_code"] == "A0004" and "too large" in answer["rsp_message"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tran_amt": "-1000"}, "tran_amt"),
        ({"tran_amt": "0"}, "tran_amt"),
        ({"tran_amt": "1000.5"}, "tran_amt"),
        ({"tran_amt": "9" * 13}, "tran_amt"),
        ({"tran_amt": 1e30}, "tran_amt"),
        ({"tran_amt": True}, "tran_amt"),
        ({"tran_amt": ["1000"]}, "tran_amt"),
        ({"tran_dtime": "20260230100000"}, "tran_dtime"),  # 30 February
        ({"tran_dtime": "20260302250000"}, "tran_dtime"),
        ({"dps_print_content": "가" * 21}, "dps_print_content"),  # Korean past AH(20)
        ({"req_client_name": "홍" * 21}, "req_client_name"),
        ({"req_client_name": "이름\u0000"}, "req_client_name"),
        ({"fintech_use_num": "1" * 25}, "fintech_use_num"),
        ({"bank_tran_id": "가" * 20}, "bank_tran_id"),
    ],
)
async def test_bad_fields_name_themselves_and_move_nothing(
    api: Api, fintech: Bank, change: dict[str, Any], field: str
) -> None:
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    before = await books(api)
    body = fintech.withdraw_body(user["accounts"][0]["fintech_use_num"], 1000, **change)
    answer = await api.post(WITHDRAW, user["access_token"], body)
    assert answer["rsp_code"] == "A0004" and field in answer["rsp_message"]
    assert await books(api) == before


async def test_korean_at_its_length_limit_is_accepted(api: Api, fintech: Bank) -> None:
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    body = fintech.withdraw_body(
        user["accounts"][0]["fintech_use_num"],
        1000,
        dps_print_content="가" * 20,
        req_client_name="홍" * 20,
    )
    assert (await api.post(WITHDRAW, user["access_token"], body))["rsp_code"] == "A0000"


@pytest.mark.parametrize("count", [0, 2, 10_000])
async def test_req_list_of_the_wrong_size(api: Api, fintech: Bank, count: int) -> None:
    user = await api.user([{"bank_code": "090"}])
    item = fintech.deposit_body({"fintech_use_num": user["accounts"][0]["fintech_use_num"]})[
        "req_list"
    ][0]
    body = fintech.deposit_body({}, req_list=[item] * count, req_cnt=str(count))
    before = await books(api)
    answer = await api.post("/v2.0/transfer/deposit/fin_num", await api.token(), body)
    assert answer["rsp_code"] == "A0004"
    assert (
        "req_" in answer["rsp_message"] or "too large" in answer["rsp_message"]
    )  # 10,000 items > 1 MiB
    assert await books(api) == before
    result = {
        "check_type": "1",
        "tran_dtime": "20260302100000",
        "req_cnt": str(count),
        "req_list": [
            {
                "tran_no": "1",
                "org_bank_tran_id": f"{fintech.code}U000000001",
                "org_bank_tran_date": "20260302",
                "org_tran_amt": "1",
            }
        ]
        * count,
    }
    assert (await api.post("/v2.0/transfer/result", await api.token(), result))["rsp_code"] in (
        "A0004",
        "A0009",
        "A0310",
    )


async def test_isolation_between_institutions(api: Api, fintech: Bank) -> None:
    """A's token never reads or moves money registered only to B, and the answer leaks nothing."""
    theirs = await api.user([{"bank_code": "004", "balance": 500_000}], index=1)
    mine = await api.user([{"bank_code": "004", "balance": 500_000}])
    fin = theirs["accounts"][0]["fintech_use_num"]
    answer = await fintech.withdraw(mine["access_token"], fin, 1000)
    assert answer["rsp_code"] == "A0304"
    assert theirs["accounts"][0]["account_num"] not in str(answer) and "500000" not in str(answer)
    # B's own withdrawal, then A asks transfer/result about it: A0310, as if it never happened
    other = Bank(api, await api.demo(1))
    body = other.withdraw_body(
        fin, 1000, cntr_account_num=other.contract["withdraw"]["account_num"]
    )
    assert (await api.post(WITHDRAW, theirs["access_token"], body))["rsp_code"] == "A0000"
    peek = await fintech.result(
        await api.token(), "withdraw", {**body, "bank_tran_date": "20260302"}
    )
    assert peek["rsp_code"] == "A0310"
    # B itself reads its user's balance by account number with its sa token: the money is there
    selfpay = await api.token("sa", index=1)
    own = await api.post(
        "/v2.0/account/balance/acnt_num",
        selfpay,
        {
            "bank_tran_id": api.tran_id(other.code),
            "tran_dtime": "20260302100000",
            "bank_code_std": "004",
            "account_num": theirs["accounts"][0]["account_num"],
            "user_seq_no": theirs["user_seq_no"],
        },
    )
    assert own["rsp_code"] == "A0000" and own["balance_amt"] == "499000"
    deposit = await api.post(
        "/v2.0/transfer/deposit/fin_num",
        await api.token(),
        fintech.deposit_body({"fintech_use_num": fin}),
    )
    assert deposit["rsp_code"] == "A0304"


async def test_secrets_never_reach_logs_or_events(
    api: Api, fintech: Bank, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    demo = await api.demo()
    token = await api.token()
    body = fintech.withdraw_body(
        user["accounts"][0]["fintech_use_num"], 1000, tran_amt=1000, extra="x"
    )
    await api.post(WITHDRAW, user["access_token"], body)  # warnings get logged
    await api.post(
        "/v2.0/inquiry/real_name",
        token,
        {
            "bank_tran_id": api.tran_id(demo["client_use_code"]),
            "bank_code_std": "088",
            "account_num": user["accounts"][0]["account_num"],
            "tran_dtime": "20260302100000",
        },
    )
    events = await (await api.http.get("/testbed/events", headers=api.admin)).text()
    logged = caplog.text
    assert "tran_amt was sent as a JSON number" in logged  # the log does speak
    for secret in (demo["client_secret"], token, user["access_token"], user["refresh_token"]):
        assert secret not in logged and secret not in events
    assert (
        user["accounts"][0]["account_num"] not in logged
        and user["accounts"][0]["account_num"] not in events
    )
