"""The wallet's web app: sign-up and sign-in of our own customers, the routes, the
configuration, and `main`.

Configuration comes from the command line or the environment (FINTECH_*), never from
the Open Banking server: a fintech is given its client_id/secret, 이용기관코드 and
약정계좌 when its application is approved.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import aiohttp
from aiohttp import web

from samples.fintech_web import accounts, oauth, points, send
from samples.fintech_web.kftc import Config, Kftc, KftcError
from samples.fintech_web.pages import (
    CONFIG,
    COOKIE,
    KFTC,
    STORE,
    TEMPLATES,
    problem,
    render,
    sign_in,
    signed_in,
    templates,
)
from samples.fintech_web.store import Store

DEFAULT_PORT = 8090
log = logging.getLogger("fintech_web")


async def index(request: web.Request) -> web.Response:
    """GET /: sign up or sign in (or straight to the wallet)."""
    if signed_in(request) is not None:
        raise web.HTTPSeeOther("/wallet")
    return render(request, "index.html", base_url=request.app[CONFIG].base_url)


async def signup(request: web.Request) -> web.StreamResponse:
    """POST /signup: a new customer of OUR service (not of the bank, nor of KFTC)."""
    form = await request.post()
    member_no = str(form.get("member_no", "")).strip()
    name = str(form.get("name", "")).strip()
    password = str(form.get("password", ""))
    # req_client_num is AN(20) and req_client_name AH(20): our member numbers and names
    # must fit, since every transfer names the customer with them.
    if not (member_no.isascii() and member_no.isalnum() and 1 <= len(member_no) <= 20):
        error = "회원번호: 영문과 숫자 1~20자 · Member number: 1 to 20 letters and digits."
    elif not 1 <= len(name) <= 20:
        error = "이름: 1~20자 · Name: 1 to 20 characters."
    elif len(password) < 8:
        error = "비밀번호: 8자 이상 · Password: at least 8 characters."
    else:
        customer_id = request.app[STORE].add_customer(member_no, name, password)
        if customer_id is not None:
            response = web.HTTPSeeOther("/wallet")
            sign_in(request, response, customer_id)
            raise response
        error = "이미 있는 회원번호입니다 · That member number is taken."
    return render(request, "index.html", status=400, signup_error=error, form=dict(form))


async def signin(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    customer = request.app[STORE].check_password(
        str(form.get("member_no", "")), str(form.get("password", ""))
    )
    if customer is None:
        return render(
            request,
            "index.html",
            status=401,
            signin_error="회원번호 또는 비밀번호가 틀립니다 · Wrong member number or password.",
        )
    response = web.HTTPSeeOther("/wallet")
    sign_in(request, response, customer["id"])
    raise response


async def signout(request: web.Request) -> web.StreamResponse:
    response = web.HTTPSeeOther("/")
    response.del_cookie(COOKIE, path="/")
    raise response


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def shown_to_the_user(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes a page the customer can read, never a bare 500."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except oauth.NeedsConsent:
        return oauth.consent_needed(request)
    except KftcError as e:
        return problem(request, e)
    except Exception:
        log.exception("unexpected error on %s", request.path)
        return render(
            request,
            "message.html",
            status=500,
            title="일시적인 오류입니다 · Something went wrong",
            explanation="잠시 후 다시 시도하세요. · Please try again shortly.",
        )


def make_app(config: Config, clock: Callable[[], float] = time.monotonic) -> web.Application:
    """The app; `clock` is what it waits on after a rate limit or a closed bank (a test
    gives its own, moved with the testbed's simulated time)."""
    app = web.Application(middlewares=[shown_to_the_user])
    app[CONFIG] = config
    app[TEMPLATES] = templates()

    async def resources(app: web.Application) -> AsyncIterator[None]:
        store = Store(config.db)
        timeout = aiohttp.ClientTimeout(total=60)  # the centre waits up to 20 s for a bank
        async with aiohttp.ClientSession(timeout=timeout) as session:
            app[STORE], app[KFTC] = store, Kftc(config, session, clock)
            yield
        store.close()

    app.cleanup_ctx.append(resources)
    app.router.add_get("/", index)
    app.router.add_post("/signup", signup)
    app.router.add_post("/signin", signin)
    app.router.add_post("/signout", signout)
    app.router.add_get("/connect", oauth.connect)
    app.router.add_get("/callback", oauth.callback)
    app.router.add_get("/wallet", accounts.wallet)
    app.router.add_get("/accounts/{fintech_use_num:\\d+}", accounts.account)
    app.router.add_post("/points/charge", points.charge)
    app.router.add_post("/points/payout", points.payout)
    app.router.add_post("/send", send.send)
    app.router.add_post("/transfers/{id:\\d+}/check", points.check)
    return app


def parser() -> argparse.ArgumentParser:
    env = os.environ.get
    p = argparse.ArgumentParser(prog="fintech_web", description="포인트 지갑: a sample fintech")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--base-url", default=env("FINTECH_BASE_URL", "http://127.0.0.1:8080"))
    p.add_argument("--client-id", default=env("FINTECH_CLIENT_ID", ""))
    p.add_argument("--client-secret", default=env("FINTECH_CLIENT_SECRET", ""))
    p.add_argument("--client-use-code", default=env("FINTECH_CLIENT_USE_CODE", ""))
    p.add_argument("--withdraw-account", default=env("FINTECH_WITHDRAW_ACCOUNT", ""))
    p.add_argument("--deposit-account", default=env("FINTECH_DEPOSIT_ACCOUNT", ""))
    p.add_argument("--redirect-uri", default=env("FINTECH_REDIRECT_URI", ""))
    p.add_argument("--db", default=env("FINTECH_DB", "fintech_web.db"))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    missing = [
        name
        for name in (
            "client_id",
            "client_secret",
            "client_use_code",
            "withdraw_account",
            "deposit_account",
        )
        if not getattr(args, name)
    ]
    if missing:
        print(f"fintech_web: missing {', '.join('--' + m.replace('_', '-') for m in missing)}")
        return 2
    config = Config(
        base_url=args.base_url,
        client_id=args.client_id,
        client_secret=args.client_secret,
        client_use_code=args.client_use_code,
        withdraw_account=args.withdraw_account,
        deposit_account=args.deposit_account,
        redirect_uri=args.redirect_uri or f"http://{args.host}:{args.port}/callback",
        db=args.db,
    )
    run(config, args.host, args.port)
    return 0


def run(config: Config, host: str, port: int) -> None:
    print(f"포인트 지갑 (sample fintech) on http://{host}:{port} -> {config.base_url}", flush=True)
    web.run_app(make_app(config), host=host, port=port, print=None)
