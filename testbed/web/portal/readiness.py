"""Go-live readiness on the portal, for scripts: a developer starts a run for one of their own
institutions, lays drills, finishes it and reads the report (JSON, or JUnit XML).

`/portal/api/apps/{code}/readiness...`: the institution must be the signed-in developer's
(`admission.institution`, the tenancy rule: another's answers 404, as if it did not exist).
The work is `testbed.web.readiness`'s and the gateway's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from testbed.network.gateway import ReadinessError
from testbed.network.parties import FintechClient
from testbed.network.portal import Developer
from testbed.runtime import Runtime
from testbed.web import readiness
from testbed.web.portal import sessions
from testbed.web.portal.common import ApiError, json_object, runtime_of
from testbed.web.render import json_response

Action = Callable[[web.Request, Runtime, FintechClient], Awaitable[web.Response]]


def _own(action: Action) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """`action` on the developer's own institution `{code}`; refusals as the portal's JSON."""

    @sessions.require_developer
    async def handler(request: web.Request, developer: Developer) -> web.Response:
        runtime = runtime_of(request)
        code = request.match_info["code"]
        client = runtime.gateway.admission.institution(code, developer.id)
        if client is None:
            return json_response(
                {"error": f"그런 앱이 없습니다 · No app {code} of yours", "field": "code"}, 404
            )
        try:
            return await action(request, runtime, client)
        except ReadinessError as e:
            return json_response({"error": e.message, "field": e.field}, e.status)
        except ApiError as e:
            return json_response(e.body, e.status)

    return handler


async def _start(request: web.Request, runtime: Runtime, client: FintechClient) -> web.Response:
    await json_object(request, empty_ok=True)  # JSON only: the API's CSRF defence
    return json_response(await readiness.start(runtime, client), 201)


async def _finish(request: web.Request, runtime: Runtime, client: FintechClient) -> web.Response:
    await json_object(request, empty_ok=True)
    return json_response(await readiness.finish(runtime, client))


async def _drill(request: web.Request, runtime: Runtime, client: FintechClient) -> web.Response:
    body: dict[str, Any] = await json_object(request)
    return json_response(await readiness.drill(runtime, client, body), 201)


report = _own(readiness.report_answer)
junit = _own(readiness.junit_answer)
runs = _own(readiness.runs_answer)
start = _own(_start)
finish = _own(_finish)
drill = _own(_drill)
