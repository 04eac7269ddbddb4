"""Readiness on the web: what an open run keeps of an institution's call (`observe`, from
the app's one middleware via `events.api_call`), and the reports as JSON and JUnit for the
portal, the operator and the CLI.

The request's fields and the answer's are read here (HTTP is the web's); what is kept, with
its secrets fingerprinted, is the gateway's (`Readiness.observe`). Nothing is read while the
institution has no run open: `events.api_call` asks first.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree

import orjson
from aiohttp import web

from testbed.api.context import RSP_CODE
from testbed.api.context import start as start_call
from testbed.clock import iso_kst
from testbed.config import parse_duration
from testbed.network.gateway import ReadinessError
from testbed.network.gateway.readiness import drill_view
from testbed.network.parties import FintechClient
from testbed.runtime import Runtime
from testbed.web.render import json_response

#: the consent pages' own forms: a user's sign-in and identity check, never kept
CONSENT_FORMS = "/oauth/2.0/authorize/"


async def observe(
    request: web.Request,
    runtime: Runtime,
    who: str,
    response: web.StreamResponse | web.HTTPException,
) -> None:
    """Keep one call of `who` in its open readiness run."""
    told = request.get(RSP_CODE)
    rsp_code = told[0] if told is not None and isinstance(told[0], str) else None
    retry = response.headers.get("Retry-After", "")
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    runtime.gateway.readiness.observe(
        who,
        method=request.method,
        path=request.path,
        status=response.status,
        rsp_code=rsp_code,
        request=await _request_fields(request),
        answer=_answer_fields(response),
        bearer=token.strip() if scheme.lower() == "bearer" else "",
        retry_after=float(retry) if retry.isascii() and retry.isdigit() else 0.0,
        began=start_call(request).now,
    )


async def _request_fields(request: web.Request) -> dict[str, Any]:
    if request.path.startswith(CONSENT_FORMS):
        return {}
    if request.method in ("GET", "HEAD"):
        return dict(request.query)
    try:
        if request.content_type == "application/x-www-form-urlencoded":
            form = await request.post()  # read by the handler already: cached
            return {k: v for k, v in form.items() if isinstance(v, str)}
        data = orjson.loads(await request.read())
    except (ValueError, web.HTTPException):  # a body the handler refused: nothing to read
        return {}
    return data if isinstance(data, dict) else {}


def _answer_fields(response: web.StreamResponse | web.HTTPException) -> dict[str, Any]:
    location = response.headers.get("Location", "")
    if location:
        return {"location": dict(parse_qsl(urlsplit(location).query))}
    body = getattr(response, "body", None)
    if isinstance(body, bytes) and response.content_type == "application/json":
        try:
            data = orjson.loads(body)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return {}


# --- what the portal and the operator share ---------------------------------------------------


def report(runtime: Runtime, client: FintechClient, run_id: str = "") -> dict[str, Any]:
    """The report of one run of the institution (`run_id`), else its open or latest one."""
    gateway = runtime.gateway.readiness
    runtime.clock.sync()
    run = gateway.run(client, run_id) if run_id else gateway.current(client)
    if run is None:
        raise ReadinessError(
            404,
            "run",
            "점검 기록이 없습니다 · No such readiness run"
            if run_id
            else "아직 점검을 시작하지 않았습니다 · No readiness run yet: start one",
        )
    return gateway.report(run, client)


def runs(runtime: Runtime, client: FintechClient) -> list[dict[str, Any]]:
    """The institution's runs, latest first: id, times, state and verdict."""
    return [
        {
            "run": run.id,
            "started": iso_kst(run.started),
            "finished": iso_kst(run.finished) if run.finished is not None else None,
            "state": "open" if run.open else "finished",
            "verdict": run.report["verdict"] if run.report else None,
            "calls_seen": run.exchanges_seen,
        }
        for run in reversed(runtime.gateway.readiness.runs(client))
    ]


async def start(runtime: Runtime, client: FintechClient) -> dict[str, Any]:
    runtime.clock.sync()
    run = runtime.gateway.readiness.start(client)
    return runtime.gateway.readiness.report(run, client)


async def finish(runtime: Runtime, client: FintechClient) -> dict[str, Any]:
    runtime.clock.sync()
    run = runtime.gateway.readiness.finish(client)
    return runtime.gateway.readiness.report(run, client)


async def drill(runtime: Runtime, client: FintechClient, body: dict[str, Any]) -> dict[str, Any]:
    """Lay the drill `body` asks for: `{"kind": ..., "api": ..., "for": "2m" | seconds}`."""
    unknown = sorted(set(body) - {"kind", "api", "for"})
    if unknown:
        raise ReadinessError(400, unknown[0], f"알 수 없는 항목 · unknown field {unknown[0]!r}")
    kind, api = body.get("kind"), body.get("api", "")
    if not isinstance(kind, str):
        raise ReadinessError(400, "kind", "드릴 종류가 필요합니다 · kind: required (text)")
    if not isinstance(api, str):
        raise ReadinessError(400, "api", "api는 문자열 · api: text")
    lasts: float | None = None
    if "for" in body:
        raw = body["for"]
        try:
            if isinstance(raw, bool) or not isinstance(raw, str | int | float):
                raise ValueError("expected a duration")
            lasts = parse_duration(raw, where="for")
        except ValueError:
            raise ReadinessError(
                400, "for", "기간 형식 · for: a duration such as '90s', '2m' or seconds"
            ) from None
    runtime.clock.sync()
    made = runtime.gateway.readiness.drill(client, kind, api, lasts)
    return drill_view(made)


# the read answers, the same for the portal (its own institutions) and the operator (any)


async def report_answer(
    request: web.Request, runtime: Runtime, client: FintechClient
) -> web.Response:
    """The report as JSON: `?run=` an older run, else the open or latest one."""
    return json_response(report(runtime, client, request.query.get("run", "")[:20]))


async def junit_answer(
    request: web.Request, runtime: Runtime, client: FintechClient
) -> web.Response:
    """The report as JUnit XML (`?run=` as for `report_answer`)."""
    graded = report(runtime, client, request.query.get("run", "")[:20])
    return web.Response(
        body=junit(graded),
        content_type="application/xml",
        headers={"X-Content-Type-Options": "nosniff"},
    )


async def runs_answer(
    request: web.Request, runtime: Runtime, client: FintechClient
) -> web.Response:
    return json_response({"runs": runs(runtime, client)})


def junit(report: dict[str, Any]) -> bytes:
    """A report as JUnit XML (one testcase a check; not exercised or not applicable:
    skipped), for a CI that gates on it. ElementTree: the stdlib's, enough for one file."""
    checks = report["checks"]
    failed = [c for c in checks if c["status"] == "failed"]
    skipped = [c for c in checks if c["status"] in ("not_exercised", "not_applicable")]
    suite = ElementTree.Element(
        "testsuite",
        name=f"readiness {report['client_use_code']} {report['run']}",
        tests=str(len(checks)),
        failures=str(len(failed)),
        errors="0",
        skipped=str(len(skipped)),
        timestamp=str(report["started"]),
    )
    properties = ElementTree.SubElement(suite, "properties")
    for name in ("verdict", "score", "state"):
        ElementTree.SubElement(properties, "property", name=name, value=str(report[name]))
    ElementTree.SubElement(
        properties, "property", name="coverage_index", value=str(report["coverage"]["index"])
    )
    for check in checks:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=f"readiness.{check['level']}",
            name=f"{check['id']}: {check['title_en']}",
        )
        if check["status"] == "failed":
            failure = ElementTree.SubElement(
                case, "failure", message=check.get("detail_en", ""), type=check["id"]
            )
            failure.text = _failure_text(check)
        elif check["status"] != "passed":
            ElementTree.SubElement(case, "skipped", message=check.get("detail_en", check["status"]))
    return bytes(ElementTree.tostring(suite, encoding="utf-8", xml_declaration=True))


def _failure_text(check: dict[str, Any]) -> str:
    lines = [check.get("detail_ko", ""), "", f"What to change: {check.get('advice_en', '')}"]
    for call in check.get("calls", []):
        lines.append(
            f"#{call['seq']} {call['method']} {call['path']} -> {call['status']}"
            f" {call['rsp_code']}: request {orjson.dumps(call['request']).decode()}"
            f" answer {orjson.dumps(call['answer']).decode()}"
        )
    return "\n".join(lines)
