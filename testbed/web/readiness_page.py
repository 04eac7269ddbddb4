"""The readiness report as a printable page: what the portal's page (My Page, with the forms
to start a run, lay drills and finish) and the operator's (`/testbed/readiness/{code}/html`,
the file `testbed readiness --html` saves) show, from the report `testbed.web.readiness`
makes.

The words a page gives the report's values (verdicts, statuses, drills) are here; the
template is `templates/readiness/_report.html`, shared by both pages. The operator's page
is self-contained (its stylesheets inlined, allowed by their hash in the page's CSP): a file
saved by a CI job and opened from disk still looks like the page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any, Final

from aiohttp import web

from testbed.network.gateway import ReadinessError
from testbed.network.parties import FintechClient
from testbed.network.readiness.drills import DRILLS
from testbed.resources import static_path
from testbed.runtime import Runtime
from testbed.web import readiness
from testbed.web.render import PRIVATE_PAGE_HEADERS, render

#: the verdict in Korean beside the report's English
VERDICTS_KO: Final = {
    "PASS": "적합",
    "CONDITIONAL PASS": "조건부 적합",
    "INCOMPLETE": "점검 미완료",
    "FAIL": "부적합",
}
#: a check's status as the page names it (Korean, English)
STATUSES: Final = {
    "passed": ("통과", "passed"),
    "failed": ("실패", "failed"),
    "not_exercised": ("미실시", "not exercised"),
    "not_applicable": ("해당 없음", "not applicable"),
}
#: the stylesheets of a readiness page, in order (the portal's look, then its own)
STYLESHEETS: Final = ("base.css", "portal.css", "readiness.css")
#: `?run=` is a run's id (RR + digits): anything longer is not one
RUN_ID_LENGTH: Final = 20


def drill_choices() -> list[dict[str, Any]]:
    """Each drill kind for the page's select: what it injects, what it expects, its APIs."""
    return [
        {
            "kind": spec.kind.value,
            "injected_ko": spec.injected_ko,
            "injected_en": spec.injected_en,
            "expects_ko": spec.expects_ko,
            "expects_en": spec.expects_en,
            "apis": list(spec.apis),
            "lasts": spec.lasts,
        }
        for spec in DRILLS.values()
    ]


def drill_apis() -> list[str]:
    """Every API a drill may target, once each, in the catalogue's order."""
    seen: dict[str, None] = {}
    for spec in DRILLS.values():
        seen.update(dict.fromkeys(spec.apis))
    return list(seen)


def context(
    runtime: Runtime, client: FintechClient, run_id: str = ""
) -> tuple[int, dict[str, Any]]:
    """What the report's template needs for the run `run_id` (else the open or latest one):
    the report (None before any run), the institution's runs, the drill kinds. A run that is
    not the institution's is a 404, with the page's message."""
    error = ""
    status = 200
    try:
        report: dict[str, Any] | None = readiness.report(runtime, client, run_id[:RUN_ID_LENGTH])
    except ReadinessError as e:
        report = None
        if run_id:  # asked for a run that is not there; before any run, nothing is wrong
            status, error = e.status, e.message
    runs = readiness.runs(runtime, client)
    return status, {
        "code": client.client_use_code,
        "name": client.name,
        "report": report,
        "runs": runs,
        "open_run": next((r["run"] for r in runs if r["state"] == "open"), ""),
        "verdicts_ko": VERDICTS_KO,
        "statuses": STATUSES,
        "drills": drill_choices(),
        "drill_apis": drill_apis(),
        "failures": _failures(report) if report else [],
        "load_error": error,
    }


def _failures(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The failed checks, each evidence call with its request and answer as readable JSON
    (Korean kept as is) for the side-by-side view."""
    return [
        {
            **check,
            "calls": [
                {
                    **call,
                    "request_text": json.dumps(call["request"], ensure_ascii=False, indent=2),
                    "answer_text": json.dumps(call["answer"], ensure_ascii=False, indent=2),
                }
                for call in check.get("calls", [])
            ],
        }
        for check in report["checks"]
        if check["status"] == "failed"
    ]


@cache
def _inlined_styles() -> str:
    """The page's stylesheets as one text, read once (they ship with the package)."""
    return "\n".join((static_path() / name).read_text(encoding="utf-8") for name in STYLESHEETS)


def standalone_headers(styles: str) -> dict[str, str]:
    """The private page headers, with the inlined `styles` allowed by their hash only (no
    'unsafe-inline': an injected style or script still cannot run)."""
    digest = base64.b64encode(hashlib.sha256(styles.encode("utf-8")).digest()).decode()
    csp = PRIVATE_PAGE_HEADERS["Content-Security-Policy"].replace(
        "style-src 'self';", f"style-src 'self' 'sha256-{digest}';"
    )
    return {**PRIVATE_PAGE_HEADERS, "Content-Security-Policy": csp}


def operator_page(request: web.Request, runtime: Runtime, client: FintechClient) -> web.Response:
    """The operator's page of the institution's run (`?run=`): no forms, self-contained."""
    status, page = context(runtime, client, request.query.get("run", ""))
    styles = _inlined_styles()
    return render(
        request,
        "readiness/standalone.html",
        status,
        standalone_headers(styles),
        styles=styles,
        forms=False,
        # no links to other runs: they would need the admin token, and a saved file has
        # no server behind it (`?run=` on the route, `--run` on the CLI, reads one)
        link_base="",
        **page,
    )
