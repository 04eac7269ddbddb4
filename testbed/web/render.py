"""One way to render JSON (UTF-8, Korean kept as is) and one way to render an HTML page,
each with the headers every answer of its kind carries: the pages' Content-Security-Policy
and the rest are defined here once, for every page family (landing, docs, sample, console,
dashboard, operator and compliance pages, consent pages, portal)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from aiohttp import web

from testbed.typedefs import TEMPLATES

#: the `Server` header of every answer: no product versions for a scanner to match
SERVER: Final = "testbed"

#: every JSON answer: never sniffed into something a browser would run
JSON_HEADERS: Final = {"X-Content-Type-Options": "nosniff"}


def json_response(data: Any, status: int = 200) -> web.Response:
    # A lone surrogate (never let in, see api.context.lone_surrogate) would fail UTF-8:
    # written back as the JSON escape it came as, the answer is still JSON, never a 500.
    return web.Response(
        body=json.dumps(data, ensure_ascii=False).encode("utf-8", "backslashreplace"),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=JSON_HEADERS,
    )


def _csp(form_action: str) -> str:
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
        f" img-src 'self' data:; base-uri 'none'; form-action {form_action};"
        " frame-ancestors 'none'"
    )


#: every HTML page: it loads nothing but this server's own files (no inline script or
#: style, so an injected `<script>` or `javascript:` URL cannot run), talks to nothing but
#: this server, posts forms only here, is never framed (clickjacking) or sniffed, and
#: sends no Referer (the consent pages' and the console's URLs carry codes and state)
PAGE_HEADERS: Final = {
    "Content-Security-Policy": _csp("'self'"),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors' older twin, for older browsers
}
#: a page that shows what only its viewer may see (a developer's, an operator's, a flow's):
#: never kept in a cache
PRIVATE_PAGE_HEADERS: Final = {**PAGE_HEADERS, "Cache-Control": "no-store"}


def html(text: str, status: int = 200, headers: Mapping[str, str] = PAGE_HEADERS) -> web.Response:
    """An HTML page with the page headers (`PAGE_HEADERS` or a variant made from it)."""
    return web.Response(
        text=text, status=status, content_type="text/html", charset="utf-8", headers=headers
    )


def render(
    request: web.Request,
    template: str,
    status: int = 200,
    headers: Mapping[str, str] = PAGE_HEADERS,
    **context: Any,
) -> web.Response:
    """`templates/<template>` rendered as a page (the portal, a sub-app, finds the
    templates through `config_dict`)."""
    text = request.config_dict[TEMPLATES].get_template(template).render(**context)
    return html(text, status, headers)


def form_headers(target: str) -> dict[str, str]:
    """The page headers of a form whose answer redirects to `target` (the consent pages:
    the browser is sent on to the institution's redirect_uri, which `form-action` must
    allow, as browsers check a form's redirects too). The origin goes into the policy only
    as a CSP host source (letters, digits, dots, hyphens, a port); any other host (an IPv6
    literal) widens the policy to the scheme alone."""
    parts = urlsplit(target)
    host = parts.hostname or ""
    scheme = parts.scheme if parts.scheme in ("http", "https") else "https"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a port: the scheme alone
        host = ""
    if host and all(c.isascii() and (c.isalnum() or c in ".-") for c in host):
        source = f"{scheme}://{host}{port}"
    else:
        source = f"{scheme}:"
    return {
        **PRIVATE_PAGE_HEADERS,
        "Content-Security-Policy": _csp(f"'self' {source}"),
    }


async def server_header(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`: every answer (pages, JSON, static files, redirects, aiohttp's
    own errors) names the testbed, not Python's and aiohttp's versions. One header set:
    aiohttp only fills `Server` when the response has none."""
    response.headers["Server"] = SERVER
