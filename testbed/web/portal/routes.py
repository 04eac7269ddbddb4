"""The portal's route table (plain data), its OpenAPI entries, and `install`, which mounts
it as a sub-application at `/portal/`.

A sub-application, so that its session middleware runs for `/portal/...` requests only:
the KFTC API's requests never pass through it (aiohttp chains a sub-app's middlewares
after the parent's only for the sub-app's own routes).
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from typing import Any, Final

import aiohttp_session
from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning

from testbed.config.settings import Settings
from testbed.network.portal import MAX_PASSWORD, MIN_PASSWORD
from testbed.web.portal import api, pages
from testbed.web.portal.common import CONFIG, PortalConfig
from testbed.web.portal.sessions import COOKIE, CSRF_FIELD, storage

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PREFIX: Final = "/portal"
HTML: Final = "text/html"
JSON: Final = "application/json"

#: (method, path under /portal, handler, summary, what it answers)
ROUTES: list[tuple[str, str, Handler, str, str]] = [
    ("GET", "", pages.to_index, "the developer portal is at /portal/", "redirect"),
    ("GET", "/", pages.index, "developer portal: sign in / sign up, or My Page (HTML)", HTML),
    ("POST", "/signup", pages.signup, "developer portal: the sign-up form", "form"),
    ("POST", "/signin", pages.signin, "developer portal: the sign-in form", "form"),
    ("POST", "/signout", pages.signout, "developer portal: the sign-out form", "form"),
    ("POST", "/api/signup", api.signup, "a new developer account, signed in", JSON),
    ("POST", "/api/signin", api.signin, "sign in: the session cookie", JSON),
    ("POST", "/api/signout", api.signout, "end the session", JSON),
    ("GET", "/api/me", api.me, "the signed-in developer", JSON),
]


def install(app: web.Application, settings: Settings) -> None:
    """Mount the portal at /portal/ with its session storage (the key: `sessions`)."""
    # aiohttp-session 2.12 keys the request with plain strings, which aiohttp 3.10+ warns
    # about on every request; the library's business, not a fault of ours: not shown
    warnings.filterwarnings("ignore", category=NotAppKeyWarning, module="aiohttp_session")
    portal = web.Application()
    portal[CONFIG] = PortalConfig(tls=settings.tls, tls_port=settings.tls_port)
    aiohttp_session.setup(portal, storage(settings))
    for method, path, handler, _, _ in ROUTES:
        portal.router.add_route(method, path, handler)
    app.add_subapp(f"{PREFIX}/", portal)


# --- /openapi.json ----------------------------------------------------------------------


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "field": {"type": "string"},
            "retry_after": {"type": "integer", "description": "seconds (simulated) to wait"},
            "locked": {"type": "boolean"},
        },
        "required": ["error"],
    }


def _developer_schema() -> dict[str, Any]:
    developer = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "pattern": "^DEV[0-9]{6}$"},
            "email": {"type": "string"},
            "created": {"type": "string", "description": "simulated time, KST"},
        },
        "required": ["id", "email"],
    }
    return {"type": "object", "properties": {"developer": developer}, "required": ["developer"]}


def _credentials(media: str, form: str = "") -> dict[str, Any]:
    properties: dict[str, Any] = {
        "email": {"type": "string", "maxLength": 254, "example": "dev@example.com"},
        "password": {
            "type": "string",
            "minLength": MIN_PASSWORD,
            "maxLength": MAX_PASSWORD,
            "description": f"{MIN_PASSWORD} characters or more (sign-up)",
        },
    }
    required = ["email", "password"]
    if form == "signup":
        properties["password_confirm"] = {"type": "string", "description": "the same again"}
    if form:
        properties[CSRF_FIELD] = {"type": "string", "description": "the page's CSRF token"}
        required.append(CSRF_FIELD)
    return {
        "required": True,
        "content": {
            media: {"schema": {"type": "object", "properties": properties, "required": required}}
        },
    }


def _json_entry(method: str, path: str, summary: str) -> dict[str, Any]:
    ok = "201" if path == "/api/signup" else "200"
    answer = (
        {"type": "object", "properties": {"signed_out": {"type": "boolean"}}}
        if path == "/api/signout"
        else _developer_schema()
    )
    entry: dict[str, Any] = {
        "operationId": f"portal_{path.strip('/').replace('/', '_')}_{method.lower()}",
        "summary": summary,
        "tags": ["portal"],
        "responses": {
            ok: {
                "description": "done; sign-up and sign-in set the session cookie",
                "content": {JSON: {"schema": answer}},
            },
            "4XX": {
                "description": "refused: {error, field}; 400 a bad field, 401 a wrong"
                " password or no session, 409 an address taken, 415 not JSON, 429 wait"
                " (retry_after; locked after repeated wrong passwords)",
                "content": {JSON: {"schema": _error_schema()}},
            },
        },
    }
    if path in ("/api/signup", "/api/signin"):
        entry["requestBody"] = _credentials(JSON)
    if path == "/api/me":
        entry["security"] = [{"portal": []}]
    return entry


def _page_entry(method: str, path: str, summary: str, kind: str) -> dict[str, Any]:
    responses: dict[str, Any]
    if kind == "redirect":
        responses = {"301": {"description": "to /portal/"}}
    elif kind == HTML:
        responses = {"200": {"description": "an HTML page", "content": {HTML: {}}}}
    else:
        responses = {
            "303": {"description": "done: back to /portal/"},
            "4XX": {
                "description": "the page again, saying what to fix (403: the CSRF token is"
                " missing or not this session's, nothing done)",
                "content": {HTML: {}, JSON: {"schema": _error_schema()}},
            },
        }
    name = path.strip("/") or ("index" if path else "root")  # "/" is the page, "" redirects
    entry: dict[str, Any] = {
        "operationId": f"portal_{name}_{method.lower()}",
        "summary": summary,
        "tags": ["portal"],
        "responses": responses,
    }
    if path in ("/signup", "/signin"):
        entry["requestBody"] = _credentials("application/x-www-form-urlencoded", path.strip("/"))
    return entry


def openapi_paths() -> dict[str, dict[str, Any]]:
    """The portal's entries of /openapi.json, by path."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path, _, summary, kind in ROUTES:
        entry = (
            _json_entry(method, path, summary)
            if kind == JSON
            else _page_entry(method, path, summary, kind)
        )
        paths.setdefault(PREFIX + path, {})[method.lower()] = entry
    return paths


#: the portal's session cookie, for the document's components
SECURITY_SCHEME: Final = {"type": "apiKey", "in": "cookie", "name": COOKIE}
