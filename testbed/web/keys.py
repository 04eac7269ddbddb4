"""Typed application state keys."""

from __future__ import annotations

import jinja2
from aiohttp import web

from testbed.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
ADMIN_TOKEN = web.AppKey("admin_token", str)
TEMPLATES = web.AppKey("templates", jinja2.Environment)
