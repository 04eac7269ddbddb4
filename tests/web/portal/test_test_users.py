"""My Page's test users: a developer makes and lists their own, through the JSON API and
the page's form, with the operator's rules (the same reader and use case), scoped to
their institutions; nobody else's are shown or reachable."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.tenants import Tenant
from tests.web.portal.conftest import csrf_of


async def make(who: Tenant, code: str, **body: Any) -> tuple[int, Any]:
    return await who.json("POST", f"/portal/api/apps/{code}/users", json=body)


async def test_a_developer_makes_a_test_user_with_a_token(api: Api, alice: Tenant) -> None:
    status, made = await make(
        alice,
        alice.code,
        name="앨리스고객",
        birth_date="19850505",
        accounts=[{"bank_code": "004", "balance": 70_000}],
        scope="login inquiry transfer",
    )
    assert status == 201, made
    (account,) = made["accounts"]
    (registration,) = account["registrations"]
    assert registration["client_use_code"] == alice.code
    assert registration["inquiry"] and registration["transfer"]
    assert account["balance"] == 70_000
    me = await api.get("/v2.0/user/me", made["access_token"], user_seq_no=made["user_seq_no"])
    assert (
        me["rsp_code"] == "A0000"
        and me["res_list"][0]["fintech_use_num"] == (registration["fintech_use_num"])
    )
    user = api.runtime.world.directory.users[made["user_seq_no"]]
    assert user.developer == api.runtime.world.directory.clients[alice.code].developer


async def test_the_list_holds_only_the_developers_own(alice: Tenant, bob: Tenant) -> None:
    status, mine = await alice.json("GET", "/portal/api/users")
    assert status == 200
    assert [u["user_seq_no"] for u in mine["users"]] == [alice.user["user_seq_no"]]
    status, theirs = await bob.json("GET", "/portal/api/users")
    assert [u["user_seq_no"] for u in theirs["users"]] == [bob.user["user_seq_no"]]
    assert alice.user["name"] not in str(theirs)


async def test_another_developers_app_is_404_and_nothing_is_made(
    api: Api, alice: Tenant, bob: Tenant
) -> None:
    users = len(api.runtime.world.directory.users)
    status, body = await make(bob, alice.code, name="침입자", birth_date="19900101")
    assert status == 404 and body["field"] == "id"
    assert len(api.runtime.world.directory.users) == users


async def test_a_bad_body_names_the_field_and_makes_nothing(api: Api, alice: Tenant) -> None:
    users = len(api.runtime.world.directory.users)
    for body, field in (
        ({"birth_date": "19900101"}, "name"),
        ({"name": "x", "birth_date": "1990"}, "birth_date"),
        ({"name": "x", "birth_date": "19900101", "accounts": [{"bank_code": "999"}]}, "accounts"),
        ({"name": "x", "birth_date": "19900101", "scope": "oob"}, "scope"),
        ({"name": "x", "birth_date": "19900101", "client_use_code": "T1"}, "body"),
    ):
        status, answer = await make(alice, alice.code, **body)
        assert status == 400, (body, answer)
        assert answer["field"] == field, answer
    assert len(api.runtime.world.directory.users) == users


async def test_my_page_form_makes_a_user_and_lists_it(api: Api, alice: Tenant) -> None:
    async with alice.http.get(alice.url(f"/portal/apps/{alice.code}")) as resp:
        html = await resp.text()
    assert alice.user["name"] in html and 'id="new-user"' in html
    form = {
        "csrf": csrf_of(html),
        "name": "폼고객",
        "birth_date": "19930303",
        "bank_code": "088",
        "balance": "12,000",
    }
    async with alice.http.post(
        alice.url(f"/portal/apps/{alice.code}/users"), data=form, allow_redirects=False
    ) as resp:
        assert resp.status == 303
    async with alice.http.get(alice.url(f"/portal/apps/{alice.code}")) as resp:
        html = await resp.text()
    assert "폼고객" in html and "12,000원" in html
    form["birth_date"] = "not a date"
    async with alice.http.post(alice.url(f"/portal/apps/{alice.code}/users"), data=form) as resp:
        assert resp.status == 400
        assert 'id="birth_date-error"' in await resp.text()
