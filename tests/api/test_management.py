"""manage/fee, manage/count, manage/wd_limit, inquiry/fds_detect."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import ENVELOPE, Api, assert_envelope, assert_strings
from tests.api.test_inquiry_and_returns import DTIME, TODAY, Fintech

FEE_ROW = {"fee_date", "api_type", "tran_cnt", "tran_amt", "fee_amt", "fee_type"}
COUNT_ROW = {"api_type", "call_cnt", "tran_cnt", "success_cnt"}
NO_LIMIT = "999999999999"
LIMIT_FIELDS = {
    f"{side}_{name}"
    for side in ("wd", "dps")
    for name in (
        "tran_limit_amt",
        "day_limit_amt",
        "day_remain_amt",
        "month_limit_amt",
        "month_remain_amt",
    )
} | {"user_wd_tran_limit_amt", "user_wd_day_limit_amt"}


@pytest.fixture
async def fintech(api: Api) -> Fintech:
    return Fintech(api, await api.demo())


async def fee(api: Api, token: str, from_date: str, to_date: str) -> dict[str, Any]:
    return await api.get("/v2.0/manage/fee", token, from_date=from_date, to_date=to_date)


# --- manage/fee --------------------------------------------------------------------------


async def test_fee_per_day_and_api_at_the_reduced_rate(api: Api, fintech: Fintech) -> None:
    payer = await api.user([{"bank_code": "088", "balance": 100_000}])
    payee = await api.user([{"bank_code": "090"}])
    token = await api.token()
    assert (await fintech.withdraw(payer, 1000))["rsp_code"] == "A0000"
    assert (await fintech.withdraw(payer, 2000))["rsp_code"] == "A0000"
    assert (await fintech.withdraw(payer, 1_000_000))["rsp_code"] == "A0002"  # no money: free
    await fintech.deposit(token, payee, 5000)
    await api.advance(shift="1d")
    assert (await fintech.withdraw(payer, 3000))["rsp_code"] == "A0000"
    await fintech.deposit(token, payee, 4000)
    await fintech.deposit(token, payee, 6000)

    body = await fee(api, token, TODAY, "20260303")
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | {"res_cnt", "res_list"}
    assert body["res_cnt"] == "4"
    for row in body["res_list"]:
        assert set(row) == FEE_ROW
    rows = [
        (r["fee_date"], r["api_type"], r["tran_cnt"], r["tran_amt"], r["fee_amt"], r["fee_type"])
        for r in body["res_list"]
    ]
    assert rows == [
        ("20260302", "출금이체", "2", "3000", "60", "reduced"),
        ("20260302", "입금이체", "1", "5000", "20", "reduced"),
        ("20260303", "출금이체", "1", "3000", "30", "reduced"),
        ("20260303", "입금이체", "2", "10000", "40", "reduced"),
    ]
    one_day = await fee(api, token, "20260303", "20260303")
    assert [r["fee_date"] for r in one_day["res_list"]] == ["20260303", "20260303"]
    before = await fee(api, token, "20260201", "20260301")
    assert (before["rsp_code"], before["res_cnt"], before["res_list"]) == ("A0000", "0", [])


async def test_fee_shows_only_the_callers_transfers(api: Api, fintech: Fintech) -> None:
    payee = await api.user([{"bank_code": "090"}])
    await fintech.deposit(await api.token(), payee, 5000)
    other = await fee(api, await api.token(index=1), TODAY, TODAY)
    assert (other["res_cnt"], other["res_list"]) == ("0", [])
    mine = await fee(api, await api.token(), TODAY, TODAY)
    assert mine["res_cnt"] == "1"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from_date": "20260303", "to_date": "20260302"}, "from_date"),
        ({"from_date": "2026030", "to_date": "20260302"}, "from_date"),
        ({"from_date": "20260302", "to_date": "20260230"}, "to_date"),
        ({"from_date": "20260302"}, "to_date"),
    ],
)
async def test_fee_field_errors(api: Api, params: dict[str, str], field: str) -> None:
    body = await api.get("/v2.0/manage/fee", await api.token(), **params)
    assert body["rsp_code"] == "A0004" and field in body["rsp_message"]


async def test_manage_apis_need_an_oob_or_sa_token(api: Api) -> None:
    user = await api.user()
    token = user["access_token"]  # login inquiry transfer
    calls = [
        ("/v2.0/manage/fee", {"from_date": TODAY, "to_date": TODAY}),
        ("/v2.0/manage/count", {"inquiry_date": TODAY}),
        ("/v2.0/manage/wd_limit", {}),
        ("/v2.0/inquiry/fds_detect", {"inquiry_date": TODAY, "from_time": "000000"}),
    ]
    for path, params in calls:
        body = await api.get(path, token, **params)
        assert body == {"rsp_code": "O0011", "rsp_message": "허용되지 않은 Scope 입니다."}, path
    sa = await api.get("/v2.0/manage/wd_limit", await api.token("sa", index=1))
    assert sa["rsp_code"] == "A0000"


# --- manage/count ------------------------------------------------------------------------


async def test_count_by_api(api: Api, fintech: Fintech) -> None:
    payer = await api.user([{"bank_code": "088", "balance": 100_000}])
    token = await api.token()
    assert (await fintech.withdraw(payer, 1000))["rsp_code"] == "A0000"
    assert (await fintech.withdraw(payer, 1_000_000))["rsp_code"] == "A0002"
    await fintech.deposit(token, payer, 500)
    account = payer["accounts"][0]
    balance = await api.get(
        "/v2.0/account/balance/fin_num",
        payer["access_token"],
        bank_tran_id=fintech.tran_id(),
        fintech_use_num=account["fintech_use_num"],
        tran_dtime=DTIME,
    )
    assert balance["rsp_code"] == "A0000"
    receive = fintech.receive_body("088", account["account_num"])
    assert (await api.post("/v2.0/inquiry/receive", token, receive))["rsp_code"] == "A0000"
    refused = fintech.receive_body("088", account["account_num"], tran_amt="x")  # not counted
    assert (await api.post("/v2.0/inquiry/receive", token, refused))["rsp_code"] == "A0004"
    # another institution's calls are its own
    other = Fintech(api, await api.demo(1))
    sa_user = await api.user([{"bank_code": "088"}], index=1)
    theirs = other.receive_body("088", sa_user["accounts"][0]["account_num"])
    assert (await api.post("/v2.0/inquiry/receive", await api.token(index=1), theirs))[
        "rsp_code"
    ] == "A0000"

    body = await api.get("/v2.0/manage/count", token, inquiry_date=TODAY)
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | {"inquiry_date", "res_cnt", "res_list"}
    assert body["inquiry_date"] == TODAY and body["res_cnt"] == "4"
    for row in body["res_list"]:
        assert set(row) == COUNT_ROW
    rows = [
        (r["api_type"], r["call_cnt"], r["tran_cnt"], r["success_cnt"]) for r in body["res_list"]
    ]
    assert rows == [
        ("출금이체", "2", "2", "1"),
        ("입금이체", "1", "1", "1"),
        ("잔액조회", "1", "0", "0"),
        ("수취조회", "1", "0", "0"),
    ]
    await api.advance(shift="1d")
    tomorrow = await api.get("/v2.0/manage/count", token, inquiry_date="20260303")
    assert (tomorrow["res_cnt"], tomorrow["res_list"]) == ("0", [])
    again = await api.get("/v2.0/manage/count", token, inquiry_date=TODAY)
    assert again["res_list"] == body["res_list"]


@pytest.mark.parametrize("params", [{}, {"inquiry_date": "20260231"}, {"inquiry_date": "today"}])
async def test_count_needs_a_date(api: Api, params: dict[str, str]) -> None:
    body = await api.get("/v2.0/manage/count", await api.token(), **params)
    assert body["rsp_code"] == "A0004" and "inquiry_date" in body["rsp_message"]


# --- manage/wd_limit ---------------------------------------------------------------------


async def test_wd_limit_without_limits(api: Api) -> None:
    body = await api.get("/v2.0/manage/wd_limit", await api.token())
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | LIMIT_FIELDS
    for side in ("wd", "dps"):
        for name in ("tran_limit", "day_limit", "day_remain", "month_limit", "month_remain"):
            assert body[f"{side}_{name}_amt"] == NO_LIMIT
    assert body["user_wd_tran_limit_amt"] == body["user_wd_day_limit_amt"] == "10000000"


async def test_wd_limit_shows_what_remains(api: Api, fintech: Fintech) -> None:
    client = api.runtime.world.directory.clients[fintech.code]
    client.limits.update(
        withdraw_day=12_000,
        withdraw_month=100_000,
        deposit_per_tx=20_000,
        deposit_day=30_000,
        user_withdraw_day=15_000,
    )
    payer = await api.user([{"bank_code": "088", "balance": 100_000}])
    token = await api.token()
    assert (await fintech.withdraw(payer, 12_000))["rsp_code"] == "A0000"
    assert (await fintech.withdraw(payer, 1))["rsp_code"] == "A0103"  # nothing left today
    await fintech.deposit(token, payer, 5000)
    body = await api.get("/v2.0/manage/wd_limit", token)
    assert set(body) == ENVELOPE | LIMIT_FIELDS
    assert body["wd_tran_limit_amt"] == NO_LIMIT
    assert (body["wd_day_limit_amt"], body["wd_day_remain_amt"]) == ("12000", "0")
    assert (body["wd_month_limit_amt"], body["wd_month_remain_amt"]) == ("100000", "88000")
    assert body["dps_tran_limit_amt"] == "20000"
    assert (body["dps_day_limit_amt"], body["dps_day_remain_amt"]) == ("30000", "25000")
    assert body["dps_month_limit_amt"] == body["dps_month_remain_amt"] == NO_LIMIT
    assert body["user_wd_day_limit_amt"] == "15000"
    assert body["user_wd_tran_limit_amt"] == "10000000"
    await api.advance(shift="1d")
    tomorrow = await api.get("/v2.0/manage/wd_limit", token)
    assert (tomorrow["wd_day_remain_amt"], tomorrow["wd_month_remain_amt"]) == ("12000", "88000")
    assert tomorrow["dps_day_remain_amt"] == "30000"


# --- inquiry/fds_detect ------------------------------------------------------------------


async def test_fds_detect_finds_nothing(api: Api) -> None:
    body = await api.get(
        "/v2.0/inquiry/fds_detect",
        await api.token(),
        inquiry_date=TODAY,
        from_time="000000",
        to_time="235959",
    )
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | {"res_cnt", "res_list"}
    assert (body["res_cnt"], body["res_list"]) == ("0", [])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"inquiry_date": TODAY, "from_time": "120000", "to_time": "110000"}, "from_time"),
        ({"inquiry_date": TODAY, "from_time": "000000"}, "to_time"),
        ({"inquiry_date": "2026", "from_time": "000000", "to_time": "235959"}, "inquiry_date"),
        ({"inquiry_date": TODAY, "from_time": "250000", "to_time": "235959"}, "from_time"),
    ],
)
async def test_fds_detect_field_errors(api: Api, params: dict[str, str], field: str) -> None:
    body = await api.get("/v2.0/inquiry/fds_detect", await api.token(), **params)
    assert body["rsp_code"] == "A0004" and field in body["rsp_message"]
    assert "res_list" not in body


# --- the centre's closure: what answers and what does not --------------------------------


async def test_in_the_centres_closure_bank_status_says_n_and_bank_calls_are_a0020(
    api: Api,
) -> None:
    """23:55–00:05: the README and docs/compatibility.md say the same as this."""
    user = await api.user([{"bank_code": "088", "balance": 1_000}])
    oob = await api.token()
    await api.advance(next="23:56:00")
    status = await api.get("/v2.0/bank/status", oob)
    assert status["rsp_code"] == "A0000"
    assert {b["bank_status"] for b in status["res_list"]} == {"N"}
    me = await api.get("/v2.0/user/me", user["access_token"], user_seq_no=user["user_seq_no"])
    assert me["rsp_code"] == "A0000"
    balance = await api.get(
        "/v2.0/account/balance/fin_num",
        user["access_token"],
        bank_tran_id=api.tran_id(user["client_use_code"]),
        fintech_use_num=user["accounts"][0]["fintech_use_num"],
        tran_dtime="20260302235600",
    )
    assert balance["rsp_code"] == "A0020"
