"""이용신청 and My Page through the portal's JSON API: applying (approved, rejected, under
review), bad fields (400, nothing stored), a developer's own only (404 for anyone else's),
the operator's list and decision, and My Page's changes taking effect in the KFTC API."""

from __future__ import annotations

from typing import Any

import pytest

from testbed.network.admission.rules import DECLARATIONS
from tests.api.conftest import Api, Client
from tests.api.test_transfer import Bank
from tests.network.test_admission import WEAK, application
from tests.web.portal.conftest import signin, signup

JSON = dict[str, Any]


async def apply(client: Client, **change: Any) -> tuple[int, JSON]:
    resp = await client.post("/portal/api/applications", json=application(**change))
    return resp.status, await resp.json()


async def approved(api: Api, **change: Any) -> JSON:
    status, body = await apply(api.http, **change)
    assert status == 201 and body["status"] == "approved", body
    return body


def stored(api: Api) -> int:
    return len(api.runtime.world.applications.applications)


async def test_apply_approved_at_once_with_credentials_shown_once(api: Api) -> None:
    developer = (await signup(api.http))["developer"]
    body = await approved(api)
    assert body["id"] == "APP000001" and body["grade"] == "B"
    assert {s["rule"] for s in body["screening"]} >= {"eligible.industry", "excluded.gambling"}
    assert all({"rule", "passed", "reason"} <= set(s) for s in body["screening"])
    assert body["terms"]["limits"] and "developer" not in body
    creds = body["credentials"]
    assert creds["client_use_code"] == body["client_use_code"]
    stored_app = api.runtime.world.applications.applications["APP000001"]
    assert stored_app.developer == developer["id"]  # the owner is the developer's id
    # My Page masks the secret from now on
    page = await (await api.http.get(f"/portal/api/apps/{creds['client_use_code']}")).json()
    assert page["client_id"] == creds["client_id"]
    assert creds["client_secret"] not in str(page)
    assert "client_secret" not in page and page["client_secret_masked"].count("•") == 8
    listed = await (await api.http.get("/portal/api/applications")).json()
    assert [a["id"] for a in listed["applications"]] == ["APP000001"]
    assert "credentials" not in listed["applications"][0]


async def test_apply_rejected_and_under_review(api: Api) -> None:
    await signup(api.http)
    status, rejected = await apply(
        api.http, declarations={**dict.fromkeys(DECLARATIONS, False), "money_lending": True}
    )
    assert status == 201 and rejected["status"] == "rejected"
    failed = [s for s in rejected["screening"] if not s["passed"] and "excluded" in s["rule"]]
    assert [s["rule"] for s in failed] == ["excluded.money_lending"]
    assert "대부업" in failed[0]["reason"]
    status, review = await apply(api.http, industry="", licences=[])
    assert status == 201 and review["status"] == "review" and "credentials" not in review
    assert review["grade"]  # graded: it shows the terms it would get


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"company_name": ""}, "company_name"),
        ({"business_number": "123-45-67890"}, "business_number"),
        ({"size": "huge"}, "size"),
        ({"industry": "農業"}, "industry"),
        ({"licences": ["은행"]}, "licences[0]"),
        ({"declarations": {}}, "declarations.gambling"),
        ({"services": []}, "services"),
        ({"purposes": []}, "purposes"),
        ({"main_bank": "999"}, "main_bank"),
        ({"credit_rating": "Z"}, "credit_rating"),
        ({"paid_in_capital": -1}, "paid_in_capital"),
        ({"aml_system": "yes"}, "aml_system"),
        ({"redirect_uris": ["ftp://x"]}, "redirect_uris[0]"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_a_bad_field_is_named_and_nothing_is_stored(
    api: Api, change: JSON, field: str
) -> None:
    await signup(api.http)
    status, body = await apply(api.http, **change)
    assert status == 400 and body["field"] == field, body
    assert stored(api) == 0 and len(await api.clients()) == len(api.runtime.world.directory.clients)
    assert not [c for c in api.runtime.world.directory.clients if c.startswith("M2027")]


async def test_not_json_or_not_signed_in(api: Api) -> None:
    resp = await api.http.post("/portal/api/applications", json=application())
    assert resp.status == 401
    await signup(api.http)
    resp = await api.http.post("/portal/api/applications", data="x=1")
    assert resp.status == 415
    resp = await api.http.post("/portal/api/applications", json=[1])
    assert resp.status == 400 and stored(api) == 0


async def test_developer_b_cannot_reach_developer_a_s_applications_or_apps(api: Api) -> None:
    await signup(api.http, "a@example.com")
    mine = await approved(api)
    code = mine["client_use_code"]
    secret = mine["credentials"]["client_secret"]
    await signup(api.http, "b@example.com")
    assert (await api.http.get("/portal/api/applications")).status == 200
    assert (await (await api.http.get("/portal/api/applications")).json())["applications"] == []
    assert (await (await api.http.get("/portal/api/apps")).json())["apps"] == []
    for path in (f"/portal/api/applications/{mine['id']}", f"/portal/api/apps/{code}"):
        assert (await api.http.get(path)).status == 404
    assert (await api.http.get("/portal/api/applications/APP999999")).status == 404
    for change, body in (
        ("secret", {"confirm": code}),
        ("redirect_uris", {"redirect_uri": "https://evil.example/cb"}),
        ("redirect_uris/remove", {"redirect_uri": "http://localhost:8080/callback"}),
        ("ips", {"ip": "10.0.0.1"}),
        ("ips/remove", {"ip": "10.0.0.1"}),
        ("reset", {"confirm": code}),
    ):
        resp = await api.http.post(f"/portal/api/apps/{code}/{change}", json=body)
        assert resp.status == 404, change
        assert (await resp.json())["error"]
    # the pages too: 404, not 403
    assert (await api.http.get(f"/portal/apps/{code}")).status == 404
    client = api.runtime.world.directory.clients[code]
    assert client.client_secret == secret and client.ip_allow == []
    assert len(client.redirect_uris) == 2  # the demo callbacks, as applied
    # A still sees it
    await signin(api.http, "a@example.com")
    assert (await api.http.get(f"/portal/api/apps/{code}")).status == 200


async def test_the_operator_lists_and_decides(api: Api) -> None:
    await signup(api.http)
    _, first = await apply(api.http)
    _, review = await apply(api.http, industry="", licences=[], business_number="1248100998")
    resp = await api.http.get("/testbed/applications")
    assert resp.status == 401
    listed = await (await api.http.get("/testbed/applications", headers=api.admin)).json()
    assert [a["id"] for a in listed["applications"]] == [review["id"], first["id"]]
    assert listed["applications"][0]["screening"]
    decide = f"/testbed/applications/{review['id']}/decision"
    for body in ({"decision": "maybe"}, {"decision": "reject"}, {"decision": 1}, {"x": 1}):
        resp = await api.http.post(decide, json=body, headers=api.admin)
        assert resp.status == 400, body
    assert api.runtime.world.applications.applications[review["id"]].status == "review"
    resp = await api.http.post(
        "/testbed/applications/APP999999/decision", json={"decision": "approve"}, headers=api.admin
    )
    assert resp.status == 404
    resp = await api.http.post(
        decide, json={"decision": "approve", "reason": "ok"}, headers=api.admin
    )
    assert resp.status == 200 and (await resp.json())["status"] == "approved"
    resp = await api.http.post(
        decide, json={"decision": "reject", "reason": "no"}, headers=api.admin
    )
    assert resp.status == 409
    resp = await api.http.post(
        f"/testbed/applications/{first['id']}/decision",
        json={"decision": "reject", "reason": "late"},
        headers=api.admin,
    )
    assert resp.status == 409
    apps = await (await api.http.get("/portal/api/apps")).json()
    assert len(apps["apps"]) == 2  # the operator's approval made an institution too


async def token_of(api: Api, client_id: str, secret: str) -> JSON:
    resp = await api.http.post(
        "/oauth/2.0/token",
        data={
            "client_id": client_id,
            "client_secret": secret,
            "scope": "oob",
            "grant_type": "client_credentials",
        },
    )
    body: JSON = await resp.json()
    return body


async def test_rotating_the_secret_kills_the_old_one(api: Api) -> None:
    await signup(api.http)
    body = await approved(api)
    code, creds = body["client_use_code"], body["credentials"]
    assert "access_token" in await token_of(api, creds["client_id"], creds["client_secret"])
    resp = await api.http.post(f"/portal/api/apps/{code}/secret", json={"confirm": "nope"})
    assert resp.status == 400 and (await resp.json())["field"] == "confirm"
    resp = await api.http.post(f"/portal/api/apps/{code}/secret", json={"confirm": code})
    assert resp.status == 200
    new = (await resp.json())["client_secret"]
    assert new != creds["client_secret"]
    old = await token_of(api, creds["client_id"], creds["client_secret"])
    assert old["rsp_code"] == "O0001"
    assert "access_token" in await token_of(api, creds["client_id"], new)
    page = await (await api.http.get(f"/portal/api/apps/{code}")).json()
    assert new not in str(page)


@pytest.mark.parametrize(
    ("change", "body", "field"),
    [
        ("redirect_uris", {"redirect_uri": "not a url"}, "redirect_uri"),
        ("redirect_uris", {"redirect_uri": "ftp://example.com/cb"}, "redirect_uri"),
        ("redirect_uris", {"redirect_uri": "/relative/cb"}, "redirect_uri"),
        ("redirect_uris", {"redirect_uri": "https://example.com/cb#frag"}, "redirect_uri"),
        ("redirect_uris", {"redirect_uri": "http://localhost:8080/callback"}, "redirect_uri"),
        ("redirect_uris", {"redirect_uri": 7}, "redirect_uri"),
        ("redirect_uris/remove", {"redirect_uri": "https://nowhere.example/"}, "redirect_uri"),
        ("ips", {"ip": "999.1.1.1"}, "ip"),
        ("ips", {"ip": "localhost"}, "ip"),
        ("ips", {}, "ip"),
        ("ips/remove", {"ip": "10.1.1.1"}, "ip"),
        ("reset", {}, "confirm"),
    ],
)
async def test_bad_changes_change_nothing(api: Api, change: str, body: JSON, field: str) -> None:
    await signup(api.http)
    code = (await approved(api))["client_use_code"]
    before = await (await api.http.get(f"/portal/api/apps/{code}")).json()
    resp = await api.http.post(f"/portal/api/apps/{code}/{change}", json=body)
    assert resp.status == 400 and (await resp.json())["field"] == field
    after = await (await api.http.get(f"/portal/api/apps/{code}")).json()
    assert after == before


async def test_the_ip_allow_list_holds_transfers(api: Api) -> None:
    await signup(api.http)
    code = (await approved(api, main_bank="090", **WEAK))["client_use_code"]
    index = next(i for i, c in enumerate(await api.clients()) if c["client_use_code"] == code)
    fintech = Bank(api, (await api.clients())[index])
    user = await api.user([{"bank_code": "004", "balance": 5_000_000}], index=index)
    fin = user["accounts"][0]["fintech_use_num"]
    resp = await api.http.post(f"/portal/api/apps/{code}/ips", json={"ip": "10.0.0.1"})
    assert resp.status == 200 and (await resp.json())["ip_allow"] == ["10.0.0.1"]
    refused = await fintech.withdraw(user["access_token"], fin, 1_000)
    assert refused["rsp_code"] == "O0006"
    resp = await api.http.post(f"/portal/api/apps/{code}/ips", json={"ip": " 127.0.0.1 "})
    assert (await resp.json())["ip_allow"] == ["10.0.0.1", "127.0.0.1"]
    done = await fintech.withdraw(user["access_token"], fin, 1_000)
    assert done["rsp_code"] == "A0000", done
    resp = await api.http.post(f"/portal/api/apps/{code}/ips", json={"ip": "2001:DB8:0::1"})
    assert (await resp.json())["added"] == "2001:db8::1"
    page = await (await api.http.get(f"/portal/api/apps/{code}")).json()
    assert page["latest_calls"][0]["rsp_code"] == "A0000"
    assert page["latest_calls"][0]["rsp_message"] == "처리 성공 · success"
    # the refusal is the institution's too (its token named it), with what it means
    refusal = page["latest_calls"][1]
    assert (refusal["path"], refusal["rsp_code"]) == ("/v2.0/transfer/withdraw/fin_num", "O0006")
    assert refusal["rsp_message"] and refusal["rsp_message"] != "None"
    assert page["usage"]["apis"][0]["count"] == 1
    assert {a["purpose"] for a in page["contract_accounts"]} == {"withdraw", "deposit"}
    assert page["contract_accounts"][0]["balance"] == 1_000


async def test_reset_ends_only_this_institution_s_users(api: Api) -> None:
    await signup(api.http)
    code = (await approved(api))["client_use_code"]
    index = next(i for i, c in enumerate(await api.clients()) if c["client_use_code"] == code)
    mine = await api.user(index=index)
    other = await api.user(index=0)
    world = api.runtime.world
    balances = {k: a.balance for k, a in world.ledger.accounts.items()}
    resp = await api.http.post(f"/portal/api/apps/{code}/reset", json={"confirm": code})
    assert resp.status == 200
    body = await resp.json()
    assert body["reset"] == {"registrations_ended": 1, "tokens_revoked": 1}
    assert body["registrations"] == 0
    gone = await api.get("/v2.0/user/me", mine["access_token"], user_seq_no=mine["user_seq_no"])
    assert gone["rsp_code"] == "O0002"
    still = await api.get("/v2.0/user/me", other["access_token"], user_seq_no=other["user_seq_no"])
    assert still["rsp_code"] == "A0000"
    assert {k: a.balance for k, a in world.ledger.accounts.items()} == balances
    check = await (await api.http.get("/testbed/ledger/check", headers=api.admin)).json()
    assert check["ok"]
