"""`/operator/applications`: the operator's page of 이용신청 (every application with its
screening, and approve/reject buttons for those under review).

Like the dashboard, the page carries no data and needs no token to load: its script
(`static/operator.js`) takes the admin token from the URL fragment (`#token=...`) or a
small form, keeps it in sessionStorage and calls `GET /testbed/applications` and
`POST /testbed/applications/{id}/decision` with it as a bearer token.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from testbed.typedefs import TEMPLATES
from testbed.web.render import OWN_SCRIPT_PAGE_HEADERS

#: the dashboard's, and never cached: the page lists applicants
HEADERS: Final = {**OWN_SCRIPT_PAGE_HEADERS, "Cache-Control": "no-store"}


async def applications_page(request: web.Request) -> web.Response:
    html = request.app[TEMPLATES].get_template("operator_applications.html").render()
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=HEADERS)
