"""What the flows share: the app's state, the signed-in customer, and page rendering."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from samples.fintech_web.kftc import Config, Kftc, KftcError, explain
from samples.fintech_web.store import Store

CONFIG = web.AppKey("config", Config)
KFTC = web.AppKey("kftc", Kftc)
STORE = web.AppKey("store", Store)
TEMPLATES = web.AppKey("templates", jinja2.Environment)

COOKIE = "wallet_session"


def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
    )


def render(request: web.Request, name: str, status: int = 200, **context: Any) -> web.Response:
    page = request.app[TEMPLATES].get_template(name)
    customer = context.pop("customer", None) or signed_in(request)
    html = page.render(customer=customer, **context)
    return web.Response(text=html, content_type="text/html", status=status)


def problem(request: web.Request, error: KftcError, title: str = "") -> web.Response:
    """A refusal from the centre, shown to the customer with its code explained."""
    return render(
        request,
        "message.html",
        title=title or "요청을 처리하지 못했습니다 · The request was not completed",
        rsp_code=error.rsp_code,
        rsp_message=error.rsp_message,
        bank_rsp_code=error.bank_rsp_code,
        bank_rsp_message=error.bank_rsp_message,
        explanation=explain(error.rsp_code, error.bank_rsp_code),
    )


# --- the session: a signed cookie with the customer's id --------------------------------


def _sign(request: web.Request, value: str) -> str:
    key = request.app[CONFIG].secret_key.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def sign_in(request: web.Request, response: web.StreamResponse, customer_id: int) -> None:
    value = str(customer_id)
    response.set_cookie(
        COOKIE, f"{value}.{_sign(request, value)}", httponly=True, samesite="Lax", path="/"
    )


def signed_in(request: web.Request) -> dict[str, Any] | None:
    value, _, signature = request.cookies.get(COOKIE, "").partition(".")
    if not value.isdigit() or not hmac.compare_digest(signature, _sign(request, value)):
        return None
    return request.app[STORE].customer(int(value))


def customer_or_redirect(request: web.Request) -> dict[str, Any]:
    customer = signed_in(request)
    if customer is None:
        raise web.HTTPSeeOther("/")
    return customer
