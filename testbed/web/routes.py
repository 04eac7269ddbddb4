"""The route table: just data."""

from __future__ import annotations

from aiohttp import web

from testbed.api import routes as kftc
from testbed.api.context import kftc_errors
from testbed.web import control, pages

ROUTES = [
    ("GET", "/", pages.index),
    ("GET", "/testbed/clients", control.clients),
    ("GET", "/testbed/clock", control.get_clock),
    ("POST", "/testbed/clock", control.post_clock),
    ("GET", "/testbed/banks", control.banks),
    ("GET", "/testbed/ledger/check", control.ledger_check),
    ("GET", "/testbed/users", control.users),
    ("POST", "/testbed/users", control.create_user),
    ("GET", "/testbed/billing", control.billing),
    ("GET", "/testbed/accounts/{bank}/{num}", control.account),
    ("POST", "/testbed/accounts/{bank}/{num}/cash", control.cash),
    ("GET", "/testbed/events", control.events),
]


def setup_routes(app: web.Application) -> None:
    for method, path, handler in [*kftc.ROUTES, *ROUTES]:
        app.router.add_route(method, path, handler)
    app.middlewares.append(kftc_errors)
    app.middlewares.append(control.admin_only)
