"""The processing log from the web: who asks, from where, through what and why.

Every face that hands out or changes personal data (the control plane, the console, the
developer portal) records it here before it answers; its route is declared writing
(`testbed.web.durability`), so the answer leaves once the record is on disk
(`Store.durable`): an access that could not be logged is not served.

Who: the caller names the actor (`admin:<label>`, `console`, `portal:<developer id>`);
the control plane's label is the `X-Testbed-Operator` header (the person at the
keyboard; `admin` when absent), and any face's caller may state the purpose in
`X-Testbed-Purpose`. Header values are Latin-1, so Korean goes percent-encoded UTF-8
(`encodeURIComponent`): both are decoded here, cut to a length and kept printable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from aiohttp import web

from testbed.clock import iso_kst
from testbed.runtime import Runtime
from testbed.store.audit import READ, Record

OPERATOR_HEADER: Final = "X-Testbed-Operator"
PURPOSE_HEADER: Final = "X-Testbed-Purpose"
LABEL_MAX: Final = 64
PURPOSE_MAX: Final = 200
#: the fields of a processing of every personal field at once (reset, restore, snapshot)
EVERY_FIELD: Final = ("*",)
#: one record covers every showing of the same data by the same public page for an hour
#: of simulated time (`record_shown`)
SHOWN_WINDOW: Final = 3600.0
#: showings remembered at once (in memory; the oldest go first)
MAX_SHOWINGS: Final = 10_000


@dataclass(frozen=True, slots=True)
class Who:
    """Who processes, from where, through which request, and the purpose they stated."""

    actor: str
    source: str  # the client's address (접속지)
    path: str  # "GET /testbed/users"
    stated: str = ""  # X-Testbed-Purpose, "" when none

    def as_(self, actor: str) -> Who:
        return Who(actor, self.source, self.path, self.stated)


def header_text(request: web.Request, name: str, limit: int) -> str:
    """A header's text, percent-decoded, printable only, at most `limit` characters."""
    text = unquote(request.headers.get(name, ""), errors="replace").strip()
    return "".join(ch for ch in text if ch.isprintable())[:limit]


def who(request: web.Request, actor: str) -> Who:
    return Who(
        actor,
        request.remote or "",
        f"{request.method} {request.path}",
        header_text(request, PURPOSE_HEADER, PURPOSE_MAX),
    )


def admin(request: web.Request) -> Who:
    """The control plane's caller: `admin:<X-Testbed-Operator>` (`admin:admin` without)."""
    return who(request, f"admin:{header_text(request, OPERATOR_HEADER, LABEL_MAX) or 'admin'}")


def record(
    runtime: Runtime,
    by: Who,
    action: str,
    subjects: Iterable[str],
    fields: Iterable[str],
    purpose: str,
    **detail: Any,
) -> Record:
    """Append one processing (the purpose stated in the request first, else `purpose`);
    the caller's route writes (`Writes`): the answer waits for the disk."""
    return runtime.processing_log.append(
        actor=by.actor,
        action=action,
        subjects=subjects,
        fields=fields,
        purpose=by.stated or purpose,
        time=runtime.clock.now(),
        path=by.path,
        source=by.source,
        detail=detail,
    )


class Showings:
    """What public pages (no sign-in: the consent pages' sign-in list, the console's
    config) have shown, and until when the processing log's record of it covers new
    showings. Anyone can load such a page as often as they like: a record per load
    would let them grow the append-only log without bound, and would make the monthly
    review's bulk reads out of the testbed's own pages."""

    def __init__(self) -> None:
        self._until: dict[tuple[str, ...], float] = {}

    def first(self, key: tuple[str, ...], now: float) -> bool:
        """True when nothing covers this showing at `now` (and from now on, a record does,
        for SHOWN_WINDOW)."""
        until = self._until.get(key)
        if until is not None and now < until:
            return False
        for stale in [k for k, t in self._until.items() if now >= t]:
            del self._until[stale]
        self._until[key] = now + SHOWN_WINDOW
        while len(self._until) > MAX_SHOWINGS:
            del self._until[next(iter(self._until))]
        return True


SHOWINGS = web.AppKey("processing_showings", Showings)


def install(app: web.Application) -> None:
    """Give the app its memory of showings; meant for `init_app`, before the app starts."""
    app[SHOWINGS] = Showings()


def record_shown(
    request: web.Request,
    runtime: Runtime,
    by: Who,
    subjects: list[str],
    fields: Iterable[str],
    purpose: str,
    **detail: Any,
) -> None:
    """A public page showed personal data: recorded once an hour for the same actor,
    data and fields (`Showings`), with `covers_until`; the caller's route writes."""
    fields = tuple(fields)
    digest = hashlib.sha256("\n".join([*subjects, "", *fields]).encode()).hexdigest()
    now = runtime.clock.now()
    if request.app[SHOWINGS].first((by.actor, digest), now):
        record(runtime, by, READ, subjects, fields, purpose, **detail,
               covers_until=iso_kst(now + SHOWN_WINDOW))  # fmt: skip
