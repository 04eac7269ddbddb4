"""A workshop on one server (issue 26): N attendees, each with a dashboard open, and what a
settlement costs as the day grows.

    .venv/bin/python bench/workshop.py                         # 30 and 60 attendees, 1 minute
    .venv/bin/python bench/workshop.py --attendees 5 --minutes 0.1 --entries 10000   # a look
    .venv/bin/python bench/workshop.py --write [--out-dir DIR]  # results.json and the docs

**The room.** `testbed serve` starts on 127.0.0.1 (realtime clock, zero bank latency, a
fresh temporary database, as bench/run.py). Every attendee has a user of the demo
institution and a dashboard: the dashboard's event stream (`GET /testbed/events`,
server-sent events, read to the end) and its settlement refresh (`GET
/testbed/settlement`, which the page asks about once a second). Each second of the
workshop is one round: every attendee sends one API call (balance inquiries and
withdrawals in turn), every dashboard refreshes its settlement and reads what the stream
brought. The rounds run back to back, so a minute of the workshop (60 rounds) takes less
than a minute; the figure is the **server's CPU per round** (from /proc, its writer thread
included), i.e. the share of a core one second of the workshop costs, and that divided by
the attendees. The same room without dashboards tells what the dashboards cost.

**The settlement as the day grows.** In this process, a ledger holding 10,000, 100,000
and 1,000,000 interbank transfers of today: the time of a dashboard refresh when one
transfer came since the last (`settle`, kept incrementally), beside a scan of the day's
entries (how positions were found before issue 26).

Bounded: every load is a fixed number of rounds, every request has a timeout, the server
is stopped at the end; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # bench/ is a folder of scripts, not a package
    ADMIN,
    DTIME,
    ROOT,
    START,
    free_port,
    machine,
    make_fixture,
    save_section,
    start_server,
    withdraw_body,
    zero_latency_banks,
)

ROOMS = (30, 60)
SETTLEMENT_SIZES = (10_000, 100_000, 1_000_000)
TIMEOUT = aiohttp.ClientTimeout(total=30)
#: bank_tran_ids go on from room to room (a repeat is refused: A0326)
_TRAN_IDS = itertools.count(1)


# --- the room -----------------------------------------------------------------------------


async def _read_stream(session: aiohttp.ClientSession, url: str, got: list[int]) -> None:
    """A dashboard's event stream: read every line until it is closed."""
    headers = {"Accept": "text/event-stream"}
    async with session.get(f"{url}/testbed/events?token={ADMIN}", headers=headers) as resp:
        async for line in resp.content:
            if line.startswith(b"id: "):
                got[0] += 1


async def _room(
    server: Any, fx: Any, attendees: int, rounds: int, dashboards: bool
) -> dict[str, Any]:
    url = server.url
    admin = {"Authorization": f"Bearer {ADMIN}"}
    counter = 0
    bad = 0
    frames = [0]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=TIMEOUT, connector=connector) as session:
        readers = []
        if dashboards:
            stream_session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
            readers = [
                asyncio.create_task(_read_stream(stream_session, url, frames))
                for _ in range(attendees)
            ]
            await asyncio.sleep(0.5)  # the streams are open

        async def attendee(i: int, round_: int) -> None:
            nonlocal counter, bad
            counter += 1
            token, fin = fx.users[i % len(fx.users)]
            auth = {"Authorization": f"Bearer {token}"}
            tran_id = f"{fx.code}U{next(_TRAN_IDS):09d}"
            if round_ % 2:
                body = withdraw_body(fx.cntr_withdraw, fin, tran_id)
                path = "/v2.0/transfer/withdraw/fin_num"
                call = session.post(url + path, json=body, headers=auth)
            else:
                query = {"bank_tran_id": tran_id, "fintech_use_num": fin, "tran_dtime": DTIME}
                path = "/v2.0/account/balance/fin_num"
                call = session.get(url + path, params=query, headers=auth)
            async with call as resp:
                answer = await resp.json()
                bad += resp.status != 200 or answer.get("rsp_code") != "A0000"

        async def dashboard() -> None:
            nonlocal bad
            async with session.get(url + "/testbed/settlement", headers=admin) as resp:
                day = await resp.json()
                if resp.status != 200 or day.get("total") != 0:
                    bad += 1
                    print(f"workshop: the settlement answered {resp.status} {day}", flush=True)

        began = server.cpu_seconds()
        wall = time.perf_counter()
        for round_ in range(rounds):
            work = [attendee(i, round_) for i in range(attendees)]
            if dashboards:
                work += [dashboard() for _ in range(attendees)]
            await asyncio.gather(*work)
        await asyncio.sleep(0.2)  # the last events reach the streams
        cpu = server.cpu_seconds() - began
        wall = time.perf_counter() - wall
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        if dashboards:
            await stream_session.close()
    return {
        "attendees": attendees,
        "dashboards": dashboards,
        "rounds": rounds,
        "requests": counter,
        "errors": bad,
        "frames_read": frames[0],
        "server_cpu_s": round(cpu, 3),
        "wall_s": round(wall, 2),
        "core_share": round(cpu / rounds, 4),  # CPU seconds per second of the workshop
        "core_share_per_attendee": round(cpu / rounds / attendees, 5),
    }


def rooms(sizes: list[int], minutes: float) -> list[dict[str, Any]]:
    rounds = max(1, round(minutes * 60))
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="kftc-workshop-") as folder:
        tmp = Path(folder)
        banks = tmp / "banks.yaml"
        zero_latency_banks(ROOT / "banks.yaml", banks)
        port = free_port()
        command = [sys.executable, "-m", "testbed", "serve", "--banks", str(banks)]
        command += ["--db", str(tmp / "workshop.db"), "--port", str(port)]
        command += ["--users", "200", "--clock", "realtime"]  # the token: run.start_server
        command += ["--start", START]
        server = start_server("testbed serve", command, port, tmp / "serve.log", "/testbed/clock")
        try:
            fx = make_fixture(server.url, 8, rows=0)
            for size in sizes:
                for dashboards in (False, True):
                    result = asyncio.run(_room(server, fx, size, rounds, dashboards))
                    out.append(result)
                    print(
                        f"workshop: {size} attendees {'with' if dashboards else 'without'}"
                        f" dashboards: {100 * result['core_share']:.1f} % of a core"
                        f" ({100 * result['core_share_per_attendee']:.2f} % an attendee),"
                        f" {result['errors']} errors",
                        flush=True,
                    )
        finally:
            server.stop()
    return out


# --- the settlement as the day grows ------------------------------------------------------


def _scan(ledger: Any, date: str) -> dict[str, int]:
    """Positions by a scan of the day's entries: how `settle` found them before issue 26."""
    from testbed.network.ledger import CARRY, CLEARING
    from testbed.network.settlement import day_entries

    positions: dict[str, int] = {}
    for entry in day_entries(ledger, date):
        if entry.kind == CARRY:
            continue
        for leg in entry.postings:
            if leg.account[0] == CLEARING:
                positions[leg.account[1]] = positions.get(leg.account[1], 0) + leg.amount
    return dict(sorted(positions.items()))


def settlement_cost(sizes: list[int], refreshes: int = 200) -> list[dict[str, Any]]:
    import gc

    from testbed.clock import parse_kst, yyyymmdd
    from testbed.network.ledger import Ledger, Posting, clearing_key
    from testbed.network.settlement import settle

    banks = ["004", "088", "020", "011", "081", "003", "090", "023", "027", "032"]
    out = []
    for size in sizes:
        gc.collect()
        ledger = Ledger()
        start = parse_kst(START)
        step = 50_000 / (size + refreshes + 1)  # the whole day's transfers before 23:55
        date = yyyymmdd(start)

        def post(n: int, ledger: Ledger = ledger, start: float = start, step: float = step) -> None:
            a, b = banks[n % 10], banks[(n * 7 + 3) % 10]
            if a == b:
                b = banks[(n + 1) % 10]
            amount = 1000 + n % 997
            legs = (Posting(clearing_key(a), -amount), Posting(clearing_key(b), amount))
            ledger.post(start + n * step, "transfer", legs)

        for n in range(size):
            post(n)
        began = time.perf_counter()
        scanned = _scan(ledger, date)
        scan_ms = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        first = settle(ledger, date)
        first_ms = (time.perf_counter() - began) * 1000
        assert first.positions == scanned and first.total == 0
        spent = 0.0
        for n in range(size, size + refreshes):  # one transfer, then a refresh (timed)
            post(n)
            began = time.perf_counter()
            settle(ledger, date)
            spent += time.perf_counter() - began
        refresh_us = spent / refreshes * 1e6
        assert settle(ledger, date).positions == _scan(ledger, date)
        out.append(
            {
                "entries": size,
                "scan_ms": round(scan_ms, 2),
                "first_settle_ms": round(first_ms, 2),
                "refresh_us": round(refresh_us, 1),  # a settle after one new entry
            }
        )
        print(
            f"settlement: {size:>9,} entries today: a scan {scan_ms:8.2f} ms;"
            f" kept: the first {first_ms:8.2f} ms, then {refresh_us:6.1f} µs a refresh",
            flush=True,
        )
        del ledger
    return out


def markdown(data: dict[str, Any]) -> str:
    lines = [
        f"Run `{data['command']}` of {data['taken']}: rounds of one API call per attendee"
        " (balance and withdraw in turn) and, with dashboards, one settlement refresh and"
        " the event stream per attendee; the server's CPU (from /proc) per round, i.e. per"
        " second of the workshop. Load average before: "
        + " / ".join(str(x) for x in data["machine"]["loadavg"])
        + ".",
        "",
        "| attendees | dashboards | rounds | requests | frames read | errors"
        " | % of a core | % of a core per attendee |",
        "|---:|:---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in data["rooms"]:
        lines.append(
            f"| {r['attendees']} | {'yes' if r['dashboards'] else 'no'} | {r['rounds']}"
            f" | {r['requests']:,} | {r['frames_read']:,} | {r['errors']}"
            f" | {100 * r['core_share']:.1f} | {100 * r['core_share_per_attendee']:.2f} |"
        )
    lines += [
        "",
        "| entries today | a scan of the day (before) ms | kept: first settle ms"
        " | kept: a refresh after one transfer µs |",
        "|---:|---:|---:|---:|",
    ]
    for s in data["settlement"]:
        lines.append(
            f"| {s['entries']:,} | {s['scan_ms']} | {s['first_settle_ms']} | {s['refresh_us']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", default=",".join(map(str, ROOMS)))
    parser.add_argument("--minutes", type=float, default=1.0, help="of the workshop (rounds/60)")
    parser.add_argument("--entries", default=",".join(map(str, SETTLEMENT_SIZES)))
    parser.add_argument("--write", action="store_true", help="results.json and the docs")
    parser.add_argument("--out-dir", type=Path, help="with --write: write the files here")
    args = parser.parse_args(argv)
    sizes = [int(a) for a in args.attendees.split(",") if a]
    data: dict[str, Any] = {
        "taken": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/workshop.py"
        + f" --attendees {args.attendees} --minutes {args.minutes:g} --entries {args.entries}",
        "machine": machine("Python aiohttp client, one event loop"),
        "rooms": rooms(sizes, args.minutes) if sizes else [],
        "settlement": settlement_cost([int(e) for e in args.entries.split(",") if e]),
    }
    if args.write:
        save_section("workshop", data, markdown(data), args.out_dir)
    else:
        with contextlib.suppress(BrokenPipeError):
            print(json.dumps(data, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
