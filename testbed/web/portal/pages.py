"""The portal for people: `/portal/` (sign in or sign up; once signed in, My Page) and
the forms it posts. Every form carries the session's CSRF token and is refused (403,
nothing done) without it; a form that worked redirects (303) back to `/portal/`, one
that did not shows the page again with what to fix, under the status the API would give.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDict

from testbed.network.gateway import ApplicationError
from testbed.network.parties import FintechClient
from testbed.network.portal import Developer, PortalError
from testbed.runtime import Runtime
from testbed.typedefs import Handler
from testbed.web.origin import console_callback
from testbed.web.portal import accounts, institutions, sessions
from testbed.web.portal.common import (
    by,
    forbidden_page,
    render_page,
    runtime_of,
    see_other,
    visitor,
)


async def index(request: web.Request) -> web.Response:
    """GET /portal/: the forms, or My Page for a signed-in developer."""
    return await _landing(request)


async def to_index(request: web.Request) -> web.Response:
    """GET /portal: the portal is at /portal/ (its cookie's path)."""
    return web.Response(status=301, headers={"Location": "/portal/"})


async def _landing(
    request: web.Request, status: int = 200, form: str = "", **state: Any
) -> web.Response:
    developer = await sessions.current_developer(request)
    if developer is not None:
        runtime = runtime_of(request)
        return await render_page(
            request,
            "mypage.html",
            status,
            developer=developer,
            applications=[
                institutions.application_view(runtime, a)
                for a in reversed(runtime.gateway.admission.applications(developer.id))
            ],
            apps=runtime.gateway.admission.institutions(developer.id),
        )
    forms: dict[str, dict[str, Any]] = {
        "signin": {"email": "", "errors": {}},
        "signup": {"email": "", "errors": {}},
    }
    if form:
        forms[form] = state
    return await render_page(request, "index.html", status, forms=forms, posted=form)


async def signup(request: web.Request) -> web.Response:
    """POST /portal/signup (form): email, password, password_confirm."""
    form = await sessions.checked_form(request)
    if form is None:
        return await forbidden_page(request)
    email = form.get("email", "")
    if form.get("password", "") != form.get("password_confirm", ""):
        return await _landing(
            request,
            400,
            "signup",
            email=email,
            errors={"password_confirm": "비밀번호가 서로 다릅니다. · The two passwords differ."},
        )
    try:
        developer = await accounts.sign_up(
            runtime_of(request), email, form.get("password"), visitor(request)
        )
    except PortalError as e:
        return await _landing(request, e.status, "signup", email=email, errors=_errors(e))
    await sessions.sign_in(request, developer)
    return see_other()


async def signin(request: web.Request) -> web.Response:
    """POST /portal/signin (form): email, password."""
    form = await sessions.checked_form(request)
    if form is None:
        return await forbidden_page(request)
    email = form.get("email", "")
    try:
        developer = await accounts.sign_in(
            runtime_of(request), email, form.get("password"), visitor(request)
        )
    except PortalError as e:
        return await _landing(request, e.status, "signin", email=email, errors=_errors(e))
    await sessions.sign_in(request, developer)
    return see_other()


async def signout(request: web.Request) -> web.Response:
    """POST /portal/signout (form)."""
    if await sessions.checked_form(request) is None:
        return await forbidden_page(request)
    await sessions.sign_out(request)
    return see_other()


def _errors(error: PortalError) -> dict[str, str]:
    return {error.field: error.message}


# --- 이용신청 -------------------------------------------------------------------------


@sessions.require_developer
async def apply_form(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/apply: the application form."""
    return await _apply_page(request, 200, {}, {})


async def _apply_page(
    request: web.Request, status: int, values: dict[str, Any], errors: dict[str, str]
) -> web.Response:
    return await render_page(
        request,
        "apply.html",
        status,
        values=values,
        errors=errors,
        **institutions.choices(runtime_of(request)),
    )


@sessions.require_developer
async def apply(request: web.Request, developer: Developer) -> web.Response:
    """POST /portal/apply (form): the application; the page of its screening, or the form
    again naming the field to fix (400, nothing filed)."""
    form = await sessions.checked_form(request)
    if form is None:
        return await forbidden_page(request)
    data = institutions.form_data(form)
    runtime = runtime_of(request)
    values = {**data, "purposes": form.get("purposes", "")}
    values["redirect_uris"] = form.get("redirect_uris", "")
    # every problem at once, before anything is filed
    if errors := institutions.check_application(runtime, developer, data):
        return await _apply_page(request, 400, values, errors)
    try:
        app = institutions.apply(runtime, developer, data)
    except ApplicationError as e:
        return await _apply_page(request, 400, values, institutions.form_errors([e]))
    return await render_page(
        request, "applied.html", 200, application=institutions.created_view(runtime, app)
    )


# --- My Page of one app ---------------------------------------------------------------


async def _app_page(
    request: web.Request,
    developer: Developer,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> web.Response:
    runtime = runtime_of(request)
    code = request.match_info["code"]
    client = runtime.gateway.admission.institution(code, developer.id)
    if client is None:
        return await render_page(request, "not_found.html", 404, what=code)
    [view] = institutions.my_page(runtime, by(request, developer), [client])
    people = institutions.test_users(runtime, by(request, developer), developer)
    secret = await sessions.take_once(request, f"client_secret:{code}")
    reset = await sessions.take_once(request, f"reset:{code}")
    return await render_page(
        request,
        "app.html",
        status,
        app=view,
        users=people,
        banks=institutions.choices(runtime)["banks"],
        errors=errors or {},
        client_secret=secret if isinstance(secret, str) else "",
        reset=reset if isinstance(reset, dict) else None,
        # the console's callback on this server, for My Page's one-click registration
        console_callback=console_callback(request),
    )


@sessions.require_developer
async def app(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/apps/{code}: My Page of one of the developer's institutions (404 for
    any other)."""
    return await _app_page(request, developer)


@sessions.require_developer
async def dashboard(request: web.Request, developer: Developer) -> web.Response:
    """GET /portal/dashboard: the developer's view of the network, live (its script polls
    /portal/api/network and /portal/api/events with the session): no admin token."""
    runtime = runtime_of(request)
    codes = [c.client_use_code for c in runtime.gateway.admission.institutions(developer.id)]
    return await render_page(request, "dashboard.html", 200, codes=codes)


async def _app_form(
    request: web.Request, developer: Developer
) -> tuple[Runtime, FintechClient, MultiDict[str]] | web.Response:
    """A form posted to one of the developer's apps: the app and the form's fields, or the
    page that refuses it (404 not the developer's, as one that does not exist; 403
    without this session's CSRF token). Nothing is done before both hold."""
    runtime = runtime_of(request)
    code = request.match_info["code"]
    client = runtime.gateway.admission.institution(code, developer.id)
    if client is None:
        return await render_page(request, "not_found.html", 404, what=code)
    form = await sessions.checked_form(request)
    if form is None:
        return await forbidden_page(request)
    return runtime, client, form


@sessions.require_developer
async def make_user(request: web.Request, developer: Developer) -> web.Response:
    """POST /portal/apps/{code}/users (form): name, birth_date, bank_code, balance: a test
    user of the app, registered with both consents; the page again (303), or naming the
    field to fix (400, nothing made)."""
    posted = await _app_form(request, developer)
    if isinstance(posted, web.Response):
        return posted
    runtime, client, form = posted
    code = client.client_use_code
    balance = form.get("balance", "").replace(",", "").strip()
    body = {
        "name": form.get("name", "").strip(),
        "birth_date": form.get("birth_date", "").strip(),
        "accounts": [
            {
                "bank_code": form.get("bank_code", ""),
                "balance": int(balance) if balance.isascii() and balance.isdigit() else -1,
            }
        ],
    }
    try:
        institutions.make_test_user(runtime, by(request, developer), client, body)
    except ApplicationError as e:
        field = "balance" if e.field == "accounts" else e.field
        return await _app_page(request, developer, 400, {field: e.message})
    return see_other(f"/portal/apps/{code}")


def change_app(change: str) -> Handler:
    """POST /portal/apps/{code}/<change> (form): as the JSON API's; done, the page again
    (303; a new secret or a reset's count shown there once, so a reload neither shows the
    secret again nor rotates it again); refused, the page naming the field."""

    @sessions.require_developer
    async def changed(request: web.Request, developer: Developer) -> web.Response:
        posted = await _app_form(request, developer)
        if isinstance(posted, web.Response):
            return posted
        runtime, client, form = posted
        code = client.client_use_code
        try:
            runtime.clock.sync()
            done = institutions.change(runtime, by(request, developer), client, change, dict(form))
        except ApplicationError as e:
            return await _app_page(request, developer, 400, {e.field: e.message})
        for shown in ("client_secret", "reset"):  # on the page it redirects to, once
            if shown in done:
                await sessions.show_once(request, f"{shown}:{code}", done[shown])
        return see_other(f"/portal/apps/{code}")

    return changed
