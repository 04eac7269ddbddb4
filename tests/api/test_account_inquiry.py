"""user/me, account/list, balance, transaction_list, real_name, bank/status."""

from __future__ import annotations

import re
from typing import Any

import pytest

from testbed.network.ledger import AccountStatus
from tests.api.conftest import BANK_BLOCK, ENVELOPE, Api, assert_envelope, assert_strings

DTIME = "20260302100000"
ACCOUNT_OBJECT = {
    "fintech_use_num", "account_alias", "bank_code_std", "bank_code_sub", "bank_name",
    "savings_bank_name", "account_num_masked", "account_seq", "account_holder_name",
    "account_holder_type", "account_type", "inquiry_agree_yn", "inquiry_agree_dtime",
    "transfer_agree_yn", "transfer_agree_dtime",
}  # fmt: skip


async def test_user_me(api: Api) -> None:
    user = await api.user([{"bank_code": "088", "balance": 5000}, {"bank_code": "004"}])
    body = await api.get("/v2.0/user/me", user["access_token"], user_seq_no=user["user_seq_no"])
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | {
        "user_seq_no", "user_ci", "user_name", "user_info", "user_gender", "user_cell_no",
        "user_email", "res_cnt", "res_list",
    }  # fmt: skip
    assert body["user_name"] == "홍길동" and body["user_info"] == "19900101"
    assert body["res_cnt"] == "2"
    for item in body["res_list"]:
        assert set(item) == ACCOUNT_OBJECT | {"payer_num"}
        assert re.fullmatch(r"\d{3}-\d+-\*\*\*", item["account_num_masked"])
        assert item["inquiry_agree_yn"] == "Y" and len(item["inquiry_agree_dtime"]) == 14
    assert {i["bank_code_std"] for i in body["res_list"]} == {"088", "004"}


async def test_user_me_payer_num_is_the_withdrawal_consents(api: Api) -> None:
    """납부자번호: 20 digits for an account with withdrawal consent (the consent's date
    first, as in a captured real answer), empty without it; account/list has none."""
    user = await api.user(
        [{"bank_code": "088"}, {"bank_code": "004", "transfer": False}, {"bank_code": "003"}]
    )
    body = await api.get("/v2.0/user/me", user["access_token"], user_seq_no=user["user_seq_no"])
    items = {item["bank_code_std"]: item for item in body["res_list"]}
    assert items["004"]["payer_num"] == ""
    for code in ("088", "003"):
        payer_num = items[code]["payer_num"]
        assert re.fullmatch(r"\d{20}", payer_num), payer_num
        assert payer_num[:8] == items[code]["transfer_agree_dtime"][:8] == "20260302"
    assert items["088"]["payer_num"] != items["003"]["payer_num"]
    again = await api.get("/v2.0/user/me", user["access_token"], user_seq_no=user["user_seq_no"])
    assert again["res_list"] == body["res_list"]  # stable


async def test_account_list_has_state_and_no_plain_account_num(api: Api) -> None:
    user = await api.user()
    body = await api.get(
        "/v2.0/account/list", user["access_token"], user_seq_no=user["user_seq_no"]
    )
    assert_envelope(body)
    assert set(body) == ENVELOPE | {"user_name", "res_cnt", "res_list"}
    (item,) = body["res_list"]
    assert set(item) == ACCOUNT_OBJECT | {"account_state"}
    assert "account_num" not in item


async def test_a_user_token_serves_only_its_user(api: Api) -> None:
    alice = await api.user(name="김앨리스")
    bob = await api.user(name="박밥")
    body = await api.get("/v2.0/user/me", alice["access_token"], user_seq_no=bob["user_seq_no"])
    assert body["rsp_code"] == "A0313" and body["res_list"] == []
    assert "박밥" not in str(body)
    demo = await api.demo()
    balance = await api.get(
        "/v2.0/account/balance/fin_num",
        alice["access_token"],
        bank_tran_id=api.tran_id(demo["client_use_code"]),
        fintech_use_num=bob["accounts"][0]["fintech_use_num"],
        tran_dtime=DTIME,
    )
    assert balance["rsp_code"] == "A0313"


async def test_another_institutions_account_is_a0304(api: Api) -> None:
    theirs = await api.user(index=1)  # registered to the self-auth institution only
    mine = await api.user()
    demo = await api.demo()
    body = await api.get(
        "/v2.0/account/balance/fin_num",
        mine["access_token"],
        bank_tran_id=api.tran_id(demo["client_use_code"]),
        fintech_use_num=theirs["accounts"][0]["fintech_use_num"],
        tran_dtime=DTIME,
    )
    assert body["rsp_code"] == "A0304"
    assert theirs["accounts"][0]["account_num"] not in str(body)


async def test_balance(api: Api) -> None:
    user = await api.user([{"bank_code": "004", "balance": 123_456, "product_name": "급여통장"}])
    demo = await api.demo()
    tran_id = api.tran_id(demo["client_use_code"])
    fin = user["accounts"][0]["fintech_use_num"]
    body = await api.get(
        "/v2.0/account/balance/fin_num",
        user["access_token"],
        bank_tran_id=tran_id,
        fintech_use_num=fin,
        tran_dtime=DTIME,
    )
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | BANK_BLOCK | {
        "bank_name", "savings_bank_name", "fintech_use_num", "balance_amt", "available_amt",
        "account_type", "product_name", "account_issue_date", "maturity_date", "last_tran_date",
    }  # fmt: skip
    assert body["balance_amt"] == "123456" and body["product_name"] == "급여통장"
    assert body["bank_tran_id"] == tran_id and body["bank_tran_date"] == "20260302"
    assert body["bank_code_tran"] == "004" and body["bank_rsp_code"] == "000"
    assert body["bank_name"] == "KB국민은행" and body["last_tran_date"] == "20260302"


async def test_balance_dates_it_has_none_of_are_zeros(api: Api) -> None:
    """N(8) dates the bank has none of are 00000000 (a captured real answer shows it for
    last_tran_date), never empty."""
    user = await api.user([{"bank_code": "004", "balance": 0}])  # no transaction yet
    body = await _balance(api, user)
    assert body["rsp_code"] == "A0000", body
    assert (body["maturity_date"], body["last_tran_date"]) == ("00000000", "00000000")
    assert body["account_issue_date"] == "20260302"


async def test_balance_shows_a_maturity_date_when_the_account_has_one(api: Api) -> None:
    user = await api.user(
        [{"bank_code": "004", "balance": 70_000, "account_type": "2", "product_name": "적금"}]
    )
    account = user["accounts"][0]
    api.runtime.world.ledger.accounts[("004", account["account_num"])].maturity_date = "20290109"
    body = await _balance(api, user)
    assert (body["account_type"], body["maturity_date"]) == ("2", "20290109")
    assert body["last_tran_date"] == "20260302"


async def _balance(api: Api, user: dict[str, Any], tran_id: str | None = None) -> dict[str, Any]:
    demo = await api.demo()
    return await api.get(
        "/v2.0/account/balance/fin_num",
        user["access_token"],
        bank_tran_id=tran_id or api.tran_id(demo["client_use_code"]),
        fintech_use_num=user["accounts"][0]["fintech_use_num"],
        tran_dtime=DTIME,
    )


async def test_balance_needs_inquiry_consent(api: Api) -> None:
    user = await api.user([{"bank_code": "088", "inquiry": False, "transfer": False}])
    assert (await _balance(api, user))["rsp_code"] == "A0305"


@pytest.mark.parametrize(
    ("status", "bank_rsp_code"),
    [
        (AccountStatus.SUSPENDED, "420"),
        (AccountStatus.ACCIDENT, "419"),
        (AccountStatus.CLOSED, "415"),
    ],
)
async def test_balance_of_a_blocked_account(
    api: Api, status: AccountStatus, bank_rsp_code: str
) -> None:
    user = await api.user([{"bank_code": "088", "status": status.value}])
    body = await _balance(api, user)
    assert body["rsp_code"] == "A0002" and body["bank_rsp_code"] == bank_rsp_code


@pytest.mark.parametrize(
    ("tran_id", "phrase"),
    [("X123456789U000000001", "이용기관코드"), ("short", "bank_tran_id")],
)
async def test_bank_tran_id_must_carry_the_callers_code(
    api: Api, tran_id: str, phrase: str
) -> None:
    user = await api.user()
    body = await _balance(api, user, tran_id)
    assert body["rsp_code"] == "A0004" and phrase in body["rsp_message"]


async def test_a_bank_tran_id_once_a_day(api: Api) -> None:
    user = await api.user()
    demo = await api.demo()
    tran_id = api.tran_id(demo["client_use_code"])
    assert (await _balance(api, user, tran_id))["rsp_code"] == "A0000"
    again = await _balance(api, user, tran_id)
    assert again["rsp_code"] == "A0326" and again["rsp_message"] == "은행거래고유번호 중복"
    await api.advance(shift="1d")
    assert (await _balance(api, user, tran_id))["rsp_code"] == "A0000"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tran_dtime": "20261332000000"}, "tran_dtime"),
        ({"tran_dtime": ""}, "tran_dtime"),
        ({"fintech_use_num": "1" * 25}, "fintech_use_num"),
        ({"bank_tran_id": "T99123456U00000000!"}, "bank_tran_id"),
    ],
)
async def test_format_errors_name_the_field(api: Api, change: dict[str, str], field: str) -> None:
    user = await api.user()
    demo = await api.demo()
    params = {
        "bank_tran_id": api.tran_id(demo["client_use_code"]),
        "fintech_use_num": user["accounts"][0]["fintech_use_num"],
        "tran_dtime": DTIME,
        **change,
    }
    body = await api.get("/v2.0/account/balance/fin_num", user["access_token"], **params)
    assert body["rsp_code"] == "A0004" and field in body["rsp_message"]


async def test_transaction_list_pages_and_filters(api: Api) -> None:
    user = await api.user([{"bank_code": "081", "balance": 100_000}])
    account = user["accounts"][0]
    path = f"/testbed/accounts/{account['bank_code']}/{account['account_num']}/cash"
    for i in range(30):  # 30 more rows: 31 with the opening deposit
        await api.http.post(
            path, json={"amount": -(i + 1) if i % 3 else 1000 + i}, headers=api.admin
        )
    demo = await api.demo()

    async def page(cursor: str = "", inquiry_type: str = "A", order: str = "D") -> dict[str, Any]:
        params = {
            "bank_tran_id": api.tran_id(demo["client_use_code"]),
            "fintech_use_num": account["fintech_use_num"],
            "inquiry_type": inquiry_type,
            "inquiry_base": "D",
            "from_date": "20260301",
            "to_date": "20260302",
            "sort_order": order,
            "tran_dtime": DTIME,
        }
        if cursor:
            params["befor_inquiry_trace_info"] = cursor
        return await api.get(
            "/v2.0/account/transaction_list/fin_num", user["access_token"], **params
        )

    first = await page()
    assert_envelope(first)
    assert_strings(first)
    assert set(first) == ENVELOPE | BANK_BLOCK | {
        "bank_name", "savings_bank_name", "fintech_use_num", "balance_amt", "page_record_cnt",
        "next_page_yn", "befor_inquiry_trace_info", "res_list",
    }  # fmt: skip
    assert first["page_record_cnt"] == "25" and first["next_page_yn"] == "Y"
    row = first["res_list"][0]
    assert set(row) == {
        "tran_date", "tran_time", "inout_type", "tran_type", "print_content", "tran_amt",
        "after_balance_amt", "branch_name",
    }  # fmt: skip
    assert row["after_balance_amt"] == first["balance_amt"]  # newest first
    second = await page(first["befor_inquiry_trace_info"])
    assert second["page_record_cnt"] == "6" and second["next_page_yn"] == "N"
    assert second["befor_inquiry_trace_info"] == ""
    all_rows = first["res_list"] + second["res_list"]
    assert len({(r["tran_time"], r["after_balance_amt"]) for r in all_rows}) == 31
    deposits = await page(inquiry_type="I", order="A")
    assert {r["inout_type"] for r in deposits["res_list"]} == {"입금"}
    assert deposits["page_record_cnt"] == "11"  # opening + 10 cash-ins
    assert deposits["res_list"][0]["print_content"] == "신규"


async def test_real_name(api: Api) -> None:
    user = await api.user([{"bank_code": "020", "balance": 10}])
    token = await api.token()
    demo = await api.demo()
    account = user["accounts"][0]
    body = await api.post(
        "/v2.0/inquiry/real_name",
        token,
        {
            "bank_tran_id": api.tran_id(demo["client_use_code"]),
            "bank_code_std": "084",  # an alias of 우리은행 020: inquiries may use it
            "account_num": account["account_num"],
            "account_holder_info_type": " ",
            "account_holder_info": "900101",
            "tran_dtime": DTIME,
        },
    )
    assert_envelope(body)
    assert set(body) == ENVELOPE | BANK_BLOCK | {
        "bank_code_std", "bank_code_sub", "bank_name", "savings_bank_name", "account_num",
        "account_seq", "account_holder_info_type", "account_holder_info", "account_holder_name",
        "account_type",
    }  # fmt: skip
    assert body["account_holder_name"] == "홍길동" and body["bank_code_std"] == "020"
    mismatch = await api.post(
        "/v2.0/inquiry/real_name",
        token,
        {
            "bank_tran_id": api.tran_id(demo["client_use_code"]),
            "bank_code_std": "020",
            "account_num": account["account_num"],
            "account_holder_info_type": " ",
            "account_holder_info": "010101",
            "tran_dtime": DTIME,
        },
    )
    assert mismatch["rsp_code"] == "A0002" and mismatch["bank_rsp_code"] == "815"


async def test_bank_status_follows_cutover(api: Api) -> None:
    token = await api.token()
    body = await api.get("/v2.0/bank/status", token)
    assert_envelope(body)
    assert set(body) == ENVELOPE | {"res_cnt", "res_list"}
    assert body["res_cnt"] == "18"
    assert {i["bank_status"] for i in body["res_list"]} == {"Y"}
    assert set(body["res_list"][0]) == {"bank_code_std", "bank_name", "bank_status"}
    await api.advance(set="2026-03-02T23:40:00+09:00")
    night = {
        i["bank_code_std"]: i["bank_status"]
        for i in (await api.get("/v2.0/bank/status", token))["res_list"]
    }
    assert night["011"] == "N" and night["090"] == "Y"
    await api.advance(set="2026-03-02T23:58:00+09:00")  # the centre itself is closed
    closed = (await api.get("/v2.0/bank/status", token))["res_list"]
    assert {i["bank_status"] for i in closed} == {"N"}
