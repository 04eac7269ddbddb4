"""transfer/withdraw, transfer/deposit, transfer/result: money through the network, recorded."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from testbed.config import Latency
from testbed.network.books import Tariff
from tests.api.conftest import BANK_BLOCK, ENVELOPE, Api, assert_envelope, assert_strings

DTIME = "20260302100000"

WITHDRAW_FIELDS = ENVELOPE | BANK_BLOCK | {
    "dps_bank_code_std", "dps_bank_code_sub", "dps_bank_name", "dps_account_num_masked",
    "dps_print_content", "dps_account_holder_name", "fintech_use_num", "account_alias",
    "bank_code_std", "bank_code_sub", "bank_name", "savings_bank_name", "account_num_masked",
    "print_content", "account_holder_name", "tran_amt", "wd_limit_remain_amt",
}  # fmt: skip
DEPOSIT_ITEM = BANK_BLOCK | {
    "tran_no", "fintech_use_num", "account_alias", "bank_code_std", "bank_code_sub", "bank_name",
    "savings_bank_name", "account_num_masked", "print_content", "account_holder_name", "tran_amt",
    "cms_num", "withdraw_bank_tran_id",
}  # fmt: skip


class Bank:
    """A fintech's transfers, for tests."""

    def __init__(self, api: Api, demo: dict[str, Any]) -> None:
        self.api = api
        self.demo = demo
        self.code = demo["client_use_code"]
        self.contract = {a["purpose"]: a for a in demo["contract_accounts"]}

    def withdraw_body(self, fin: str, amount: int, **change: Any) -> dict[str, Any]:
        return {
            "bank_tran_id": self.api.tran_id(self.code),
            "cntr_account_type": "N",
            "cntr_account_num": self.contract["withdraw"]["account_num"],
            "dps_print_content": "포인트충전",
            "fintech_use_num": fin,
            "wd_print_content": "핀테크충전",
            "tran_amt": str(amount),
            "tran_dtime": DTIME,
            "req_client_name": "홍길동",
            "req_client_fintech_use_num": fin,
            "req_client_num": "MEMBER0001",
            "transfer_purpose": "RC",
            **change,
        }

    async def withdraw(self, token: str, fin: str, amount: int, **change: Any) -> dict[str, Any]:
        return await self.api.post(
            "/v2.0/transfer/withdraw/fin_num", token, self.withdraw_body(fin, amount, **change)
        )

    def deposit_body(self, item: dict[str, Any], **change: Any) -> dict[str, Any]:
        return {
            "cntr_account_type": "N",
            "cntr_account_num": self.contract["deposit"]["account_num"],
            "wd_pass_phrase": "NONE",
            "wd_print_content": "환불",
            "name_check_option": "on",
            "tran_dtime": DTIME,
            "req_cnt": "1",
            "req_list": [
                {
                    "tran_no": "1",
                    "bank_tran_id": self.api.tran_id(self.code),
                    "print_content": "테스트핀테크",
                    "tran_amt": "10000",
                    "req_client_name": "홍길동",
                    "req_client_bank_code": "088",
                    "req_client_account_num": "1234567890",
                    "req_client_num": "MEMBER0001",
                    "transfer_purpose": "TR",
                    **item,
                }
            ],
            **change,
        }

    async def result(self, token: str, api: str, record: dict[str, str]) -> dict[str, Any]:
        return await self.api.post(
            "/v2.0/transfer/result",
            token,
            {
                "check_type": "1" if api == "withdraw" else "2",
                "tran_dtime": DTIME,
                "req_cnt": "1",
                "req_list": [
                    {
                        "tran_no": "1",
                        "org_bank_tran_id": record["bank_tran_id"],
                        "org_bank_tran_date": record["bank_tran_date"],
                        "org_tran_amt": record["tran_amt"],
                    }
                ],
            },
        )


@pytest.fixture
async def fintech(api: Api) -> Bank:
    return Bank(api, await api.demo())


async def balance_of(api: Api, bank: str, num: str) -> int:
    resp = await api.http.get(f"/testbed/accounts/{bank}/{num}?history=3", headers=api.admin)
    body: dict[str, Any] = await resp.json()
    return int(body["balance"])


async def test_withdraw_moves_money_both_sides_and_result_agrees(api: Api, fintech: Bank) -> None:
    user = await api.user([{"bank_code": "004", "balance": 50_000}])
    fin = user["accounts"][0]["fintech_use_num"]
    contract = fintech.contract["withdraw"]
    before = await balance_of(api, contract["bank_code"], contract["account_num"])
    body = await fintech.withdraw(user["access_token"], fin, 12_000)
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == WITHDRAW_FIELDS
    assert body["bank_code_tran"] == "004" and body["bank_rsp_code"] == "000"
    assert body["dps_account_holder_name"] == "테스트베드핀테크"
    assert body["wd_limit_remain_amt"] == str(10_000_000 - 12_000)
    assert await balance_of(api, "004", user["accounts"][0]["account_num"]) == 38_000
    assert await balance_of(api, contract["bank_code"], contract["account_num"]) == before + 12_000
    result = await fintech.result(await api.token(), "withdraw", body)
    assert_envelope(result)
    (item,) = result["res_list"]
    assert item["bank_rsp_code"] == "000" and item["tran_amt"] == "12000"
    assert (
        item["wd_bank_code_std"] == "004" and item["dps_account_holder_name"] == "테스트베드핀테크"
    )
    assert item["wd_fintech_use_num"] == fin
    check = await (await api.http.get("/testbed/ledger/check", headers=api.admin)).json()
    assert check["ok"], check["problems"]


async def test_insufficient_funds_is_the_banks_code_and_result_says_failed(
    api: Api, fintech: Bank
) -> None:
    user = await api.user([{"bank_code": "088", "balance": 500}])
    fin = user["accounts"][0]["fintech_use_num"]
    body = await fintech.withdraw(user["access_token"], fin, 501)
    assert body["rsp_code"] == "A0002"
    assert (body["bank_code_tran"], body["bank_rsp_code"]) == ("088", "401")
    assert body["bank_rsp_message"] == "잔액부족"
    assert await balance_of(api, "088", user["accounts"][0]["account_num"]) == 500
    sent = {**fintech.withdraw_body(fin, 501), **body, "tran_amt": "501"}
    result = await fintech.result(await api.token(), "withdraw", sent)
    assert result["res_list"][0]["bank_rsp_code"] == "401"


async def test_duplicate_bank_tran_id_refused_today_accepted_tomorrow(
    api: Api, fintech: Bank
) -> None:
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    fin = user["accounts"][0]["fintech_use_num"]
    first = await fintech.withdraw(user["access_token"], fin, 1000)
    again = await fintech.withdraw(
        user["access_token"], fin, 1000, bank_tran_id=first["bank_tran_id"]
    )
    assert again["rsp_code"] == "A0326"
    assert await balance_of(api, "088", user["accounts"][0]["account_num"]) == 99_000
    await api.advance(shift="1d")
    tomorrow = await fintech.withdraw(
        user["access_token"],
        fin,
        1000,
        bank_tran_id=first["bank_tran_id"],
        tran_dtime="20260303100000",
    )
    assert tomorrow["rsp_code"] == "A0000"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"cntr_account_num": "99999999"}, "A0322"),
        ({"cntr_account_type": "C"}, "A0322"),
        ({"tran_amt": "0"}, "A0004"),
        ({"tran_amt": "-5"}, "A0004"),
        ({"tran_amt": "1.5"}, "A0004"),
        ({"tran_amt": "1234567890123"}, "A0004"),
        ({"transfer_purpose": "XX"}, "A0004"),
        ({"req_client_bank_code": "088", "req_client_account_num": "123"}, "A0004"),
        ({"req_client_fintech_use_num": ""}, "A0004"),
    ],
)
async def test_withdraw_rules(api: Api, fintech: Bank, change: dict[str, str], code: str) -> None:
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    body = await fintech.withdraw(
        user["access_token"], user["accounts"][0]["fintech_use_num"], 1000, **change
    )
    assert body["rsp_code"] == code
    assert await balance_of(api, "088", user["accounts"][0]["account_num"]) == 100_000


async def test_withdraw_needs_transfer_consent_and_a_transfer_token(
    api: Api, fintech: Bank
) -> None:
    user = await api.user([{"bank_code": "088", "balance": 100_000, "transfer": False}])
    fin = user["accounts"][0]["fintech_use_num"]
    assert (await fintech.withdraw(user["access_token"], fin, 1000))["rsp_code"] == "A0306"
    reader = await api.user([{"bank_code": "088", "balance": 100_000}], scope="login inquiry")
    assert (
        await fintech.withdraw(
            reader["access_token"], reader["accounts"][0]["fintech_use_num"], 1000
        )
    )["rsp_code"] == "O0011"


async def test_numbers_instead_of_strings_are_accepted_with_a_warning(
    api: Api, fintech: Bank
) -> None:
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    body = fintech.withdraw_body(
        user["accounts"][0]["fintech_use_num"], 1000, tran_amt=1000, extra="x"
    )
    resp = await api.http.post(
        "/v2.0/transfer/withdraw/fin_num",
        json=body,
        headers={"Authorization": f"Bearer {user['access_token']}"},
    )
    assert (await resp.json())["rsp_code"] == "A0000"
    warning = resp.headers["X-Testbed-Warning"]
    assert "tran_amt was sent as a JSON number" in warning and "extra" in warning


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"a": 1, "a": 2}', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"[]", "application/json"),
    ],
)
async def test_malformed_bodies_are_a0004(api: Api, raw: bytes, content_type: str) -> None:
    user = await api.user()
    resp = await api.http.post(
        "/v2.0/transfer/withdraw/fin_num",
        data=raw,
        headers={"Authorization": f"Bearer {user['access_token']}", "Content-Type": content_type},
    )
    assert resp.status == 200 and (await resp.json())["rsp_code"] == "A0004"


async def test_cutover_refuses_the_withdrawal_but_token_and_user_me_work(
    api: Api, fintech: Bank
) -> None:
    user = await api.user([{"bank_code": "011", "balance": 100_000}])
    fin = user["accounts"][0]["fintech_use_num"]
    await api.advance(set="2026-03-02T23:45:00+09:00")  # 농협 closes 23:30-01:30
    body = await fintech.withdraw(user["access_token"], fin, 1000, tran_dtime="20260302234500")
    assert body["rsp_code"] == "A0002"
    assert (body["bank_code_tran"], body["bank_rsp_code"]) == ("011", "503")
    assert await balance_of(api, "011", user["accounts"][0]["account_num"]) == 100_000
    assert (await api.get("/v2.0/user/me", user["access_token"], user_seq_no=user["user_seq_no"]))[
        "rsp_code"
    ] == "A0000"
    assert await api.token()  # the token endpoint never closes
    await api.advance(set="2026-03-03T01:30:00+09:00")
    assert (await fintech.withdraw(user["access_token"], fin, 1000))["rsp_code"] == "A0000"


async def test_centre_closed_between_2355_and_0005(api: Api, fintech: Bank) -> None:
    user = await api.user([{"bank_code": "090", "balance": 100_000}])
    await api.advance(set="2026-03-02T23:58:00+09:00")
    body = await fintech.withdraw(
        user["access_token"], user["accounts"][0]["fintech_use_num"], 1000
    )
    assert body["rsp_code"] == "A0020"


async def test_deposit_by_fintech_use_num(api: Api, fintech: Bank) -> None:
    user = await api.user([{"bank_code": "090", "balance": 0}])
    token = await api.token()
    body = await api.post(
        "/v2.0/transfer/deposit/fin_num",
        token,
        fintech.deposit_body({"fintech_use_num": user["accounts"][0]["fintech_use_num"]}),
    )
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | {
        "wd_bank_code_std", "wd_bank_code_sub", "wd_bank_name", "wd_account_num_masked",
        "wd_print_content", "wd_account_holder_name", "res_cnt", "res_list",
    }  # fmt: skip
    (item,) = body["res_list"]
    assert set(item) == DEPOSIT_ITEM
    assert item["bank_rsp_code"] == "000" and item["account_holder_name"] == "홍길동"
    assert await balance_of(api, "090", user["accounts"][0]["account_num"]) == 10_000
    result = await fintech.result(token, "deposit", {**item, "tran_amt": "10000"})
    assert result["res_list"][0]["dps_bank_code_std"] == "090"


async def test_deposit_items_echo_withdraw_bank_tran_id(api: Api, fintech: Bank) -> None:
    """A captured real answer has it in the item, empty when the request had none."""
    user = await api.user([{"bank_code": "004", "balance": 0}])
    token = await api.token()
    fin = user["accounts"][0]["fintech_use_num"]
    plain = await api.post(
        "/v2.0/transfer/deposit/fin_num", token, fintech.deposit_body({"fintech_use_num": fin})
    )
    assert plain["res_list"][0]["withdraw_bank_tran_id"] == ""
    withdrawal = api.tran_id(fintech.code)
    item = {"fintech_use_num": fin, "withdraw_bank_tran_id": withdrawal}
    echoed = await api.post("/v2.0/transfer/deposit/fin_num", token, fintech.deposit_body(item))
    assert echoed["rsp_code"] == "A0000", echoed
    assert echoed["res_list"][0]["withdraw_bank_tran_id"] == withdrawal
    num = user["accounts"][0]["account_num"]
    by_account = {
        "bank_code_std": "004",
        "account_num": num,
        "account_holder_name": "홍길동",
        "withdraw_bank_tran_id": withdrawal,
    }
    acnt = await api.post(
        "/v2.0/transfer/deposit/acnt_num", token, fintech.deposit_body(by_account)
    )
    assert acnt["rsp_code"] == "A0000", acnt
    assert acnt["res_list"][0]["withdraw_bank_tran_id"] == withdrawal


async def test_deposit_by_account_number_checks_the_name_and_the_alias(
    api: Api, fintech: Bank
) -> None:
    user = await api.user([{"bank_code": "004", "balance": 0}])
    num = user["accounts"][0]["account_num"]
    token = await api.token()
    path = "/v2.0/transfer/deposit/acnt_num"
    item = {"bank_code_std": "004", "account_num": num, "account_holder_name": "홍길동"}
    ok = await api.post(path, token, fintech.deposit_body(item))
    assert ok["rsp_code"] == "A0000"
    assert set(ok["res_list"][0]) == DEPOSIT_ITEM | {"account_num"}
    wrong_name = await api.post(
        path, token, fintech.deposit_body({**item, "account_holder_name": "김철수"})
    )
    assert wrong_name["rsp_code"] == "A0312" and wrong_name["res_list"] == []
    unchecked = await api.post(
        path,
        token,
        fintech.deposit_body({**item, "account_holder_name": "김철수"}, name_check_option="off"),
    )
    assert unchecked["rsp_code"] == "A0000"
    alias = await api.post(path, token, fintech.deposit_body({**item, "bank_code_std": "006"}))
    assert alias["rsp_code"] == "A0004" and "004" in alias["rsp_message"]
    assert await balance_of(api, "004", num) == 20_000
    missing = await api.post(path, token, fintech.deposit_body({**item, "account_num": "1"}))
    assert missing["rsp_code"] == "A0009" and missing["res_list"][0]["bank_rsp_code"] == "412"


async def test_deposit_to_012_reaches_an_011_account(api: Api, fintech: Bank) -> None:
    user = await api.user([{"bank_code": "011", "balance": 0}])
    item = {
        "bank_code_std": "012",
        "account_num": user["accounts"][0]["account_num"],
        "account_holder_name": "홍길동",
    }
    body = await api.post(
        "/v2.0/transfer/deposit/acnt_num", await api.token(), fintech.deposit_body(item)
    )
    assert body["rsp_code"] == "A0000" and body["res_list"][0]["bank_code_std"] == "011"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"wd_pass_phrase": "WRONG"}, "A0307"),
        ({"cntr_account_num": "1"}, "A0322"),
        ({"req_cnt": "2"}, "A0004"),
    ],
)
async def test_deposit_rules(api: Api, fintech: Bank, change: dict[str, str], code: str) -> None:
    user = await api.user([{"bank_code": "090"}])
    body = await api.post(
        "/v2.0/transfer/deposit/fin_num",
        await api.token(),
        fintech.deposit_body({"fintech_use_num": user["accounts"][0]["fintech_use_num"]}, **change),
    )
    assert body["rsp_code"] == code
    assert await balance_of(api, "090", user["accounts"][0]["account_num"]) == 0


async def test_result_of_an_unknown_transfer_is_a0310(api: Api, fintech: Bank) -> None:
    body = await fintech.result(
        await api.token(),
        "withdraw",
        {"bank_tran_id": api.tran_id(fintech.code), "bank_tran_date": "20260302", "tran_amt": "1"},
    )
    assert body["rsp_code"] == "A0310" and body["res_list"] == []


async def test_limits_per_user_and_institution(api: Api, fintech: Bank) -> None:
    client = api.runtime.world.directory.clients[fintech.code]
    client.limits.update(user_withdraw_per_tx=5000, user_withdraw_day=8000, withdraw_day=16_000)
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    other = await api.user([{"bank_code": "088", "balance": 100_000}])
    fin, token = user["accounts"][0]["fintech_use_num"], user["access_token"]
    assert (await fintech.withdraw(token, fin, 5001))["rsp_code"] == "A0111"
    assert (await fintech.withdraw(token, fin, 5000))["rsp_code"] == "A0000"
    assert (await fintech.withdraw(token, fin, 3001))["rsp_code"] == "A0112"
    assert (await fintech.withdraw(token, fin, 3000))["rsp_code"] == "A0000"
    ofin, otoken = other["accounts"][0]["fintech_use_num"], other["access_token"]
    assert (await fintech.withdraw(otoken, ofin, 5000))["rsp_code"] == "A0000"
    assert (await fintech.withdraw(otoken, ofin, 3000))["rsp_code"] == "A0000"
    assert (await fintech.withdraw(otoken, ofin, 1))["rsp_code"] == "A0103"  # 16,001 > 16,000 today
    await api.advance(shift="1d")
    assert (await fintech.withdraw(token, fin, 5000, tran_dtime="20260303100000"))[
        "rsp_code"
    ] == "A0000"


async def test_ip_allow_list_guards_transfers(api: Api, fintech: Bank) -> None:
    client = api.runtime.world.directory.clients[fintech.code]
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    client.ip_allow[:] = ["203.0.113.9"]
    body = await fintech.withdraw(
        user["access_token"], user["accounts"][0]["fintech_use_num"], 1000
    )
    assert body["rsp_code"] == "O0006" and set(body) == {"rsp_code", "rsp_message"}
    assert (await api.get("/v2.0/user/me", user["access_token"], user_seq_no=user["user_seq_no"]))[
        "rsp_code"
    ] == "A0000"
    client.ip_allow[:] = ["127.0.0.1"]
    assert (
        await fintech.withdraw(user["access_token"], user["accounts"][0]["fintech_use_num"], 1000)
    )["rsp_code"] == "A0000"


async def test_records_keep_aml_details_and_retention(api: Api, fintech: Bank) -> None:
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    fin = user["accounts"][0]["fintech_use_num"]
    small = await fintech.withdraw(user["access_token"], fin, 10_000)
    large = await fintech.withdraw(user["access_token"], fin, 10_001)
    book = api.runtime.world.openbanking
    small_record = book.find(fintech.code, small["bank_tran_id"], "20260302")
    large_record = book.find(fintech.code, large["bank_tran_id"], "20260302")
    assert small_record and large_record
    assert (small_record.retention_years, small_record.keep_until) == (1, "20270302")
    assert (large_record.retention_years, large_record.keep_until) == (5, "20310302")
    assert large_record.req_client["req_client_name"] == "홍길동"
    assert large_record.req_client["req_client_num"] == "MEMBER0001"
    assert large_record.req_client["transfer_purpose"] == "RC"


async def test_fees_move_to_the_basic_rate_after_three_months_over_the_threshold(
    api: Api, fintech: Bank
) -> None:
    book = api.runtime.world.openbanking
    book.tariff = Tariff(threshold_count=2, threshold_amount=10**12)
    user = await api.user([{"bank_code": "088", "balance": 1_000_000}])
    fin, token = user["accounts"][0]["fintech_use_num"], user["access_token"]
    months = ["2026-03-02", "2026-04-01", "2026-05-01", "2026-06-01"]
    for month in months[:3]:
        await api.advance(set=f"{month}T10:00:00+09:00")
        for _ in range(2):
            assert (await fintech.withdraw(token, fin, 1000))["rsp_code"] == "A0000"
    await api.advance(set="2026-06-01T10:00:00+09:00")
    assert (await fintech.withdraw(token, fin, 1000))["rsp_code"] == "O0003"  # 91 days old
    resp = await api.http.post(
        "/oauth/2.0/token",
        data={
            "client_id": fintech.demo["client_id"],
            "client_secret": fintech.demo["client_secret"],
            "refresh_token": user["refresh_token"],
            "grant_type": "refresh_token",
        },
    )
    token = (await resp.json())["access_token"]
    assert (await fintech.withdraw(token, fin, 1000))["rsp_code"] == "A0000"
    bills = {}
    for month in ("2026-03", "2026-05", "2026-06"):
        resp = await api.http.get(f"/testbed/billing?month={month}", headers=api.admin)
        clients = (await resp.json())["clients"]
        bills[month] = next(c for c in clients if c["client_use_code"] == fintech.code)["apis"][0]
    assert bills["2026-03"] == {
        "api": "withdraw", "count": 2, "amount": 2000, "fee": 60, "fee_type": "reduced",
        "rate": 30, "over_threshold": True,
    }  # fmt: skip
    assert bills["2026-05"]["fee"] == 60 and bills["2026-05"]["fee_type"] == "reduced"
    assert bills["2026-06"]["fee"] == 50 and bills["2026-06"]["fee_type"] == "basic"
    resp = await api.http.get("/testbed/billing?month=2026-13", headers=api.admin)
    assert resp.status == 400


@pytest.mark.parametrize(
    ("balance", "moves", "bank_rsp_code"), [(100_000, True, "000"), (500, False, "401")]
)
async def test_a_bank_slower_than_the_centre_times_out_and_result_tells_the_truth(
    api: Api, fintech: Bank, balance: int, moves: bool, bank_rsp_code: str
) -> None:
    user = await api.user([{"bank_code": "088", "balance": balance}])
    fin, num = user["accounts"][0]["fintech_use_num"], user["accounts"][0]["account_num"]
    bank = api.runtime.world.banks["088"]
    bank.institution = dataclasses.replace(bank.institution, latency=Latency("fixed", value=25.0))
    body = await fintech.withdraw(user["access_token"], fin, 1000)
    assert body["rsp_code"] == "A0017" and body["bank_code_tran"] == "088"
    assert await balance_of(api, "088", num) == balance  # the centre gave up at 20 s
    sent = {**body, "tran_amt": "1000"}
    token = await api.token()
    assert (await fintech.result(token, "withdraw", sent))["res_list"][0]["bank_rsp_code"] == ""
    await api.advance(shift="30s")  # the bank finishes at 25 s, whatever the centre said
    assert await balance_of(api, "088", num) == balance - (1000 if moves else 0)
    result = await fintech.result(token, "withdraw", sent)
    assert result["res_list"][0]["bank_rsp_code"] == bank_rsp_code
    retry = await fintech.withdraw(
        user["access_token"], fin, 1000, bank_tran_id=body["bank_tran_id"]
    )
    assert retry["rsp_code"] == "A0326"  # the same transfer cannot be sent twice
    check = await (await api.http.get("/testbed/ledger/check", headers=api.admin)).json()
    assert check["ok"], check["problems"]


async def test_a_field_name_with_control_characters_still_gets_an_answer(api: Api) -> None:
    """Found by the fuzzer: the warning header once carried the name raw and the answer was lost."""
    user = await api.user(scope="login")
    resp = await api.http.post(
        "/v2.0/user/unlink",
        json={
            "\u008f\u001e": None,
            "이름\n": 1,
            "client_use_code": "0000000000",
            "user_seq_no": "0",
        },
        headers={"Authorization": f"Bearer {user['access_token']}"},
    )
    assert resp.status == 200 and (await resp.json())["rsp_code"] == "A0004"
    warning = resp.headers["X-Testbed-Warning"]
    assert "\\u008f\\u001e" in warning and "\\uc774\\ub984\\n" in warning
