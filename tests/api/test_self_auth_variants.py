"""The acnt_num variants of a self-auth institution: balance, transaction_list, withdraw."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import BANK_BLOCK, ENVELOPE, Api, assert_envelope, assert_strings

DTIME = "20260302100000"
GATEWAY = {"rsp_code", "rsp_message"}
BALANCE = ENVELOPE | BANK_BLOCK | {
    "bank_name", "savings_bank_name", "fintech_use_num", "balance_amt", "available_amt",
    "account_type", "product_name", "account_issue_date", "maturity_date", "last_tran_date",
}  # fmt: skip
TRANSACTIONS = ENVELOPE | BANK_BLOCK | {
    "bank_name", "savings_bank_name", "fintech_use_num", "balance_amt", "page_record_cnt",
    "next_page_yn", "befor_inquiry_trace_info", "res_list",
}  # fmt: skip
ROW = {
    "tran_date", "tran_time", "inout_type", "tran_type", "print_content", "tran_amt",
    "after_balance_amt", "branch_name",
}  # fmt: skip
WITHDRAW = ENVELOPE | BANK_BLOCK | {
    "dps_bank_code_std", "dps_bank_code_sub", "dps_bank_name", "dps_account_num_masked",
    "dps_print_content", "dps_account_holder_name", "fintech_use_num", "account_alias",
    "bank_code_std", "bank_code_sub", "bank_name", "savings_bank_name", "account_num_masked",
    "print_content", "account_holder_name", "tran_amt", "wd_limit_remain_amt",
}  # fmt: skip
# the fields that differ from call to call
FRESH = {"api_tran_id", "api_tran_dtm", "bank_tran_id"}


async def _code(api: Api) -> str:
    code: str = (await api.demo(1))["client_use_code"]
    return code


def _by_account(person: dict[str, Any]) -> dict[str, str]:
    account = person["accounts"][0]
    return {
        "bank_code_std": account["bank_code"],
        "account_num": account["account_num"],
        "user_seq_no": person["user_seq_no"],
    }


async def _balance(api: Api, token: str, person: dict[str, Any], **change: str) -> dict[str, Any]:
    body = {"bank_tran_id": api.tran_id(await _code(api)), "tran_dtime": DTIME}
    body.update(_by_account(person))
    body.update(change)
    return await api.post("/v2.0/account/balance/acnt_num", token, body)


def _page_params(cursor: str = "", inquiry_type: str = "A") -> dict[str, str]:
    params = {
        "inquiry_type": inquiry_type,
        "inquiry_base": "D",
        "from_date": "20260301",
        "to_date": "20260302",
        "sort_order": "D",
        "tran_dtime": DTIME,
    }
    if cursor:
        params["befor_inquiry_trace_info"] = cursor
    return params


async def _page(
    api: Api, token: str, person: dict[str, Any], cursor: str = "", **change: str
) -> dict[str, Any]:
    body = {"bank_tran_id": api.tran_id(await _code(api)), **_page_params(cursor)}
    body.update(_by_account(person))
    body.update(change)
    return await api.post("/v2.0/account/transaction_list/acnt_num", token, body)


async def _withdraw_body(api: Api, person: dict[str, Any], **change: str) -> dict[str, str]:
    demo = await api.demo(1)
    contract = next(a for a in demo["contract_accounts"] if a["purpose"] == "withdraw")
    account = person["accounts"][0]
    return {
        "bank_tran_id": api.tran_id(demo["client_use_code"]),
        "cntr_account_type": contract["cntr_account_type"],
        "cntr_account_num": contract["account_num"],
        "dps_print_content": "셀프페이충전",
        "wd_bank_code_std": account["bank_code"],
        "wd_account_num": account["account_num"],
        "user_seq_no": person["user_seq_no"],
        "wd_print_content": "셀프페이",
        "tran_amt": "5000",
        "tran_dtime": DTIME,
        "req_client_name": person["name"],
        "req_client_fintech_use_num": account["fintech_use_num"],
        "req_client_num": "MEMBER0001",
        "transfer_purpose": "TR",
        **change,
    }


async def _ledger(api: Api, bank: str, num: str) -> dict[str, Any]:
    resp = await api.http.get(f"/testbed/accounts/{bank}/{num}?history=5", headers=api.admin)
    assert resp.status == 200
    view: dict[str, Any] = await resp.json()
    return view


# --- success ----------------------------------------------------------------------------


async def test_balance_by_account_number(api: Api) -> None:
    person = await api.user(
        [{"bank_code": "004", "balance": 123_456, "product_name": "급여통장"}], index=1
    )
    sa = await api.token("sa", index=1)
    request_id = api.tran_id(await _code(api))
    body = await _balance(api, sa, person, bank_tran_id=request_id)
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == BALANCE
    assert body["fintech_use_num"] == person["accounts"][0]["fintech_use_num"]
    assert body["balance_amt"] == "123456" and body["product_name"] == "급여통장"
    assert body["bank_tran_id"] == request_id and body["bank_code_tran"] == "004"
    assert body["bank_name"] == "KB국민은행" and body["bank_rsp_code"] == "000"
    by_fin = await api.get(
        "/v2.0/account/balance/fin_num",
        sa,
        bank_tran_id=api.tran_id(await _code(api)),
        fintech_use_num=person["accounts"][0]["fintech_use_num"],
        tran_dtime=DTIME,
    )
    assert {k: v for k, v in body.items() if k not in FRESH} == {
        k: v for k, v in by_fin.items() if k not in FRESH
    }


async def test_transaction_list_by_account_number(api: Api) -> None:
    person = await api.user([{"bank_code": "081", "balance": 100_000}], index=1)
    account = person["accounts"][0]
    path = f"/testbed/accounts/{account['bank_code']}/{account['account_num']}/cash"
    for i in range(30):  # 31 rows with the opening deposit
        await api.http.post(
            path, json={"amount": -(i + 1) if i % 3 else 1000 + i}, headers=api.admin
        )
    sa = await api.token("sa", index=1)
    first = await _page(api, sa, person)
    assert_envelope(first)
    assert_strings(first)
    assert set(first) == TRANSACTIONS
    assert all(set(row) == ROW for row in first["res_list"])
    assert first["fintech_use_num"] == account["fintech_use_num"]
    assert first["page_record_cnt"] == "25" and first["next_page_yn"] == "Y"
    second = await _page(api, sa, person, first["befor_inquiry_trace_info"])
    assert second["page_record_cnt"] == "6" and second["next_page_yn"] == "N"
    assert second["befor_inquiry_trace_info"] == ""
    deposits = await _page(api, sa, person, inquiry_type="I")
    assert {r["inout_type"] for r in deposits["res_list"]} == {"입금"}
    assert deposits["page_record_cnt"] == "11"

    by_fin = await api.get(
        "/v2.0/account/transaction_list/fin_num",
        sa,
        bank_tran_id=api.tran_id(await _code(api)),
        fintech_use_num=account["fintech_use_num"],
        **_page_params(first["befor_inquiry_trace_info"]),
    )
    assert {k: v for k, v in second.items() if k not in FRESH} == {
        k: v for k, v in by_fin.items() if k not in FRESH
    }


async def test_withdraw_by_account_number(api: Api) -> None:
    person = await api.user([{"bank_code": "088", "balance": 100_000}], index=1)
    account = person["accounts"][0]
    sa = await api.token("sa", index=1)
    demo = await api.demo(1)
    contract = next(a for a in demo["contract_accounts"] if a["purpose"] == "withdraw")
    contract_before = (await _ledger(api, contract["bank_code"], contract["account_num"]))[
        "balance"
    ]
    request = await _withdraw_body(api, person)
    body = await api.post("/v2.0/transfer/withdraw/acnt_num", sa, request)
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == WITHDRAW
    assert body["fintech_use_num"] == account["fintech_use_num"]
    assert body["bank_tran_id"] == request["bank_tran_id"] and body["bank_code_tran"] == "088"
    assert body["tran_amt"] == "5000" and body["print_content"] == "셀프페이"
    assert body["dps_bank_code_std"] == contract["bank_code"]
    assert body["dps_print_content"] == "셀프페이충전" and body["account_holder_name"] == "홍길동"

    payer = await _ledger(api, account["bank_code"], account["account_num"])
    assert payer["balance"] == 95_000
    assert (payer["history"][-1]["amount"], payer["history"][-1]["print_content"]) == (
        -5000,
        "셀프페이",
    )
    payee = await _ledger(api, contract["bank_code"], contract["account_num"])
    assert payee["balance"] == contract_before + 5000
    assert (payee["history"][-1]["amount"], payee["history"][-1]["print_content"]) == (
        5000,
        "셀프페이충전",
    )

    fin_request = {
        k: v
        for k, v in (await _withdraw_body(api, person)).items()
        if k not in ("wd_bank_code_std", "wd_account_num", "user_seq_no")
    }
    fin_request["fintech_use_num"] = account["fintech_use_num"]
    by_fin = await api.post("/v2.0/transfer/withdraw/fin_num", sa, fin_request)
    assert by_fin["rsp_code"] == "A0000" and set(by_fin) == set(body)
    assert int(by_fin["wd_limit_remain_amt"]) == int(body["wd_limit_remain_amt"]) - 5000


# --- refusals ---------------------------------------------------------------------------


async def test_an_account_not_registered_with_the_caller_is_a0323(api: Api) -> None:
    outsider = await api.user([{"bank_code": "088", "balance": 100_000}])  # institution 0
    sa = await api.token("sa", index=1)
    assert (await _balance(api, sa, outsider))["rsp_code"] == "A0323"
    listed = await _page(api, sa, outsider)
    assert listed["rsp_code"] == "A0323"
    assert (listed["res_list"], listed["page_record_cnt"]) == ([], "0")
    moved = await api.post(
        "/v2.0/transfer/withdraw/acnt_num", sa, await _withdraw_body(api, outsider)
    )
    assert moved["rsp_code"] == "A0323" and moved["rsp_message"] == "이용기관에 등록되지 않은 계좌"
    account = outsider["accounts"][0]
    assert (await _ledger(api, account["bank_code"], account["account_num"]))["balance"] == 100_000


async def test_a_cancelled_registration_is_a0323(api: Api) -> None:
    person = await api.user(index=1)
    sa = await api.token("sa", index=1)
    for scope in ("inquiry", "transfer"):
        cancelled = await api.post(
            "/v2.0/account/cancel",
            sa,
            {
                "bank_tran_id": api.tran_id(await _code(api)),
                "scope": scope,
                "fintech_use_num": person["accounts"][0]["fintech_use_num"],
            },
        )
        assert cancelled["rsp_code"] == "A0000"
    assert (await _balance(api, sa, person))["rsp_code"] == "A0323"


async def test_another_users_account_is_a0313(api: Api) -> None:
    person = await api.user([{"bank_code": "088", "balance": 100_000}], index=1)
    other = await api.user(index=1, name="박밥")
    sa = await api.token("sa", index=1)
    wrong = {"user_seq_no": other["user_seq_no"]}
    assert (await _balance(api, sa, person, **wrong))["rsp_code"] == "A0313"
    assert (await _page(api, sa, person, **wrong))["rsp_code"] == "A0313"
    moved = await api.post(
        "/v2.0/transfer/withdraw/acnt_num", sa, await _withdraw_body(api, person, **wrong)
    )
    assert moved["rsp_code"] == "A0313"
    account = person["accounts"][0]
    assert (await _ledger(api, account["bank_code"], account["account_num"]))["balance"] == 100_000


async def test_consents_still_count(api: Api) -> None:
    no_inquiry = await api.user([{"bank_code": "088", "inquiry": False}], index=1)
    no_transfer = await api.user([{"bank_code": "088", "transfer": False}], index=1)
    sa = await api.token("sa", index=1)
    assert (await _balance(api, sa, no_inquiry))["rsp_code"] == "A0305"
    assert (await _page(api, sa, no_inquiry))["rsp_code"] == "A0305"
    moved = await api.post(
        "/v2.0/transfer/withdraw/acnt_num", sa, await _withdraw_body(api, no_transfer)
    )
    assert moved["rsp_code"] == "A0306"


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"bank_code_std": "999"}, "bank_code_std"),
        ({"account_num": ""}, "account_num"),
        ({"user_seq_no": ""}, "user_seq_no"),
        ({"tran_dtime": "2026"}, "tran_dtime"),
    ],
)
async def test_inquiry_format_errors(api: Api, change: dict[str, str], phrase: str) -> None:
    person = await api.user(index=1)
    sa = await api.token("sa", index=1)
    for body in (await _balance(api, sa, person, **change), await _page(api, sa, person, **change)):
        assert body["rsp_code"] == "A0004" and phrase in body["rsp_message"], body


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"wd_bank_code_std": "999"}, "wd_bank_code_std"),
        ({"wd_account_num": ""}, "wd_account_num"),
        ({"user_seq_no": ""}, "user_seq_no"),
        ({"tran_amt": "0"}, "tran_amt"),
        ({"cntr_account_num": "1"}, ""),
    ],
)
async def test_withdraw_refusals_move_nothing(
    api: Api, change: dict[str, str], phrase: str
) -> None:
    person = await api.user([{"bank_code": "088", "balance": 100_000}], index=1)
    sa = await api.token("sa", index=1)
    body = await api.post(
        "/v2.0/transfer/withdraw/acnt_num", sa, await _withdraw_body(api, person, **change)
    )
    expected = "A0322" if "cntr_account_num" in change else "A0004"
    assert body["rsp_code"] == expected and phrase in body["rsp_message"], body
    account = person["accounts"][0]
    assert (await _ledger(api, account["bank_code"], account["account_num"]))["balance"] == 100_000


async def test_acnt_num_takes_an_sa_token_only(api: Api) -> None:
    person = await api.user(index=1)  # its user token has login inquiry transfer
    for token in (person["access_token"], await api.token("oob", index=1)):
        for body in (
            await _balance(api, token, person),
            await _page(api, token, person),
            await api.post(
                "/v2.0/transfer/withdraw/acnt_num", token, await _withdraw_body(api, person)
            ),
        ):
            assert body == {"rsp_code": "O0011", "rsp_message": "허용되지 않은 Scope 입니다."}
