"""The portal for scripts: `/portal/api/signup`, `signin`, `signout` and `me`, in JSON.

The answers carry the same session cookie as the pages (a script keeps it in a cookie
jar: `curl -c jar -b jar`). Every POST must be `Content-Type: application/json`: that is
what makes the API safe from cross-site requests without a CSRF token (see
`common.json_object`). Refusals are `{"error": ..., "field": ...}` with a 4xx status.
"""

from __future__ import annotations

from aiohttp import web

from testbed.network.gateway import ApplicationError
from testbed.network.portal import Developer, PortalError
from testbed.typedefs import Handler
from testbed.web.portal import accounts, institutions, sessions
from testbed.web.portal.common import (
    ApiError,
    by,
    developer_view,
    json_object,
    refusal,
    runtime_of,
    visitor,
)
from testbed.web.render import json_response


async def signup(request: web.Request) -> web.Response:
    """POST /portal/api/signup `{"email", "password"}`: 201, the developer, a session."""
    try:
        body = await json_object(request)
        developer = await accounts.sign_up(
            runtime_of(request), body.get("email"), body.get("password"), visitor(request)
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
            runtime_of(request), body.get("email"), body.get("password"), visitor(request)
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


# --- applications (이용신청) and apps ---------------------------------------------------


def _bad_field(error: ApplicationError) -> web.Response:
    return json_response({"error": error.message, "field": error.field}, 400)


def _no_such(kind: str, key: str) -> web.Response:
    # another developer's answers the same as one that does not exist: 404, never 403
    return json_response({"error": f"{kind} {key} 없음 · no such {kind}", "field": "id"}, 404)


@sessions.require_developer
async def apply(request: web.Request, developer: Developer) -> web.Response:
    """POST /portal/api/applications: the model's fields; 201 with the screening, grade
    and terms (and, approved at once, the credentials: the secret's only showing)."""
    runtime = runtime_of(request)
    try:
        body = await json_object(request)
        app = institutions.apply(runtime, developer, body)
    except ApiError as e:
        return json_response(e.body, e.status)
    except ApplicationError as e:
        return _bad_field(e)
    return json_response(institutions.created_view(runtime, app), 201)


@sessions.require_developer
async def applications(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/api/applications: the developer's own, oldest first."""
    runtime = runtime_of(request)
    return json_response(
        {
            "applications": [
                institutions.application_view(runtime, a)
                for a in runtime.gateway.admission.applications(developer.id)
            ]
        }
    )


@sessions.require_developer
async def application(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/api/applications/{id}: one of the developer's own, or 404."""
    runtime = runtime_of(request)
    app_id = request.match_info["id"]
    app = runtime.gateway.admission.application(app_id, developer.id)
    if app is None:
        return _no_such("application", app_id)
    return json_response(institutions.application_view(runtime, app))


@sessions.require_developer
async def apps(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/api/apps: the institutions the developer's applications became."""
    runtime = runtime_of(request)
    clients = runtime.gateway.admission.institutions(developer.id)
    return json_response({"apps": institutions.my_page(runtime, by(request, developer), clients)})


@sessions.require_developer
async def app(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/api/apps/{code}: My Page of one of the developer's institutions."""
    runtime = runtime_of(request)
    code = request.match_info["code"]
    client = runtime.gateway.admission.institution(code, developer.id)
    if client is None:
        return _no_such("app", code)
    [view] = institutions.my_page(runtime, by(request, developer), [client])
    return json_response(view)


@sessions.require_developer
async def users(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/api/users: the developer's test users, with what each of their
    institutions registered (nobody else's: the tenancy rule)."""
    runtime = runtime_of(request)
    shown = institutions.test_users(runtime, by(request, developer), developer)
    return json_response({"users": shown})


@sessions.require_developer
async def make_user(request: web.Request, developer: Developer) -> web.Response:
    """POST /portal/api/apps/{code}/users: a test user of the developer's institution, its
    accounts registered, with a user token when `scope` asks (the body of the operator's
    `POST /testbed/users`, without client_use_code); 201."""
    runtime = runtime_of(request)
    code = request.match_info["code"]
    client = runtime.gateway.admission.institution(code, developer.id)
    if client is None:
        return _no_such("app", code)
    try:
        body = await json_object(request)
        made = institutions.make_test_user(runtime, by(request, developer), client, body)
    except ApiError as e:
        return json_response(e.body, e.status)
    except ApplicationError as e:
        return _bad_field(e)
    return json_response(made, 201)


@sessions.require_developer
async def network(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/api/network: the simulated time, the centre and every bank's state,
    and the developer's institutions: what their dashboard shows of the network (its
    own state only, nothing of any institution)."""
    return json_response(institutions.network_view(runtime_of(request), developer))


@sessions.require_developer
async def events(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/api/events?since=N: the events after N that the developer may see (the
    network's, and their own institutions': `tenancy.may_see_event`), oldest first, at
    most `institutions.EVENTS_PAGE`; ask again with `since` = `last`."""
    unknown = sorted(set(request.query) - {"since"})
    since = request.query.get("since", "0")
    if unknown or not (since.isascii() and since.isdigit()) or len(since) > 18:
        return json_response(
            {"error": "since: the sequence number to read after (digits), and nothing else",
             "field": "since"},
            400,
        )  # fmt: skip
    return json_response(institutions.events_view(runtime_of(request), developer, int(since)))


def change_app(change: str) -> Handler:
    """POST /portal/api/apps/{code}/<change> (`institutions.CHANGES`): one change to the
    developer's institution (on disk before the answer); the answer is My Page after it (a
    rotation adds the new secret: its only showing)."""

    @sessions.require_developer
    async def changed(request: web.Request, developer: Developer) -> web.Response:
        runtime = runtime_of(request)
        code = request.match_info["code"]
        client = runtime.gateway.admission.institution(code, developer.id)
        if client is None:
            return _no_such("app", code)
        try:
            body = await json_object(request)
            runtime.clock.sync()
            done = institutions.change(runtime, by(request, developer), client, change, body)
        except ApiError as e:
            return json_response(e.body, e.status)
        except ApplicationError as e:
            return _bad_field(e)
        [view] = institutions.my_page(runtime, by(request, developer), [client])
        return json_response({**view, **done})

    return changed
