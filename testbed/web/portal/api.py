"""The portal for scripts: `/portal/api/signup`, `signin`, `signout` and `me`, in JSON.

The answers carry the same session cookie as the pages (a script keeps it in a cookie
jar: `curl -c jar -b jar`). Every POST must be `Content-Type: application/json`: that is
what makes the API safe from cross-site requests without a CSRF token (see
`common.json_object`). Refusals are `{"error": ..., "field": ...}` with a 4xx status.
"""

from __future__ import annotations

from aiohttp import web

from testbed.network.portal import Developer, PortalError
from testbed.web.portal import accounts, sessions
from testbed.web.portal.common import ApiError, developer_view, json_object, refusal, runtime_of
from testbed.web.render import json_response


async def signup(request: web.Request) -> web.Response:
    """POST /portal/api/signup `{"email", "password"}`: 201, the developer, a session."""
    try:
        body = await json_object(request)
        developer = await accounts.sign_up(
            runtime_of(request), body.get("email"), body.get("password")
        )
    except ApiError as e:
        return json_response(e.body, e.status)
    except PortalError as e:
        return refusal(e)
    await sessions.sign_in(request, developer)
    return json_response({"developer": developer_view(developer)}, 201)


async def signin(request: web.Request) -> web.Response:
    """POST /portal/api/signin `{"email", "password"}`: 200 and a session, 401 when wrong,
    429 with `retry_after` (and `Retry-After`) while slowed down or locked."""
    try:
        body = await json_object(request)
        developer = await accounts.sign_in(
            runtime_of(request), body.get("email"), body.get("password")
        )
    except ApiError as e:
        return json_response(e.body, e.status)
    except PortalError as e:
        return refusal(e)
    await sessions.sign_in(request, developer)
    return json_response({"developer": developer_view(developer)})


async def signout(request: web.Request) -> web.Response:
    """POST /portal/api/signout: the session ends (the cookie is deleted); 200 even when
    there was none."""
    try:
        await json_object(request, empty_ok=True)
    except ApiError as e:
        return json_response(e.body, e.status)
    await sessions.sign_out(request)
    return json_response({"signed_out": True})


@sessions.require_developer
async def me(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/api/me: the signed-in developer, or 401."""
    return json_response({"developer": developer_view(developer)})
