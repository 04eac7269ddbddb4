"""The benchmark scripts run end to end and write what they promise.

Only the shape is checked (every workload, numbers where numbers belong, the tables
written), never a timing: the figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.subprocess

BENCH = Path(__file__).resolve().parents[2] / "bench"
WORKLOADS = {
    "baseline_get",
    "baseline_post",
    "token",
    "balance",
    "transactions",
    "withdraw",
    "deposit",
    "mixed",
}


def bench(script: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def test_run_smoke_writes_every_workload(tmp_path: Path) -> None:
    done = bench("run.py", "--smoke", "--out-dir", str(tmp_path))
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    section = results["throughput"]
    assert set(section["workloads"]) == WORKLOADS
    for name, result in section["workloads"].items():
        for key in ("rps", "p50_ms", "p99_ms", "ratio"):
            assert number(result[key]), (name, key, result[key])
        assert isinstance(result["non_ok"], int) and result["non_ok"] >= 0
        assert result["requests"] > 0, name
    for name in ("token", "withdraw", "deposit"):
        assert number(section["workloads"][name]["ratio_post"])
    assert section["workloads"]["baseline_get"]["ratio"] == 1.0
    machine = section["machine"]
    assert machine["cores"] >= 1 and machine["python"] and machine["aiohttp"]
    assert machine["load_generator"].startswith("Python aiohttp client")
    assert section["duration_s"] > 0 and section["connections"] == 64
    assert section["server"]["ledger_ok_after"] is True
    assert section["server"]["loop"] == "asyncio"  # both servers on the same loop
    assert [t["reached"] in (True, False) for t in section["targets"]] == [True, True, True]
    markdown = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    block = markdown.split("<!-- bench:throughput begin -->")[1].split(
        "<!-- bench:throughput end -->"
    )[0]
    rows = [line for line in block.splitlines() if line.startswith("| ")]
    for name in WORKLOADS:
        assert any(row.startswith(f"| {name} |") for row in rows), name
    assert "balance inquiry ≥ 0.5× bare GET" in block
    assert "durable withdraw ≥ 0.3× bare GET" in block
    assert "p99 ≤ 20 ms at 64 connections" in block
    assert "| balance |" in done.stdout  # the table is printed too


def test_sections_do_not_erase_each_other(tmp_path: Path) -> None:
    bench("replay_day.py", "--transfers", "2000", "--write", "--out-dir", str(tmp_path))
    done = bench(
        "scale.py",
        "--accounts",
        "20000",
        "--history-days",
        "0",
        "--write",
        "--out-dir",
        str(tmp_path),
        timeout=300,
    )
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    (day,) = results["replay_day"]["runs"].values()
    assert day["transfers"] == 2000 and day["passed"] is True
    for key in ("wall_s", "cpu_s", "transfers_per_wall_s", "peak_rss_mib"):
        assert number(day[key]) and day[key] > 0, key
    assert 0 < day["settled_transfers"] <= 2000
    (scale,) = results["scale"]["runs"].values()
    assert scale["accounts"] >= 20000 * 0.9 and scale["history_days"] == 0
    for key in ("open_runtime_s", "open_runtime_cpu_s", "seed_s", "sqlite_s", "peak_rss_mib"):
        assert number(scale[key]) and scale[key] >= 0, key
    assert scale["peak_rss_mib"] >= scale["rss_before_mib"]
    assert number(scale["peak_bytes_per_account"])
    # the world went to a file, and a second process opened it again, the same size
    assert scale["restart_accounts"] == scale["accounts"]
    for key in ("restart_s", "restart_peak_rss_mib", "history_read_us", "init_app_s"):
        assert number(scale[key]) and scale[key] >= 0, key
    assert scale["history_lines_per_account"] >= 1  # every seeded account opened with a line
    markdown = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    for name in ("replay_day", "scale"):
        block = markdown.split(f"<!-- bench:{name} begin -->")[1].split(
            f"<!-- bench:{name} end -->"
        )[0]
        assert block.count("\n| ") >= 2, block  # a header and a row at least
    assert "| 2,000 |" in markdown
    assert "| 20," in done.stdout  # the row is printed too


def test_run_open_loop_writes_its_section(tmp_path: Path) -> None:
    """--open-loop sends the mixed day at a fixed rate and writes each rate's latencies."""
    bench(
        "run.py",
        "--smoke",
        "--only",
        "balance",
        "--open-loop",
        "50,100",
        "--out-dir",
        str(tmp_path),
    )
    section = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["open_loop"]
    assert [r["rate"] for r in section["rates"]] == [50, 100]
    for r in section["rates"]:
        assert r["due"] == int(r["rate"] * section["duration_s"])
        assert r["answered"] + r["socket_errors"] + r["dropped"] == r["due"]
        for key in ("achieved_rps", "p50_ms", "p99_ms", "p999_ms", "max_ms"):
            assert number(r[key]), (key, r[key])
        assert r["p50_ms"] <= r["p99_ms"] <= r["p999_ms"] <= r["max_ms"]
        assert r["non_ok"] == 0
    markdown = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    assert "<!-- bench:open_loop begin -->" in markdown and "| 100 |" in markdown


def test_run_loop_lag_names_the_stalls(tmp_path: Path) -> None:
    """--loop-lag runs the server watching its event loop and reports per workload."""
    bench("run.py", "--smoke", "--only", "balance", "--loop-lag", "1", "--out-dir", str(tmp_path))
    section = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["loop_lag"]
    assert section["threshold_ms"] == 1
    watched = section["workloads"]["balance"]
    assert isinstance(watched["stalls"], int) and number(watched["max_lag_ms"])
    for named in watched["callbacks"]:
        assert named["count"] >= 1 and named["worst_ms"] >= 1
    assert "<!-- bench:loop_lag begin -->" in (tmp_path / "benchmarks.md").read_text("utf-8")


def test_curve_measures_each_point_and_plots(tmp_path: Path) -> None:
    """bench/curve.py: CPU per balance and withdraw for each world size and institution
    count, each point in its own process, and the plot."""
    bench(
        "curve.py",
        "--accounts",
        "1000,3000",
        "--institutions",
        "2,4",
        "--requests",
        "50",
        "--write",
        "--out-dir",
        str(tmp_path),
        timeout=300,
    )
    section = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["curve"]
    points = section["points"]
    assert [(p["asked_accounts"], p["institutions"]) for p in points] == [
        (1000, 2),
        (1000, 4),
        (3000, 2),
        (3000, 4),
    ]
    for p in points:
        assert p["accounts"] >= p["asked_accounts"] * 0.9
        assert number(p["balance_us"]) and number(p["withdraw_us"]) and p["balance_us"] > 0
    png = (tmp_path / "scale-curve.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert "![CPU per request as the world grows](scale-curve.png)" in (
        tmp_path / "benchmarks.md"
    ).read_text(encoding="utf-8")


def test_steps_sorts_samples_by_the_innermost_testbed_frame(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import steps

    folded = tmp_path / "balance.txt"
    folded.write_text(
        "process;_run_once (asyncio/base_events.py:1);_handle (aiohttp/web_app.py:2)"
        ";kftc_errors (testbed/api/context.py:3);seal (testbed/store/crypto.py:4) 3\n"
        "process;_run_once (asyncio/base_events.py:1);data_received (aiohttp/web_protocol.py:5) 5\n"
        "process;_run_once (asyncio/base_events.py:1);answer (testbed/api/context.py:6)"
        ";__init__ (aiohttp/web_response.py:7) 2\n"
        "process;_write_forever (testbed/store/sqlite.py:8) 10\n"
    )
    rows = steps.table(steps.read_folded(folded), cpu_ms_per_request=0.2)
    assert rows[0] == ("the SQLite writer (commit, wake the waiters)", 50.0, 100.0)
    found = {step: us for step, _, us in rows}
    assert found["aiohttp (HTTP parsing, routing, writing)"] == pytest.approx(50.0)
    assert found["sealing for the disk (AES-GCM, keyed hashes)"] == pytest.approx(30.0)
    assert found["rendering the answer (views, JSON, headers)"] == pytest.approx(20.0)
    assert "| step | share | µs per request |" in steps.markdown(rows)


def test_workshop_smoke_writes_the_room_and_the_settlement(tmp_path: Path) -> None:
    bench(
        "workshop.py",
        "--attendees",
        "2",
        "--minutes",
        "0.05",
        "--entries",
        "2000",
        "--write",
        "--out-dir",
        str(tmp_path),
    )
    section = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["workshop"]
    rooms = section["rooms"]
    assert [(r["attendees"], r["dashboards"]) for r in rooms] == [(2, False), (2, True)]
    for room in rooms:
        assert room["errors"] == 0 and room["requests"] == 2 * room["rounds"]
        assert number(room["core_share"]) and number(room["core_share_per_attendee"])
    assert rooms[1]["frames_read"] >= 2 * rooms[1]["requests"]  # each reader saw each call
    (cost,) = section["settlement"]
    assert cost["entries"] == 2000
    for key in ("scan_ms", "first_settle_ms", "refresh_us"):
        assert number(cost[key]), key
    markdown = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    assert "<!-- bench:workshop begin -->" in markdown and "| 2,000 |" in markdown


def test_gc_thresholds_smoke_measures_every_candidate() -> None:
    done = bench("gc_thresholds.py", "--requests", "30", "--rounds", "1", timeout=300)
    points = json.loads(done.stdout.strip().splitlines()[-1])
    assert [p["threshold"] for p in points] == [
        [700, 10, 10],
        [20_000, 20, 50],
        [50_000, 50, 100],
        [100_000, 100, 1000],
    ]
    for point in points:
        assert number(point["us_per_request"]) and point["us_per_request"] > 0
        assert len(point["collections"]) == 3
