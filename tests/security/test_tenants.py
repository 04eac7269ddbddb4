"""One testbed, many developers: each attack of issue 21 written as a test with two
tenants, Alice and Bob, on one server. Each fails on the code before tenancy."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from tests.api.conftest import Api
from tests.network.test_admission import STRONG
from tests.tenants import CALLBACK, Tenant, tenant
from tests.web.test_consent_pages import complete_flow, redeem, user_me

DTIME = "20260302100000"


def consent_query(who: Tenant, **change: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": who.client_id,
        "redirect_uri": CALLBACK,
        "scope": "login inquiry transfer",
        "state": "s1",
        "auth_type": "0",
        **change,
    }


async def signin_page(who: Tenant) -> str:
    async with who.http.get(who.url("/oauth/2.0/authorize"), params=consent_query(who)) as resp:
        assert resp.status == 200
        return await resp.text()


def flow_of(html: str) -> str:
    found = re.search(r'name="flow" value="([0-9a-f]+)"', html)
    assert found, "no flow on the page"
    return found.group(1)


# --- item 2: secrets shown once, to their owner ------------------------------------------


async def test_the_landing_page_shows_no_portal_secret(api: Api, alice: Tenant) -> None:
    html = await (await api.http.get("/")).text()
    assert alice.client_secret not in html and alice.client_id not in html
    demo = (await api.clients())[0]
    assert demo["client_secret"] in html  # the shared demo institutions' are meant for all
    status, rotated = await alice.json(
        "POST", f"/portal/api/apps/{alice.code}/secret", json={"confirm": alice.code}
    )
    assert status == 200
    html = await (await api.http.get("/")).text()
    assert rotated["client_secret"] not in html


async def test_my_page_never_shows_the_secret_again(alice: Tenant, bob: Tenant) -> None:
    status, page = await alice.json("GET", f"/portal/api/apps/{alice.code}")
    assert status == 200 and alice.client_secret not in str(page)
    status, _ = await bob.json("GET", f"/portal/api/apps/{alice.code}")
    assert status == 404


# --- item 4: each developer's test users are theirs ---------------------------------------


async def test_a_consent_page_lists_only_its_own_tenants_users(
    api: Api, alice: Tenant, bob: Tenant
) -> None:
    alice_name, bob_name = alice.user["name"], bob.user["name"]
    page = await signin_page(alice)
    assert alice_name in page and bob_name not in page
    page = await signin_page(bob)
    assert bob_name in page and alice_name not in page
    seeded = next(iter(api.runtime.world.directory.users.values())).name
    assert seeded not in page  # the seeded population stays with the demo institutions
    demo = (await api.clients())[0]
    query = {**consent_query(bob), "client_id": demo["client_id"]}
    query["redirect_uri"] = demo["redirect_uris"][0]
    html = await (await api.http.get("/oauth/2.0/authorize", params=query)).text()
    assert seeded in html and alice_name not in html and bob_name not in html


async def test_bob_cannot_sign_in_as_alices_user_on_his_consent_page(
    api: Api, alice: Tenant, bob: Tenant
) -> None:
    flow = flow_of(await signin_page(bob))
    async with bob.http.post(
        bob.url("/oauth/2.0/authorize/signin"),
        data={"flow": flow, "mode": "existing", "user_seq_no": alice.user["user_seq_no"]},
    ) as resp:
        html = await resp.text()
    assert "사용자를 선택하세요" in html  # as for a user who does not exist
    assert alice.user["name"] not in html
    assert not [
        r
        for r in api.runtime.world.directory.registrations.values()
        if r.client_use_code == bob.code and r.user_seq_no == alice.user["user_seq_no"]
    ]


async def test_a_user_made_on_a_consent_page_is_that_tenants(alice: Tenant, bob: Tenant) -> None:
    flow = flow_of(await signin_page(alice))
    form = {
        "flow": flow,
        "mode": "new",
        "name": "새사용자",
        "birth_date": "19920202",
        "cell_no": "01012345678",
        "gender": "F",
        "bank_code": "088",
        "balance": "1000",
    }
    async with alice.http.post(alice.url("/oauth/2.0/authorize/signin"), data=form) as resp:
        html = await resp.text()
    code = re.search(r"(\d{6})</", html)
    assert code, html
    async with alice.http.post(
        alice.url("/oauth/2.0/authorize/verify"), data={"flow": flow, "code": code.group(1)}
    ) as resp:
        assert "새사용자" in await resp.text()
    assert "새사용자" in await signin_page(alice)
    assert "새사용자" not in await signin_page(bob)


async def test_bob_cannot_register_alices_user_by_user_register(api: Api, alice: Tenant) -> None:
    bob = await tenant(api, "bob", "124-81-00998", **STRONG)  # self-auth: grade A
    try:
        status, page = await bob.json("GET", f"/portal/api/apps/{bob.code}")
        assert status == 200 and "sa" in page["scopes"], page
        account = alice.user["accounts"][0]
        body = {
            "bank_tran_id": f"{bob.code}U000000001",
            "bank_code_std": account["bank_code"],
            "register_account_num": account["account_num"],
            "user_info": "19900101",
            "user_name": alice.user["name"],
            "user_ci": alice.user["user_ci"],
            "user_email": "x@example.com",
            "scope": "inquiry transfer",
            "info_prvd_agmt_yn": "Y",
            "wd_agmt_yn": "Y",
            "agmt_data_type": "",
            "tran_dtime": DTIME,
        }
        token = await bob.token("sa")
        _status, answer = await bob.json(
            "POST", "/v2.0/user/register", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        # as an account that does not exist: the bank's 계좌없음, not a name check
        assert answer["rsp_code"] == "A0002", answer
        assert answer["bank_rsp_code"] != "000"
        registered = api.runtime.world.directory.registrations.values()
        alices = alice.user["user_seq_no"]
        assert not [
            r for r in registered if r.client_use_code == bob.code and r.user_seq_no == alices
        ]
    finally:
        await bob.http.close()


async def test_bob_cannot_learn_the_name_on_alices_users_account(
    api: Api, alice: Tenant, bob: Tenant
) -> None:
    token = await bob.token()
    account = alice.user["accounts"][0]
    asked = {
        "bank_tran_id": f"{bob.code}U000000001",
        "bank_code_std": account["bank_code"],
        "account_num": account["account_num"],
        "account_holder_info_type": " ",
        "account_holder_info": "900101",
        "tran_dtime": DTIME,
    }
    auth = {"Authorization": f"Bearer {token}"}
    status, answer = await bob.json("POST", "/v2.0/inquiry/real_name", json=asked, headers=auth)
    assert status == 200 and answer["rsp_code"] == "A0002" and alice.user["name"] not in str(answer)
    # Alice's own institution may (her user's account is hers to name)
    _status, mine = await alice.json(
        "POST",
        "/v2.0/inquiry/real_name",
        json={**asked, "bank_tran_id": f"{alice.code}U000000001"},
        headers={"Authorization": f"Bearer {await alice.token()}"},
    )
    assert mine["rsp_code"] == "A0000" and mine["account_holder_name"] == alice.user["name"]


# --- item 6: sessions and sign-in ---------------------------------------------------------


async def test_sign_out_ends_the_session_on_the_server(alice: Tenant) -> None:
    stolen = {c.key: c.value for c in alice.http.cookie_jar}
    assert "testbed_portal" in stolen
    status, _ = await alice.json("POST", "/portal/api/signout", json={})
    assert status == 200
    async with aiohttp.ClientSession(cookies=stolen) as thief:
        async with thief.get(alice.url("/portal/api/me")) as resp:
            assert resp.status == 401
        async with thief.get(
            alice.url(f"/portal/apps/{alice.code}"), allow_redirects=False
        ) as resp:
            assert resp.status == 303  # to the sign-in page


async def test_an_unknown_address_is_slowed_down_and_locked_as_a_known_one(
    api: Api, alice: Tenant
) -> None:
    async def answers(email: str) -> list[tuple[int, Any]]:
        seen = []
        for _ in range(7):
            resp = await api.http.post(
                "/portal/api/signin", json={"email": email, "password": "wrong password!"}
            )
            body = await resp.json()
            seen.append((resp.status, body.get("locked"), body.get("field")))
        return seen

    known = await answers("alice@example.com")
    unknown = await answers("nobody-here@example.com")
    assert known == unknown
    assert [status for status, _, _ in known][:3] == [401, 401, 429]


# --- item 7: OAuth code reuse -------------------------------------------------------------


async def test_a_reused_code_revokes_the_tokens_of_its_first_use(api: Api) -> None:
    demo, callback, user_seq_no = await complete_flow(api)
    first = await redeem(api, demo, callback["code"])
    refreshed = await (
        await api.http.post(
            "/oauth/2.0/token",
            data={
                "client_id": demo["client_id"],
                "client_secret": demo["client_secret"],
                "grant_type": "refresh_token",
                "refresh_token": first["refresh_token"],
            },
        )
    ).json()
    assert (await user_me(api, refreshed["access_token"], user_seq_no))["rsp_code"] == "A0000"
    again = await redeem(api, demo, callback["code"])
    assert again["rsp_code"] == "O0001"
    for token in (first["access_token"], refreshed["access_token"]):
        me = await user_me(api, token, user_seq_no)
        assert me["rsp_code"] == "O0002", me  # revoked, on disk before the refusal left
    assert refreshed["refresh_token"] not in api.runtime.world.auth.by_refresh or (
        api.runtime.world.auth.by_refresh[refreshed["refresh_token"]].revoked
    )
