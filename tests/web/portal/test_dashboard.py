"""The developer's dashboard: the network's state and their own institutions' events,
with the session and no admin token; no secret, and nothing of another developer's."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.tenants import Tenant


async def call(api: Api, who: Tenant, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = await who.json(
        "POST", path, json=body, headers={"Authorization": f"Bearer {await who.token()}"}
    )
    assert status == 200
    return dict(answer)


async def test_the_network_without_an_admin_token(api: Api, alice: Tenant) -> None:
    status, body = await alice.json("GET", "/portal/api/network")
    assert status == 200
    assert len([b for b in body["banks"] if b["open_banking"]]) == 18
    assert body["centre"]["open"] is True and body["institutions"] == [alice.code]
    assert alice.client_secret not in str(body)
    async with api.http.get("/portal/api/network") as resp:  # no session
        assert resp.status == 401


async def test_the_feed_holds_only_my_institutions_events(
    api: Api, alice: Tenant, bob: Tenant
) -> None:
    for who in (alice, bob):
        await call(
            api,
            who,
            "/v2.0/inquiry/real_name",
            {
                "bank_tran_id": f"{who.code}U000000001",
                "bank_code_std": "088",
                "account_num": who.user["accounts"][0]["account_num"],
                "account_holder_info_type": " ",
                "account_holder_info": "900101",
                "tran_dtime": "20260302100000",
            },
        )
    status, feed = await alice.json("GET", "/portal/api/events", params={"since": "0"})
    assert status == 200
    calls = [e for e in feed["events"] if e["type"] == "api"]
    assert calls and {e["client_use_code"] for e in calls} == {alice.code}
    assert bob.code not in str(feed) and bob.client_secret not in str(feed)
    assert all(
        e["type"] in {"api", "bank_state", "application", "fault", "reset"} for e in feed["events"]
    )
    # the same question again from `last`: nothing new
    status, again = await alice.json(
        "GET", "/portal/api/events", params={"since": str(feed["last"])}
    )
    assert status == 200 and again["events"] == []
    # the operator's events (a settlement, a snapshot) are nobody's to watch here
    await api.http.post("/testbed/snapshots", json={"label": "x"}, headers=api.admin)
    status, later = await alice.json(
        "GET", "/portal/api/events", params={"since": str(feed["last"])}
    )
    assert later["events"] == []


async def test_a_bad_since_is_400(alice: Tenant) -> None:
    for params in ({"since": "-1"}, {"since": "x"}, {"since": "1", "type": "api"}):
        status, body = await alice.json("GET", "/portal/api/events", params=params)
        assert status == 400 and body["field"] == "since"


async def test_the_page_runs_its_own_script_only(alice: Tenant) -> None:
    async with alice.http.get(alice.url("/portal/dashboard")) as resp:
        assert resp.status == 200
        html = await resp.text()
        csp = resp.headers["Content-Security-Policy"]
    assert '<script src="/static/portal_dashboard.js" defer></script>' in html
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert alice.code in html
