"""What the portal's handlers share: its settings, pages, JSON bodies and refusals.

The portal is a sub-application mounted at `/portal/`: in its handlers `request.app` is
the portal's own app, so the testbed's state (runtime, templates) is read through
`request.config_dict`, which looks in the parent app too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from testbed.api.context import LONE_SURROGATE, lone_surrogate
from testbed.clock import iso_kst
from testbed.network.portal import Developer, PortalError
from testbed.runtime import Runtime
from testbed.typedefs import RUNTIME
from testbed.web import processing
from testbed.web.portal.sessions import CSRF_FIELD, csrf_token, current_developer
from testbed.web.render import PRIVATE_PAGE_HEADERS, json_response, render


@dataclass(frozen=True, slots=True)
class PortalConfig:
    tls: bool  # `serve --tls`: the cookie is Secure, so the portal wants HTTPS
    tls_port: int


CONFIG = web.AppKey("portal_config", PortalConfig)


def runtime_of(request: web.Request) -> Runtime:
    return request.config_dict[RUNTIME]


def by(request: web.Request, developer: Developer) -> processing.Who:
    """A developer as the processing log names them: `portal:<id>` (never the e-mail)."""
    return processing.who(request, f"portal:{developer.id}")


def visitor(request: web.Request) -> processing.Who:
    """Someone not signed in (yet): the processing log names them once it knows who."""
    return processing.who(request, "portal")


def developer_view(developer: Developer) -> dict[str, Any]:
    """A developer as the portal shows them: never the hash, never the lockout count."""
    return {"id": developer.id, "email": developer.email, "created": iso_kst(developer.created)}


# --- pages ------------------------------------------------------------------------------


async def render_page(
    request: web.Request, template: str, status: int = 200, **context: Any
) -> web.Response:
    """A portal page (`templates/portal/<template>`), with what every one needs: the
    signed-in developer (or None), the CSRF field, the simulated time, and a notice when
    `--tls` is on but the page came over plain HTTP (its Secure cookie would be lost)."""
    config = request.config_dict[CONFIG]
    context.setdefault("developer", await current_developer(request))
    # the page headers of every page, never cached (a signed-in page)
    return render(
        request,
        f"portal/{template}",
        status,
        PRIVATE_PAGE_HEADERS,
        csrf_field=CSRF_FIELD,
        csrf=await csrf_token(request),
        now=iso_kst(runtime_of(request).clock.now()),
        https_url=(
            f"https://{request.url.host}:{config.tls_port}/portal/"
            if config.tls and not request.secure
            else ""
        ),
        **context,
    )


def see_other(location: str = "/portal/") -> web.Response:
    """Redirect after POST: the browser GETs the page (a reload does not post again)."""
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


async def forbidden_page(request: web.Request) -> web.Response:
    """A form without this session's CSRF token: 403, nothing done."""
    return await render_page(
        request,
        "forbidden.html",
        403,
        message_ko=(
            "보안 토큰이 없거나 맞지 않아 요청을 처리하지 않았습니다."
            " 페이지를 새로 고친 뒤 다시 시도하세요."
        ),
        message_en=(
            "The form's security token (CSRF) is missing or is not this session's: nothing"
            " was done. Reload the page and try again."
        ),
    )


# --- the JSON API -----------------------------------------------------------------------


class ApiError(Exception):
    """A refusal of the JSON API: `{"error": message, "field": ...}` with its status."""

    def __init__(self, status: int, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": message, **fields}


def refusal(error: PortalError) -> web.Response:
    """A model refusal as JSON; a wait comes with `Retry-After` (RFC 9110) too."""
    body = {"error": error.message, "field": error.field, **error.extra}
    response = json_response(body, error.status)
    if "retry_after" in error.extra:
        response.headers["Retry-After"] = str(error.extra["retry_after"])
    return response


async def json_object(request: web.Request, empty_ok: bool = False) -> dict[str, Any]:
    """The body of a `/portal/api/` POST: `Content-Type: application/json` (415 without:
    that is the API's CSRF defence, a cross-site form cannot send it without a CORS
    preflight, which the testbed never grants) holding a JSON object (400 otherwise)."""
    if request.content_type != "application/json":
        raise ApiError(
            415,
            "Content-Type: application/json 이어야 합니다 · The body must be JSON, sent with"
            " Content-Type: application/json",
            field="body",
        )
    raw = await request.read()
    if empty_ok and not raw.strip():
        return {}
    try:
        data = json.loads(raw)  # UTF-8 (or -16/-32) whatever the charset claims
    except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deep
        data = None
    if not isinstance(data, dict):
        raise ApiError(
            400, "본문은 JSON 객체여야 합니다 · The body must be a JSON object", field="body"
        )
    if lone_surrogate(data):
        raise ApiError(
            400, f"본문이 텍스트가 아닙니다 · The body is not text: {LONE_SURROGATE}", field="body"
        )
    return data
