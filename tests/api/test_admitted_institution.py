"""An institution the centre admitted (이용신청 approved) works over HTTP at once: its
credentials take a token, its users register, its 약정계좌 take and pay money, and its
grade's limits hold."""

from __future__ import annotations

from tests.api.conftest import Api, assert_envelope
from tests.api.test_transfer import Bank, balance_of
from tests.network.test_admission import WEAK, filing


async def test_an_approved_institution_works_over_http(api: Api) -> None:
    runtime = api.runtime
    app = runtime.gateway.admission.apply(
        "dev-1", filing(main_bank="090", **WEAK), runtime.world.clock.now()
    )
    assert (app.status, app.grade) == ("approved", "C")
    clients = await api.clients()
    index = len(clients) - 1
    assert clients[index]["client_use_code"] == app.client_use_code
    resp = await api.http.post(
        "/oauth/2.0/token",
        data={
            "client_id": clients[index]["client_id"],
            "client_secret": clients[index]["client_secret"],
            "scope": "oob",
            "grant_type": "client_credentials",
        },
    )
    token = await resp.json()
    assert token["client_use_code"] == app.client_use_code and token["scope"] == "oob"
    sa = await api.http.post(
        "/oauth/2.0/token",
        data={
            "client_id": clients[index]["client_id"],
            "client_secret": clients[index]["client_secret"],
            "scope": "sa",
            "grant_type": "client_credentials",
        },
    )
    assert (await sa.json())["rsp_code"] == "O0011"  # grade C: no 자체인증

    fintech = Bank(api, clients[index])
    assert {a["bank_code"] for a in fintech.contract.values()} == {"090"}
    user = await api.user([{"bank_code": "004", "balance": 5_000_000}], index=index)
    fin = user["accounts"][0]["fintech_use_num"]
    body = await fintech.withdraw(user["access_token"], fin, 300_000)
    assert_envelope(body)
    assert body["dps_account_holder_name"] == "주식회사 테스트페이"
    assert body["wd_limit_remain_amt"] == str(1_000_000 - 300_000)  # grade C, per user per day
    withdraw = fintech.contract["withdraw"]
    assert await balance_of(api, "090", withdraw["account_num"]) == 300_000
    over = await fintech.withdraw(user["access_token"], fin, 1_000_001)
    assert over["rsp_code"] == "A0105"  # grade C: 1,000,000 a transaction

    paid = await api.post(
        "/v2.0/transfer/deposit/fin_num",
        token["access_token"],
        fintech.deposit_body({"fintech_use_num": fin}),
    )
    assert_envelope(paid)
    assert paid["wd_account_holder_name"] == "주식회사 테스트페이"
    deposit = fintech.contract["deposit"]
    assert await balance_of(api, "090", deposit["account_num"]) == 1_000_000_000 - 10_000
    check = await (await api.http.get("/testbed/ledger/check", headers=api.admin)).json()
    assert check["ok"], check["problems"]
