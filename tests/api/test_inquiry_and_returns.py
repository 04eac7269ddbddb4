"""inquiry/receive, inquiry/remit_list, return/claim, return/result."""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from testbed.clock import VirtualClock, parse_kst
from testbed.config import NetworkConfig
from testbed.network.books import ReturnClaim
from testbed.network.codes import Refusal
from testbed.network.gateway.views import mask
from testbed.network.world import World
from testbed.store import Store
from tests.api.conftest import BANK_BLOCK, ENVELOPE, Api, assert_envelope, assert_strings
from tests.conftest import START, WorldFactory

DTIME = "20260302100000"
TODAY = "20260302"
#: what strict clients' classes declare for 수취조회 (docs/compatibility.md)
RECEIVE_FIELDS = ENVELOPE | BANK_BLOCK | {
    "bank_code_std", "bank_code_sub", "bank_name", "savings_bank_name", "account_num",
    "account_seq", "account_num_masked", "print_content", "account_holder_name",
    "wd_bank_code_std", "wd_bank_name", "wd_account_num", "tran_amt", "cms_num",
}  # fmt: skip
REMIT_FIELDS = ENVELOPE | BANK_BLOCK | {
    "bank_name", "account_num_masked", "page_record_cnt", "next_page_yn",
    "befor_inquiry_trace_info", "res_list",
}  # fmt: skip
REMIT_ROW = {
    "tran_date", "tran_time", "tran_amt", "print_content", "remitter_name",
    "remitter_bank_code_std", "remitter_account_num_masked",
}  # fmt: skip
CLAIM_FIELDS = ENVELOPE | BANK_BLOCK | {
    "dps_bank_code_std", "wd_bank_code_std", "wd_bank_code_sub", "wd_bank_name",
    "org_bank_tran_date", "org_bank_tran_id", "org_dps_bank_code_std", "org_dps_account_num",
    "org_dps_fintech_use_num", "org_tran_amt", "return_account_num",
}  # fmt: skip
CLAIM_RESULT_FIELDS = ENVELOPE | {
    "claim_bank_tran_date", "claim_bank_tran_id", "org_bank_tran_date", "org_bank_tran_id",
    "org_tran_amt", "dps_bank_code_std", "wd_bank_code_std", "claim_code", "claim_state",
}  # fmt: skip
MASKED = re.compile(r"\d{3}-\d+-\*\*\*")


class Fintech:
    """The demo institution's calls, for tests: transfers, and the APIs under test."""

    def __init__(self, api: Api, demo: dict[str, Any]) -> None:
        self.api = api
        self.demo = demo
        self.code: str = demo["client_use_code"]
        self.contract = {a["purpose"]: a for a in demo["contract_accounts"]}

    def tran_id(self) -> str:
        return self.api.tran_id(self.code)

    async def withdraw(self, user: dict[str, Any], amount: int) -> dict[str, Any]:
        fin = user["accounts"][0]["fintech_use_num"]
        return await self.api.post(
            "/v2.0/transfer/withdraw/fin_num",
            user["access_token"],
            {
                "bank_tran_id": self.tran_id(),
                "cntr_account_type": "N",
                "cntr_account_num": self.contract["withdraw"]["account_num"],
                "dps_print_content": "포인트충전",
                "fintech_use_num": fin,
                "wd_print_content": "핀테크충전",
                "tran_amt": str(amount),
                "tran_dtime": DTIME,
                "req_client_name": user["name"],
                "req_client_fintech_use_num": fin,
                "req_client_num": "MEMBER0001",
                "transfer_purpose": "RC",
            },
        )

    async def deposit(self, token: str, user: dict[str, Any], amount: int) -> dict[str, Any]:
        """입금이체 by fintech_use_num; returns the answer's res_list item."""
        body = await self.api.post(
            "/v2.0/transfer/deposit/fin_num",
            token,
            {
                "cntr_account_type": "N",
                "cntr_account_num": self.contract["deposit"]["account_num"],
                "wd_pass_phrase": "NONE",
                "wd_print_content": "환불",
                "tran_dtime": DTIME,
                "req_cnt": "1",
                "req_list": [
                    {
                        "tran_no": "1",
                        "bank_tran_id": self.tran_id(),
                        "fintech_use_num": user["accounts"][0]["fintech_use_num"],
                        "print_content": "테스트핀테크",
                        "tran_amt": str(amount),
                        "req_client_name": "홍길동",
                        "req_client_bank_code": "088",
                        "req_client_account_num": "1234567890",
                        "req_client_num": "MEMBER0001",
                        "transfer_purpose": "TR",
                    }
                ],
            },
        )
        assert body["rsp_code"] == "A0000", body
        item: dict[str, Any] = body["res_list"][0]
        return item

    def receive_body(self, bank_code: str, account_num: str, **change: Any) -> dict[str, Any]:
        return {
            "bank_tran_id": self.tran_id(),
            "cntr_account_type": "N",
            "cntr_account_num": self.contract["deposit"]["account_num"],
            "bank_code_std": bank_code,
            "account_num": account_num,
            "print_content": "쇼핑몰환불",
            "tran_amt": "10000",
            "req_client_name": "홍길동",
            "req_client_bank_code": "088",
            "req_client_account_num": "1234567890",
            "req_client_num": "MEMBER0001",
            "transfer_purpose": "TR",
            "tran_dtime": DTIME,
            **change,
        }

    def remit_body(self, account: dict[str, Any], **change: Any) -> dict[str, Any]:
        return {
            "bank_tran_id": self.tran_id(),
            "bank_code_std": account["bank_code"],
            "account_num": account["account_num"],
            "from_date": TODAY,
            "from_time": "000000",
            "to_date": TODAY,
            "to_time": "235959",
            "sort_order": "A",
            "tran_dtime": DTIME,
            **change,
        }

    def claim_body(self, deposit: dict[str, Any], user: dict[str, Any], **change: Any) -> Any:
        return {
            "bank_tran_id": self.tran_id(),
            "org_bank_tran_date": deposit["bank_tran_date"],
            "org_bank_tran_id": deposit["bank_tran_id"],
            "org_dps_bank_code_std": deposit["bank_code_std"],
            "org_dps_account_num": user["accounts"][0]["account_num"],
            "org_tran_amt": deposit["tran_amt"],
            "org_wd_bank_code_std": self.contract["deposit"]["bank_code"],
            "claim_code": "05",
            "claim_message": "시스템오류",
            "total_return_yn": "Y",
            "return_account_num": self.contract["deposit"]["account_num"],
            "use_org_contact": "010-1234-5678",
            "use_org_email": "testbed@kftc.or.kr",
            **change,
        }


@pytest.fixture
async def fintech(api: Api) -> Fintech:
    return Fintech(api, await api.demo())


async def balance_of(api: Api, bank: str, num: str) -> int:
    resp = await api.http.get(f"/testbed/accounts/{bank}/{num}", headers=api.admin)
    return int((await resp.json())["balance"])


async def cash(api: Api, account: dict[str, Any], amount: int, memo: str = "") -> None:
    resp = await api.http.post(
        f"/testbed/accounts/{account['bank_code']}/{account['account_num']}/cash",
        json={"amount": amount, "memo": memo},
        headers=api.admin,
    )
    assert resp.status == 200, await resp.text()


# --- inquiry/receive ---------------------------------------------------------------------


async def test_receive_names_the_payee(api: Api, fintech: Fintech) -> None:
    user = await api.user([{"bank_code": "020", "balance": 10}], name="김수취")
    account = user["accounts"][0]
    body = fintech.receive_body("020", account["account_num"], cms_num="CMS0001")
    answer = await api.post("/v2.0/inquiry/receive", await api.token(), body)
    assert_envelope(answer)
    assert_strings(answer)
    assert set(answer) == RECEIVE_FIELDS
    assert answer["bank_tran_id"] == body["bank_tran_id"] and answer["bank_tran_date"] == TODAY
    assert (answer["bank_code_tran"], answer["bank_rsp_code"]) == ("020", "000")
    assert answer["account_holder_name"] == "김수취" and answer["bank_name"] == "우리은행"
    assert answer["bank_code_std"] == "020" and re.fullmatch(r"020\d{4}", answer["bank_code_sub"])
    # masked: only a 계좌번호 공개 이용기관 sees account_num plain (as in user/me, account/list)
    assert answer["account_num"] == answer["account_num_masked"] == mask(account["account_num"])
    assert answer["savings_bank_name"] == "" and answer["account_seq"] == ""
    assert (answer["print_content"], answer["tran_amt"]) == ("쇼핑몰환불", "10000")
    assert answer["cms_num"] == "CMS0001"
    # the wd_ fields: the caller's 약정계좌 the deposit would be paid from
    paid_from = fintech.contract["deposit"]
    assert (answer["wd_bank_code_std"], answer["wd_account_num"]) == (
        paid_from["bank_code"],
        paid_from["account_num"],
    )
    names = api.runtime.world.config.institution(paid_from["bank_code"]).display_name
    assert answer["wd_bank_name"] == names
    assert await balance_of(api, "020", account["account_num"]) == 10  # nothing moved
    api.runtime.world.directory.clients[fintech.code].show_account_num = True
    plain = await api.post(
        "/v2.0/inquiry/receive",
        await api.token(),
        fintech.receive_body("020", account["account_num"]),
    )
    assert plain["account_num"] == account["account_num"]


async def test_receive_through_012_reaches_an_011_account(api: Api, fintech: Fintech) -> None:
    user = await api.user([{"bank_code": "011"}])
    body = fintech.receive_body("012", user["accounts"][0]["account_num"])
    answer = await api.post("/v2.0/inquiry/receive", await api.token(), body)
    assert answer["rsp_code"] == "A0000" and answer["bank_code_std"] == "011"
    assert answer["cms_num"] == ""


async def test_receive_refuses_an_alias_that_takes_no_deposits(api: Api, fintech: Fintech) -> None:
    user = await api.user([{"bank_code": "020"}])
    token = await api.token()
    body = fintech.receive_body("084", user["accounts"][0]["account_num"])  # 우리은행's alias
    answer = await api.post("/v2.0/inquiry/receive", token, body)
    assert answer["rsp_code"] == "A0004"
    assert "bank_code_std" in answer["rsp_message"] and "020" in answer["rsp_message"]
    # refused input changes nothing: its bank_tran_id is still free
    again = await api.post("/v2.0/inquiry/receive", token, {**body, "bank_code_std": "020"})
    assert again["rsp_code"] == "A0000"


@pytest.mark.parametrize(
    ("change", "code", "phrase"),
    [
        ({"cntr_account_num": "99999999"}, "A0322", ""),
        ({"cntr_account_type": "C"}, "A0322", ""),
        ({"req_client_fintech_use_num": "1" * 24}, "A0004", "not both"),
        ({"req_client_bank_code": "", "req_client_account_num": ""}, "A0004", "req_client"),
        ({"tran_amt": "0"}, "A0004", "tran_amt"),
        ({"print_content": ""}, "A0004", "print_content"),
        ({"transfer_purpose": "XX"}, "A0004", "transfer_purpose"),
        ({"tran_dtime": "2026"}, "A0004", "tran_dtime"),
        ({"bank_code_std": "999"}, "A0004", "bank_code_std"),
    ],
)
async def test_receive_rules(
    api: Api, fintech: Fintech, change: dict[str, str], code: str, phrase: str
) -> None:
    user = await api.user([{"bank_code": "088"}])
    body = fintech.receive_body("088", user["accounts"][0]["account_num"], **change)
    answer = await api.post("/v2.0/inquiry/receive", await api.token(), body)
    assert answer["rsp_code"] == code and phrase in answer["rsp_message"]
    assert "account_holder_name" not in answer


async def test_receive_with_the_withdraw_contract_account_is_a0322(
    api: Api, fintech: Fintech
) -> None:
    user = await api.user([{"bank_code": "088"}])
    withdraw_contract = fintech.contract["withdraw"]["account_num"]
    body = fintech.receive_body(
        "088", user["accounts"][0]["account_num"], cntr_account_num=withdraw_contract
    )
    answer = await api.post("/v2.0/inquiry/receive", await api.token(), body)
    assert answer["rsp_code"] == "A0322"


@pytest.mark.parametrize(("status", "bank_rsp_code"), [("suspended", "420"), ("closed", "415")])
async def test_receive_an_account_that_cannot_take_money(
    api: Api, fintech: Fintech, status: str, bank_rsp_code: str
) -> None:
    user = await api.user([{"bank_code": "088", "status": status}])
    body = fintech.receive_body("088", user["accounts"][0]["account_num"])
    answer = await api.post("/v2.0/inquiry/receive", await api.token(), body)
    assert answer["rsp_code"] == "A0002"
    assert (answer["bank_code_tran"], answer["bank_rsp_code"]) == ("088", bank_rsp_code)
    assert "account_holder_name" not in answer


async def test_receive_an_unknown_account_is_the_banks_412(api: Api, fintech: Fintech) -> None:
    body = fintech.receive_body("088", "1")
    answer = await api.post("/v2.0/inquiry/receive", await api.token(), body)
    assert answer["rsp_code"] == "A0002"
    assert (answer["bank_code_tran"], answer["bank_rsp_code"]) == ("088", "412")


async def test_receive_follows_cutover_and_centre_hours(api: Api, fintech: Fintech) -> None:
    user = await api.user([{"bank_code": "011"}])
    token = await api.token()
    await api.advance(set="2026-03-02T23:45:00+09:00")  # 농협 closes 23:30-01:30
    body = fintech.receive_body("011", user["accounts"][0]["account_num"])
    cutover = await api.post("/v2.0/inquiry/receive", token, body)
    assert (cutover["rsp_code"], cutover["bank_rsp_code"]) == ("A0002", "503")
    await api.advance(set="2026-03-02T23:58:00+09:00")
    body = fintech.receive_body("011", user["accounts"][0]["account_num"])
    assert (await api.post("/v2.0/inquiry/receive", token, body))["rsp_code"] == "A0020"


async def test_institution_apis_need_an_oob_or_sa_token(api: Api, fintech: Fintech) -> None:
    user = await api.user([{"bank_code": "088"}])
    account = user["accounts"][0]
    token = user["access_token"]  # login inquiry transfer, no oob
    calls = [
        ("/v2.0/inquiry/receive", fintech.receive_body("088", account["account_num"])),
        ("/v2.0/inquiry/remit_list", fintech.remit_body(fintech.contract["withdraw"])),
        ("/v2.0/return/claim", {}),
        ("/v2.0/return/result", {}),
    ]
    for path, body in calls:
        answer = await api.post(path, token, body)
        assert answer == {"rsp_code": "O0011", "rsp_message": "허용되지 않은 Scope 입니다."}, path


async def test_self_auth_institution_may_use_sa(api: Api) -> None:
    demo = await api.demo(1)
    sa = Fintech(api, demo)
    user = await api.user([{"bank_code": "088"}], index=1)
    body = sa.receive_body("088", user["accounts"][0]["account_num"])
    answer = await api.post("/v2.0/inquiry/receive", await api.token("sa", index=1), body)
    assert answer["rsp_code"] == "A0000"


# --- inquiry/remit_list ------------------------------------------------------------------


async def test_remit_list_names_who_paid_in(api: Api, fintech: Fintech) -> None:
    alice = await api.user([{"bank_code": "004", "balance": 100_000}], name="김앨리스")
    bob = await api.user([{"bank_code": "088", "balance": 100_000}], name="박밥")
    account = fintech.contract["withdraw"]
    assert (await fintech.withdraw(alice, 1000))["rsp_code"] == "A0000"
    await api.advance(shift="1m")
    assert (await fintech.withdraw(bob, 2000))["rsp_code"] == "A0000"
    await api.advance(shift="1m")
    await cash(api, account, 3000, "창구입금")
    await cash(api, account, -500)  # money out is not a remittance
    body = fintech.remit_body(account)
    answer = await api.post("/v2.0/inquiry/remit_list", await api.token(), body)
    assert_envelope(answer)
    assert_strings(answer)
    assert set(answer) == REMIT_FIELDS
    assert answer["bank_tran_id"] == body["bank_tran_id"]
    assert answer["bank_code_tran"] == account["bank_code"] and answer["bank_rsp_code"] == "000"
    assert MASKED.fullmatch(answer["account_num_masked"])
    assert answer["account_num_masked"].startswith(account["account_num"][:3])
    assert (answer["page_record_cnt"], answer["next_page_yn"]) == ("3", "N")
    assert answer["befor_inquiry_trace_info"] == ""
    rows = answer["res_list"]
    for row in rows:
        assert set(row) == REMIT_ROW
        assert row["tran_date"] == TODAY and re.fullmatch(r"\d{6}", row["tran_time"])
    assert [r["tran_amt"] for r in rows] == ["1000", "2000", "3000"]
    assert [r["remitter_name"] for r in rows] == ["김앨리스", "박밥", "창구입금"]
    assert [r["remitter_bank_code_std"] for r in rows] == ["004", "088", ""]
    assert rows[0]["print_content"] == "포인트충전"
    assert MASKED.fullmatch(rows[1]["remitter_account_num_masked"])
    assert rows[1]["remitter_account_num_masked"][-3:] == "***"
    assert rows[2]["remitter_account_num_masked"] == ""
    newest_first = await api.post(
        "/v2.0/inquiry/remit_list", await api.token(), fintech.remit_body(account, sort_order="D")
    )
    assert [r["tran_amt"] for r in newest_first["res_list"]] == ["3000", "2000", "1000"]


async def test_remit_list_pages_and_keeps_to_the_period(api: Api, fintech: Fintech) -> None:
    account = fintech.contract["deposit"]  # its opening money came 30 days ago
    for i in range(30):
        await cash(api, account, 100 + i, f"입금{i}")
    token = await api.token()
    first = await api.post("/v2.0/inquiry/remit_list", token, fintech.remit_body(account))
    assert (first["page_record_cnt"], first["next_page_yn"]) == ("25", "Y")
    assert first["res_list"][0]["tran_amt"] == "100"
    cursor = first["befor_inquiry_trace_info"]
    second = await api.post(
        "/v2.0/inquiry/remit_list",
        token,
        fintech.remit_body(account, befor_inquiry_trace_info=cursor),
    )
    assert (second["page_record_cnt"], second["next_page_yn"]) == ("5", "N")
    amounts = [r["tran_amt"] for r in first["res_list"] + second["res_list"]]
    assert amounts == [str(100 + i) for i in range(30)]
    month = await api.post(
        "/v2.0/inquiry/remit_list", token, fintech.remit_body(account, from_date="20260131")
    )
    opening = month["res_list"][0]  # 2026-01-31 10:00, the contract account's funding
    assert (opening["tran_date"], opening["print_content"]) == ("20260131", "약정계좌입금")
    assert (opening["remitter_name"], opening["remitter_bank_code_std"]) == ("약정계좌입금", "")
    for row in month["res_list"]:  # the seeded world's transfers print the payer's name
        if row["remitter_bank_code_std"]:
            assert row["remitter_name"] == row["print_content"]
    earlier = await api.post(
        "/v2.0/inquiry/remit_list",
        token,
        fintech.remit_body(account, to_date="20260301", from_date="20260301"),
    )
    assert (earlier["rsp_code"], earlier["page_record_cnt"], earlier["res_list"]) == (
        "A0000",
        "0",
        [],
    )


async def test_remit_list_of_an_account_not_the_callers_is_a0322(
    api: Api, fintech: Fintech
) -> None:
    user = await api.user([{"bank_code": "088", "balance": 1000}])
    token = await api.token()
    body = fintech.remit_body(user["accounts"][0])
    answer = await api.post("/v2.0/inquiry/remit_list", token, body)
    assert answer["rsp_code"] == "A0322"
    assert (answer["page_record_cnt"], answer["res_list"]) == ("0", [])
    other = (await api.demo(1))["contract_accounts"][0]  # another institution's contract
    answer = await api.post("/v2.0/inquiry/remit_list", token, fintech.remit_body(other))
    assert answer["rsp_code"] == "A0322"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"from_date": "20260303"}, "from_date"),
        ({"from_time": "120000", "to_time": "110000"}, "from_date/from_time"),
        ({"to_time": "246000"}, "to_time"),
        ({"sort_order": "X"}, "sort_order"),
        ({"befor_inquiry_trace_info": "abc"}, "befor_inquiry_trace_info"),
        ({"bank_code_std": "1"}, "bank_code_std"),
        ({"from_time": ""}, "from_time"),
    ],
)
async def test_remit_list_field_errors(
    api: Api, fintech: Fintech, change: dict[str, str], field: str
) -> None:
    body = fintech.remit_body(fintech.contract["withdraw"], **change)
    answer = await api.post("/v2.0/inquiry/remit_list", await api.token(), body)
    assert answer["rsp_code"] == "A0004" and field in answer["rsp_message"]


# --- return/claim, return/result ---------------------------------------------------------


async def test_return_claim_is_recorded_and_moves_no_money(api: Api, fintech: Fintech) -> None:
    user = await api.user([{"bank_code": "090", "balance": 0}])
    token = await api.token()
    deposit = await fintech.deposit(token, user, 7000)
    payer = fintech.contract["deposit"]
    before = await balance_of(api, payer["bank_code"], payer["account_num"])
    body = fintech.claim_body(deposit, user)
    answer = await api.post("/v2.0/return/claim", token, body)
    assert_envelope(answer)
    assert_strings(answer)
    assert set(answer) == CLAIM_FIELDS
    assert (answer["bank_tran_id"], answer["bank_tran_date"]) == (body["bank_tran_id"], TODAY)
    assert (answer["bank_code_tran"], answer["bank_rsp_code"]) == ("090", "000")
    assert answer["dps_bank_code_std"] == "090"
    assert answer["wd_bank_code_std"] == payer["bank_code"]
    assert answer["wd_bank_code_sub"].startswith(payer["bank_code"])
    assert len(answer["wd_bank_code_sub"]) == 7 and answer["wd_bank_name"]
    assert answer["org_bank_tran_id"] == deposit["bank_tran_id"]
    assert answer["org_bank_tran_date"] == TODAY and answer["org_tran_amt"] == "7000"
    assert answer["org_dps_bank_code_std"] == "090"
    assert answer["org_dps_account_num"] == user["accounts"][0]["account_num"]
    assert answer["org_dps_fintech_use_num"] == ""
    assert answer["return_account_num"] == payer["account_num"]
    assert await balance_of(api, "090", user["accounts"][0]["account_num"]) == 7000
    assert await balance_of(api, payer["bank_code"], payer["account_num"]) == before

    result = await api.post(
        "/v2.0/return/result",
        token,
        {"claim_bank_tran_date": TODAY, "claim_bank_tran_id": body["bank_tran_id"]},
    )
    assert_envelope(result)
    assert_strings(result)
    assert set(result) == CLAIM_RESULT_FIELDS
    assert result["claim_state"] == "접수" and result["claim_code"] == "05"
    assert (result["org_bank_tran_id"], result["org_tran_amt"]) == (deposit["bank_tran_id"], "7000")
    assert (result["dps_bank_code_std"], result["wd_bank_code_std"]) == ("090", payer["bank_code"])
    assert result["claim_bank_tran_id"] == body["bank_tran_id"]


async def test_return_claim_by_fintech_use_num_once_per_deposit(api: Api, fintech: Fintech) -> None:
    user = await api.user([{"bank_code": "004"}])
    token = await api.token()
    deposit = await fintech.deposit(token, user, 5000)
    by_fin = fintech.claim_body(
        deposit,
        user,
        org_dps_bank_code_std="",
        org_dps_account_num="",
        org_dps_fintech_use_num=user["accounts"][0]["fintech_use_num"],
    )
    answer = await api.post("/v2.0/return/claim", token, by_fin)
    assert answer["rsp_code"] == "A0000"
    assert answer["org_dps_fintech_use_num"] == user["accounts"][0]["fintech_use_num"]
    assert (answer["org_dps_bank_code_std"], answer["org_dps_account_num"]) == ("", "")
    again = await api.post("/v2.0/return/claim", token, fintech.claim_body(deposit, user))
    assert again["rsp_code"] == "A0008" and by_fin["bank_tran_id"] in again["rsp_message"]


@pytest.mark.parametrize(
    "change",
    [
        {"org_tran_amt": "5001"},
        {"org_bank_tran_date": "20260301"},
        {"org_bank_tran_id": "T000000000U000000001"},
        {"org_dps_account_num": "1234"},
        {"org_dps_bank_code_std": "088"},
        {"org_wd_bank_code_std": "002"},
    ],
)
async def test_return_claim_of_no_such_deposit_is_a0310(
    api: Api, fintech: Fintech, change: dict[str, str]
) -> None:
    user = await api.user([{"bank_code": "004"}])
    token = await api.token()
    deposit = await fintech.deposit(token, user, 5000)
    body = fintech.claim_body(deposit, user, **change)
    answer = await api.post("/v2.0/return/claim", token, body)
    assert answer["rsp_code"] == "A0310"
    # nothing was taken: the same bank_tran_id files the right claim afterwards
    right = fintech.claim_body(deposit, user, bank_tran_id=body["bank_tran_id"])
    assert (await api.post("/v2.0/return/claim", token, right))["rsp_code"] == "A0000"


async def test_return_claim_of_a_withdrawal_or_another_institutions_deposit_is_a0310(
    api: Api, fintech: Fintech
) -> None:
    user = await api.user([{"bank_code": "088", "balance": 10_000}])
    token = await api.token()
    withdrawal = await fintech.withdraw(user, 1000)
    assert withdrawal["rsp_code"] == "A0000"
    body = fintech.claim_body(
        {
            "bank_tran_id": withdrawal["bank_tran_id"],
            "bank_tran_date": TODAY,
            "bank_code_std": fintech.contract["withdraw"]["bank_code"],
            "tran_amt": "1000",
        },
        user,
    )
    assert (await api.post("/v2.0/return/claim", token, body))["rsp_code"] == "A0310"
    deposit = await fintech.deposit(token, user, 3000)
    other = Fintech(api, await api.demo(1))
    theirs = other.claim_body(deposit, user)
    answer = await api.post("/v2.0/return/claim", await api.token(index=1), theirs)
    assert answer["rsp_code"] == "A0310"


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"org_dps_fintech_use_num": "1" * 24}, "not both"),
        ({"org_dps_bank_code_std": "", "org_dps_account_num": ""}, "org_dps"),
        ({"org_dps_account_num": ""}, "go together"),
        ({"org_wd_bank_code_std": "xyz"}, "org_wd_bank_code_std"),
        ({"total_return_yn": "X"}, "total_return_yn"),
        ({"claim_code": ""}, "claim_code"),
        ({"org_bank_tran_date": "20261301"}, "org_bank_tran_date"),
        ({"bank_tran_id": "X123456789U000000001"}, "이용기관코드"),
    ],
)
async def test_return_claim_field_errors(
    api: Api, fintech: Fintech, change: dict[str, str], phrase: str
) -> None:
    user = await api.user([{"bank_code": "004"}])
    token = await api.token()
    deposit = await fintech.deposit(token, user, 5000)
    answer = await api.post(
        "/v2.0/return/claim", token, fintech.claim_body(deposit, user, **change)
    )
    assert answer["rsp_code"] == "A0004" and phrase in answer["rsp_message"]
    assert api.runtime.world.return_claims.claims == {}


async def test_return_result_of_an_unknown_claim_is_a0310(api: Api, fintech: Fintech) -> None:
    token = await api.token()
    unknown = {"claim_bank_tran_date": TODAY, "claim_bank_tran_id": fintech.tran_id()}
    answer = await api.post("/v2.0/return/result", token, unknown)
    assert answer["rsp_code"] == "A0310" and set(answer) == ENVELOPE
    bad = await api.post("/v2.0/return/result", token, {**unknown, "claim_bank_tran_id": "x"})
    assert bad["rsp_code"] == "A0004" and "claim_bank_tran_id" in bad["rsp_message"]


async def test_return_claims_survive_a_restart(
    tmp_path: Path, make_world: WorldFactory, network: NetworkConfig
) -> None:
    """The claim book is one of the world's books: the store keeps it, index and all."""
    world = make_world(seed=7)
    store = Store(str(tmp_path / "w.db"))
    store.save_world(world)
    store.attach(world)
    code = next(iter(world.directory.clients))
    claim = ReturnClaim(
        code, code + "U000000002", TODAY, 0.0, code + "U000000001", TODAY, 5000, "004", "088",
        "05", "시스템오류", "Y", "", "", "",
    )  # fmt: skip
    world.return_claims.file(claim)
    await store.durable()
    store.close()
    again = World(network, VirtualClock(parse_kst(START)), 7)
    reader = Store(str(tmp_path / "w.db"))
    try:
        reader.load(again)
    finally:
        reader.close()
    restored = again.return_claims.find(code, TODAY, code + "U000000002")
    assert restored == claim and restored.state == "접수"
    with pytest.raises(Refusal) as duplicate:
        again.return_claims.file(ReturnClaim(**{**asdict(claim), "bank_tran_id": code + "U3"}))
    assert duplicate.value.rsp_code == "A0008"
