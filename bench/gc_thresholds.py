"""The collector's thresholds, chosen by measurement (issue 26): CPU per request of a mixed
load under each candidate, with the world frozen as `serve` freezes it.

    .venv/bin/python bench/gc_thresholds.py                  # the candidates, twice each
    .venv/bin/python bench/gc_thresholds.py --requests 1000 --rounds 1

Each point runs in a process of its own (the app through aiohttp's test client, as
bench/budget.py builds it: zero bank latency, a virtual clock): a warm-up, then
`Runtime.freeze_now()` and `gc.set_threshold(...)` as `serve` does, then `--requests`
requests (balance 60 %, transaction list 20 %, withdraw 10 %, deposit 5 %, token 5 %)
timed by the process's CPU clock, client included. The candidates run in turn, `--rounds`
times, so a neighbour's load falls on all of them alike; the figure is each one's best.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import budget  # bench/ is a folder of scripts, not a package

#: Python's default, issue 7's choice (what `serve` sets), and two further out
CANDIDATES = ((700, 10, 10), (20_000, 20, 50), (50_000, 50, 100), (100_000, 100, 1000))
MIX = (("balance", 60), ("transactions", 20), ("withdraw", 10), ("deposit", 5), ("token", 5))


async def _point(threshold: tuple[int, int, int], requests: int) -> dict[str, Any]:
    from aiohttp.test_utils import TestClient, TestServer

    from testbed.typedefs import RUNTIME

    kinds = [k for k, share in MIX for _ in range(share)]
    rng = random.Random(7)
    folder = tempfile.TemporaryDirectory(prefix="gc-thresholds-")
    app = budget.make_app(Path(folder.name))
    async with TestClient(TestServer(app)) as http:
        fx = await budget._fixture(http)
        for kind, _ in MIX:
            for _ in range(budget.WARMUP):
                await budget._send(http, budget.build(kind, fx))
        app[RUNTIME].freeze_now()
        gc.set_threshold(*threshold)
        before = [s["collections"] for s in gc.get_stats()]
        began = time.process_time()
        for _ in range(requests):
            await budget._send(http, budget.build(rng.choice(kinds), fx))
        cpu = time.process_time() - began
        after = [s["collections"] for s in gc.get_stats()]
    folder.cleanup()
    return {
        "threshold": list(threshold),
        "us_per_request": round(cpu / requests * 1e6, 1),
        "collections": [a - b for a, b in zip(after, before, strict=True)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        threshold = tuple(int(x) for x in args.child.split(","))
        point = asyncio.run(_point(threshold, args.requests))  # type: ignore[arg-type]
        print(json.dumps(point))
        return 0
    best: dict[tuple[int, ...], dict[str, Any]] = {}
    for _ in range(args.rounds):
        for threshold in CANDIDATES:
            command = [sys.executable, __file__, "--requests", str(args.requests)]
            command += ["--child", ",".join(map(str, threshold))]
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                raise SystemExit(f"gc_thresholds: {threshold} failed:\n{done.stderr[-2000:]}")
            point = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"gc {threshold}: {point['us_per_request']} µs a request,"
                f" collections {point['collections']}",
                flush=True,
            )
            if threshold not in best or point["us_per_request"] < best[threshold]["us_per_request"]:
                best[threshold] = point
    print(json.dumps(list(best.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
