"""`make soak`: the reliability promises at their full size (issues 17 §4, 22 §7), in four stages.

    .venv/bin/python bench/soak.py                # the full soak: about 6 minutes
    .venv/bin/python bench/soak.py --smoke        # seconds: each stage tiny (CI: tests/bench)
    .venv/bin/python bench/soak.py --seed N       # replay a run from the seed it printed
    .venv/bin/python bench/soak.py --write        # also record the figures in docs/reliability.md

The stages are the CI tests of tests/reliability themselves, run at another size through
their environment variables, each in its own pytest process (a fresh server, its own
wall time, a time limit):

- fuzz (test_fuzz.py): schemathesis on every operation of /openapi.json, the world swaps
  included, `FUZZ_EXAMPLES` generated cases an operation (and as many generated bodies for
  each control-plane POST): at least 20,000 cases sent, every documented operation among
  them, no 5xx, every answer as documented;
- crash (test_crash_under_load.py): `CRASH_KILLS` SIGKILLs at seeded random moments under
  48 concurrent connections of withdrawals and deposits, with faults on (and the same on
  banks that answer at once): after every restart no acknowledged transfer lost, the
  ledger balanced, no negative account;
- endurance (test_endurance.py): traffic through the KFTC API on a virtual clock from
  23:00 on a Monday to 02:10 on the Wednesday (27 h 10 min of simulated time, two
  nightly cutovers, a business day between), every answer the one the clock explains,
  the ledger and the settlement proven at each of the three daily settlements;
- adversarial (test_adversarial.py, issue 22): bodies nested to random depths up to
  100,000 levels and YAML alias bombs, each refused naming its limit within a second;
  5,000 unauthenticated `GET /oauth/2.0/authorize` loads and 1,000 `/console/config`
  requests with a new Host each, the database's growth held to PAGE_FLOOD_GROWTH_KB and
  the demo institution's redirect URIs unchanged; three times `--max-connections` idle
  connections while a client keeps calling, every call answered within a second, every
  idle connection closed by the keep-alive timeout, the server's log small.

A test at CI size cannot say "20,000 cases" or "10 kills": each stage writes what it did
(RELIABILITY_FIGURES, tests/reliability/figures.py) and this script holds the figures to
the issue's sizes. It prints a table, and exits 1 if a stage failed or fell short.
One seed (`--seed`) drives every stage: RELIABILITY_SEED for the crash moments and the
traffic, `--hypothesis-seed` for the fuzz. Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import put_block  # bench/ is a folder of scripts, not a package

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- soak begin -->", "<!-- soak end -->"
SEED = 20191218


@dataclass(frozen=True)
class Size:
    """How large each stage runs, and what its figures must reach."""

    fuzz_examples: int  # generated cases an operation (schemathesis adds its coverage cases)
    fuzz_swap_examples: int  # for reset, scenario loads and snapshot restores
    fuzz_select: str  # a pytest -k expression ("" for every operation)
    min_cases: int
    kills: int  # SIGKILLs on each network
    crash_select: str
    step_s: int  # simulated seconds between two batches of traffic
    transfers: int  # a batch's transfers
    inquiries: int  # and inquiries
    min_traffic_s: int
    every_operation: bool  # the fuzz must have sent cases to every documented operation
    deep: int = 24  # adversarial: deep bodies and alias bombs sent
    authorize: int = 200  # unauthenticated consent-page loads
    console: int = 50  # /console/config requests, a new Host header each
    cap: int = 16  # the server's --max-connections (the idle flood is three times that)


SIZES = {
    "full": Size(
        fuzz_examples=200,
        fuzz_swap_examples=25,
        fuzz_select="",
        min_cases=20_000,
        kills=10,
        crash_select="",
        step_s=30,
        transfers=16,
        inquiries=8,
        min_traffic_s=3600,
        every_operation=True,
        deep=400,
        authorize=5000,
        console=1000,
        cap=64,
    ),
    # the plumbing only: a few operations, one kill on banks that answer at once (the
    # faults network's first life alone waits 20 s for its time-outs), 30-minute steps
    "smoke": Size(
        fuzz_examples=2,
        fuzz_swap_examples=1,
        fuzz_select="ledger/check or kept_its_books",
        min_cases=10,
        kills=1,
        crash_select="instant",
        step_s=1800,
        transfers=2,
        inquiries=1,
        min_traffic_s=3600,
        every_operation=False,
        deep=5,
        authorize=20,
        console=5,
        cap=8,
    ),
}
#: wall seconds a stage may take before it is stopped and failed (the whole soak stays
#: under 30 minutes on the project's 2-core machine)
LIMITS = {"fuzz": 780.0, "crash": 420.0, "endurance": 420.0, "adversarial": 300.0}
#: what unauthenticated page loads may add to the database, all of them together (issue
#: 22 §2: a consent page is recorded once per flow, a Host header is never stored)
PAGE_FLOOD_GROWTH_KB = 1024


@dataclass
class Stage:
    name: str
    test: str
    env: dict[str, str]
    select: str = ""
    args: tuple[str, ...] = ()
    returncode: int | None = None
    seconds: float = 0.0
    figures: dict[str, Any] | None = None
    output: str = ""


def stages(size: Size, seed: int) -> list[Stage]:
    return [
        Stage(
            "fuzz",
            "tests/reliability/test_fuzz.py",
            {
                "FUZZ_EXAMPLES": str(size.fuzz_examples),
                "FUZZ_SWAP_EXAMPLES": str(size.fuzz_swap_examples),
            },
            size.fuzz_select,
            (f"--hypothesis-seed={seed}",),
        ),
        Stage(
            "crash",
            "tests/reliability/test_crash_under_load.py",
            {"CRASH_KILLS": str(size.kills)},
            size.crash_select,
        ),
        Stage(
            "endurance",
            "tests/reliability/test_endurance.py",
            {
                "ENDURANCE_STEP": str(size.step_s),
                "ENDURANCE_TRANSFERS": str(size.transfers),
                "ENDURANCE_INQUIRIES": str(size.inquiries),
            },
        ),
        Stage(
            "adversarial",
            "tests/reliability/test_adversarial.py",
            {
                "ADVERSARIAL_DEEP": str(size.deep),
                "ADVERSARIAL_AUTHORIZE": str(size.authorize),
                "ADVERSARIAL_CONSOLE": str(size.console),
                "ADVERSARIAL_CAP": str(size.cap),
            },
        ),
    ]


def run_stage(stage: Stage, seed: int, folder: Path) -> None:
    """One stage's pytest in its own process; its figures are read back from `folder`."""
    env = {
        **os.environ,
        **stage.env,
        "RELIABILITY_SEED": str(seed),
        "RELIABILITY_FIGURES": str(folder),
        # the checkout's testbed, whatever the venv has installed
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "pytest", stage.test, "-p", "no:cacheprovider", "-q"]
    command += [*stage.args, *(["-k", stage.select] if stage.select else [])]
    print(f"soak: {stage.name}: {' '.join(f'{k}={v}' for k, v in stage.env.items())}", flush=True)
    log = folder / f"{stage.name}.log"
    for stale in [*folder.glob(f"{stage.name}.json"), *folder.glob(f"{stage.name}-*.json")]:
        stale.unlink()  # an earlier run's, in a kept --out-dir
    began = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        try:
            done = subprocess.run(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=LIMITS[stage.name],
                check=False,
            )
            stage.returncode = done.returncode
        except subprocess.TimeoutExpired:
            stage.returncode = None  # stopped: over its time limit
    stage.seconds = round(time.monotonic() - began, 1)
    stage.output = log.read_text(encoding="utf-8", errors="replace")
    stage.figures = {}
    for path in sorted(folder.glob("*.json")):
        name = path.stem
        if name == stage.name or name.startswith(f"{stage.name}-"):
            stage.figures[name] = json.loads(path.read_text(encoding="utf-8"))
    verdict = "passed" if stage.returncode == 0 else "FAILED"
    print(f"soak: {stage.name}: {verdict} in {stage.seconds:.0f} s", flush=True)


# --- the promises ------------------------------------------------------------------------


def problems(stage: Stage, size: Size) -> list[str]:
    """What this stage broke or fell short of: empty when it kept every promise."""
    found: list[str] = []
    if stage.returncode is None:
        found.append(f"stopped after {LIMITS[stage.name]:.0f} s")
    elif stage.returncode != 0:
        found.append(f"pytest failed (exit {stage.returncode}): {failure_lines(stage.output)}")
    figures = stage.figures or {}
    check: Callable[[Size, dict[str, Any]], list[str]] = CHECKS[stage.name]
    return found + check(size, figures)


def failure_lines(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.startswith(("FAILED", "ERROR", "E "))]
    return "; ".join(lines[:4]) or output[-500:]


def check_fuzz(size: Size, figures: dict[str, Any]) -> list[str]:
    fuzz = figures.get("fuzz")
    if fuzz is None:
        return ["no figures written"]
    found = []
    if fuzz["cases"] < size.min_cases:
        found.append(f"{fuzz['cases']} cases sent, fewer than {size.min_cases}")
    if fuzz["server_errors"]:
        found.append(f"{fuzz['server_errors']} server errors: {fuzz['server_error_cases'][:3]}")
    if size.every_operation and fuzz["not_fuzzed"]:
        found.append(f"operations never fuzzed: {fuzz['not_fuzzed'][:5]}")
    return found


def check_crash(size: Size, figures: dict[str, Any]) -> list[str]:
    runs = [figures[k] for k in sorted(figures) if k.startswith("crash-")]
    if not runs:
        return ["no figures written"]
    found = []
    if size.crash_select == "" and not any(r["network"] == "faults" for r in runs):
        found.append("no run with faults on")
    for r in runs:
        if r["kills"] < size.kills or r["restarts_checked"] < r["kills"]:
            found.append(f"{r['network']}: {r['kills']} kills, {r['restarts_checked']} checked")
        if r["lost"] or r["negative_accounts"]:
            found.append(f"{r['network']}: {r['lost']} lost, {r['negative_accounts']} negative")
    return found


def check_endurance(size: Size, figures: dict[str, Any]) -> list[str]:
    run = figures.get("endurance")
    if run is None:
        return ["no figures written"]
    found = []
    if run["traffic_s"] < size.min_traffic_s:
        found.append(f"{run['traffic_s']} s of simulated traffic, under {size.min_traffic_s}")
    if run["nights"] < 2:
        found.append(f"{run['nights']} nights: two cutovers are the promise")
    if len(run["settlements"]) < run["nights"] + 1:
        found.append(f"{len(run['settlements'])} settlements proven for {run['nights']} nights")
    return found


def check_adversarial(size: Size, figures: dict[str, Any]) -> list[str]:
    deep, pages, idle = (figures.get(f"adversarial-{k}") for k in ("deep", "pages", "idle"))
    if deep is None or pages is None or idle is None:
        return ["no figures written (for every part)"]
    found = []
    if deep["bodies"] < size.deep or deep["server_errors"]:
        found.append(f"{deep['bodies']} deep bodies sent, {deep['server_errors']} server errors")
    if pages["db_growth_kb"] > PAGE_FLOOD_GROWTH_KB:
        found.append(
            f"{pages['authorize'] + pages['console']:,} unauthenticated page loads grew the"
            f" database by {pages['db_growth_kb']:,.0f} kB (bound {PAGE_FLOOD_GROWTH_KB} kB)"
        )
    if not pages["redirect_uris_unchanged"]:
        found.append(
            f"Host headers became redirect URIs: {pages['redirect_uris_before']} before,"
            f" {pages['redirect_uris_after']} after"
        )
    if idle["closed_by_server"] < idle["idle_opened"]:
        found.append(f"{idle['idle_opened'] - idle['closed_by_server']} idle connections kept")
    return found


CHECKS: dict[str, Callable[[Size, dict[str, Any]], list[str]]] = {
    "fuzz": check_fuzz,
    "crash": check_crash,
    "endurance": check_endurance,
    "adversarial": check_adversarial,
}


# --- the figures -------------------------------------------------------------------------


def describe(stage: Stage) -> str:
    """The stage's figures in a sentence of the table."""
    figures = stage.figures or {}
    if stage.name == "fuzz" and "fuzz" in figures:
        f = figures["fuzz"]
        streams = sum(f["streams_read"].values())
        return (
            f"{f['cases']:,} cases over {f['operations_fuzzed']} of {f['operations_documented']}"
            f" operations ({f['examples']} generated an operation plus schemathesis's coverage"
            f" cases; the world swaps {f['swap_examples']}; {f['control_bodies']:,} of them"
            f" control-plane POSTs with generated bodies; the live event stream read"
            f" {streams} times), {f['server_errors']} server errors"
        )
    if stage.name == "crash":
        parts = []
        for key in sorted(k for k in figures if k.startswith("crash-")):
            r = figures[key]
            acked = f"{r['acknowledged']:,} acknowledged of {r['transfers']:,} transfers"
            parts.append(
                f"{r['network']}: {r['kills']} SIGKILLs, {acked},"
                f" {r['unanswered_at_kill']} cut off by the kills, {r['lost']} lost,"
                f" {r['restarts_checked']} restarts checked"
            )
        return "; ".join(parts)
    if stage.name == "endurance" and "endurance" in figures:
        r = figures["endurance"]
        hours = r["traffic_s"] / 3600
        ok = r["answers"].get("ok", 0)
        closed = sum(n for k, n in r["answers"].items() if k.endswith(" closed")) - r[
            "answers"
        ].get("centre closed", 0)
        settled = ", ".join(
            f"{s['date']} ({s['transfers_settled']:,} interbank)" for s in r["settlements"]
        )
        return (
            f"{hours:.1f} h of simulated traffic over {r['nights']} nights, a batch every"
            f" {r['step_s']} s: {r['transfers']:,} transfers ({ok:,} done,"
            f" {closed:,} refused by a bank in its cutover,"
            f" {r['answers'].get('centre closed', 0):,} in the centre's closed hours) and"
            f" {r['inquiries']:,} inquiries; settlements proven: {settled}"
        )
    if stage.name == "adversarial" and "adversarial-idle" in figures:
        d, p, i = (figures.get(f"adversarial-{k}", {}) for k in ("deep", "pages", "idle"))
        statuses = ", ".join(f"{n:,} {k}" for k, n in sorted(p.get("statuses", {}).items()))
        return (
            f"{d.get('bodies', 0):,} bodies nested up to 100,000 levels and alias bombs, all"
            f" refused naming the limit, the slowest in {d.get('slowest_s', 0):.2f} s,"
            f" {d.get('server_errors', 0)} server errors; {p.get('authorize', 0):,}"
            f" unauthenticated authorize loads and {p.get('console', 0):,} varied-Host"
            f" console requests ({statuses}) grew the database by"
            f" {p.get('db_growth_kb', 0):,.0f} kB, redirect URIs {p.get('redirect_uris_before')}"
            f" → {p.get('redirect_uris_after')}; {i['idle_opened']} idle connections"
            f" (cap {i['cap']}): {i['closed_by_server']} closed by the server,"
            f" {i['calls_meanwhile']} calls meanwhile (slowest {i['slowest_call_s']:.3f} s),"
            f" {i['log_bytes']} bytes of log"
        )
    return "no figures"


def markdown(data: dict[str, Any]) -> str:
    lines = [
        "| stage | figures | wall | failures |",
        "|---|---|---:|---|",
    ]
    for s in data["stages"]:
        failures = "; ".join(s["problems"]) if s["problems"] else "0"
        lines.append(f"| {s['name']} | {s['figures']} | {wall(s['seconds'])} | {failures} |")
    m = data["machine"]
    lines += [
        "",
        f"`{data['command']}` (seed {data['seed']}), {data['taken']}: {wall(data['seconds'])}"
        f" in all on {m['cores']} cores, Python {m['python']}, load average"
        f" {' / '.join(str(x) for x in m['loadavg'])} before (the machine is shared: under"
        " load the stages are slower and the crash test sends fewer transfers a life).",
    ]
    return "\n".join(lines)


def wall(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def write_doc(text: str, path: Path) -> None:
    """Replace the block between the soak markers of `path` (appended when missing)."""
    put_block(path, BEGIN, END, text)
    print(f"soak: wrote {path}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="each stage tiny: seconds")
    parser.add_argument("--seed", type=int, default=SEED, help=f"default {SEED}")
    parser.add_argument(
        "--stages",
        default="fuzz,crash,endurance,adversarial",
        help="a comma-separated subset, in order",
    )
    parser.add_argument("--write", action="store_true", help="record in docs/reliability.md")
    parser.add_argument("--out-dir", type=Path, help="keep the figures and logs (and --write) here")
    args = parser.parse_args(argv)
    size = SIZES["smoke" if args.smoke else "full"]
    chosen = [s for s in stages(size, args.seed) if s.name in args.stages.split(",")]
    if not chosen:
        parser.error("--stages: one or more of fuzz, crash, endurance, adversarial")
    command = "make soak" if not args.smoke else "python bench/soak.py --smoke"
    print(f"soak: seed {args.seed} (python bench/soak.py --seed {args.seed} replays it)")
    taken = datetime.now(UTC).isoformat(timespec="seconds")
    loadavg = [round(x, 2) for x in os.getloadavg()]
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kftc-soak-") as tmp:
        folder = args.out_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for stage in chosen:
            run_stage(stage, args.seed, folder)
        data = {
            "taken": taken,
            "command": command,
            "seed": args.seed,
            "seconds": round(time.monotonic() - began, 1),
            "machine": {
                "cores": os.cpu_count(),
                "python": platform.python_version(),
                "loadavg": loadavg,
            },
            "stages": [
                {
                    "name": s.name,
                    "seconds": s.seconds,
                    "figures": describe(s),
                    "problems": problems(s, size),
                    "raw": s.figures,
                }
                for s in chosen
            ],
        }
        table = markdown(data)
        (folder / "soak.json").write_text(
            json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8"
        )
        for s in chosen:
            if s.returncode != 0:
                print(f"soak: the end of {s.name}'s output:\n{s.output[-3000:]}", flush=True)
    print(table)
    if args.write:
        write_doc(table, (args.out_dir / "reliability.md") if args.out_dir else DOC)
    broken = [f"{s['name']}: {p}" for s in data["stages"] for p in s["problems"]]
    for line in broken:
        print(f"soak: BROKEN {line}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
