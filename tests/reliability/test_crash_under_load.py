"""Nothing acknowledged is lost: concurrent transfers under faults, SIGKILL at random moments.

A real server (a child process, realtime clock) takes withdrawals and deposits from many
concurrent connections of this process, with random faults on. At a seeded random
moment it is killed with SIGKILL, restarted on the same database, and then:
the ledger check passes, no account went negative, and every transfer that was
answered A0000 before the kill is in the ledger exactly once (transfer/result says 000).
Repeated at several moments in one run (`CRASH_KILLS`, 3 in CI; `make soak` runs more);
bounded in time, loopback only. The moments come from one seeded source (figures.seed):
a failure names its seed, and RELIABILITY_SEED replays it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from testbed.resources import default_network_path
from tests.reliability import figures
from tests.test_serve import call, serving

pytestmark = pytest.mark.subprocess

DTIME = "20260302100000"
KILLS = int(os.environ.get("CRASH_KILLS", "3"))
SEED = figures.seed(20191218)
#: transfer/result takes up to 25 transfers a request; a few requests at a time
RESULT_BATCH = 25
RESULT_CONNECTIONS = 8


async def load(
    port: int,
    demo: dict[str, Any],
    users: list[dict[str, Any]],
    oob: str,
    rng: random.Random,
    seconds: float,
    counter: Iterator[int],
) -> list[dict[str, Any]]:
    """Withdrawals and deposits from 48 connections until `seconds` pass or the server dies.
    `counter` numbers the bank_tran_ids across the whole run: an id of an earlier life
    would be refused as a duplicate (A0326), not tried."""
    base = f"http://127.0.0.1:{port}"
    contract = {a["purpose"]: a["account_num"] for a in demo["contract_accounts"]}
    code = demo["client_use_code"]
    told: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + seconds

    async def worker(session: aiohttp.ClientSession, w: int) -> None:
        while asyncio.get_running_loop().time() < deadline:
            user = users[rng.randrange(len(users))]
            fin = user["accounts"][0]["fintech_use_num"]
            tran_id = f"{code}U{next(counter):09d}"
            amount = rng.choice((1000, 2500, 7000))
            if rng.random() < 0.6:
                path, token = "/v2.0/transfer/withdraw/fin_num", user["access_token"]
                body: dict[str, Any] = {
                    "bank_tran_id": tran_id,
                    "cntr_account_type": "N",
                    "cntr_account_num": contract["withdraw"],
                    "dps_print_content": "load",
                    "fintech_use_num": fin,
                    "tran_amt": str(amount),
                    "tran_dtime": DTIME,
                    "req_client_name": "부하",
                    "req_client_fintech_use_num": fin,
                    "req_client_num": "L",
                    "transfer_purpose": "TR",
                }
                kind = "withdraw"
            else:
                path, token = "/v2.0/transfer/deposit/fin_num", oob
                body = {
                    "cntr_account_type": "N",
                    "cntr_account_num": contract["deposit"],
                    "wd_pass_phrase": "NONE",
                    "wd_print_content": "load",
                    "tran_dtime": DTIME,
                    "req_cnt": "1",
                    "req_list": [
                        {
                            "tran_no": "1",
                            "bank_tran_id": tran_id,
                            "fintech_use_num": fin,
                            "print_content": "load",
                            "tran_amt": str(amount),
                            "req_client_name": "부하",
                            "req_client_fintech_use_num": fin,
                            "req_client_num": "L",
                            "transfer_purpose": "TR",
                        }
                    ],
                }
                kind = "deposit"
            try:
                async with session.post(
                    base + path, json=body, headers={"Authorization": f"Bearer {token}"}
                ) as resp:
                    answer = await resp.json()
            except (TimeoutError, aiohttp.ClientError, ConnectionError):
                told.append({"kind": kind, "tran_id": tran_id, "amount": amount, "rsp_code": None})
                return  # no answer: the server is gone (or it failed to answer)
            told.append(
                {
                    "kind": kind,
                    "tran_id": tran_id,
                    "amount": amount,
                    "rsp_code": answer.get("rsp_code"),
                }
            )

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(worker(session, w) for w in range(48)))
    return told


async def confirmed(port: int, oob: str, told: list[dict[str, Any]]) -> dict[str, str]:
    """transfer/result's bank_rsp_code for every transfer the client was told succeeded."""
    out: dict[str, str] = {}
    acknowledged = [t for t in told if t["rsp_code"] == "A0000"]
    batches = [
        same[i : i + RESULT_BATCH]
        for same in (
            [t for t in acknowledged if t["kind"] == kind] for kind in ("withdraw", "deposit")
        )
        for i in range(0, len(same), RESULT_BATCH)
    ]
    gate = asyncio.Semaphore(RESULT_CONNECTIONS)

    async def ask(session: aiohttp.ClientSession, batch: list[dict[str, Any]]) -> None:
        body = {
            "check_type": "1" if batch[0]["kind"] == "withdraw" else "2",
            "tran_dtime": DTIME,
            "req_cnt": str(len(batch)),
            "req_list": [
                {
                    "tran_no": str(n),
                    "org_bank_tran_id": t["tran_id"],
                    "org_bank_tran_date": "20260302",
                    "org_tran_amt": str(t["amount"]),
                }
                for n, t in enumerate(batch, 1)
            ],
        }
        async with (
            gate,
            session.post(
                f"http://127.0.0.1:{port}/v2.0/transfer/result",
                json=body,
                headers={"Authorization": f"Bearer {oob}"},
            ) as resp,
        ):
            answer = await resp.json()
        rows = {row["tran_no"]: row["bank_rsp_code"] for row in answer.get("res_list", [])}
        for n, t in enumerate(batch, 1):
            out[t["tran_id"]] = rows.get(str(n), answer["rsp_code"])

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(ask(session, batch) for batch in batches))
    return out


def instant_banks(target: Path) -> Path:
    """The shipped network with no processing time at any bank."""
    data = yaml.safe_load(default_network_path().read_text(encoding="utf-8"))
    data["defaults"]["latency"] = {"distribution": "fixed", "value": 0}
    for institution in data["institutions"]:
        institution.pop("latency", None)
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


@pytest.mark.parametrize("network", ["faults", "instant"])
def test_acknowledged_transfers_survive_sigkill_under_load(tmp_path: Path, network: str) -> None:
    """`faults`: the shipped banks under random faults (every request a SimPy process);
    `instant`: banks with no processing time and no fault, where every transfer takes the
    shortcut past the SimPy model (`Centre.at_once`): durability must be the same."""
    rng = random.Random(SEED)
    run: dict[str, Any] = {
        "network": network,
        "seed": SEED,
        "kills": 0,
        "restarts_checked": 0,
        "transfers": 0,
        "acknowledged": 0,
        "answers": Counter(),
        "unanswered_at_kill": 0,
        "lost": 0,
        "negative_accounts": 0,
        "kill_after_s": [],
    }
    began = time.monotonic()
    try:
        crash_and_check(tmp_path, network, rng, run)
    finally:
        run["answers"] = dict(run["answers"])
        run["seconds"] = round(time.monotonic() - began, 1)
        figures.write(f"crash-{network}", run)


def crash_and_check(tmp_path: Path, network: str, rng: random.Random, run: dict[str, Any]) -> None:
    """One life under load, then KILLS times: restart, load, SIGKILL at a random moment,
    restart and check the books and every acknowledged transfer. `run` keeps the figures."""
    replay = f"(seed {SEED}: RELIABILITY_SEED={SEED} replays it)"
    db = tmp_path / "load.db"
    start: tuple[str, ...] = ("--start", "2026-03-02T10:00:00", "--users", "5")
    if network == "instant":
        start += ("--banks", str(instant_banks(tmp_path / "instant.yaml")))
    acknowledged: list[dict[str, Any]] = []
    counter = itertools.count(1)

    def tally(told: list[dict[str, Any]]) -> None:
        acknowledged.extend(t for t in told if t["rsp_code"] == "A0000")
        run["transfers"] += len(told)
        run["acknowledged"] = len(acknowledged)
        run["answers"].update(str(t["rsp_code"]) for t in told if t["rsp_code"] is not None)

    with serving(db, *start) as (port, proc):
        demo = call(port, "GET", "/testbed/clients")["clients"][0]
        call(
            port,
            "POST",
            f"/testbed/clients/{demo['client_use_code']}",
            {"limits": {"user_withdraw_per_tx": 0, "user_withdraw_day": 0}},
        )
        users = [
            call(
                port,
                "POST",
                "/testbed/users",
                {
                    "name": f"부하{i}",
                    "birth_date": "19900101",
                    "scope": "login inquiry transfer",
                    "accounts": [
                        {
                            "bank_code": rng.choice(["004", "088", "090", "081"]),
                            "balance": 10_000_000,
                        }
                    ],
                },
            )
            for i in range(8)
        ]
        faults: tuple[dict[str, Any], ...] = (
            {"kind": "error", "problem": "bank_error", "probability": 0.15},
            {"kind": "timeout_after_commit", "probability": 0.05, "api": "withdraw"},
            {
                "kind": "latency",
                "latency": {"distribution": "uniform", "low": "0s", "high": "0.05s"},
            },
        )
        for spec in faults if network == "faults" else ():
            call(port, "POST", "/testbed/faults", spec)
        form = urllib.parse.urlencode(
            {
                "client_id": demo["client_id"],
                "client_secret": demo["client_secret"],
                "scope": "oob",
                "grant_type": "client_credentials",
            }
        ).encode()
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/oauth/2.0/token", data=form, timeout=10
        ) as r:
            oob = json.loads(r.read())["access_token"]
        told = asyncio.run(load(port, demo, users, oob, rng, 1.5, counter))
        tally(told)
        assert len(told) > 100 and acknowledged  # a real load, and successes among it
        assert all(t["rsp_code"] is not None for t in told)  # every request got an answer

    for kill in range(KILLS):  # restart, load again, kill at a random moment while under load
        with serving(db, *start) as (port, proc):
            moment = rng.uniform(0.3, 1.5)

            async def load_then_kill(moment: float) -> list[dict[str, Any]]:
                loading = asyncio.create_task(load(port, demo, users, oob, rng, 5, counter))
                await asyncio.sleep(moment)
                os.kill(proc.pid, signal.SIGKILL)  # no flush, no shutdown
                return await loading

            told = asyncio.run(load_then_kill(moment))
            proc.wait(timeout=10)
            run["kills"] += 1
            run["kill_after_s"].append(round(moment, 3))
            run["unanswered_at_kill"] += sum(t["rsp_code"] is None for t in told)
            tally(told)
        with serving(db, *start) as (port, proc):
            check = call(port, "GET", "/testbed/ledger/check")
            run["negative_accounts"] = max(run["negative_accounts"], check["negative_accounts"])
            assert check["ok"], f"kill {kill} {replay}: {check['problems']}"
            assert check["negative_accounts"] == 0, f"kill {kill} {replay}"
            results = asyncio.run(confirmed(port, oob, acknowledged))
            lost = [t for t, code in results.items() if code != "000"]
            run["lost"] = max(run["lost"], len(lost))
            assert not lost, f"kill {kill} {replay}: acknowledged but not in the ledger: {lost[:5]}"
            run["restarts_checked"] += 1
    assert len(acknowledged) > 100
