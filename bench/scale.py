"""Peak memory and start-up time of a seeded world of N accounts.

    .venv/bin/python bench/scale.py                        # 1,000,000 accounts
    .venv/bin/python bench/scale.py --accounts 20000
    .venv/bin/python bench/scale.py --write [--out-dir DIR] # add to results.json / docs

The world is built in a child process the way `testbed serve` builds a new one:
`testbed.runtime.open_runtime` on a fresh temporary SQLite file (as serve's --db; not
`:memory:`, whose pages would count in the process's RSS), a virtual clock, and about
N / 2.14 users (the seed gives each user 1-4 accounts, 2.14 on average), each demand
account with --history-days of history (92, as `testbed serve`). Measured: the time of
open_runtime (of which seeding the world, the rest writing it to SQLite), of init_app
(routes, templates), the child's peak RSS (resource.getrusage) and its RSS before the
world, and the time to read the history of 1,000 accounts (made on first read). Then a
second child opens the same file again, as a restarted `testbed serve` does: its
open_runtime time and peak RSS. The children run under an address-space limit
(--max-memory-gb) so a world too large for the machine fails alone, with MemoryError,
instead of pushing other work out of memory; and above 5,000 accounts a 5,000-account
world is built first: when its figures, scaled linearly, put the big one over the limit,
it is reported as not built, with the projection (--force builds it anyway).

    .venv/bin/python bench/scale.py --accounts 1000000 --history-days 0 --write
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# bench/ is not a package: the helpers live in run.py beside this file
sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, load_results, machine, save_section

START = "2026-03-02T10:00:00+09:00"
ACCOUNTS_PER_USER = 15 / 7  # the seed draws 1, 1, 2, 2, 2, 3 or 4 accounts a user
#: above this many accounts a world of this size is built first, and the big one only
#: when its linear projection fits under --max-memory-gb
CALIBRATION = 5_000


def _rss_mib() -> float:
    """The resident set now (Linux /proc/self/statm), in MiB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * resource.getpagesize() / 1024**2


def child(users: int, history_days: int, db: str, restart: bool) -> dict[str, Any]:
    """Build the world in this process and measure it (runs in the child); `restart`:
    open the world already in `db` instead."""
    import testbed.runtime as runtime_module
    from testbed.config.settings import Settings
    from testbed.web.app import init_app

    rss_before = _rss_mib()
    seeding: list[float] = []
    populate = runtime_module.populate  # type: ignore[attr-defined]

    def timed_populate(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        made = populate(*args, **kwargs)
        seeding.append(time.perf_counter() - began)
        return made

    runtime_module.populate = timed_populate  # type: ignore[attr-defined]
    settings = Settings(
        db=db,
        clock="virtual",
        start=START,
        admin_token="scale",
        users=users,
        history_days=history_days,
    )
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter()
    runtime = runtime_module.open_runtime(settings)
    opened = time.perf_counter() - began
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = used.ru_utime - cpu.ru_utime + used.ru_stime - cpu.ru_stime
    if restart:
        data = {
            "restart_s": round(opened, 2),
            "restart_cpu_s": round(cpu_s, 2),
            "restart_peak_rss_mib": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
            "restart_accounts": len(runtime.world.ledger.accounts),
        }
        runtime.close()
        return data
    began = time.perf_counter()
    init_app(settings, runtime)
    app_s = time.perf_counter() - began
    ledger = runtime.world.ledger
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    accounts = list(ledger.accounts.values())
    sample = accounts[:: max(1, len(accounts) // 1000)][:1000]
    began = time.perf_counter()
    lines = sum(len(a.history) for a in sample)
    read_s = time.perf_counter() - began
    data = {
        "users": len(runtime.world.directory.users),
        "accounts": len(ledger.accounts),
        "ledger_entries": len(ledger.entries),
        "postings": sum(len(e.postings) for e in ledger.entries),
        "history_lines_per_account": round(lines / max(1, len(sample)), 1),
        "history_read_us": round(read_s / max(1, len(sample)) * 1e6),
        "open_runtime_s": round(opened, 2),
        "open_runtime_cpu_s": round(cpu_s, 2),
        "seed_s": round(seeding[0], 2) if seeding else None,
        "sqlite_s": round(opened - seeding[0], 2) if seeding else None,
        "init_app_s": round(app_s, 2),
        "rss_before_mib": round(rss_before, 1),
        "rss_after_mib": round(_rss_mib(), 1),
        "peak_rss_mib": round(peak, 1),
    }
    runtime.close()
    data["db_mib"] = round(sum(p.stat().st_size for p in Path(db).parent.iterdir()) / 1024**2, 1)
    return data


def _run_child(arguments: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=4 * 3600,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("SCALE_JSON ")), None)
    if line:
        result: dict[str, Any] = json.loads(line[len("SCALE_JSON ") :])
        return result
    return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:300]}


def measure(accounts: int, history_days: int, max_memory_gb: float) -> dict[str, Any]:
    users = max(1, round(accounts / ACCOUNTS_PER_USER))
    taken = datetime.now(UTC).isoformat(timespec="seconds")
    before = machine("none (in-process world)")
    folder = Path(tempfile.mkdtemp(prefix="testbed-scale-"))
    arguments = [
        "--users",
        str(users),
        "--history-days",
        str(history_days),
        "--max-memory-gb",
        str(max_memory_gb),
        "--db",
        str(folder / "testbed.db"),
    ]
    try:
        began = time.perf_counter()
        result = _run_child(arguments)
        wall = time.perf_counter() - began
        if "error" not in result:
            result.update(_run_child([*arguments, "--restart"]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    data: dict[str, Any] = {
        "taken": taken,
        "command": f"python bench/scale.py --accounts {accounts}",
        "machine": before,
        "accounts_asked": accounts,
        "history_days": history_days,
        "max_memory_gb": max_memory_gb,
        "process_wall_s": round(wall, 2),  # the child from exec to exit: imports, world, exit
        **result,
    }
    if "accounts" in data and "peak_rss_mib" in data:
        world_mib = data["peak_rss_mib"] - data["rss_before_mib"]
        data["peak_bytes_per_account"] = round(world_mib * 1024**2 / max(1, data["accounts"]))
    return data


def markdown(runs: dict[str, dict[str, Any]]) -> str:
    """A row per size measured (the latest run of each)."""
    lines = [
        "| accounts | history days | users | ledger entries"
        " | open_runtime s (seed + SQLite) | its CPU s | init_app s | peak RSS MiB"
        " | bytes / account | restart s (peak RSS MiB) | history read µs | taken (load average"
        " before) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for d in sorted(runs.values(), key=lambda d: (d["history_days"], d["accounts_asked"])):
        load = " / ".join(str(x) for x in d["machine"]["loadavg"])
        if "error" in d:
            lines.append(
                f"| {d['accounts_asked']:,} | {d['history_days']} | | | **not built** | | | |"
                f" | | | {d['taken']} ({load}) |"
            )
            continue
        restart = f"{d['restart_s']} ({d['restart_peak_rss_mib']:,})" if "restart_s" in d else "–"
        read = f"{d['history_read_us']:,}" if "history_read_us" in d else "–"
        lines.append(
            f"| {d['accounts']:,} | {d['history_days']} | {d['users']:,}"
            f" | {d['ledger_entries']:,}"
            f" | {d['open_runtime_s']} ({d['seed_s']} + {d['sqlite_s']})"
            f" | {d['open_runtime_cpu_s']} | {d.get('init_app_s', '–')} | {d['peak_rss_mib']:,}"
            f" | {d['peak_bytes_per_account']:,} | {restart} | {read} | {d['taken']} ({load}) |"
        )
    m = next(iter(runs.values()))["machine"]
    lines += [
        "",
        f"`python bench/scale.py --accounts N [--history-days D] --write`; machine:"
        f" {m['cores']} cores, {m['memory']}, Python {m['python']}. The world is written to a"
        " temporary SQLite file, as `testbed serve --db` does. Bytes / account: peak RSS less"
        " the RSS before the world (interpreter and imports), per account. CPU s: the"
        " process's own time in open_runtime; the wall time beyond it is what other work on"
        " the machine took. Restart: open_runtime of the same file in a new process."
        " History read: the mean time to read the history of one of 1,000 accounts (a"
        " seeded one is made then).",
    ]
    for d in runs.values():
        if "error" in d:
            lines += ["", f"Not built: {d['accounts_asked']:,} accounts: {d['error']}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--history-days", type=int, default=92, help="as testbed serve: 92")
    parser.add_argument(
        "--max-memory-gb", type=float, default=16.0, help="address-space limit of the child"
    )
    parser.add_argument("--write", action="store_true", help="add to results.json and the docs")
    parser.add_argument("--out-dir", type=Path, help="with --write: write the files here")
    parser.add_argument(
        "--force", action="store_true", help="build it even when projected over the limit"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--restart", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        limit = int(args.max_memory_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            result = child(args.users, args.history_days, args.db, args.restart)
        except MemoryError:
            print(f"MemoryError: more than {args.max_memory_gb:g} GB", file=sys.stderr)
            return 3
        print("SCALE_JSON " + json.dumps(result), flush=True)
        return 0
    data = None
    if args.accounts > CALIBRATION and not args.force:
        small = measure(CALIBRATION, args.history_days, args.max_memory_gb)
        if "error" not in small:
            projected = (
                small["rss_before_mib"] + small["peak_bytes_per_account"] * args.accounts / 1024**2
            ) / 1024
            seconds = small["open_runtime_cpu_s"] * args.accounts / small["accounts"]
            print(
                f"scale: a {small['accounts']:,}-account world peaked at"
                f" {small['peak_rss_mib']} MiB; {args.accounts:,} accounts would take at least"
                f" {projected:.1f} GiB and {seconds / 60:.0f} CPU minutes (linear projection)",
                flush=True,
            )
            if projected > args.max_memory_gb:
                data = {
                    **small,
                    "command": f"python bench/scale.py --accounts {args.accounts}",
                    "accounts_asked": args.accounts,
                    "error": f"projected peak {projected:.1f} GiB (from a {small['accounts']:,}"
                    f"-account world, linear: a lower bound) is over --max-memory-gb"
                    f" {args.max_memory_gb:g}; at least {seconds / 60:.0f} CPU minutes to seed"
                    " (--force tries anyway)",
                    "projected_peak_gib": round(projected, 1),
                    "projected_cpu_s": round(seconds),
                }
    if data is None:
        data = measure(args.accounts, args.history_days, args.max_memory_gb)
    print(markdown({"this run": data}))
    print(f"python {platform.python_version()}")
    if args.write:
        section = load_results(args.out_dir).get("scale", {})
        runs = section.get("runs", {}) if isinstance(section, dict) else {}
        runs[f"accounts={args.accounts},history_days={args.history_days}"] = data
        save_section("scale", {"runs": runs}, markdown(runs), args.out_dir)
    return 0 if "error" not in data else 1


if __name__ == "__main__":
    sys.exit(main())
