"""The composition root: `init_app(settings)` builds the aiohttp application.

The world is opened synchronously (so a bad input fails before any server
starts); the clock's stepping task and the store's lifetime are the app's
`cleanup_ctx`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import jinja2
from aiohttp import web

from testbed.config.settings import Settings
from testbed.resources import templates_path
from testbed.runtime import Runtime, open_runtime
from testbed.typedefs import ADMIN_TOKEN, RUNTIME, TEMPLATES, Handler
from testbed.web import consent, events, loop_watch, processing
from testbed.web.control import common
from testbed.web.portal import routes as portal
from testbed.web.render import json_response, server_header
from testbed.web.routes import setup_routes

log = logging.getLogger("testbed")


@web.middleware
async def dispatch(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The app's one middleware (each one more cost every request a few µs): a KFTC API
    call is answered as KFTC answers and told as an `api` event (`events.api_call`), the
    control plane needs the admin token (`common.admin_only`), and whatever goes wrong,
    the client gets JSON that says what, never a bare 500 page."""
    path = request.path
    try:
        if path.startswith(events.API_PREFIXES):
            return await events.api_call(request, handler)
        if path.startswith(common.PREFIX):
            return await common.admin_only(request, handler)
        return await handler(request)
    except web.HTTPException as e:
        if e.status < 400 or e.content_type == "application/json":
            raise
        return json_response({"error": e.reason, "status": e.status}, e.status)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return json_response(
            {"error": "internal error in the testbed (a bug: please report it)"}, 500
        )


async def _world_lifetime(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    # not `async with runtime.clock`: reset and restore swap the world, and its clock,
    # while the app runs; stepping() stops whichever clock is current at shutdown
    async with runtime.stepping(), loop_watch.watching(runtime.settings.loop_lag_ms):
        yield
    runtime.close()


def init_app(settings: Settings, runtime: Runtime | None = None) -> web.Application:
    runtime = runtime or open_runtime(settings)
    app = web.Application(middlewares=[dispatch], client_max_size=1024**2)
    app[RUNTIME] = runtime
    app[ADMIN_TOKEN] = settings.admin_token
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_path()),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    app.cleanup_ctx.append(_world_lifetime)
    app.on_response_prepare.append(server_header)  # the portal's answers pass it too
    consent.install(app)
    processing.install(app)  # what the public pages have shown (one record an hour)
    setup_routes(app)
    portal.install(app, settings)  # a sub-app: its session middleware sees /portal/ only
    return app
