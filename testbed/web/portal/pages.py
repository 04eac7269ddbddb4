"""The portal for people: `/portal/` (sign in or sign up; once signed in, My Page) and
the forms it posts. Every form carries the session's CSRF token and is refused (403,
nothing done) without it; a form that worked redirects (303) back to `/portal/`, one
that did not shows the page again with what to fix, under the status the API would give.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from testbed.network.portal import PortalError
from testbed.web.portal import accounts, sessions
from testbed.web.portal.common import forbidden_page, render_page, runtime_of, see_other


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
        # the applications and apps arrive with the admission model: a developer will see
        # only their own, looked up by `developer.id`
        return await render_page(
            request, "mypage.html", status, developer=developer, applications=[], apps=[]
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
        developer = await accounts.sign_up(runtime_of(request), email, form.get("password"))
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
        developer = await accounts.sign_in(runtime_of(request), email, form.get("password"))
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
