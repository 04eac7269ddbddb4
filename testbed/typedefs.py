"""The aiohttp application's typed state keys, at the bottom of the app's import graph.

Every module that reads the app's state (the KFTC handlers in `testbed.api`; the pages,
control plane and recorder in `testbed.web`) imports its keys from here, so none of
them has to import the module that builds the app.
"""

from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web

from testbed.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
ADMIN_TOKEN = web.AppKey("admin_token", str)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
#: the OpenAPI document of every route the app serves (set with the routes; /docs shows it)
OPENAPI: web.AppKey[dict[str, Any]] = web.AppKey("openapi")
