"""Endurance on simulated time: traffic through two nightly cutovers, the books proven at
every daily settlement.

A real server on a virtual clock (`serve --clock virtual`) takes traffic through the KFTC
API without a pause from 23:00 on the first night until 02:10 after the last one
(`ENDURANCE_NIGHTS`, 2: 27 h 10 min of simulated time): every `ENDURANCE_STEP`
simulated seconds, a batch of concurrent withdrawals and deposits
(`ENDURANCE_TRANSFERS`) and, once they are answered, balance inquiries and transaction
lists (`ENDURANCE_INQUIRIES`); then `POST /testbed/clock` sets the clock to the next
step. So the traffic meets, each night, the banks' 23:30 cutovers (공동망 미개시,
banks.yaml), the centre's closed hours (23:55-00:05) with the day's settlement at the
close, and every bank's reopening, the last (한국산업은행) at 02:00; and a whole
business day between the nights.

Every answer must be the one the clock explains: success, the centre's refusal in its
closed hours, or the bank's `bank_closed` answer while one of the banks of the request
is in its cutover window (both computed here from banks.yaml, not asked of the server);
a balance must be what this client's own book says. At each daily settlement (the first
step past the close, and at the end the close after the last traffic), the settlement
event of the day must equal `GET /testbed/settlement` and sum to zero, and the positions
must be those this client computes from the transfers it was told succeeded; the ledger
check must pass with no negative account, and every account of the traffic must hold
what the book says.

The CI run is small (10-minute steps); `make soak` runs it with steps of seconds
(bench/soak.py). The traffic is drawn from one seeded source (figures.seed).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from testbed.clock import DAY, iso_kst, parse_kst, second_of_day, yyyymmdd
from testbed.clock import yyyymmddhhmmss as dtime
from testbed.config.banks_file import NetworkConfig, load_network
from testbed.resources import default_network_path
from tests.reliability import figures
from tests.test_serve import ADMIN, serving

pytestmark = pytest.mark.subprocess

NIGHTS = int(os.environ.get("ENDURANCE_NIGHTS", "2"))
STEP = int(os.environ.get("ENDURANCE_STEP", "600"))  # simulated seconds between batches
TRANSFERS = int(os.environ.get("ENDURANCE_TRANSFERS", "6"))  # a batch's transfers
INQUIRIES = int(os.environ.get("ENDURANCE_INQUIRIES", "3"))  # and inquiries after them
SEED = figures.seed(20260302)
#: the first night's day (a Monday); the traffic starts at 23:00 on it and ends at 02:10
#: after the last night, past the last reopening (02:00)
FIRST_DAY = "2026-03-02T00:00:00+09:00"
TRAFFIC_FROM = 23 * 3600
TRAFFIC_UNTIL = 26 * 3600 + 600
#: one traffic account at each: the long closers (002 till 02:00, 011 till 01:30, 020 till
#: 01:00), the 20-minute ones (003, 004), 30 minutes (007) and others
BANKS = ("002", "003", "004", "007", "011", "020", "081", "088", "090")
AMOUNTS = (1000, 2500, 7000, 12_000)


@dataclass
class Holder:
    """A traffic account: its user's token and fintech_use_num, and what it holds."""

    bank: str
    account_num: str
    fintech_use_num: str
    token: str
    balance: int


class Traffic:
    """The client's side: its book of balances and of each day's clearing, and the checks."""

    def __init__(
        self, base: str, session: aiohttp.ClientSession, network: NetworkConfig, run: dict[str, Any]
    ) -> None:
        self.base = base
        self.session = session
        self.network = network
        self.run = run
        self.rng = random.Random(SEED)
        self.ids = itertools.count(1)
        self.holders: list[Holder] = []
        self.contract: dict[str, dict[str, Any]] = {}  # purpose -> the fintech's account
        self.code = ""
        self.oob = ""
        #: per day: the settlement before our first traffic, and our clearing since
        self.baseline: dict[str, dict[str, Any]] = {}
        self.moved: dict[str, Counter[str]] = {}
        self.crossed: Counter[str] = Counter()
        self.proven: set[str] = set()
        self.replay = f"(seed {SEED}: RELIABILITY_SEED={SEED} replays it)"

    # --- HTTP ----------------------------------------------------------------------------
    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(
            method, self.base + path, json=body, headers={"Authorization": f"Bearer {ADMIN}"}
        ) as resp:
            assert resp.status < 300, f"{method} {path}: {resp.status} {await resp.text()}"
            return await resp.json()

    async def kftc(self, method: str, path: str, token: str, **send: Any) -> dict[str, Any]:
        async with self.session.request(
            method, self.base + path, headers={"Authorization": f"Bearer {token}"}, **send
        ) as resp:
            assert resp.status == 200, f"{path}: HTTP {resp.status}"
            answer: dict[str, Any] = await resp.json()
            return answer

    def tran_id(self) -> str:
        return f"{self.code}U{next(self.ids):09d}"

    # --- the world -----------------------------------------------------------------------
    async def set_up(self) -> None:
        demo = (await self.admin("GET", "/testbed/clients"))["clients"][0]
        self.code = demo["client_use_code"]
        self.contract = {a["purpose"]: a for a in demo["contract_accounts"]}
        await self.admin(
            "POST",
            f"/testbed/clients/{self.code}",
            {"limits": {"user_withdraw_per_tx": 0, "user_withdraw_day": 0}},
        )
        for i, bank in enumerate(BANKS):
            user = await self.admin(
                "POST",
                "/testbed/users",
                {
                    "name": f"야간{i}",
                    "birth_date": "19900101",
                    "scope": "login inquiry transfer",
                    "accounts": [{"bank_code": bank, "balance": 10_000_000}],
                },
            )
            account = user["accounts"][0]
            self.holders.append(
                Holder(
                    bank,
                    account["account_num"],
                    account["fintech_use_num"],
                    user["access_token"],
                    10_000_000,
                )
            )
        for account in self.contract.values():
            held = await self.admin(
                "GET", f"/testbed/accounts/{account['bank_code']}/{account['account_num']}"
            )
            account["balance"] = held["balance"]
        form = {
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "scope": "oob",
            "grant_type": "client_credentials",
        }
        async with self.session.post(self.base + "/oauth/2.0/token", data=form) as resp:
            self.oob = (await resp.json())["access_token"]

    # --- what the clock explains ---------------------------------------------------------
    def expected(self, t: float, *banks: str) -> str:
        """What the network owes a request to `banks` (payer first) at `t`: "ok",
        "centre closed", or "<bank> closed" for the first of them in its cutover."""
        moment = second_of_day(t)
        if not self.network.centre.is_open(moment):
            return "centre closed"
        for bank in banks:
            if self.network.institution(bank).in_cutover(moment):
                return f"{bank} closed"
        return "ok"

    def told(self, rsp_code: str, bank: dict[str, Any]) -> str:
        """What an answer says, in the words of `expected`: `bank` is its bank block (the
        answer itself, or a deposit's item)."""
        answering = bank.get("bank_code_tran", "")
        said = bank.get("bank_rsp_code", "")
        if rsp_code == "A0000" and said == "000":
            return "ok"
        if rsp_code == "A0020" or answering == self.network.centre.code:
            return "centre closed"  # a deposit's item: A0009 at the top, the centre's in it
        closed = self.network.institution(answering).codes["bank_closed"] if answering else None
        if closed is not None and said == closed.bank_rsp_code:
            return f"{answering} closed"
        return f"{rsp_code} {answering} {said}"

    # --- a step of traffic ---------------------------------------------------------------
    async def step(self, t: float) -> None:
        day = yyyymmdd(t)
        if day not in self.baseline:  # before our first transfer of the day
            self.baseline[day] = await self.admin("GET", f"/testbed/settlement?date={day}")
            self.moved[day] = Counter()
        picks = [
            (self.rng.choice(("withdraw", "deposit")), self.rng.choice(self.holders))
            for _ in range(TRANSFERS)
        ]
        amounts = [self.rng.choice(AMOUNTS) for _ in picks]
        await asyncio.gather(
            *(self.transfer(t, kind, h, a) for (kind, h), a in zip(picks, amounts, strict=True))
        )
        asked = [(self.rng.random() < 0.7, self.rng.choice(self.holders)) for _ in range(INQUIRIES)]
        await asyncio.gather(*(self.inquire(t, balance, h) for balance, h in asked))

    async def transfer(self, t: float, kind: str, holder: Holder, amount: int) -> None:
        contract = self.contract[kind]
        tran_id = self.tran_id()
        if kind == "withdraw":
            answer = await self.kftc(
                "POST",
                "/v2.0/transfer/withdraw/fin_num",
                holder.token,
                json={
                    "bank_tran_id": tran_id,
                    "cntr_account_type": "N",
                    "cntr_account_num": contract["account_num"],
                    "dps_print_content": "야간",
                    "fintech_use_num": holder.fintech_use_num,
                    "tran_amt": str(amount),
                    "tran_dtime": dtime(t),
                    "req_client_name": "야간",
                    "req_client_fintech_use_num": holder.fintech_use_num,
                    "req_client_num": "N",
                    "transfer_purpose": "TR",
                },
            )
            told = self.told(answer["rsp_code"], answer)
            payer, payee = holder.bank, contract["bank_code"]
        else:
            answer = await self.kftc(
                "POST",
                "/v2.0/transfer/deposit/fin_num",
                self.oob,
                json={
                    "cntr_account_type": "N",
                    "cntr_account_num": contract["account_num"],
                    "wd_pass_phrase": "NONE",
                    "wd_print_content": "야간",
                    "tran_dtime": dtime(t),
                    "req_cnt": "1",
                    "req_list": [
                        {
                            "tran_no": "1",
                            "bank_tran_id": tran_id,
                            "fintech_use_num": holder.fintech_use_num,
                            "print_content": "야간",
                            "tran_amt": str(amount),
                            "req_client_name": "야간",
                            "req_client_fintech_use_num": holder.fintech_use_num,
                            "req_client_num": "N",
                            "transfer_purpose": "TR",
                        }
                    ],
                },
            )
            # a deposit's bank answer is in its item (a refused one makes the top A0009)
            told = self.told(answer["rsp_code"], (answer.get("res_list") or [{}])[0])
            payer, payee = contract["bank_code"], holder.bank
        want = self.expected(t, payer, payee)
        self.run["transfers"] += 1
        self.run["answers"][told] += 1
        assert told == want, (
            f"{iso_kst(t)} {kind} {amount} {payer}->{payee}: expected {want}, told {told}:"
            f" {answer} {self.replay}"
        )
        if want != "ok":
            return
        sign = -1 if kind == "withdraw" else 1
        holder.balance += sign * amount
        contract["balance"] -= sign * amount
        if payer != payee:  # through the centre: the clearing pair of settlement.py
            day = yyyymmdd(t)
            self.moved[day][payer] -= amount
            self.moved[day][payee] += amount
            self.crossed[day] += 1

    async def inquire(self, t: float, balance: bool, holder: Holder) -> None:
        query = {
            "bank_tran_id": self.tran_id(),
            "fintech_use_num": holder.fintech_use_num,
            "tran_dtime": dtime(t),
        }
        if balance:
            path = "/v2.0/account/balance/fin_num"
        else:
            path = "/v2.0/account/transaction_list/fin_num"
            day = yyyymmdd(t)
            query |= {
                "inquiry_type": "A",
                "inquiry_base": "D",
                "from_date": day,
                "to_date": day,
                "sort_order": "D",
            }
        answer = await self.kftc("GET", path + "?" + urllib.parse.urlencode(query), holder.token)
        want = self.expected(t, holder.bank)
        told = self.told(answer["rsp_code"], answer)
        self.run["inquiries"] += 1
        self.run["inquiry_answers"][told] += 1
        assert told == want, (
            f"{iso_kst(t)} {path} at {holder.bank}: expected {want}, told {told}: {answer}"
        )
        if balance and want == "ok":
            assert int(answer["balance_amt"]) == holder.balance, (
                f"{iso_kst(t)} balance at {holder.bank}: {answer['balance_amt']},"
                f" the book says {holder.balance} {self.replay}"
            )

    # --- a settlement --------------------------------------------------------------------
    async def prove(self, day: str) -> None:
        """The day's settlement as the network made it, as the control plane tells it, and
        as this client's book says; the ledger check; every traffic account's balance."""
        shown = await self.admin("GET", f"/testbed/settlement?date={day}")
        events = (await self.admin("GET", "/testbed/events?type=settlement"))["events"]
        made = [e for e in events if e["date"] == day]
        assert len(made) == 1, f"{day}: {len(made)} settlement events {self.replay}"
        assert made[0]["positions"] == shown["positions"], day
        assert shown["total"] == 0 and made[0]["total"] == 0, shown
        want = Counter(self.baseline[day]["positions"])
        want.update(self.moved[day])
        nonzero = {bank: n for bank, n in want.items() if n}
        assert {b: n for b, n in shown["positions"].items() if n} == nonzero, (
            f"{day}: the settlement is not the book's {self.replay}"
        )
        assert shown["transfers"] == self.baseline[day]["transfers"] + self.crossed[day], day
        check = await self.admin("GET", "/testbed/ledger/check")
        assert check["ok"], f"{day}: {check['problems']} {self.replay}"
        assert check["negative_accounts"] == 0, day
        accounts = [(h.bank, h.account_num, h.balance) for h in self.holders] + [
            (a["bank_code"], a["account_num"], a["balance"]) for a in self.contract.values()
        ]
        for bank, num, balance in accounts:
            held = await self.admin("GET", f"/testbed/accounts/{bank}/{num}")
            assert held["balance"] == balance, f"{day}: {bank} {num} {self.replay}"
        self.proven.add(day)
        self.run["settlements"].append(
            {
                "date": day,
                "transfers_settled": shown["transfers"],
                "ours": self.crossed[day],
                "banks": sum(1 for n in shown["positions"].values() if n),
            }
        )


async def endure(base: str, run: dict[str, Any]) -> None:
    network = load_network(default_network_path())
    close = network.centre.close
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        traffic = Traffic(base, session, network, run)
        await traffic.set_up()
        first = parse_kst(FIRST_DAY)
        unproven: list[str] = []
        t = begin = int(first + TRAFFIC_FROM)
        hour_began = time.monotonic()
        for t in range(begin, int(first + (NIGHTS - 1) * DAY + TRAFFIC_UNTIL), STEP):
            await traffic.admin("POST", "/testbed/clock", {"set": iso_kst(t)})
            while unproven and t >= parse_day(unproven[0]) + close:
                await traffic.prove(unproven.pop(0))
            await traffic.step(t)
            run["steps"] += 1
            run["traffic_s"] += STEP
            if (t + STEP - begin) % 3600 < STEP:  # a simulated hour of traffic done: its wall time
                run["wall_s_per_hour"].append(round(time.monotonic() - hour_began, 2))
                hour_began = time.monotonic()
            if yyyymmdd(t) not in unproven and yyyymmdd(t) not in traffic.proven:
                unproven.append(yyyymmdd(t))
        for day in unproven:  # the closes after the last traffic
            moment = parse_day(day) + close
            if moment > t:
                await traffic.admin("POST", "/testbed/clock", {"set": iso_kst(moment)})
                t = moment
            await traffic.prove(day)
        run["simulated_s"] = t - begin  # the first traffic to the last settlement proven


def parse_day(day: str) -> float:
    return parse_kst(f"{day[:4]}-{day[4:6]}-{day[6:]}T00:00:00")


def test_traffic_through_two_cutovers_settles_every_day(tmp_path: Path) -> None:
    run: dict[str, Any] = {
        "seed": SEED,
        "nights": NIGHTS,
        "step_s": STEP,
        "steps": 0,
        "transfers": 0,
        "inquiries": 0,
        "answers": Counter(),
        "inquiry_answers": Counter(),
        "traffic_s": 0,
        "wall_s_per_hour": [],
        "settlements": [],
    }
    began = time.monotonic()
    start = iso_kst(parse_kst(FIRST_DAY) + TRAFFIC_FROM - 600)
    try:
        with serving(
            tmp_path / "nights.db", "--clock", "virtual", "--start", start, "--users", "3"
        ) as (
            port,
            _,
        ):
            asyncio.run(endure(f"http://127.0.0.1:{port}", run))
    finally:
        run["answers"] = dict(run["answers"])
        run["inquiry_answers"] = dict(run["inquiry_answers"])
        run["seconds"] = round(time.monotonic() - began, 1)
        figures.write("endurance", run)
    assert len(run["settlements"]) >= NIGHTS + 1  # every day with traffic, settled and proven
    answers = run["answers"]
    assert answers["ok"] and answers["centre closed"]  # the centre's closed hours were met
    assert set(answers) - {"ok", "centre closed"}  # and banks in their cutovers
