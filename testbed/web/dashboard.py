"""`/dashboard`: the network, live, for a projector (and a phone).

The page carries no data and needs no token to load: its script (`static/dashboard.js`)
takes the admin token from the URL fragment (`/dashboard#token=...`, which browsers never
send) or a small form, keeps it in sessionStorage, calls `/testbed/*` with it as a bearer
token and follows `GET /testbed/events?token=...` as server-sent events. This handler
only renders the shell and the choices its controls offer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web

from testbed.resources import static_path
from testbed.web.render import render


@dataclass(frozen=True)
class FaultChoice:
    """A fault kind the page offers: what the spec always carries, and one editable value."""

    kind: str
    label: str
    fixed: dict[str, Any] = field(default_factory=dict)
    param: str = ""  # "latency" (seconds) or "capacity" (concurrent transactions)


FAULT_CHOICES: Final = (
    FaultChoice("bank_down", "bank_down · 응답 없음"),
    FaultChoice("maintenance", "maintenance · 점검"),
    FaultChoice("latency", "latency · 지연", param="latency"),
    FaultChoice("error", "error · 은행 오류 (bank_error)", {"problem": "bank_error"}),
    FaultChoice("timeout_after_commit", "timeout_after_commit · 처리 후 타임아웃"),
    FaultChoice("timeout_before_commit", "timeout_before_commit · 처리 전 타임아웃"),
    FaultChoice("capacity", "capacity · 처리 용량 축소", param="capacity"),
)
DURATIONS: Final = ("1m", "5m", "10m", "30m")
SPEEDS: Final = (1, 60, 600)
#: where the instructor's jump button takes the clock: just before the nightly cutover
JUMP_TO: Final = "23:29:30"
STATIC_FILES: Final = ("base.css", "dashboard.css", "dashboard.js")


def _static_version() -> str:
    """Changes whenever one of the page's files does, so a reload never mixes old and new."""
    stamps = [
        (static_path() / name).stat().st_mtime_ns
        for name in STATIC_FILES
        if (static_path() / name).exists()
    ]
    return format(max(stamps, default=0) // 1_000_000, "x")


async def page(request: web.Request) -> web.Response:
    return render(
        request,
        "dashboard.html",
        fault_choices=FAULT_CHOICES,
        durations=DURATIONS,
        speeds=SPEEDS,
        jump_to=JUMP_TO,
        version=_static_version(),
    )
