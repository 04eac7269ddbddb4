"""Retention (전자금융거래기록 보관): `GET /testbed/retention`, `POST /testbed/retention/purge`."""

from __future__ import annotations

from aiohttp import web

from testbed.network import retention
from testbed.web.control.common import query_params, runtime_of
from testbed.web.render import json_response


async def overview(request: web.Request) -> web.Response:
    """What is kept per class (1 year, 5 years), the next purge, the last one."""
    query_params(request, ())
    runtime = runtime_of(request)
    return json_response(retention.overview(runtime.world, runtime.clock.now()))


async def purge_now(request: web.Request) -> web.Response:
    """Run the daily purge now (a workshop need not wait for 04:00), durably."""
    query_params(request, ())
    runtime = runtime_of(request)
    report = runtime.world.purge_expired(runtime.clock.now())
    return json_response(report.view())
