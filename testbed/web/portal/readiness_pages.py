"""Go-live readiness on My Page, for people: `/portal/apps/{code}/readiness`, the printable
report of the developer's own institution (`?run=` an older run) with the forms to start a
run, lay a drill and finish it.

The forms are My Page's (`pages._app_form`: the developer's app or 404, this session's
CSRF token or 403, nothing done before both hold); one that worked redirects (303) back to
the page, one that was refused shows the page again with why, at the status the JSON API
would give. The report is `testbed.web.readiness_page`'s, shared with the operator's page.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from testbed.network.gateway import ReadinessError
from testbed.network.parties import FintechClient
from testbed.network.portal import Developer
from testbed.runtime import Runtime
from testbed.web import readiness, readiness_page
from testbed.web.portal import sessions
from testbed.web.portal.common import render_page, runtime_of, see_other
from testbed.web.portal.pages import _app_form


async def _page(
    request: web.Request,
    runtime: Runtime,
    client: FintechClient,
    status: int = 200,
    error: str = "",
    posted: dict[str, str] | None = None,
) -> web.Response:
    loaded, view = readiness_page.context(runtime, client, request.query.get("run", ""))
    return await render_page(
        request,
        "readiness.html",
        status if status != 200 else loaded,
        forms=True,
        link_base=f"/portal/apps/{client.client_use_code}/readiness",
        error=error,
        posted=posted or {},
        **view,
    )


def _back(client: FintechClient) -> web.Response:
    return see_other(f"/portal/apps/{client.client_use_code}/readiness")


@sessions.require_developer
async def page(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/apps/{code}/readiness: the report of the open or latest run (`?run=`)."""
    runtime = runtime_of(request)
    client = runtime.gateway.admission.institution(request.match_info["code"], developer.id)
    if client is None:
        return await render_page(request, "not_found.html", 404, what=request.match_info["code"])
    return await _page(request, runtime, client)


@sessions.require_developer
async def start(request: web.Request, developer: Developer) -> web.Response:
    """POST /portal/apps/{code}/readiness/start (form): a new run."""
    posted = await _app_form(request, developer)
    if isinstance(posted, web.Response):
        return posted
    runtime, client, _ = posted
    try:
        await readiness.start(runtime, client)
    except ReadinessError as e:
        return await _page(request, runtime, client, e.status, e.message)
    return _back(client)


@sessions.require_developer
async def drill(request: web.Request, developer: Developer) -> web.Response:
    """POST /portal/apps/{code}/readiness/drills (form): kind, api, for (as the JSON API's
    body; empty fields are the drill's defaults)."""
    posted = await _app_form(request, developer)
    if isinstance(posted, web.Response):
        return posted
    runtime, client, form = posted
    fields = {key: form.get(key, "").strip() for key in ("kind", "api", "for")}
    # an empty field is left out: the drill's default, or (kind) refused in the API's words
    body: dict[str, Any] = {key: value for key, value in fields.items() if value}
    try:
        await readiness.drill(runtime, client, body)
    except ReadinessError as e:
        return await _page(request, runtime, client, e.status, e.message, fields)
    return _back(client)


@sessions.require_developer
async def finish(request: web.Request, developer: Developer) -> web.Response:
    """POST /portal/apps/{code}/readiness/finish (form): the open run graded and kept; the
    page of that run."""
    posted = await _app_form(request, developer)
    if isinstance(posted, web.Response):
        return posted
    runtime, client, _ = posted
    try:
        report = await readiness.finish(runtime, client)
    except ReadinessError as e:
        return await _page(request, runtime, client, e.status, e.message)
    return see_other(f"/portal/apps/{client.client_use_code}/readiness?run={report['run']}")
