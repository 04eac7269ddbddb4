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

HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
        " img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


async def applications_page(request: web.Request) -> web.Response:
    html = request.app[TEMPLATES].get_template("operator_applications.html").render()
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=HEADERS)
