"""Fault injection through /testbed/faults and /testbed/banks/{code}: kinds, codes, ledger."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.test_transfer import Bank, balance_of

DTIME = "20260302100000"


@pytest.fixture
async def fintech(api: Api) -> Bank:
    return Bank(api, await api.demo())


async def inject(testbed: Api, **spec: Any) -> dict[str, Any]:
    resp = await testbed.http.post("/testbed/faults", json=spec, headers=testbed.admin)
    assert resp.status == 201, await resp.text()
    fault: dict[str, Any] = await resp.json()
    return fault


async def ledger_ok(api: Api) -> None:
    check = await (await api.http.get("/testbed/ledger/check", headers=api.admin)).json()
    assert check["ok"], check["problems"]


async def balance_call(api: Api, user: dict[str, Any]) -> dict[str, Any]:
    demo = await api.demo()
    return await api.get(
        "/v2.0/account/balance/fin_num",
        user["access_token"],
        bank_tran_id=api.tran_id(demo["client_use_code"]),
        fintech_use_num=user["accounts"][0]["fintech_use_num"],
        tran_dtime=DTIME,
    )


async def bank_status(api: Api, code: str) -> str:
    body = await api.get("/v2.0/bank/status", await api.token())
    return next(i["bank_status"] for i in body["res_list"] if i["bank_code_std"] == code)


async def test_bank_down_answers_after_the_centres_timeout_and_expires(
    api: Api, fintech: Bank
) -> None:
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    fault = await inject(api, kind="bank_down", banks=["088"], **{"for": "10m"})
    assert fault["active"] and fault["id"].startswith("F")
    assert await bank_status(api, "088") == "N"
    clock = (await (await api.http.get("/testbed/clock", headers=api.admin)).json())["epoch"]
    body = await fintech.withdraw(
        user["access_token"], user["accounts"][0]["fintech_use_num"], 1000
    )
    assert (body["rsp_code"], body["bank_code_tran"], body["bank_rsp_code"]) == (
        "A0002",
        "088",
        "499",
    )
    after = (await (await api.http.get("/testbed/clock", headers=api.admin)).json())["epoch"]
    assert after - clock == pytest.approx(20, abs=0.01)  # the centre waited its bank_timeout
    await api.advance(shift="10m")
    assert await bank_status(api, "088") == "Y"
    ok = await fintech.withdraw(user["access_token"], user["accounts"][0]["fintech_use_num"], 1000)
    assert ok["rsp_code"] == "A0000"
    assert await balance_of(api, "088", user["accounts"][0]["account_num"]) == 99_000
    await ledger_ok(api)


async def test_maintenance_is_a_closed_window_in_bank_status(api: Api) -> None:
    user = await api.user([{"bank_code": "004", "balance": 10}])
    await inject(
        api, kind="maintenance", banks=["004"], at="2026-03-02T11:00:00+09:00", **{"for": "30m"}
    )
    assert (await balance_call(api, user))["rsp_code"] == "A0000"  # not yet
    await api.advance(set="2026-03-02T11:10:00+09:00")
    closed = await balance_call(api, user)
    assert (closed["rsp_code"], closed["bank_rsp_code"]) == ("A0002", "503")
    assert await bank_status(api, "004") == "N"
    banks = (await (await api.http.get("/testbed/banks", headers=api.admin)).json())["banks"]
    kb = next(b for b in banks if b["code"] == "004")
    assert kb["state"] == "maintenance"
    assert kb["next_change"] == {"at": "2026-03-02T11:30:00.000+09:00", "state": "open"}
    await api.advance(set="2026-03-02T11:30:00+09:00")
    assert (await balance_call(api, user))["rsp_code"] == "A0000"


async def test_latency_fills_the_queue_and_shows_degraded(api: Api, fintech: Bank) -> None:
    user = await api.user([{"bank_code": "090", "balance": 10}])
    await inject(api, kind="latency", banks=["090"], latency="3s")
    banks = (await (await api.http.get("/testbed/banks", headers=api.admin)).json())["banks"]
    assert next(b for b in banks if b["code"] == "090")["state"] == "degraded"
    assert await bank_status(api, "090") == "Y"  # degraded is still open
    start = (await (await api.http.get("/testbed/clock", headers=api.admin)).json())["epoch"]
    assert (await balance_call(api, user))["rsp_code"] == "A0000"
    end = (await (await api.http.get("/testbed/clock", headers=api.admin)).json())["epoch"]
    assert end - start >= 3


async def test_capacity_squeeze_queues_concurrent_calls(api: Api) -> None:
    users = [await api.user([{"bank_code": "089", "balance": 10}]) for _ in range(4)]
    await inject(api, kind="capacity", banks=["089"], capacity=1)
    await inject(api, kind="latency", banks=["089"], latency="2s")
    start = (await (await api.http.get("/testbed/clock", headers=api.admin)).json())["epoch"]
    answers = await asyncio.gather(*(balance_call(api, u) for u in users))
    assert {a["rsp_code"] for a in answers} == {"A0000"}
    end = (await (await api.http.get("/testbed/clock", headers=api.admin)).json())["epoch"]
    assert end - start >= 8  # one at a time, 2 s each


async def test_error_fault_with_explicit_codes_targets_one_api(api: Api, fintech: Bank) -> None:
    user = await api.user([{"bank_code": "081", "balance": 100_000}])
    await inject(
        api,
        kind="error",
        banks=["081"],
        api="withdraw",
        rsp_code="A0002",
        bank_rsp_code="470",
        bank_rsp_message="전자금융거래 제한계좌",
    )
    fin = user["accounts"][0]["fintech_use_num"]
    body = await fintech.withdraw(user["access_token"], fin, 1000)
    assert (body["rsp_code"], body["bank_rsp_code"], body["bank_rsp_message"]) == (
        "A0002",
        "470",
        "전자금융거래 제한계좌",
    )
    assert (await balance_call(api, user))["rsp_code"] == "A0000"  # balance is another API
    assert await balance_of(api, "081", user["accounts"][0]["account_num"]) == 100_000
    await ledger_ok(api)


async def test_error_fault_by_problem_uses_the_banks_own_code(api: Api, fintech: Bank) -> None:
    user = await api.user([{"bank_code": "081", "balance": 100_000}])
    await inject(api, kind="error", problem="account_suspended", client_use_code=fintech.code)
    body = await balance_call(api, user)
    assert (body["rsp_code"], body["bank_rsp_code"]) == ("A0002", "420")


@pytest.mark.parametrize(
    ("kind", "moved"), [("timeout_before_commit", False), ("timeout_after_commit", True)]
)
async def test_timeouts_tell_the_same_code_but_the_ledger_tells_the_truth(
    api: Api, fintech: Bank, kind: str, moved: bool
) -> None:
    user = await api.user([{"bank_code": "088", "balance": 100_000}])
    fin, num = user["accounts"][0]["fintech_use_num"], user["accounts"][0]["account_num"]
    fault = await inject(api, kind=kind, banks=["088"], api="withdraw")
    body = await fintech.withdraw(user["access_token"], fin, 7000)
    assert body["rsp_code"] == "A0017" and body["bank_code_tran"] == "088"
    await api.http.delete(f"/testbed/faults/{fault['id']}", headers=api.admin)
    await api.advance(shift="1m")
    assert await balance_of(api, "088", num) == 100_000 - (7000 if moved else 0)
    contract = fintech.contract["withdraw"]
    history = await (
        await api.http.get(
            f"/testbed/accounts/{contract['bank_code']}/{contract['account_num']}?history=5",
            headers=api.admin,
        )
    ).json()
    assert any(h["amount"] == 7000 for h in history["history"]) is moved
    result = await fintech.result(await api.token(), "withdraw", {**body, "tran_amt": "7000"})
    assert result["res_list"][0]["bank_rsp_code"] == ("000" if moved else "499")
    retry = await fintech.withdraw(
        user["access_token"], fin, 7000, bank_tran_id=body["bank_tran_id"]
    )
    assert retry["rsp_code"] == "A0326"
    await ledger_ok(api)


async def test_centre_closed_refuses_business_but_not_tokens(api: Api) -> None:
    user = await api.user([{"bank_code": "088", "balance": 10}])
    await inject(api, kind="centre_closed", **{"for": "5m"})
    assert (await balance_call(api, user))["rsp_code"] == "A0020"
    assert await api.token()
    await api.advance(shift="5m")
    assert (await balance_call(api, user))["rsp_code"] == "A0000"


async def test_a_daily_fault_returns_every_day(api: Api) -> None:
    user = await api.user([{"bank_code": "090", "balance": 10}])
    await inject(api, kind="maintenance", banks=["090"], every="04:00", **{"for": "30m"})
    for day in ("03", "04"):
        await api.advance(set=f"2026-03-{day}T04:10:00+09:00")
        assert (await balance_call(api, user))["rsp_code"] == "A0002"
        await api.advance(set=f"2026-03-{day}T04:30:00+09:00")
        assert (await balance_call(api, user))["rsp_code"] == "A0000"


async def test_probability_is_seeded_and_close_to_its_value(api: Api) -> None:
    user = await api.user([{"bank_code": "088", "balance": 10}])
    await inject(api, kind="error", banks=["088"], probability=0.3, problem="bank_error")
    world = api.runtime.world

    def draws() -> list[bool]:
        return [world.faults.drawn("error", "088", "balance", "") is not None for _ in range(1000)]

    state = world.faults.rng.getstate()
    first = draws()
    world.faults.rng.setstate(state)
    assert draws() == first  # the same seed gives the same sequence
    assert 250 <= sum(first) <= 350
    codes = [(await balance_call(api, user))["rsp_code"] for _ in range(40)]
    assert "A0002" in codes and "A0000" in codes


async def test_same_seed_same_fault_outcomes(
    aiohttp_client: Any, settings: Any, auth: dict[str, str]
) -> None:
    from testbed.web.app import init_app

    async def run() -> list[str]:
        api = Api(await aiohttp_client(init_app(settings)), auth)
        user = await api.user([{"bank_code": "088", "balance": 10}])
        await inject(api, kind="error", banks=["088"], probability=0.5, problem="bank_error")
        return [(await balance_call(api, user))["rsp_code"] for _ in range(30)]

    assert await run() == await run()


async def test_faults_are_listed_read_and_ended(api: Api) -> None:
    a = await inject(
        api,
        kind="latency",
        banks=["088"],
        latency={"distribution": "uniform", "low": "1s", "high": "2s"},
    )
    b = await inject(api, kind="error", problem="bank_error", label="flaky", **{"for": "1h"})
    listed = (await (await api.http.get("/testbed/faults", headers=api.admin)).json())["faults"]
    assert [f["id"] for f in listed] == [a["id"], b["id"]]
    one = await (await api.http.get(f"/testbed/faults/{b['id']}", headers=api.admin)).json()
    assert one["label"] == "flaky" and one["end"] == "2026-03-02T11:00:00.000+09:00"
    ended = await (await api.http.delete(f"/testbed/faults/{a['id']}", headers=api.admin)).json()
    assert ended["active"] is False
    cleared = await (await api.http.delete("/testbed/faults", headers=api.admin)).json()
    assert cleared == {"removed": [b["id"]]}
    assert (await (await api.http.get("/testbed/faults", headers=api.admin)).json())["faults"] == []
    every = (await (await api.http.get("/testbed/faults?all=1", headers=api.admin)).json())[
        "faults"
    ]
    assert len(every) == 2
    events = (await (await api.http.get("/testbed/events", headers=api.admin)).json())["events"]
    assert [e["type"] for e in events if e["type"].startswith("fault_")] == [
        "fault_start",
        "fault_start",
        "fault_end",
        "fault_end",
    ]
    assert (await api.http.get("/testbed/faults/F9999", headers=api.admin)).status == 404


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"kind": "meteor"}, "kind"),
        ({"kind": "error"}, "problem"),
        ({"kind": "error", "problem": "bored"}, "problem"),
        ({"kind": "error", "problem": "bank_error", "rsp_code": "A0002"}, "problem"),
        ({"kind": "error", "rsp_code": "X1"}, "rsp_code"),
        ({"kind": "bank_down"}, "banks"),
        ({"kind": "bank_down", "banks": ["123"]}, "banks"),
        ({"kind": "latency", "banks": ["088"], "latency": "soon"}, "latency"),
        (
            {"kind": "latency", "latency": {"distribution": "uniform", "low": "2s", "high": "1s"}},
            "latency.high",
        ),
        ({"kind": "capacity", "banks": ["088"], "capacity": 0}, "capacity"),
        ({"kind": "maintenance", "banks": ["088"], "every": "25:00", "for": "1h"}, "every"),
        ({"kind": "maintenance", "banks": ["088"], "every": "03:00"}, "for"),
        ({"kind": "error", "problem": "bank_error", "probability": 1.5}, "probability"),
        ({"kind": "error", "problem": "bank_error", "api": "coffee"}, "api"),
        ({"kind": "error", "problem": "bank_error", "at": "tomorrow"}, "at"),
        ({"kind": "error", "problem": "bank_error", "colour": "red"}, "colour"),
        ({"kind": "centre_closed", "capacity": 2}, "capacity"),
    ],
)
async def test_bad_fault_specs_name_the_field_and_add_nothing(
    api: Api, spec: dict[str, Any], field: str
) -> None:
    resp = await api.http.post("/testbed/faults", json=spec, headers=api.admin)
    assert resp.status == 400
    assert (await resp.json())["error"].startswith(field)
    assert (await (await api.http.get("/testbed/faults?all=1", headers=api.admin)).json())[
        "faults"
    ] == []


async def test_banks_can_be_opened_closed_and_rescheduled(api: Api) -> None:
    user = await api.user([{"bank_code": "011", "balance": 10}])
    await api.advance(set="2026-03-02T23:40:00+09:00")  # 011 in its 23:30-01:30 window
    assert (await balance_call(api, user))["rsp_code"] == "A0002"
    opened = await (
        await api.http.post("/testbed/banks/011", json={"state": "open"}, headers=api.admin)
    ).json()
    assert opened["state"] == "open"
    assert (await balance_call(api, user))["rsp_code"] == "A0000"
    back = await (
        await api.http.post("/testbed/banks/011", json={"state": "scheduled"}, headers=api.admin)
    ).json()
    assert back["state"] == "cutover"
    moved = await api.http.post(
        "/testbed/banks/011",
        json={"cutover": [{"start": "23:50", "end": "24:10"}]},
        headers=api.admin,
    )
    assert (await moved.json())["cutover"] == ["23:50–00:10"]
    assert (await balance_call(api, user))["rsp_code"] == "A0000"  # 23:40: before the new window
    await api.advance(set="2026-03-02T23:51:00+09:00")
    assert (await balance_call(api, user))["rsp_code"] == "A0002"
    closed = await api.http.post(
        "/testbed/banks/088", json={"state": "closed", "for": "5m"}, headers=api.admin
    )
    assert (await closed.json())["state"] == "cutover"
    bad = await api.http.post("/testbed/banks/088", json={"state": "sleeping"}, headers=api.admin)
    assert bad.status == 400
    badwin = await api.http.post(
        "/testbed/banks/011",
        json={"cutover": [{"start": "23:50", "end": "00:10"}]},
        headers=api.admin,
    )
    assert badwin.status == 400 and "24:30" in (await badwin.json())["error"]
    still = next(
        b
        for b in (await (await api.http.get("/testbed/banks", headers=api.admin)).json())["banks"]
        if b["code"] == "011"
    )
    assert still["cutover"] == ["23:50–00:10"]  # the refused change changed nothing


@pytest.mark.parametrize(
    ("amount", "code", "bank_rsp_code"),
    [(4_040_401, "A0002", "401"), (4_040_420, "A0002", "420"), (4_040_017, "A0017", "")],
)
async def test_magic_amounts(
    api: Api, fintech: Bank, amount: int, code: str, bank_rsp_code: str
) -> None:
    user = await api.user([{"bank_code": "088", "balance": 10_000_000}])
    body = await fintech.withdraw(
        user["access_token"], user["accounts"][0]["fintech_use_num"], amount
    )
    assert (body["rsp_code"], body["bank_rsp_code"]) == (code, bank_rsp_code)
    await api.advance(shift="1m")
    moved = amount == 4_040_017  # result unknown, but committed
    assert await balance_of(api, "088", user["accounts"][0]["account_num"]) == 10_000_000 - (
        amount if moved else 0
    )
    await ledger_ok(api)
