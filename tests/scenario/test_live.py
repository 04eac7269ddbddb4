"""A scenario loaded into a running server: its world and timeline meet the developer's client."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api

SCENARIO = """\
name: live
seed: 5
start: "2026-03-02T23:00:00+09:00"
fixtures:
  users:
    dana: {name: 다나, birth_date: "19880808", accounts: [{name: pay, bank: "088", balance: 70000}]}
timeline:
  - {at: "+10m", fault: {kind: bank_down, banks: ["088"], for: 5m}}
steps:
  - wait: {for: 1h}
"""


async def test_post_a_scenario_then_meet_its_conditions(api: Api) -> None:
    resp = await api.http.post("/testbed/scenarios", data=SCENARIO, headers=api.admin)
    assert resp.status == 201, await resp.text()
    loaded: dict[str, Any] = await resp.json()
    assert loaded["scenario"] == "live" and loaded["now"] == "2026-03-02T23:00:00.000+09:00"
    dana = loaded["fixtures"]["dana"]
    clock = (await (await api.http.get("/testbed/clock", headers=api.admin)).json())["now"]
    assert clock == "2026-03-02T23:00:00.000+09:00"  # its steps did not run (no 1h wait)
    headers = {"Authorization": f"Bearer {dana['access_token']}"}
    demo = loaded["fixtures"]["fintech"]
    query = {
        "bank_tran_id": f"{demo['client_use_code']}U000000001",
        "fintech_use_num": dana["fintech_use_num"],
        "tran_dtime": "20260302230000",
    }
    body = await (
        await api.http.get("/v2.0/account/balance/fin_num", params=query, headers=headers)
    ).json()
    assert body["rsp_code"] == "A0000" and body["balance_amt"] == "70000"
    await api.advance(shift="11m")  # the timeline's fault is on now
    query["bank_tran_id"] = f"{demo['client_use_code']}U000000002"
    body = await (
        await api.http.get("/v2.0/account/balance/fin_num", params=query, headers=headers)
    ).json()
    assert (body["rsp_code"], body["bank_rsp_code"]) == ("A0002", "499")


async def test_a_bad_scenario_is_refused_and_changes_nothing(api: Api) -> None:
    before = (await (await api.http.get("/testbed/clock", headers=api.admin)).json())["now"]
    resp = await api.http.post(
        "/testbed/scenarios", data="name: x\nstart: never\n", headers=api.admin
    )
    assert resp.status == 400
    problems = (await resp.json())["problems"]
    assert any("<request>:2: start:" in p for p in problems)
    assert (await (await api.http.get("/testbed/clock", headers=api.admin)).json())["now"] == before
    missing = await api.http.post("/testbed/scenarios?name=nothing_here", headers=api.admin)
    assert missing.status == 404


@pytest.mark.parametrize(
    ("query", "body", "status", "phrase"),
    [
        ("?name=" + "a" * 300, None, 404, "no scenario"),  # "File name too long": was a 500
        ("?name=..%2Fbanks", None, 404, "no scenario"),
        ("", b"\xff\xfe name: x", 400, "UTF-8"),  # was a 500 (UnicodeDecodeError)
        # YAML's "\ud800" escape: a lone surrogate in a name failed the store's writes
        ("", b'name: "x\\ud800"\nstart: "2026-03-02T10:00:00"\n', 400, "the scenario has errors"),
    ],
)
async def test_a_scenario_the_file_system_or_decoder_would_choke_on_is_refused(
    api: Api, query: str, body: bytes | None, status: int, phrase: str
) -> None:
    """Found by `make soak`'s fuzz of the control plane's bodies and query strings."""
    resp = await api.http.post(f"/testbed/scenarios{query}", data=body, headers=api.admin)
    assert resp.status == status
    assert phrase in (await resp.json())["error"]


async def test_a_library_scenario_by_name(api: Api, tmp_path: Path) -> None:
    resp = await api.http.post("/testbed/scenarios?name=happy_path", headers=api.admin)
    assert resp.status == 201
    assert "alice" in (await resp.json())["fixtures"]


async def test_loading_a_scenario_says_what_it_replaced(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A workshop on the old world is told (answer, log, event log): which institutions,
    how many users, which clock were replaced (issue 16)."""
    before = await api.clients()
    users = (await (await api.http.get("/testbed/users", headers=api.admin)).json())["users"]
    clock = (await (await api.http.get("/testbed/clock", headers=api.admin)).json())["now"]
    with caplog.at_level(logging.WARNING, logger="testbed.scenario"):
        resp = await api.http.post("/testbed/scenarios", data=SCENARIO, headers=api.admin)
    assert resp.status == 201
    replaced = (await resp.json())["replaced"]
    codes = sorted(c["client_use_code"] for c in before)
    assert replaced["institutions"] == codes
    assert replaced["users"] == len(users) and replaced["now"] == clock
    assert "scenario 'live' replaced the world: institutions " + ", ".join(codes) in caplog.text
    events = await (
        await api.http.get("/testbed/events?type=scenario_loaded", headers=api.admin)
    ).json()
    (event,) = events["events"]
    assert event["scenario"] == "live" and event["replaced"] == replaced
