"""전자금융거래기록 보관 on the virtual clock: 1 year at or below 10,000 won, 5 years above.

Records of 9,000 won are gone after 1 year and a day; of 20,000 won kept until 5 years;
the ledger check balanced before and after each purge, and after a restart.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from testbed.config.settings import Settings
from testbed.network.gateway.inquiries import history_page, history_window
from testbed.network.gateway.orders import Period
from testbed.network.ledger import CARRY
from testbed.runtime import open_runtime
from tests.api.conftest import Api, Client
from tests.api.test_transfer import Bank

YEAR_AND_A_DAY = "366d"  # 2026-03-02 + 366 days: 2027-03-03, the day after 1 year


async def _two_withdrawals(api: Api) -> tuple[Bank, dict[str, Any], str]:
    bank = Bank(api, await api.demo())
    user = await api.user(accounts=[{"bank_code": "088", "balance": 1_000_000}])
    fin = user["accounts"][0]["fintech_use_num"]
    token = user["access_token"]
    for amount in (9_000, 20_000):
        answer = await bank.withdraw(token, fin, amount)
        assert answer["rsp_code"] == "A0000", answer
    return bank, user, token


async def _check(api: Api) -> dict[str, Any]:
    resp = await api.http.get("/testbed/ledger/check", headers=api.admin)
    report: dict[str, Any] = await resp.json()
    assert report["ok"], report["problems"]
    return report


async def _retention(api: Api) -> dict[str, Any]:
    resp = await api.http.get("/testbed/retention", headers=api.admin)
    assert resp.status == 200
    body: dict[str, Any] = await resp.json()
    return body


def _amounts(api: Api) -> list[int]:
    return sorted(r.tran_amt for r in api.runtime.world.openbanking.transfers.values())


async def test_records_expire_by_class_and_the_ledger_stays_proven(api: Api) -> None:
    _, user, _ = await _two_withdrawals(api)
    assert _amounts(api) == [9_000, 20_000]
    kept = await _retention(api)
    assert kept["classes"]["1y"]["transfer_records"] == 1
    assert kept["classes"]["5y"]["transfer_records"] == 1
    assert kept["next_purge"] == "2026-03-03T04:00:00.000+09:00"
    before = await _check(api)
    account = api.runtime.world.ledger.accounts[("088", user["accounts"][0]["account_num"])]
    balance = account.balance

    await api.advance(advance="365d")  # 2027-03-02: the last day the 9,000 is kept
    assert _amounts(api) == [9_000, 20_000]
    await api.advance(advance="1d")  # the purge of 2027-03-03 04:00 has run
    assert _amounts(api) == [20_000]
    events = api.runtime.world.events
    purges = [e for e in events.since(0, "purge") if e["removed"]]
    assert purges and purges[-1]["removed"]["transfer_records"] == 1
    # a deletion of personal data: the processing log has it, whose and what
    resp = await api.http.get("/testbed/audit?action=purge", headers=api.admin)
    purges = (await resp.json())["records"]  # newest first; other days purged seeded lines
    logged = [r for r in purges if r["time"] == "2027-03-03T04:00:00.000+09:00"]
    assert [r["actor"] for r in logged] == ["system:retention"], purges[:2]
    account_num = user["accounts"][0]["account_num"]
    assert user["user_seq_no"] in logged[0]["subjects"]
    assert api.runtime.store.account_ref("088", account_num) in logged[0]["subjects"]
    assert logged[0]["detail"]["counts"]["transfer_records"] == 1
    assert account_num not in str(logged)
    after = await _check(api)
    assert after["total_balance"] == before["total_balance"] and account.balance == balance
    # the account's history: the 9,000 line is gone, a carry line holds it, the API hides it
    lines = account.history
    assert [abs(h.amount) for h in lines if h.tran_type != CARRY][-1] == 20_000
    assert 9_000 not in [abs(h.amount) for h in lines if h.tran_type != CARRY]
    # what 거래내역조회 shows (the user's token has long expired: the gateway's page itself)
    window = history_window(Period(from_date="20260101", to_date="20270401", by_time=False))
    page, _ = history_page(lines, window, "A", True, "20270303")
    shown = [line.amount for line in page]
    assert -20_000 in shown and -9_000 not in shown and CARRY not in [h.tran_type for h in page]

    for _ in range(4):  # one request moves the clock at most 366 days
        await api.advance(advance="365d")  # to 2031-03-02: the last day the 20,000 is kept
    assert _amounts(api) == [20_000]
    await api.advance(advance="1d")
    assert _amounts(api) == []
    assert await _check(api)


async def test_a_purge_now_is_durable_and_reopens_exactly(
    aiohttp_client: Any, settings: Settings, auth: dict[str, str], tmp_path: Path
) -> None:
    from testbed.web.app import init_app

    on_file = dataclasses.replace(settings, db=str(tmp_path / "r.db"))
    client: Client = await aiohttp_client(init_app(on_file))
    api = Api(client, auth)
    await _two_withdrawals(api)
    await api.advance(advance="365d")
    await api.advance(next="03:00:00")  # 2027-03-03 03:00: expired, the 04:00 job not run yet
    assert _amounts(api) == [9_000, 20_000]
    resp = await client.post("/testbed/retention/purge", headers=auth)
    report = await resp.json()
    assert resp.status == 200 and report["removed"]["transfer_records"] == 1, report
    assert report["removed"]["ledger_entries"] >= 1
    state = await _check(api)
    ledger = api.runtime.world.ledger
    balances = {k: a.balance for k, a in ledger.accounts.items()}
    histories = {k: list(a.history) for k, a in ledger.accounts.items() if a.history_source is None}
    await client.close()
    runtime = open_runtime(on_file)
    try:
        again = runtime.world.ledger
        assert {k: a.balance for k, a in again.accounts.items()} == balances
        for key, lines in histories.items():
            assert again.accounts[key].history == lines, key
        report = again.check()
        assert report["ok"], report["problems"]
        assert report["total_balance"] == state["total_balance"]
        assert sorted(r.tran_amt for r in runtime.world.openbanking.transfers.values()) == [20_000]
    finally:
        runtime.close()


async def test_retention_takes_no_parameters(api: Api) -> None:
    resp = await api.http.get("/testbed/retention?class=1y", headers=api.admin)
    assert resp.status == 400 and "class" in (await resp.json())["error"]
