"""bank_name as the gateway shows it today (IBK기업은행, KDB산업은행, ...), not the legal name
banks.yaml keeps beside it (중소기업은행, 한국산업은행)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

DTIME = "20260302100000"


async def _user_with_ibk_and_kdb(api: Api) -> dict[str, Any]:
    return await api.user([{"bank_code": "003", "balance": 50_000}, {"bank_code": "002"}])


async def test_user_me_and_account_list_show_the_display_name(api: Api) -> None:
    user = await _user_with_ibk_and_kdb(api)
    token, seq = user["access_token"], user["user_seq_no"]
    for path in ("/v2.0/user/me", "/v2.0/account/list"):
        body = await api.get(path, token, user_seq_no=seq)
        names = {item["bank_code_std"]: item["bank_name"] for item in body["res_list"]}
        assert names == {"003": "IBK기업은행", "002": "KDB산업은행"}, path


async def test_balance_and_transactions_show_the_display_name(api: Api) -> None:
    user = await _user_with_ibk_and_kdb(api)
    demo = await api.demo()
    fin = user["accounts"][0]["fintech_use_num"]
    balance = await api.get(
        "/v2.0/account/balance/fin_num",
        user["access_token"],
        bank_tran_id=api.tran_id(demo["client_use_code"]),
        fintech_use_num=fin,
        tran_dtime=DTIME,
    )
    transactions = await api.get(
        "/v2.0/account/transaction_list/fin_num",
        user["access_token"],
        bank_tran_id=api.tran_id(demo["client_use_code"]),
        fintech_use_num=fin,
        inquiry_type="A",
        inquiry_base="D",
        from_date="20260301",
        to_date="20260302",
        sort_order="D",
        tran_dtime=DTIME,
    )
    assert balance["bank_name"] == transactions["bank_name"] == "IBK기업은행"


async def test_deposit_and_real_name_show_the_display_name(api: Api) -> None:
    user = await _user_with_ibk_and_kdb(api)
    demo = await api.demo()
    code = demo["client_use_code"]
    contract = {a["purpose"]: a for a in demo["contract_accounts"]}
    token = await api.token("oob")
    deposit = await api.post(
        "/v2.0/transfer/deposit/fin_num",
        token,
        {
            "cntr_account_type": "N",
            "cntr_account_num": contract["deposit"]["account_num"],
            "wd_pass_phrase": "NONE",
            "wd_print_content": "환불",
            "tran_dtime": DTIME,
            "req_cnt": "1",
            "req_list": [
                {
                    "tran_no": "1",
                    "bank_tran_id": api.tran_id(code),
                    "fintech_use_num": user["accounts"][1]["fintech_use_num"],
                    "print_content": "환불",
                    "tran_amt": "1000",
                    "req_client_name": "홍길동",
                    "req_client_fintech_use_num": user["accounts"][1]["fintech_use_num"],
                    "req_client_num": "MEMBER0001",
                    "transfer_purpose": "TR",
                }
            ],
        },
    )
    assert deposit["rsp_code"] == "A0000", deposit
    assert deposit["res_list"][0]["bank_name"] == "KDB산업은행"
    real_name = await api.post(
        "/v2.0/inquiry/real_name",
        token,
        {
            "bank_tran_id": api.tran_id(code),
            "bank_code_std": "003",
            "account_num": user["accounts"][0]["account_num"],
            "account_holder_info_type": " ",
            "account_holder_info": "900101",
            "tran_dtime": DTIME,
        },
    )
    assert real_name["rsp_code"] == "A0000", real_name
    assert real_name["bank_name"] == "IBK기업은행"


async def test_bank_status_shows_the_display_name(api: Api) -> None:
    body = await api.get("/v2.0/bank/status", await api.token("oob"))
    names = {item["bank_code_std"]: item["bank_name"] for item in body["res_list"]}
    assert names["002"] == "KDB산업은행" and names["003"] == "IBK기업은행"
    assert names["032"] == "부산은행" and names["004"] == "KB국민은행"


async def test_the_control_plane_keeps_the_legal_name(api: Api) -> None:
    resp = await api.http.get("/testbed/banks", headers=api.admin)
    banks = {b["code"]: (b["name"], b["display_name"]) for b in (await resp.json())["banks"]}
    assert banks["003"] == ("중소기업은행(IBK기업은행)", "IBK기업은행")
    assert banks["002"] == ("한국산업은행", "KDB산업은행")
