"""The cost budget: Python function calls per API request, counted, and held in CI (issue 26).

    .venv/bin/python bench/budget.py              # count every workload, compare with the budget
    .venv/bin/python bench/budget.py --requests 500 --only balance,withdraw

Wall time and req/s swing with whatever else runs on the machine; the number of function
calls a request makes does not. This counts them with `cProfile` (Python functions and the
C functions they call, e.g. `dict.get`, `orjson.dumps`) over `--requests` requests of each
workload through aiohttp's test client, in one process: the client's calls are counted
too, the same for every version of the server, so a change of the count is the server's.

What keeps the count deterministic:
- a fresh world from a fixed seed, zero bank latency (as bench/run.py: the figures are the
  testbed's own cost), a **virtual clock** (no wall clock in any decision; the realtime
  clock's reading of "now" is one call either way);
- a warm-up of every workload before counting (first-use caches, lazy histories);
- the collector off while counting (a collection's finalisers would count at random);
- only the calls of the event loop's thread (the SQLite writer thread commits aside).

What still varies a little: the event loop's own iterations while a durable request waits
for the writer thread (how often the selector wakes before the commit's callback). That is
why the budget allows `TOLERANCE` over each row (`bench/budget.toml`).

`tests/bench/test_budget.py` runs `check()` in `make test`: a change that adds calls to
a request fails until its diff raises the row in `bench/budget.toml` (docs/benchmarks.md,
"The cost budget").
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import pstats
import sys
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BUDGET = BENCH / "budget.toml"
START = "2026-03-02T10:00:00+09:00"  # a Monday morning, far from the cutover windows
DATE = "20260302"
DTIME = "20260302100000"
ADMIN = "budget-admin"
#: every workload the budget holds, in the order they are counted
WORKLOADS = ("token", "balance", "transactions", "withdraw", "deposit", "transfer_result")
#: how far over its row a count may go before it fails: the event loop's iterations while
#: a durable request waits for the writer thread (see the docstring). Repeated counts of
#: 200 requests differ by under 0.1 call a request (0.01 %); 0.5 % is 4-7 calls
TOLERANCE = 0.005
REQUESTS = 200
WARMUP = 30

Prepare = Callable[[Any], None]  # called with the aiohttp app before it starts


@dataclass
class Fixture:
    """What the requests need: the demo institution, users, a transfer to ask about."""

    code: str = ""
    client_id: str = ""
    client_secret: str = ""
    oob: str = ""
    cntr_withdraw: str = ""
    cntr_deposit: str = ""
    users: list[tuple[str, str]] = field(default_factory=list)  # (access_token, fin)
    counter: int = 0
    done: tuple[str, str] = ("", "")  # (bank_tran_id, bank_tran_date) of one withdrawal

    def tran_id(self) -> str:
        self.counter += 1
        return f"{self.code}U{self.counter:09d}"

    def user(self) -> tuple[str, str]:
        return self.users[self.counter % len(self.users)]


Request = tuple[str, str, dict[str, str], dict[str, Any] | None, dict[str, str] | None]


def build(kind: str, fx: Fixture) -> Request:
    """(method, path, headers, JSON body, form) of one request of `kind` (a new bank_tran_id)."""
    sys.path.insert(0, str(BENCH))
    from run import deposit_body, withdraw_body  # bench/ is a folder of scripts

    if kind == "token":
        form = {
            "client_id": fx.client_id,
            "client_secret": fx.client_secret,
            "scope": "oob",
            "grant_type": "client_credentials",
        }
        return "POST", "/oauth/2.0/token", {}, None, form
    oob = {"Authorization": f"Bearer {fx.oob}"}
    if kind == "transfer_result":
        item = {
            "tran_no": "1",
            "org_bank_tran_id": fx.done[0],
            "org_bank_tran_date": fx.done[1],
            "org_tran_amt": "1000",
        }
        body = {"check_type": "1", "tran_dtime": DTIME, "req_cnt": "1", "req_list": [item]}
        return "POST", "/v2.0/transfer/result", oob, body, None
    bank_tran_id = fx.tran_id()
    token, fin = fx.user()
    auth = {"Authorization": f"Bearer {token}"}
    if kind == "balance":
        query = f"bank_tran_id={bank_tran_id}&fintech_use_num={fin}&tran_dtime={DTIME}"
        return "GET", "/v2.0/account/balance/fin_num?" + query, auth, None, None
    if kind == "transactions":
        query = (
            f"bank_tran_id={bank_tran_id}&fintech_use_num={fin}&inquiry_type=A&inquiry_base=D"
            f"&from_date={DATE}&to_date={DATE}&sort_order=D&tran_dtime={DTIME}"
        )
        return "GET", "/v2.0/account/transaction_list/fin_num?" + query, auth, None, None
    if kind == "withdraw":
        body = withdraw_body(fx.cntr_withdraw, fin, bank_tran_id)
        return "POST", "/v2.0/transfer/withdraw/fin_num", auth, body, None
    if kind == "deposit":
        body = deposit_body(fx.cntr_deposit, fin, bank_tran_id)
        return "POST", "/v2.0/transfer/deposit/fin_num", oob, body, None
    raise ValueError(f"unknown workload {kind}")


async def _fixture(http: Any, users: int = 2, rows: int = 32) -> Fixture:
    """As bench/run.py's: rich users of the demo institution with a full page of rows, no
    per-user withdrawal limit, a funded deposit contract account, and one withdrawal."""
    admin = {"Authorization": f"Bearer {ADMIN}"}

    async def control(method: str, path: str, body: Any) -> Any:
        resp = await http.request(method, path, json=body, headers=admin)
        assert resp.status < 300, await resp.text()
        return await resp.json()

    demo = (await control("GET", "/testbed/clients", None))["clients"][0]
    contract = {a["purpose"]: a for a in demo["contract_accounts"]}
    fx = Fixture(demo["client_use_code"], demo["client_id"], demo["client_secret"])
    fx.cntr_withdraw = contract["withdraw"]["account_num"]
    fx.cntr_deposit = contract["deposit"]["account_num"]
    limits = {"user_withdraw_per_tx": 0, "user_withdraw_day": 0}
    await control("POST", f"/testbed/clients/{fx.code}", {"limits": limits})
    deposit = contract["deposit"]
    cash = f"/testbed/accounts/{deposit['bank_code']}/{deposit['account_num']}/cash"
    await control("POST", cash, {"amount": 100_000_000_000})
    banks = ["004", "088", "020", "011"]
    for i in range(users):
        user = await control(
            "POST",
            "/testbed/users",
            {
                "name": "홍길동",
                "birth_date": "19900101",
                "client_use_code": fx.code,
                "accounts": [{"bank_code": banks[i % len(banks)], "balance": 100_000_000_000}],
                "scope": "login inquiry transfer",
            },
        )
        account = user["accounts"][0]
        cash = f"/testbed/accounts/{account['bank_code']}/{account['account_num']}/cash"
        for k in range(rows):
            await control("POST", cash, {"amount": 1000 + k})
        fx.users.append((user["access_token"], account["fintech_use_num"]))
    fx.oob = (await _send(http, build("token", fx)))["access_token"]
    withdrawal = build("withdraw", fx)
    answer = await _send(http, withdrawal)
    assert withdrawal[3] is not None
    fx.done = (withdrawal[3]["bank_tran_id"], answer["api_tran_dtm"][:8])
    return fx


async def _send(http: Any, request: Request) -> dict[str, Any]:
    method, path, headers, body, form = request
    resp = await http.request(method, path, headers=headers, json=body, data=form)
    answer: dict[str, Any] = await resp.json()
    if resp.status != 200 or answer.get("rsp_code", "A0000") != "A0000":
        raise AssertionError(f"{method} {path}: HTTP {resp.status} {answer}")
    return answer


def _calls(profile: cProfile.Profile) -> int:
    """Every function call the profile saw (recursive ones included)."""
    stats = pstats.Stats(profile)
    return sum(nc for _cc, nc, _tt, _ct, _callers in stats.stats.values())  # type: ignore[attr-defined]


def make_app(folder: Path, clock: str = "virtual") -> Any:
    """The app the counts are made on: a fresh world of 20 users in `folder` (its database
    and key file), zero bank latency (bench/run.py's network file), the clock given."""
    from testbed.config.settings import Settings
    from testbed.web.app import init_app

    sys.path.insert(0, str(BENCH))
    from run import zero_latency_banks  # bench/ is a folder of scripts

    banks = folder / "banks.yaml"
    zero_latency_banks(ROOT / "banks.yaml", banks)
    settings = Settings(
        db=str(folder / "budget.db"),
        banks=str(banks),
        clock=clock,
        start=START,
        admin_token=ADMIN,
        users=20,
        history_days=0,
    )
    return init_app(settings)


async def _count(
    workloads: tuple[str, ...],
    requests: int,
    warmup: int,
    prepare: Prepare | None,
    clock: str = "virtual",
    profiles: dict[str, cProfile.Profile] | None = None,
) -> dict[str, float]:
    from aiohttp.test_utils import TestClient, TestServer

    with tempfile.TemporaryDirectory(prefix="budget-") as tmp:
        app = make_app(Path(tmp), clock)
        if prepare is not None:
            prepare(app)
        counts: dict[str, float] = {}
        async with TestClient(TestServer(app)) as http:
            fx = await _fixture(http)
            for kind in workloads:
                for _ in range(warmup):
                    await _send(http, build(kind, fx))
            for kind in workloads:
                batch = [build(kind, fx) for _ in range(requests)]
                gc.collect()
                gc.disable()
                profile = cProfile.Profile()
                try:
                    profile.enable()
                    for request in batch:
                        await _send(http, request)
                    profile.disable()
                finally:
                    gc.enable()
                counts[kind] = _calls(profile) / requests
                if profiles is not None:
                    profiles[kind] = profile
        return counts


def count(
    workloads: tuple[str, ...] = WORKLOADS,
    requests: int = REQUESTS,
    warmup: int = WARMUP,
    prepare: Prepare | None = None,
    clock: str = "virtual",
    profiles: dict[str, cProfile.Profile] | None = None,
) -> dict[str, float]:
    """Function calls per request of each workload (client included), in a loop of its own.
    `clock="realtime"` counts as `serve` runs (not deterministic: the wall clock decides
    which events are due); `profiles` receives each workload's profile, to read."""
    return asyncio.run(_count(workloads, requests, warmup, prepare, clock, profiles))


def load_budget(path: Path = BUDGET) -> dict[str, dict[str, Any]]:
    """The budget table: {workload: {"calls": int, "why": str}}."""
    with path.open("rb") as f:
        table: dict[str, dict[str, Any]] = tomllib.load(f)
    for name, row in table.items():
        if not isinstance(row.get("calls"), int) or not str(row.get("why", "")).strip():
            raise ValueError(f"{path}: [{name}] needs calls (an integer) and a why")
    return table


@dataclass(frozen=True)
class Verdict:
    workload: str
    calls: float
    budget: int

    @property
    def over(self) -> bool:
        return self.calls > self.budget * (1 + TOLERANCE)

    def line(self) -> str:
        change = 100 * (self.calls / self.budget - 1)
        status = "OVER BUDGET" if self.over else "ok"
        return (
            f"{self.workload:<16} {self.calls:9.1f} calls / request"
            f"   budget {self.budget:6d} ({change:+.1f} %)   {status}"
        )


def check(
    counts: dict[str, float], budget: dict[str, dict[str, Any]] | None = None
) -> list[Verdict]:
    """Each counted workload against its row; a workload without a row is an error."""
    table = load_budget() if budget is None else budget
    missing = [name for name in counts if name not in table]
    if missing:
        raise KeyError(f"no budget row for {', '.join(missing)}: add one to {BUDGET.name}")
    return [Verdict(name, calls, table[name]["calls"]) for name, calls in counts.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--warmup", type=int, default=WARMUP)
    parser.add_argument("--only", help="comma-separated workloads (default: every one)")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.add_argument(
        "--clock", default="virtual", help="realtime: count as `serve` runs (not held)"
    )
    parser.add_argument("--top", type=int, default=0, help="print the N most called functions")
    args = parser.parse_args(argv)
    workloads = tuple(args.only.split(",")) if args.only else WORKLOADS
    profiles: dict[str, cProfile.Profile] = {}
    counts = count(workloads, args.requests, args.warmup, clock=args.clock, profiles=profiles)
    for kind, profile in profiles.items() if args.top else ():
        print(f"--- {kind}: the {args.top} most called functions, calls per request")
        stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
        rows = sorted(stats.items(), key=lambda item: -item[1][1])[: args.top]
        for (file, line, name), (_cc, nc, _tt, _ct, _callers) in rows:
            print(f"{nc / args.requests:8.2f}  {name}  {Path(file).name}:{line}")
    if args.json:
        print(json.dumps({k: round(v, 1) for k, v in counts.items()}))
    verdicts = check(counts)
    for verdict in verdicts:
        print(verdict.line())
    return 1 if any(v.over for v in verdicts) else 0


if __name__ == "__main__":
    sys.exit(main())
