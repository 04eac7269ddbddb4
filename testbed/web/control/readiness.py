"""Go-live readiness for the operator (and a CI that started its own testbed):
`/testbed/readiness/{code}` — the report of any institution's run, and the same start,
drill and finish as the portal's (`testbed.web.readiness`); `/html`, the report as a
self-contained page (`testbed.web.readiness_page`), which `testbed readiness --html` saves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from testbed.network.gateway import ReadinessError
from testbed.network.parties import FintechClient
from testbed.runtime import Runtime
from testbed.web import readiness, readiness_page
from testbed.web.control.common import BadRequest, json_body, runtime_of
from testbed.web.render import json_response

Action = Callable[[web.Request, Runtime, FintechClient], Awaitable[web.Response]]


def _institution(action: Action) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        runtime = runtime_of(request)
        code = request.match_info["code"]
        client = runtime.world.directory.clients.get(code)
        if client is None:
            raise BadRequest(f"no institution {code}", 404)
        try:
            return await action(request, runtime, client)
        except ReadinessError as e:
            return json_response({"error": e.message, "field": e.field}, e.status)

    return handler


async def _html(request: web.Request, runtime: Runtime, client: FintechClient) -> web.Response:
    return readiness_page.operator_page(request, runtime, client)


async def _start(request: web.Request, runtime: Runtime, client: FintechClient) -> web.Response:
    return json_response(await readiness.start(runtime, client), 201)


async def _finish(request: web.Request, runtime: Runtime, client: FintechClient) -> web.Response:
    return json_response(await readiness.finish(runtime, client))


async def _drill(request: web.Request, runtime: Runtime, client: FintechClient) -> web.Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object: {kind, api, for}")
    return json_response(await readiness.drill(runtime, client, body), 201)


report = _institution(readiness.report_answer)
junit = _institution(readiness.junit_answer)
html = _institution(_html)
runs = _institution(readiness.runs_answer)
start = _institution(_start)
finish = _institution(_finish)
drill = _institution(_drill)
