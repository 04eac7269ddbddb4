"""Characters Python calls digits that int() refuses (², ³, ①): every place that reads a
number from text takes ASCII digits only, so none of them is a 500. Found by make soak's
fuzz (`/portal/api/events?since=²`)."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.tenants import Tenant
from tests.web.portal.conftest import csrf_of

SUPERSCRIPT = "²"


async def test_the_portal_refuses_them_with_a_400(alice: Tenant) -> None:
    status, body = await alice.json("GET", "/portal/api/events", params={"since": SUPERSCRIPT})
    assert status == 400 and body["field"] == "since"
    async with alice.http.get(alice.url(f"/portal/apps/{alice.code}")) as resp:
        csrf = csrf_of(await resp.text())
    form = {"csrf": csrf, "name": "x", "birth_date": "19900101", "bank_code": "088"}
    async with alice.http.post(
        alice.url(f"/portal/apps/{alice.code}/users"), data={**form, "balance": SUPERSCRIPT}
    ) as resp:
        assert resp.status == 400


async def test_the_control_plane_and_the_api_refuse_them(api: Api) -> None:
    resp = await api.http.post(f"/testbed/snapshots/{SUPERSCRIPT}/restore", headers=api.admin)
    assert resp.status == 404
    user = await api.user()
    token = user["access_token"]
    body = await api.post(
        "/v2.0/transfer/withdraw/fin_num",
        token,
        {
            "bank_tran_id": api.tran_id(user["client_use_code"]),
            "cntr_account_type": "N",
            "cntr_account_num": "1",
            "dps_print_content": "x",
            "fintech_use_num": user["accounts"][0]["fintech_use_num"],
            "tran_amt": SUPERSCRIPT,
            "tran_dtime": "20260302100000",
            "req_client_name": "x",
            "req_client_fintech_use_num": user["accounts"][0]["fintech_use_num"],
            "req_client_num": "X",
            "transfer_purpose": "TR",
        },
    )
    assert body["rsp_code"] == "A0004"
    page = await api.get(
        "/v2.0/account/transaction_list/fin_num",
        token,
        bank_tran_id=api.tran_id(user["client_use_code"]),
        fintech_use_num=user["accounts"][0]["fintech_use_num"],
        inquiry_type="A",
        inquiry_base="D",
        from_date="20260301",
        to_date="20260302",
        sort_order="D",
        tran_dtime="20260302100000",
        befor_inquiry_trace_info=SUPERSCRIPT,
    )
    assert page["rsp_code"] == "A0004"
