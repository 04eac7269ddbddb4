"""The aiohttp application's typed state keys, its `Handler` alias and `durably` (how a
handler that writes answers), at the bottom of the app's import graph.

Every module that reads the app's state (the KFTC handlers in `testbed.api`; the pages,
control plane and recorder in `testbed.web`) imports its keys from here, so none of
them has to import the module that builds the app.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import jinja2
from aiohttp import web

from testbed.runtime import Runtime

#: what aiohttp calls for a route (and a middleware passes on): one alias for every layer
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

RUNTIME = web.AppKey("runtime", Runtime)
ADMIN_TOKEN = web.AppKey("admin_token", str)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
#: the OpenAPI document of every route the app serves (set with the routes; /docs shows it)
OPENAPI: web.AppKey[dict[str, Any]] = web.AppKey("openapi")
#: the institution a page of the consent flow acts for (its flow says which): who the call's
#: `api` event, and a readiness run, attribute it to
INSTITUTION = web.RequestKey("institution", str)


def durably(handler: Handler) -> Handler:
    """`handler`, answering only after the store's `durable()`: refused or not, what the
    call changed (a transfer's record, a revoked token, a fault, a processing record) is on
    disk before the client hears. The one wrapper of both layers: the KFTC API's
    `Operation(writes=True)` and the web's route tables (`testbed.web.durability`)."""

    @functools.wraps(handler)
    async def durable(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        finally:
            # the app's own state first: config_dict builds a chain of every app's state on
            # each request (five calls a KFTC write); a sub-application's route (the
            # portal) finds the runtime there
            try:
                runtime = request.app[RUNTIME]
            except KeyError:
                runtime = request.config_dict[RUNTIME]
            await runtime.store.durable()

    return durable
