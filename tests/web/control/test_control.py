"""The `/testbed/` control plane through the aiohttp test client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from testbed.config import NetworkConfig
from testbed.config.settings import Settings
from testbed.network.ledger import MAX_BALANCE
from testbed.web.app import init_app
from testbed.web.render import json_response
from testbed.web.routes import ROUTES

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings) -> Client:
    made: Client = await aiohttp_client(init_app(settings))
    return made


@pytest.mark.parametrize(
    "path", [p for _, p, _, _ in ROUTES if p.startswith("/testbed/") and "{" not in p]
)
@pytest.mark.parametrize("header", [None, "Bearer wrong", "test-admin-token", "Bearer"])
async def test_control_plane_needs_the_admin_token(
    client: Client, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    resp = await client.get(path, headers=headers)
    assert resp.status == 401
    assert "admin token" in (await resp.json())["error"]


async def test_clients_lists_credentials_and_contract_accounts(
    client: Client, auth: dict[str, str]
) -> None:
    resp = await client.get("/testbed/clients", headers=auth)
    assert resp.status == 200
    clients = (await resp.json())["clients"]
    assert len(clients) == 2
    demo = clients[0]
    assert {"client_use_code", "client_id", "client_secret", "redirect_uris"} <= set(demo)
    assert {a["purpose"] for a in demo["contract_accounts"]} == {"withdraw", "deposit"}


async def test_clock_reads_and_moves(client: Client, auth: dict[str, str]) -> None:
    state = await (await client.get("/testbed/clock", headers=auth)).json()
    assert state["mode"] == "virtual" and state["now"] == "2026-03-02T10:00:00.000+09:00"
    resp = await client.post("/testbed/clock", json={"shift": "13h29m30s"}, headers=auth)
    assert (await resp.json())["now"] == "2026-03-02T23:29:30.000+09:00"
    resp = await client.post(
        "/testbed/clock", json={"set": "2026-03-03T00:10:00+09:00"}, headers=auth
    )
    assert resp.status == 200
    assert (await resp.json())["now"] == "2026-03-03T00:10:00.000+09:00"


@pytest.mark.parametrize(
    ("at", "next_", "then"),
    [
        ("2026-03-02T10:00:00+09:00", "23:29:30", "2026-03-02T23:29:30.000+09:00"),
        ("2026-03-02T23:40:00+09:00", "23:29:30", "2026-03-03T23:29:30.000+09:00"),
        ("2026-03-02T23:29:30+09:00", "23:29:30", "2026-03-02T23:29:30.000+09:00"),
        ("2026-03-02T10:00:00+09:00", "09:00", "2026-03-03T09:00:00.000+09:00"),
    ],
)
async def test_the_clock_moves_to_the_next_time_of_day(
    client: Client, auth: dict[str, str], at: str, next_: str, then: str
) -> None:
    """`next` needs no date: a README written any day works any day."""
    resp = await client.post("/testbed/clock", json={"set": at}, headers=auth)
    assert resp.status == 200
    resp = await client.post("/testbed/clock", json={"next": next_}, headers=auth)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["now"] == then


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ({"set": "2026-03-01T00:00:00+09:00"}, "backwards"),
        ({"shift": "-5m"}, ""),
        ({"shift": "soon"}, ""),
        ({"speed": 60}, "speed"),
        ({"freeze": True}, "freeze"),
        ({"jump": "1h"}, "unknown clock field(s) jump; expected one or more of"),
        ({"set": "2026-03-02T12:00:00+09:00", "next": "23:29:30"}, "send one of them"),
        ({"next": "25:00"}, "time of day"),
        ({"next": 2329}, "quoted"),
        ({"set": "2026-03-02T12:00:00+09:00", "speed": 60}, "speed"),
        ({}, "expected one or more of"),
        ([1, 2], "JSON object"),
        # a move runs every event on the way: these held the server for hours, or for ever
        ({"set": "9999-12-31T23:59:59+09:00"}, "at most 366 days"),
        ({"shift": "367d"}, "at most 366 days"),
        ({"set": "2027-03-03T10:00:00+09:00", "shift": "1d"}, "at most 366 days"),
        ({"shift": 1e308}, "at most 36500 days"),
        ({"advance": "9" * 400}, "at most 36500 days"),
    ],
)
async def test_clock_refuses_bad_moves_and_changes_nothing(
    client: Client, auth: dict[str, str], body: Any, phrase: str
) -> None:
    resp = await client.post("/testbed/clock", json=body, headers=auth)
    assert resp.status == 400
    assert phrase in (await resp.json())["error"]
    state = await (await client.get("/testbed/clock", headers=auth)).json()
    assert state["now"] == "2026-03-02T10:00:00.000+09:00"


async def test_the_clock_moves_a_year_at_once(client: Client, auth: dict[str, str]) -> None:
    resp = await client.post("/testbed/clock", json={"shift": "366d"}, headers=auth)
    assert resp.status == 200
    assert (await resp.json())["now"] == "2027-03-03T10:00:00.000+09:00"


async def test_a_bank_closed_for_ever_is_refused(client: Client, auth: dict[str, str]) -> None:
    """`for`: 1e308 seconds overflowed the answer's timestamp after the change: a 500."""
    resp = await client.post(
        "/testbed/banks/004", json={"state": "closed", "for": 1e308}, headers=auth
    )
    assert resp.status == 400 and "at most 36500 days" in (await resp.json())["error"]
    banks = (await (await client.get("/testbed/banks", headers=auth)).json())["banks"]
    assert next(b for b in banks if b["code"] == "004")["state"] == "open"


async def test_banks_show_state_and_next_change(client: Client, auth: dict[str, str]) -> None:
    await client.post("/testbed/clock", json={"set": "2026-03-02T23:35:00+09:00"}, headers=auth)
    data = await (await client.get("/testbed/banks", headers=auth)).json()
    banks = {b["code"]: b for b in data["banks"]}
    assert sum(b["open_banking"] for b in banks.values()) == 18
    assert banks["011"]["state"] == "cutover"
    assert banks["011"]["next_change"] == {"at": "2026-03-03T01:30:00.000+09:00", "state": "open"}
    assert data["centre"]["open"] is True


async def test_cash_moves_money_through_an_alias_and_the_ledger_stays_balanced(
    client: Client, auth: dict[str, str], network: NetworkConfig
) -> None:
    aliases = {i.code: i.aliases[0].code for i in network.institutions if i.aliases}
    users = (await (await client.get("/testbed/users", headers=auth)).json())["users"]
    account = next(a for u in users for a in u["accounts"] if a["bank_code"] in aliases)
    bank, num, before = account["bank_code"], account["account_num"], account["balance"]
    addressed = aliases[bank]  # an alias reaches the same account
    resp = await client.post(
        f"/testbed/accounts/{addressed}/{num}/cash", json={"amount": 70_000}, headers=auth
    )
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["balance"] == before + 70_000
    resp = await client.post(
        f"/testbed/accounts/{bank}/{num}/cash", json={"amount": -(before + 70_001)}, headers=auth
    )
    assert resp.status == 409 and "insufficient_balance" in (await resp.json())["error"]
    detail = await (await client.get(f"/testbed/accounts/{bank}/{num}", headers=auth)).json()
    assert detail["balance"] == before + 70_000
    assert detail["history"][-1]["amount"] == 70_000
    check = await (await client.get("/testbed/ledger/check", headers=auth)).json()
    assert check["ok"] and check["cash_in"] == 70_000 and check["cash_out"] == 0
    events = (await (await client.get("/testbed/events?type=cash", headers=auth)).json())["events"]
    assert [e["amount"] for e in events] == [70_000]


@pytest.mark.parametrize(
    ("path", "body", "status", "phrase"),
    [
        ("/testbed/accounts/123/1/cash", {"amount": 1}, 404, "123"),
        ("/testbed/accounts/022/1/cash", {"amount": 1}, 404, "한국상업은행"),
        ("/testbed/accounts/004/0000/cash", {"amount": 1}, 404, "no account"),
    ],
)
async def test_cash_to_unknown_accounts_is_refused(
    client: Client, auth: dict[str, str], path: str, body: Any, status: int, phrase: str
) -> None:
    resp = await client.post(path, json=body, headers=auth)
    assert resp.status == status
    assert phrase in (await resp.json())["error"]


# past 64 bits (or at its edge) the store's write failed, and every write after it: a 500
@pytest.mark.parametrize("amount", [0, 1.5, "100", True, None, 10**30, -(10**30), 2**63 - 1])
async def test_cash_amount_must_be_whole_won(
    client: Client, auth: dict[str, str], amount: Any
) -> None:
    users = (await (await client.get("/testbed/users", headers=auth)).json())["users"]
    account = users[0]["accounts"][0]
    resp = await client.post(
        f"/testbed/accounts/{account['bank_code']}/{account['account_num']}/cash",
        json={"amount": amount},
        headers=auth,
    )
    assert resp.status == 400 and "whole number" in (await resp.json())["error"]
    check = await (await client.get("/testbed/ledger/check", headers=auth)).json()
    assert check["cash_in"] == 0 and check["ok"]


async def test_no_account_holds_more_than_the_limit_and_the_store_keeps_writing(
    client: Client, auth: dict[str, str]
) -> None:
    """Found by `make soak`'s fuzz: 10^30 won cashed in failed the store's write (SQLite
    integers are 64-bit) after the ledger had taken it, and every later write failed."""
    users = (await (await client.get("/testbed/users", headers=auth)).json())["users"]
    account = users[0]["accounts"][0]
    path = f"/testbed/accounts/{account['bank_code']}/{account['account_num']}"
    resp = await client.post(
        f"{path}/cash", json={"amount": MAX_BALANCE - account["balance"]}, headers=auth
    )
    assert resp.status == 200 and (await resp.json())["balance"] == MAX_BALANCE
    resp = await client.post(f"{path}/cash", json={"amount": 1}, headers=auth)
    assert resp.status == 409 and "more than" in (await resp.json())["error"]
    made = await client.post(
        "/testbed/users",
        json={
            "name": "큰손",
            "birth_date": "19900101",
            "accounts": [{"bank_code": "004", "balance": 10**30}],
        },
        headers=auth,
    )
    assert made.status == 400 and "balance of 0 to" in (await made.json())["error"]
    resp = await client.post("/testbed/snapshots", json={"label": "after"}, headers=auth)
    assert resp.status == 201  # the store still writes
    check = await (await client.get("/testbed/ledger/check", headers=auth)).json()
    assert check["ok"] and check["cash_in"] == MAX_BALANCE - account["balance"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("CASH", {"amount": 5, "memo": "\ud800"}),
        ("/testbed/users", {"name": "가\udfff", "birth_date": "19900101"}),
        ("/testbed/snapshots", {"label": "\ud800"}),
        ("/testbed/clock", {"\ud800": 1}),
    ],
)
async def test_a_lone_surrogate_is_refused_and_the_store_keeps_writing(
    client: Client, auth: dict[str, str], path: str, body: dict[str, Any]
) -> None:
    """JSON's \\ud800 escape writes a character UTF-8 cannot hold: a memo of one failed
    the store's write and every write after it (found by `make soak`'s fuzz)."""
    users = (await (await client.get("/testbed/users", headers=auth)).json())["users"]
    account = users[0]["accounts"][0]
    path = path.replace(
        "CASH", f"/testbed/accounts/{account['bank_code']}/{account['account_num']}/cash"
    )
    resp = await client.post(
        path, data=json.dumps(body), headers={**auth, "Content-Type": "application/json"}
    )
    assert resp.status == 400 and "not text" in (await resp.json())["error"]
    resp = await client.post("/testbed/snapshots", json={"label": "after"}, headers=auth)
    assert resp.status == 201


@pytest.mark.parametrize(
    ("path", "body", "phrase"),
    [  # a list or an object where a name belongs: looked up in a table, it was a 500
        ("/testbed/banks/004", {"state": {"a": 1}}, "state: open, closed"),
        ("/testbed/banks/004", {"state": ["closed"], "for": "1h"}, "state: open, closed"),
        ("/testbed/faults", {"kind": "latency", "latency": {"distribution": ["x"]}}, "fixed"),
    ],
)
async def test_a_value_of_the_wrong_kind_is_a_400(
    client: Client, auth: dict[str, str], path: str, body: dict[str, Any], phrase: str
) -> None:
    """Found by `make soak`'s fuzz of the control plane's bodies."""
    resp = await client.post(path, json=body, headers=auth)
    assert resp.status == 400 and phrase in (await resp.json())["error"]


def test_an_answer_with_a_lone_surrogate_is_still_json() -> None:
    """Never let in (above), but if one ever reaches an answer: its escape, not a 500."""
    response = json_response({"error": "x\ud800"})
    assert response.body is not None and json.loads(bytes(response.body))["error"] == "x\ud800"


async def test_landing_page_shows_time_and_credentials(
    client: Client, auth: dict[str, str]
) -> None:
    resp = await client.get("/")
    html = await resp.text()
    assert resp.status == 200 and "text/html" in resp.headers["Content-Type"]
    assert "2026-03-02T10:00:00.000+09:00" in html
    clients = (await (await client.get("/testbed/clients", headers=auth)).json())["clients"]
    for demo in clients:
        assert demo["client_id"] in html and demo["client_use_code"] in html
    assert "테스트베드핀테크" in html


async def test_institution_terms_can_be_changed_and_are_enforced(
    client: Client, auth: dict[str, str]
) -> None:
    demo = (await (await client.get("/testbed/clients", headers=auth)).json())["clients"][0]
    assert demo["limits"]["user_withdraw_day"] == 10_000_000 and demo["self_auth"] is False
    path = f"/testbed/clients/{demo['client_use_code']}"
    resp = await client.post(
        path, json={"limits": {"withdraw_day": 50_000}, "self_auth": True}, headers=auth
    )
    assert resp.status == 200, await resp.text()
    changed = await resp.json()
    assert changed["limits"]["withdraw_day"] == 50_000 and "sa" in changed["scopes"]
    token = await client.post(
        "/oauth/2.0/token",
        data={
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "scope": "sa",
            "grant_type": "client_credentials",
        },
    )
    assert (await token.json())["scope"] == "sa"  # self-authentication now allowed


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ({"limits": {"withdraw_week": 1}}, "limits.withdraw_week"),
        ({"limits": {"withdraw_day": -1}}, "whole number"),
        ({"ip_allow": "127.0.0.1"}, "ip_allow"),
        ({"wd_pass_phrase": ""}, "wd_pass_phrase"),
        ({"show_account_num": "yes"}, "show_account_num: expected bool"),
        ({"show_account_num": 1}, "show_account_num: expected bool"),
        ({"name": "x"}, "unknown field"),
        ({}, "expected any of"),
        # past 64 bits the store's JSON writer failed after the change was made: a 500
        ({"limits": {"user_withdraw_day": 10**30}}, "limits.user_withdraw_day"),
        ({"rate_limit": {"per_second": 10**30}}, "rate_limit.per_second"),
    ],
)
async def test_bad_institution_terms_change_nothing(
    client: Client, auth: dict[str, str], body: Any, phrase: str
) -> None:
    before = (await (await client.get("/testbed/clients", headers=auth)).json())["clients"][0]
    resp = await client.post(
        f"/testbed/clients/{before['client_use_code']}", json=body, headers=auth
    )
    assert resp.status == 400 and phrase in (await resp.json())["error"]
    after = (await (await client.get("/testbed/clients", headers=auth)).json())["clients"][0]
    assert after == before


async def test_banks_filter_by_open_banking(client: Client, auth: dict[str, str]) -> None:
    every = (await (await client.get("/testbed/banks", headers=auth)).json())["banks"]
    resp = await client.get("/testbed/banks?open_banking=true", headers=auth)
    participants = (await resp.json())["banks"]
    assert len(participants) == 18 and all(b["open_banking"] for b in participants)
    others = await (await client.get("/testbed/banks?open_banking=false", headers=auth)).json()
    assert len(others["banks"]) == len(every) - 18
    assert not any(b["open_banking"] for b in others["banks"])
    resp = await client.get("/testbed/banks?open_banking=maybe", headers=auth)
    assert resp.status == 400 and "true or false" in (await resp.json())["error"]


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/testbed/events?user=1100000001", "user"),
        ("/testbed/events?type=cash&sinse=3", "sinse"),
        ("/testbed/banks?bank=004", "bank"),
    ],
)
async def test_an_unknown_query_parameter_is_refused_by_name(
    client: Client, auth: dict[str, str], path: str, named: str
) -> None:
    """A filter the route does not have is a 400 naming it, not an unfiltered answer."""
    resp = await client.get(path, headers=auth)
    assert resp.status == 400
    assert f"unknown query parameter(s) {named}" in (await resp.json())["error"]
