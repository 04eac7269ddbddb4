"""Readiness over HTTP: a developer's run of their own institution, drills that touch only it,
the report as JSON and JUnit, the operator's view; Alice and Bob on one testbed."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.tenants import Tenant

READINESS = "/portal/api/apps/{code}/readiness"


async def _withdraw(
    api: Api, who: Tenant, token: str, tran: int, amount: int = 1000
) -> dict[str, Any]:
    user_token = who.user["access_token"]
    account = who.user["accounts"][0]
    _, page = await who.json("GET", f"/portal/api/apps/{who.code}")
    contract = next(c for c in page["contract_accounts"] if c["purpose"] == "withdraw")
    return await api.post(
        "/v2.0/transfer/withdraw/fin_num",
        user_token,
        {
            "bank_tran_id": f"{who.code}U{tran:09d}",
            "cntr_account_type": "N",
            "cntr_account_num": contract["account_num"],
            "dps_print_content": "test",
            "fintech_use_num": account["fintech_use_num"],
            "tran_amt": str(amount),
            "tran_dtime": "20240102120000",
            "req_client_name": "alice",
            "req_client_fintech_use_num": account["fintech_use_num"],
            "req_client_num": "C1",
            "transfer_purpose": "TR",
        },
    )


async def test_a_run_keeps_the_institutions_calls_and_grades_them(api: Api, alice: Tenant) -> None:
    status, run = await alice.json("POST", READINESS.format(code=alice.code), json={})
    assert status == 201, run
    assert run["state"] == "open"
    token = await alice.token()
    answer = await _withdraw(api, alice, token, 1)
    print(answer)
    status, report = await alice.json("GET", READINESS.format(code=alice.code))
    print(report)
    assert status == 200
    assert report["calls_seen"] >= 2
