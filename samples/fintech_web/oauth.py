"""The customer's consent (3-legged OAuth 2.0), token refresh and expiry; our oob token.

1. `/connect` sends the customer's browser to the centre's `/oauth/2.0/authorize`
   with our client_id, the redirect_uri registered for us, the scopes and a `state`.
2. The centre's pages sign the customer in, check their identity (SMS code) and ask
   which accounts to register, with 조회 (inquiry) and 출금 (withdrawal) consent.
3. The browser comes back to `/callback?code=...&state=...`; our server exchanges the
   code for the customer's tokens (`grant_type=authorization_code`), server to server.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web

from samples.fintech_web.kftc import TOKEN_EXPIRED, KftcError
from samples.fintech_web.pages import CONFIG, KFTC, STORE, customer_or_redirect, problem, render

#: KFTC rule (scopes): a user token carries what the customer agreed to. `login` lets
#: us read their accounts (account/list), `inquiry` their balances and transactions,
#: `transfer` withdrawals from their account. Deposits and transfer/result use the
#: institution's own token instead (scope `oob`, `client_credentials`).
USER_SCOPES = "login inquiry transfer"

T = TypeVar("T")


class NeedsConsent(Exception):
    """The customer has no usable token: they must go through the consent pages again."""


async def connect(request: web.Request) -> web.Response:
    """GET /connect: off to the centre's consent pages."""
    customer = customer_or_redirect(request)
    config = request.app[CONFIG]
    # `state` protects the callback from forged requests: we accept back only a state
    # we issued, once, and it tells us which customer the code belongs to.
    state = secrets.token_urlsafe(16)
    request.app[STORE].add_state(state, customer["id"])
    query = urlencode(
        {
            "response_type": "code",
            "client_id": config.client_id,
            # KFTC rule: redirect_uri must equal a callback URL registered for the
            # institution, exactly; otherwise the centre shows an error page.
            "redirect_uri": config.redirect_uri,
            "scope": USER_SCOPES,
            "state": state,
            "auth_type": "0",  # 0: the full flow (sign-in and identity check)
        }
    )
    raise web.HTTPFound(f"{config.base_url.rstrip('/')}/oauth/2.0/authorize?{query}")


async def callback(request: web.Request) -> web.Response:
    """GET /callback: the centre sends the browser back with `code` (or `error`)."""
    customer = customer_or_redirect(request)
    store = request.app[STORE]
    owner = store.take_state(request.query.get("state", ""))
    if owner != customer["id"]:
        return render(
            request,
            "message.html",
            status=400,
            title="알 수 없는 요청입니다 · Unknown request",
            explanation="state가 일치하지 않습니다. 계좌 연결을 다시 시작하세요."
            " · The state does not match: start connecting again.",
        )
    if "error" in request.query:
        return render(
            request,
            "message.html",
            title="계좌 연결이 취소되었습니다 · Connecting was cancelled",
            rsp_code=request.query["error"],
            explanation=request.query.get("error_description", ""),
        )
    try:
        answer = await request.app[KFTC].token(
            {
                "code": request.query.get("code", ""),
                "redirect_uri": request.app[CONFIG].redirect_uri,  # the same as in step 1
                "grant_type": "authorization_code",
            }
        )
    except KftcError as e:
        return problem(request, e, "토큰을 받지 못했습니다 · No token")
    # Keep both tokens and user_seq_no: the access token for calls (90 days), the
    # refresh token to get a new pair when it expires.
    store.save_token(customer["id"], answer)
    raise web.HTTPSeeOther("/wallet")


async def refresh(request: web.Request, customer_id: int) -> dict[str, Any]:
    """A new token pair from the refresh token, or NeedsConsent.

    KFTC rule: an access token lives 90 days; a refresh token a little longer (here 10
    days more). Refreshing ROTATES both in this testbed: the old pair stops working,
    so we must save the new refresh token too. Once the refresh token has expired as
    well, only the customer can help: they go through the consent pages again."""
    store = request.app[STORE]
    token = store.token(customer_id)
    if token is None or not token["refresh_token"]:
        raise NeedsConsent()
    try:
        answer = await request.app[KFTC].token(
            {
                "refresh_token": token["refresh_token"],
                "scope": token["scope"] or USER_SCOPES,
                "grant_type": "refresh_token",
            }
        )
    except KftcError as e:
        if e.rsp_code == "HTTP":
            raise
        store.forget_token(customer_id)
        raise NeedsConsent() from e
    answer.setdefault("user_seq_no", token["user_seq_no"])
    store.save_token(customer_id, answer)
    refreshed = store.token(customer_id)
    assert refreshed is not None
    return refreshed


async def with_user_token(
    request: web.Request, customer_id: int, call: Callable[[dict[str, Any]], Awaitable[T]]
) -> T:
    """Run `call` with the customer's token; on O0003 (expired) refresh once and retry.

    Only a token failure is retried: the call was refused at the door (nothing done),
    so sending it again is safe. A transfer refused for any other reason is not."""
    token = request.app[STORE].token(customer_id)
    if token is None:
        raise NeedsConsent()
    try:
        return await call(token)
    except KftcError as e:
        if e.rsp_code not in TOKEN_EXPIRED:
            raise
    return await call(await refresh(request, customer_id))


async def with_client_token(request: web.Request, call: Callable[[str], Awaitable[T]]) -> T:
    """Run `call` with the institution's oob token (client_credentials), made when
    missing and made again when the centre says it expired."""
    store = request.app[STORE]
    token = store.client_token()
    if token:
        try:
            return await call(token)
        except KftcError as e:
            if e.rsp_code not in TOKEN_EXPIRED | {"O0002"}:
                raise
    answer = await request.app[KFTC].token({"scope": "oob", "grant_type": "client_credentials"})
    store.save_client_token(answer["access_token"])
    return await call(answer["access_token"])


def consent_needed(request: web.Request) -> web.Response:
    return render(
        request,
        "message.html",
        title="계좌 연결이 필요합니다 · Please connect your account",
        explanation="토큰이 없거나 만료되어 갱신할 수 없습니다. 오픈뱅킹에서 다시 동의해 주세요."
        " · There is no token, or it expired beyond refresh: consent again at Open Banking.",
        connect=True,
    )
