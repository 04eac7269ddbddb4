"""CPU per request as the world grows: balance and withdraw against worlds of 10,000,
100,000 and 1,000,000 accounts, with the seeded world's 2 institutions and with 50
(issue 17).

    .venv/bin/python bench/curve.py                       # the three sizes, both counts
    .venv/bin/python bench/curve.py --accounts 2000,4000 --requests 200   # a quick look
    .venv/bin/python bench/curve.py --write [--out-dir DIR]   # results.json, docs, the plot

Each point runs in its own process: `open_runtime` builds the world (a fresh temporary
SQLite file, zero bank latency as bench/run.py uses, no seeded history: history is
read by transaction lists, not by these two), 49 more institutions are added for the
larger count, each registering one test user's account (so the directory and the
registrations grow with them), and the app answers through aiohttp's test client in the
same process. The figure is CPU time (client and server together, the client's share
the same at every size) per request over `--requests` requests after 200 of warm-up:
it must stay flat as the world grows, or some request does work that grows with it.
The plot (matplotlib, the `bench` extra) goes to docs/scale-curve.png.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, machine, save_section, zero_latency_banks

START = "2026-03-02T10:00:00+09:00"
ADMIN = "curve-admin"
SIZES = (10_000, 100_000, 1_000_000)
INSTITUTIONS = (2, 50)  # the seeded world's own two (the demo and a self-auth one), and 50
ACCOUNTS_PER_USER = 15 / 7  # the seed draws 1, 1, 2, 2, 2, 3 or 4 accounts a user
PLOT = ROOT / "docs" / "scale-curve.png"


async def _measure(accounts: int, institutions: int, requests: int) -> dict[str, Any]:
    from aiohttp.test_utils import TestClient, TestServer

    from testbed.config.settings import Settings
    from testbed.network.parties import FintechClient
    from testbed.runtime import open_runtime
    from testbed.web.app import init_app

    tmp = Path(tempfile.mkdtemp(prefix="curve-"))
    banks = tmp / "banks.yaml"
    zero_latency_banks(ROOT / "banks.yaml", banks)
    settings = Settings(
        db=str(tmp / "curve.db"),
        banks=str(banks),
        clock="realtime",
        start=START,
        admin_token=ADMIN,
        users=max(10, round(accounts / ACCOUNTS_PER_USER)),
        history_days=0,
    )
    began = time.perf_counter()
    runtime = open_runtime(settings)
    built = time.perf_counter() - began
    world = runtime.world
    demo = next(iter(world.directory.clients.values()))
    codes = [demo.client_use_code]
    for i in range(1, institutions - len(world.directory.clients) + 1):
        clone: FintechClient = dataclasses.replace(
            demo,
            client_use_code=f"T{990000000 - i:09d}",
            client_id=f"curve-client-{i:04d}",
            name=f"{demo.name} {i}",
            contract_accounts=list(demo.contract_accounts),
        )
        world.directory.put_client(clone)
        codes.append(clone.client_use_code)
    admin = {"Authorization": f"Bearer {ADMIN}"}
    async with TestClient(TestServer(init_app(settings, runtime))) as http:
        made = await (
            await http.post(
                "/testbed/users",
                json={
                    "name": "홍길동",
                    "birth_date": "19900101",
                    "client_use_code": demo.client_use_code,
                    "accounts": [{"bank_code": "088", "balance": 10**12}],
                    "scope": "login inquiry transfer",
                },
                headers=admin,
            )
        ).json()
        for code in codes[1:]:  # the same account registered with every other institution
            await http.post(
                "/testbed/users",
                json={
                    "name": "김철수",
                    "birth_date": "19910101",
                    "client_use_code": code,
                    "accounts": [{"bank_code": "004", "balance": 1000}],
                    "scope": "login inquiry",
                },
                headers=admin,
            )
        token = made["access_token"]
        fin = made["accounts"][0]["fintech_use_num"]
        contract = next(a for a in demo.contract_accounts if a.purpose == "withdraw")
        headers = {"Authorization": f"Bearer {token}"}
        counter = iter(range(1, 10**9))

        def tran_id() -> str:
            return f"{demo.client_use_code}U{next(counter):09d}"

        async def balance() -> None:
            query = {
                "bank_tran_id": tran_id(),
                "fintech_use_num": fin,
                "tran_dtime": "20260302100000",
            }
            resp = await http.get("/v2.0/account/balance/fin_num", params=query, headers=headers)
            assert (await resp.json())["rsp_code"] == "A0000"

        async def withdraw() -> None:
            body = {
                "bank_tran_id": tran_id(),
                "cntr_account_type": "N",
                "cntr_account_num": contract.account_num,
                "dps_print_content": "포인트충전",
                "fintech_use_num": fin,
                "tran_amt": "1",
                "tran_dtime": "20260302100000",
                "req_client_name": "홍길동",
                "req_client_fintech_use_num": fin,
                "req_client_num": "MEMBER0001",
                "transfer_purpose": "RC",
            }
            resp = await http.post("/v2.0/transfer/withdraw/fin_num", json=body, headers=headers)
            assert (await resp.json())["rsp_code"] == "A0000"

        figures: dict[str, float] = {}
        for name, call in (("balance", balance), ("withdraw", withdraw)):
            for _ in range(200):
                await call()
            cpu = time.process_time()
            for _ in range(requests):
                await call()
            figures[name] = (time.process_time() - cpu) / requests * 1e6
    # the app's cleanup closed the runtime (and its store) when the client ended
    return {
        "accounts": len(world.ledger.accounts),
        "institutions": len(world.directory.clients),
        "registrations": len(world.directory.registrations),
        "built_s": round(built, 2),
        "balance_us": round(figures["balance"], 1),
        "withdraw_us": round(figures["withdraw"], 1),
    }


def measure(accounts: int, institutions: int, requests: int) -> dict[str, Any]:
    """One point, in a process of its own (a world of a million accounts is let go whole)."""
    command = [sys.executable, __file__, "--child", "--accounts", str(accounts)]
    command += ["--institutions", str(institutions), "--requests", str(requests)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise SystemExit(f"curve: {accounts} accounts failed:\n{done.stderr[-2000:]}")
    point: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    point["asked_accounts"] = accounts
    return point


def plot(points: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # a file, no display
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(9, 3.6))  # own scales: withdraw costs more
    for ax, kind, title in (
        (axes[0], "balance_us", "balance"),
        (axes[1], "withdraw_us", "withdraw"),
    ):
        for count in sorted({p["institutions"] for p in points}):
            mine = sorted(
                (p for p in points if p["institutions"] == count), key=lambda p: p["accounts"]
            )
            ax.plot(
                [p["accounts"] for p in mine],
                [p[kind] for p in mine],
                marker="o",
                label=f"{count} institution{'s' if count > 1 else ''}",
            )
        ax.set_xscale("log")
        ax.set_title(f"{title}: CPU µs per request")
        ax.set_xlabel("accounts in the world")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
    axes[0].legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def markdown(data: dict[str, Any], image: str) -> str:
    lines = [
        f"Run `{data['command']}` of {data['taken']}: CPU per request (client and server in"
        f" one process) over {data['requests']} requests after 200 of warm-up; worlds built by"
        " `open_runtime` on a temporary SQLite file, zero bank latency, no seeded history.",
        "",
        "| accounts | institutions | registrations | world built s | balance µs | withdraw µs |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for p in data["points"]:
        lines.append(
            f"| {p['accounts']:,} | {p['institutions']} | {p['registrations']:,} | {p['built_s']}"
            f" | {p['balance_us']:.0f} | {p['withdraw_us']:.0f} |"
        )
    lines += ["", f"![CPU per request as the world grows]({image})"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default=",".join(map(str, SIZES)))
    parser.add_argument("--institutions", default=",".join(map(str, INSTITUTIONS)))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--write", action="store_true", help="results.json, docs and the plot")
    parser.add_argument("--out-dir", type=Path, help="with --write: write the files here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        point = asyncio.run(_measure(int(args.accounts), int(args.institutions), args.requests))
        print(json.dumps(point))
        return 0
    points = []
    for accounts in (int(a) for a in args.accounts.split(",")):
        for institutions in (int(i) for i in args.institutions.split(",")):
            point = measure(accounts, institutions, args.requests)
            points.append(point)
            print(
                f"curve: {point['accounts']:>9,} accounts, {point['institutions']:>2} institutions:"
                f" balance {point['balance_us']:6.0f} µs, withdraw {point['withdraw_us']:6.0f} µs"
                f" (built in {point['built_s']} s)",
                flush=True,
            )
    if args.write:
        data = {
            "taken": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": "python bench/curve.py" + (" --requests " + str(args.requests)),
            "requests": args.requests,
            "machine": machine("aiohttp test client, in process"),
            "points": points,
        }
        image = (args.out_dir / "scale-curve.png") if args.out_dir else PLOT
        plot(points, image)
        save_section("curve", data, markdown(data, image.name), args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
