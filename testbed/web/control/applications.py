"""이용신청, the operator's side: `/testbed/applications` (every one, newest first, with its
screening) and `/testbed/applications/{id}/decision` (approve or reject one under review:
운영기관 인정 기업)."""

from __future__ import annotations

from aiohttp import web

from testbed.network.applications import application_json
from testbed.network.gateway import ApplicationError, DecisionError, UnknownApplication
from testbed.web.control.common import BadRequest, json_body, query_params, runtime_of
from testbed.web.render import json_response


async def applications(request: web.Request) -> web.Response:
    """GET /testbed/applications: every developer's, newest first."""
    query_params(request, ())
    runtime = runtime_of(request)
    listed = reversed(runtime.gateway.admission.applications(None))
    return json_response({"applications": [application_json(a) for a in listed]})


async def decide(request: web.Request) -> web.Response:
    """POST /testbed/applications/{id}/decision `{"decision": "approve"|"reject",
    "reason"}`: 404 unknown, 409 not under review, 400 bad input (nothing changed)."""
    runtime = runtime_of(request)
    body = await json_body(request)
    unknown = sorted(set(body) - {"decision", "reason"})
    if unknown:
        raise BadRequest(f"unknown field(s) {', '.join(unknown)}; expected decision, reason")
    runtime.clock.sync()
    try:
        app = runtime.gateway.admission.decide(
            request.match_info["id"],
            body.get("decision"),  # type: ignore[arg-type]  # the model checks it
            body.get("reason", ""),
            runtime.clock.now(),
        )
    except UnknownApplication:
        raise BadRequest(f"no application {request.match_info['id']}", 404) from None
    except ApplicationError as e:
        raise BadRequest(f"{e.field}: {e.message}") from None
    except DecisionError as e:
        raise BadRequest(str(e), 409) from None
    return json_response(application_json(app))
