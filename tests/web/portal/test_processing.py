"""The portal in the processing log: My Page's reads (its 약정계좌), "reset my test users"
(the registrations it ends), sign-ups, and refused sign-ins (failed authorizations), each
under `portal:<developer id>`, never the e-mail."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.web.portal.conftest import csrf_of, signin, signup
from tests.web.portal.test_applications import approved

JSON = dict[str, Any]


async def logged(api: Api, **params: str) -> list[JSON]:
    resp = await api.http.get("/testbed/audit", params=params, headers=api.admin)
    records: list[JSON] = (await resp.json())["records"]
    return records


async def my_app(api: Api) -> tuple[str, str]:
    developer = (await signup(api.http))["developer"]
    code = (await approved(api))["client_use_code"]
    return developer["id"], code


async def test_my_page_reads_are_logged_by_the_api_and_the_page(api: Api) -> None:
    developer, code = await my_app(api)
    client = api.runtime.world.directory.clients[code]
    refs = [
        api.runtime.store.account_ref(a.bank_code, a.account_num) for a in client.contract_accounts
    ]
    for path in ("/portal/api/apps", f"/portal/api/apps/{code}", f"/portal/apps/{code}"):
        assert (await api.http.get(path)).status == 200
    reads = await logged(api, actor=f"portal:{developer}", action="read")
    assert [r["path"] for r in reads] == [
        f"GET /portal/apps/{code}",
        f"GET /portal/api/apps/{code}",
        "GET /portal/api/apps",
    ]
    for record in reads:
        assert record["subjects"] == [f"client:{code}", *refs]
        assert record["fields"] == ["account_num", "balance"]
    assert "dev@example.com" not in str(await logged(api))


async def test_resetting_my_test_users_is_logged_as_deleting_their_registrations(
    api: Api,
) -> None:
    developer, code = await my_app(api)
    made = await api.http.post(
        "/testbed/users",
        json={"name": "테스트", "birth_date": "19900101", "client_use_code": code,
              "accounts": [{"bank_code": "004", "balance": 1000}]},
        headers=api.admin,
    )  # fmt: skip
    user = await made.json()
    resp = await api.http.post(f"/portal/api/apps/{code}/reset", json={"confirm": code})
    assert resp.status == 200 and (await resp.json())["reset"]["registrations_ended"] == 1
    (record,) = await logged(api, action="delete")
    account = user["accounts"][0]
    ref = api.runtime.store.account_ref(account["bank_code"], account["account_num"])
    assert record["actor"] == f"portal:{developer}"
    assert record["subjects"] == [user["user_seq_no"], ref]
    assert record["detail"] == {"registrations_ended": 1, "tokens_revoked": 0}
    # the form does the same
    html = await (await api.http.get(f"/portal/apps/{code}")).text()
    form = {"csrf": csrf_of(html), "confirm": code}
    assert (await api.http.post(f"/portal/apps/{code}/reset", data=form)).status == 200
    assert len(await logged(api, action="delete")) == 2


async def test_sign_up_and_refused_sign_ins_are_logged(api: Api) -> None:
    developer = (await signup(api.http))["developer"]["id"]
    await api.http.post("/portal/api/signout", json={})
    assert (await signin(api.http, password="wrong wrong wrong")).status == 401
    assert (await signin(api.http, email="nobody@example.com")).status == 401
    assert (await signin(api.http)).status == 200  # a success is no failure
    denied = await logged(api, action="denied")
    assert [(r["actor"], r["subjects"], r["detail"]) for r in denied] == [
        ("portal:unknown", [], {"status": 401}),
        (f"portal:{developer}", [f"developer:{developer}"], {"status": 401}),
    ]
    (created,) = await logged(api, action="create", actor="portal")
    assert created["subjects"] == [f"developer:{developer}"] and "email" in created["fields"]
    assert "example.com" not in str(await logged(api))


async def test_a_locked_sign_in_is_a_denied_too(api: Api) -> None:
    developer = (await signup(api.http))["developer"]["id"]
    statuses = [(await signin(api.http, password="wrong wrong wrong")).status for _ in range(8)]
    assert 429 in statuses
    denied = await logged(api, action="denied", actor=f"portal:{developer}", size="100")
    assert sorted({r["detail"]["status"] for r in denied}) == [401, 429]
    assert len(denied) == len(statuses)
