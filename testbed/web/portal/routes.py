"""The portal's route table (plain data), its OpenAPI entries, and `install`, which mounts
it as a sub-application at `/portal/`.

A sub-application, so that its session middleware runs for `/portal/...` requests only:
the KFTC API's requests never pass through it (aiohttp chains a sub-app's middlewares
after the parent's only for the sub-app's own routes).
"""

from __future__ import annotations

import warnings
from typing import Any, Final

import aiohttp_session
from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning

from testbed.config.grading import CREDIT_RATINGS, NO_RATING, SIZES
from testbed.config.settings import Settings
from testbed.network.admission.rules import DECLARATIONS, LICENCES, SERVICES
from testbed.network.portal import MAX_PASSWORD, MIN_PASSWORD
from testbed.typedefs import Handler
from testbed.web.durability import Writes, endpoint
from testbed.web.portal import api, pages, readiness, readiness_pages
from testbed.web.portal.common import CONFIG, PortalConfig
from testbed.web.portal.institutions import CHANGES
from testbed.web.portal.sessions import COOKIE, CSRF_FIELD, storage

PREFIX: Final = "/portal"
HTML: Final = "text/html"
JSON: Final = "application/json"

#: (method, path under /portal, handler, summary, what it answers); `Writes(handler)`: the
#: route changes or logs what must be on disk before it answers (`testbed.web.durability`)
ROUTES: list[tuple[str, str, Handler | Writes, str, str]] = [
    ("GET", "", pages.to_index, "the developer portal is at /portal/", "redirect"),
    ("GET", "/", pages.index, "developer portal: sign in / sign up, or My Page (HTML)", HTML),
    ("POST", "/signup", Writes(pages.signup), "developer portal: the sign-up form", "form"),
    ("POST", "/signin", Writes(pages.signin), "developer portal: the sign-in form", "form"),
    ("POST", "/signout", Writes(pages.signout), "developer portal: the sign-out form", "form"),
    ("POST", "/api/signup", Writes(api.signup), "a new developer account, signed in", JSON),
    ("POST", "/api/signin", Writes(api.signin), "sign in: the session cookie", JSON),
    ("POST", "/api/signout", Writes(api.signout), "end the session", JSON),
    ("GET", "/api/me", api.me, "the signed-in developer", JSON),
    ("GET", "/apply", pages.apply_form, "developer portal: the 이용신청 form (HTML)", HTML),
    (
        "POST",
        "/apply",
        Writes(pages.apply),
        "developer portal: apply (form): the screening",
        "form",
    ),
    ("POST", "/api/applications", Writes(api.apply), "apply (이용신청): screened and graded", JSON),
    ("GET", "/api/applications", api.applications, "the developer's applications", JSON),
    ("GET", "/api/applications/{id}", api.application, "one of the developer's", JSON),
    ("GET", "/api/apps", Writes(api.apps), "the developer's institutions (My Page of each)", JSON),
    (
        "GET",
        "/api/apps/{code}",
        Writes(api.app),
        "My Page of one of the developer's institutions",
        JSON,
    ),
    ("GET", "/api/users", Writes(api.users), "the developer's test users", JSON),
    ("GET", "/api/network", api.network, "the network's state (the dashboard)", JSON),
    ("GET", "/api/events", api.events, "the developer's own events (the dashboard)", JSON),
    ("GET", "/dashboard", pages.dashboard, "developer portal: my network, live (HTML)", HTML),
    (
        "POST",
        "/api/apps/{code}/users",
        Writes(api.make_user),
        "a test user of the institution",
        JSON,
    ),
    ("GET", "/api/apps/{code}/readiness", readiness.report, "go-live readiness: the report", JSON),
    ("POST", "/api/apps/{code}/readiness", Writes(readiness.start), "start a readiness run", JSON),
    (
        "POST",
        "/api/apps/{code}/readiness/finish",
        Writes(readiness.finish),
        "finish the readiness run: graded and kept",
        JSON,
    ),
    (
        "POST",
        "/api/apps/{code}/readiness/drills",
        Writes(readiness.drill),
        "a drill on the institution's calls only, during the run",
        JSON,
    ),
    ("GET", "/api/apps/{code}/readiness/runs", readiness.runs, "the readiness runs", JSON),
    (
        "GET",
        "/api/apps/{code}/readiness/junit",
        readiness.junit,
        "the readiness report as JUnit XML",
        "application/xml",
    ),
    *(
        ("POST", f"/api/apps/{{code}}/{change}", Writes(api.change_app(change)), summary, JSON)
        for change, summary in CHANGES.items()
    ),
    ("GET", "/apps/{code}", Writes(pages.app), "developer portal: My Page of one app (HTML)", HTML),
    (
        "POST",
        "/apps/{code}/users",
        Writes(pages.make_user),
        "a test user of the app (form)",
        "form",
    ),
    (
        "GET",
        "/apps/{code}/readiness",
        readiness_pages.page,
        "developer portal: the go-live readiness report of one app, printable (HTML)",
        HTML,
    ),
    *(
        ("POST", f"/apps/{{code}}/readiness/{action}", Writes(handler), f"{summary} (form)", "form")
        for action, handler, summary in (
            ("start", readiness_pages.start, "start a readiness run"),
            ("drills", readiness_pages.drill, "a drill during the readiness run"),
            ("finish", readiness_pages.finish, "finish the readiness run"),
        )
    ),
    *(
        (
            "POST",
            f"/apps/{{code}}/{change}",
            Writes(pages.change_app(change)),
            f"{summary} (form)",
            "form",
        )
        for change, summary in CHANGES.items()
    ),
]


#: the portal's changing routes that write nothing the store keeps, and why (none: every
#: POST signs in or out, applies, or changes an app)
READ_ONLY: dict[tuple[str, str], str] = {}


def install(app: web.Application, settings: Settings) -> None:
    """Mount the portal at /portal/ with its session storage (the key: `sessions`)."""
    # aiohttp-session 2.12 keys the request with plain strings, which aiohttp 3.10+ warns
    # about on every request; the library's business, not a fault of ours: not shown
    warnings.filterwarnings("ignore", category=NotAppKeyWarning, module="aiohttp_session")
    portal = web.Application()
    portal[CONFIG] = PortalConfig(tls=settings.tls, tls_port=settings.tls_port)
    aiohttp_session.setup(portal, storage(settings))
    for method, path, declared, _, kind in ROUTES:
        handler = endpoint(declared)  # a writing route answers once the store committed
        if method == "GET" and kind in (HTML, "redirect"):  # a page answers HEAD as GET does
            portal.router.add_get(path, handler, allow_head=True)
        else:
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


_ACCOUNT_PATHS = ("/api/signup", "/api/signin", "/api/signout", "/api/me")


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": seg[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
        for seg in path.split("/")
        if seg.startswith("{")
    ]


def _application_body() -> dict[str, Any]:
    """The fields of an application (the model checks each, naming the one it refuses)."""
    text = {"type": "string"}
    flag = {"type": "boolean"}
    texts = {"type": "array", "items": text}
    properties = {
        "company_name": {**text, "example": "주식회사 테스트페이"},
        "business_number": {**text, "description": "사업자등록번호, 10 digits (check digit)"},
        "size": {"type": "string", "enum": list(SIZES)},
        "industry": {**text, "description": "a 핀테크산업 분류업종, or empty"},
        "licences": {"type": "array", "items": {"type": "string", "enum": list(LICENCES)}},
        "declarations": {
            "type": "object",
            "properties": {key: flag for key in DECLARATIONS},
            "required": list(DECLARATIONS),
            "description": "제외대상: each true (it applies) or false",
        },
        "services": {"type": "array", "items": {"type": "string", "enum": list(SERVICES)}},
        "purposes": texts,
        "main_bank": {**text, "example": "004"},
        "credit_rating": {"type": "string", "enum": [*CREDIT_RATINGS, NO_RATING]},
        "paid_in_capital": {"type": "integer", "minimum": 0},
        "years_in_business": {"type": "integer", "minimum": 0},
        "operating_profit": {"type": "integer"},
        "aml_system": flag,
        "isms": flag,
        "liability_insurance": flag,
        "redirect_uris": texts,
    }
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in ("industry", "licences", "redirect_uris")],
    }


def _test_user_body() -> dict[str, Any]:
    """A test user (as `POST /testbed/users` takes one, without client_use_code)."""
    text = {"type": "string"}
    account = {
        "type": "object",
        "properties": {
            "bank_code": {**text, "example": "088"},
            "balance": {"type": "integer", "minimum": 0},
            "account_type": {"type": "string", "enum": ["1", "2", "6"]},
            "product_name": text,
            "account_num": text,
            "inquiry": {"type": "boolean"},
            "transfer": {"type": "boolean"},
            "alias": text,
        },
        "required": ["bank_code"],
    }
    return {
        "type": "object",
        "properties": {
            "name": {**text, "example": "홍길동"},
            "birth_date": {**text, "example": "19900101"},
            "gender": {"type": "string", "enum": ["M", "F"]},
            "cell_no": text,
            "email": text,
            "accounts": {"type": "array", "items": account},
            "scope": {**text, "example": "login inquiry transfer"},
        },
        "required": ["name", "birth_date"],
    }


def _change_body(path: str) -> dict[str, Any]:
    change = path.split("/{code}/", 1)[1]
    name = {"secret": "confirm", "reset": "confirm", "ips": "ip", "ips/remove": "ip"}.get(
        change, "redirect_uri"
    )
    return {"type": "object", "properties": {name: {"type": "string"}}, "required": [name]}


def _json_entry(method: str, path: str, summary: str) -> dict[str, Any]:
    created = (("/api/signup", "POST"), ("/api/applications", "POST"))
    ok = "201" if (path, method) in created or (method, path[-6:]) == ("POST", "/users") else "200"
    answer: dict[str, Any]
    if path == "/api/signout":
        answer = {"type": "object", "properties": {"signed_out": {"type": "boolean"}}}
    elif path in _ACCOUNT_PATHS:
        answer = _developer_schema()
    else:
        answer = {"type": "object"}
    entry: dict[str, Any] = {
        "operationId": "portal_"
        + "_".join(seg.strip("{}") for seg in path.strip("/").split("/"))
        + f"_{method.lower()}",
        "summary": summary,
        "tags": ["portal"],
        "responses": {
            ok: {
                "description": "done; sign-up and sign-in set the session cookie",
                "content": {JSON: {"schema": answer}},
            },
            "4XX": {
                "description": "refused: {error, field}; 400 a bad field (nothing changed),"
                " 401 a wrong password or no session, 404 not one of the developer's, 409 an"
                " address taken, 415 not JSON, 429 wait (retry_after; locked after repeated"
                " wrong passwords)",
                "content": {JSON: {"schema": _error_schema()}},
            },
        },
    }
    if path in ("/api/signup", "/api/signin"):
        entry["requestBody"] = _credentials(JSON)
    elif path == "/api/applications" and method == "POST":
        entry["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": _application_body()}},
        }
    elif method == "POST" and path.endswith("/users"):
        entry["requestBody"] = {"required": True, "content": {JSON: {"schema": _test_user_body()}}}
    elif method == "POST" and "/{code}/" in path:
        entry["requestBody"] = {"required": True, "content": {JSON: {"schema": _change_body(path)}}}
    if path not in ("/api/signup", "/api/signin", "/api/signout"):
        entry["security"] = [{"portal": []}]
    if params := _path_parameters(path):
        entry["parameters"] = params
    if path == "/api/events":
        entry["parameters"] = [
            {
                "name": "since",
                "in": "query",
                "required": False,
                "description": "the sequence number to read after (the last answer's `last`)",
                "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
            }
        ]
    return entry


def _page_entry(method: str, path: str, summary: str, kind: str) -> dict[str, Any]:
    responses: dict[str, Any]
    if kind == "redirect":
        responses = {"301": {"description": "to /portal/"}}
    elif kind == HTML:
        responses = {"200": {"description": "an HTML page", "content": {HTML: {}}}}
        if path not in ("/",):
            responses["303"] = {"description": "not signed in: to /portal/"}
            responses["4XX"] = {
                "description": "404: not one of the developer's",
                "content": {HTML: {}},
            }
    else:
        responses = {
            "303": {"description": "done: back to the page (or to /portal/ to sign in)"},
            "4XX": {
                "description": "the page again, saying what to fix (403: the CSRF token is"
                " missing or not this session's, nothing done; 404: not the developer's)",
                "content": {HTML: {}, JSON: {"schema": _error_schema()}},
            },
        }
        if path == "/apply" or path.endswith(("/secret", "/reset")):
            responses["200"] = {
                "description": "the result: the screening, or the new secret (shown once)",
                "content": {HTML: {}},
            }
    name = (
        "_".join(seg.strip("{}") for seg in path.strip("/").split("/"))
        or ("index" if path else "root")  # "/" is the page, "" redirects
    )
    entry: dict[str, Any] = {
        "operationId": f"portal_{name}_{method.lower()}",
        "summary": summary,
        "tags": ["portal"],
        "responses": responses,
    }
    if path in ("/signup", "/signin"):
        entry["requestBody"] = _credentials("application/x-www-form-urlencoded", path.strip("/"))
    if params := _path_parameters(path):
        entry["parameters"] = params
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
