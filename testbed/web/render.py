"""One way to render JSON (UTF-8, Korean kept as is), and the headers of the pages that
run their own script against this server."""

from __future__ import annotations

import json
from typing import Any, Final

from aiohttp import web


def json_response(data: Any, status: int = 200) -> web.Response:
    # A lone surrogate (never let in, see api.context.lone_surrogate) would fail UTF-8:
    # written back as the JSON escape it came as, the answer is still JSON, never a 500.
    return web.Response(
        body=json.dumps(data, ensure_ascii=False).encode("utf-8", "backslashreplace"),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )


#: a page that runs its own script (the dashboard, the operator's page): it loads nothing
#: but its own files and talks to nothing but this server
OWN_SCRIPT_PAGE_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
        " img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
