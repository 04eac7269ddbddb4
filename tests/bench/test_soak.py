"""`make soak`'s driver (bench/soak.py): its smoke size runs every stage end to end, and it
fails when a stage falls short of the issue's sizes, not only when a test fails."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.bench.test_harness import BENCH, bench

pytestmark = pytest.mark.subprocess


def soak_module() -> ModuleType:
    """bench/soak.py as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("soak", BENCH / "soak.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak"] = module  # dataclasses look their module up while they are made
    spec.loader.exec_module(module)
    return module


def test_soak_smoke_runs_every_stage_and_writes_its_figures(tmp_path: Path) -> None:
    done = bench("soak.py", "--smoke", "--seed", "7", "--write", "--out-dir", str(tmp_path))
    data = json.loads((tmp_path / "soak.json").read_text(encoding="utf-8"))
    assert data["seed"] == 7
    assert [s["name"] for s in data["stages"]] == ["fuzz", "crash", "endurance", "adversarial"]
    assert all(s["problems"] == [] for s in data["stages"]), data["stages"]
    raw = {s["name"]: s["raw"] for s in data["stages"]}
    assert raw["fuzz"]["fuzz"]["cases"] >= 10 and raw["fuzz"]["fuzz"]["server_errors"] == 0
    crash = raw["crash"]["crash-instant"]
    assert crash["seed"] == 7 and crash["kills"] == 1 and crash["lost"] == 0
    endurance = raw["endurance"]["endurance"]
    assert endurance["seed"] == 7 and len(endurance["settlements"]) == 3
    assert "seed 7" in done.stdout and "| endurance |" in done.stdout
    block = (tmp_path / "reliability.md").read_text(encoding="utf-8")
    assert "<!-- soak begin -->" in block and "<!-- soak end -->" in block
    assert "| fuzz |" in block and "| crash |" in block and "| adversarial |" in block
    adversarial = raw["adversarial"]
    assert adversarial["adversarial-deep"]["bodies"] == 5
    assert adversarial["adversarial-idle"]["closed_by_server"] == 3 * 8


def passing() -> dict[str, dict[str, Any]]:
    """Figures of a full soak that kept every promise."""
    return {
        "fuzz": {
            "fuzz": {
                "cases": 20_000,
                "server_errors": 0,
                "server_error_cases": [],
                "not_fuzzed": [],
            }
        },
        "crash": {
            f"crash-{network}": {
                "network": network,
                "kills": 10,
                "restarts_checked": 10,
                "lost": 0,
                "negative_accounts": 0,
            }
            for network in ("faults", "instant")
        },
        "endurance": {"endurance": {"traffic_s": 3600, "nights": 2, "settlements": [{}] * 3}},
        "adversarial": {
            "adversarial-deep": {"bodies": 400, "server_errors": 0, "slowest_s": 0.3},
            "adversarial-pages": {
                "authorize": 5000,
                "console": 1000,
                "db_growth_kb": 100.0,
                "redirect_uris_before": 2,
                "redirect_uris_after": 2,
                "redirect_uris_unchanged": True,
            },
            "adversarial-idle": {"idle_opened": 192, "closed_by_server": 192},
        },
    }


@pytest.mark.parametrize(
    ("stage", "key", "field", "value", "said"),
    [
        ("fuzz", "fuzz", "cases", 19_999, "fewer than 20000"),
        ("fuzz", "fuzz", "server_errors", 1, "1 server errors"),
        ("fuzz", "fuzz", "not_fuzzed", ["POST /testbed/reset"], "never fuzzed"),
        ("crash", "crash-faults", "kills", 9, "faults: 9 kills"),
        ("crash", "crash-faults", "restarts_checked", 9, "9 checked"),
        ("crash", "crash-instant", "lost", 1, "instant: 1 lost"),
        ("crash", "crash-faults", "negative_accounts", 2, "2 negative"),
        ("endurance", "endurance", "traffic_s", 3599, "under 3600"),
        ("endurance", "endurance", "nights", 1, "two cutovers"),
        ("endurance", "endurance", "settlements", [{}] * 2, "2 settlements proven"),
        ("adversarial", "adversarial-deep", "server_errors", 1, "1 server errors"),
        ("adversarial", "adversarial-pages", "db_growth_kb", 4096.0, "4,096 kB (bound 1024"),
        ("adversarial", "adversarial-pages", "redirect_uris_unchanged", False, "became redirect"),
        ("adversarial", "adversarial-idle", "closed_by_server", 190, "2 idle connections kept"),
    ],
)
def test_a_stage_short_of_its_size_is_broken(
    stage: str, key: str, field: str, value: Any, said: str
) -> None:
    soak = soak_module()
    full = soak.SIZES["full"]
    kept = soak.Stage(stage, "", {}, returncode=0, figures=passing()[stage])
    assert soak.problems(kept, full) == []
    short = passing()[stage]
    short[key][field] = value
    found = soak.problems(soak.Stage(stage, "", {}, returncode=0, figures=short), full)
    assert any(said in p for p in found), found


def test_a_failed_or_stopped_stage_is_broken() -> None:
    soak = soak_module()
    full = soak.SIZES["full"]
    failed = soak.Stage("fuzz", "", {}, returncode=1, figures=passing()["fuzz"])
    failed.output = "E   AssertionError: 500\nFAILED tests/reliability/test_fuzz.py::x"
    assert any("exit 1" in p and "FAILED" in p for p in soak.problems(failed, full))
    stopped = soak.Stage("crash", "", {}, returncode=None, figures=passing()["crash"])
    assert any("stopped after" in p for p in soak.problems(stopped, full))
    silent = soak.Stage("endurance", "", {}, returncode=0, figures={})
    assert soak.problems(silent, full) == ["no figures written"]
