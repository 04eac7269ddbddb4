"""Pages rendered from `templates/` with jinja2."""

from __future__ import annotations

from aiohttp import web

from testbed.clock import iso_kst
from testbed.web.keys import RUNTIME, TEMPLATES


async def index(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    world = runtime.world
    now = world.clock.now()
    html = (
        request.app[TEMPLATES]
        .get_template("index.html")
        .render(
            now=iso_kst(now),
            clock=world.clock.state(),
            centre=world.centre_state(),
            clients=list(world.directory.clients.values()),
            banks=world.bank_states(),
            base_url=f"{request.scheme}://{request.host}",
        )
    )
    return web.Response(text=html, content_type="text/html", charset="utf-8")
