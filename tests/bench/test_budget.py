"""The cost budget holds (bench/budget.py, bench/budget.toml): no API request makes more
function calls than its row allows, and the tool does fail a request made dearer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import budget  # bench/ is a folder of scripts, not a package


def test_every_workload_has_a_row_with_a_why() -> None:
    table = budget.load_budget()
    assert set(budget.WORKLOADS) <= set(table)
    for row in table.values():
        assert row["calls"] > 0 and len(row["why"]) > 20


def test_every_api_request_is_within_its_budget() -> None:
    verdicts = budget.check(budget.count())
    report = "\n".join(v.line() for v in verdicts)
    assert not any(v.over for v in verdicts), (
        "a request costs more than bench/budget.toml allows: if the calls are worth it,"
        f" raise its row in the same diff (docs/benchmarks.md, 'The cost budget')\n{report}"
    )


def test_a_costlier_handler_fails_the_budget() -> None:
    """A middleware that makes a balance inquiry do 40 more calls: caught."""

    @web.middleware
    async def costlier(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/v2.0/account/balance/fin_num":
            for _ in range(40):
                len(request.path)  # one call each
        return await handler(request)

    def prepare(app: web.Application) -> None:
        app.middlewares.append(costlier)

    counts = budget.count(("balance",), requests=50, warmup=5, prepare=prepare)
    (verdict,) = budget.check(counts)
    assert verdict.over, verdict.line()
    assert verdict.calls >= budget.load_budget()["balance"]["calls"] + 40
    assert "OVER BUDGET" in verdict.line()


def test_a_workload_without_a_row_is_refused() -> None:
    with pytest.raises(KeyError, match="no budget row for refund"):
        budget.check({"refund": 100.0}, {"balance": {"calls": 700, "why": "x"}})


def test_the_tolerance_is_small() -> None:
    row = {"balance": {"calls": 1000, "why": "x"}}
    (within,) = budget.check({"balance": 1000 * (1 + budget.TOLERANCE)}, row)
    (over,) = budget.check({"balance": 1000 * (1 + budget.TOLERANCE) + 1}, row)
    assert not within.over and over.over
    assert budget.TOLERANCE <= 0.01
