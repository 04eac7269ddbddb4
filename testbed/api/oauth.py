"""`/oauth/2.0/token` and `/oauth/2.0/revoke` (the consent pages live in `consent.py`).

The rules (who the client is, which token it may have: O0001, O0011) are the gateway's
(`testbed.network.gateway.tokens`); this module reads the form and renders the answer.
The token endpoint takes `application/x-www-form-urlencoded`. Parameters sent in the
query string instead (a common client mistake) are accepted with a warning.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from testbed.api.catalogue import Operation, Shape
from testbed.api.context import Call, start
from testbed.api.fields import Spec, aNS
from testbed.network.codes import Refusal
from testbed.network.gateway import tokens
from testbed.network.gateway.tokens import ACCESS_LIFETIME, Grant
from testbed.network.parties import FintechClient


async def _params(call: Call) -> dict[str, str]:
    request = call.request
    form: dict[str, str] = {}
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            posted = await request.post()
        except UnicodeDecodeError:  # was a 500 (found by probing what the fuzz cannot send)
            call.warn("the form body is not UTF-8: no parameter could be read from it")
        else:
            form = {k: v for k, v in posted.items() if isinstance(v, str)}
    elif request.can_read_body:
        call.warn(
            f"the token endpoint takes application/x-www-form-urlencoded, not"
            f" {request.content_type or 'an untyped body'}"
        )
    if request.query:
        call.warn("OAuth parameters belong in the form body, not the query string")
        for key, value in request.query.items():
            form.setdefault(key, value)
    return form


def _client(call: Call, params: dict[str, str]) -> FintechClient:
    return tokens.client_of(
        call.world, params.get("client_id", ""), params.get("client_secret", "")
    )


def _scopes(text: str) -> list[str]:
    return [s for s in text.replace("+", " ").split(" ") if s]


def _user_token(grant: Grant) -> dict[str, Any]:
    return {
        "access_token": grant.access_token,
        "token_type": "Bearer",
        "expires_in": int(ACCESS_LIFETIME),
        "refresh_token": grant.refresh_token,
        "scope": " ".join(grant.scopes),
        "user_seq_no": grant.user_seq_no,
    }


def _client_credentials(
    call: Call, client: FintechClient, params: dict[str, str]
) -> dict[str, Any]:
    scopes = _scopes(params.get("scope", ""))
    grant = tokens.institution_token(call.world, client, scopes, call.now)
    return {  # no refresh_token: some clients fail on any field they do not expect
        "access_token": grant.access_token,
        "token_type": "Bearer",
        "expires_in": int(ACCESS_LIFETIME),
        "scope": grant.scopes[0],
        "client_use_code": client.client_use_code,
    }


def _authorization_code(
    call: Call, client: FintechClient, params: dict[str, str]
) -> dict[str, Any]:
    code, redirect = params.get("code", ""), params.get("redirect_uri", "")
    return _user_token(tokens.user_token(call.world, client, code, redirect, call.now))


def _refresh_token(call: Call, client: FintechClient, params: dict[str, str]) -> dict[str, Any]:
    scopes = _scopes(params.get("scope", ""))
    refresh = params.get("refresh_token", "")
    return _user_token(tokens.refreshed(call.world, client, refresh, scopes, call.now))


_GRANT_TYPES = {
    "client_credentials": _client_credentials,
    "authorization_code": _authorization_code,
    "refresh_token": _refresh_token,
}


async def token(request: web.Request) -> web.Response:
    call = start(request)
    params = await _params(call)
    client = _client(call, params)
    issue = _GRANT_TYPES.get(params.get("grant_type", ""))
    if issue is None:
        raise Refusal("O0001", tokens.MISSING)
    return call.answer(issue(call, client, params))


async def revoke(request: web.Request) -> web.Response:
    call = start(request)
    params = await _params(call)
    client = _client(call, params)
    access_token = params.get("access_token", "")
    if not access_token and params.get("token"):
        call.warn("the revoke parameter is access_token, not token")
        access_token = params["token"]
    grant = tokens.revoked(call.world, client, access_token)
    return call.answer(
        {
            "rsp_code": "A0000",
            "rsp_message": "",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "access_token": grant.access_token,
            "refresh_token": grant.refresh_token,
        }
    )


TOKEN_REQUEST = Spec(
    aNS("client_id", 100),
    aNS("client_secret", 100),
    aNS("grant_type", 30, choices=tuple(_GRANT_TYPES)),
    aNS("scope", 100, required=False),
    aNS("code", 100, required=False),
    aNS("redirect_uri", 500, required=False),
    aNS("refresh_token", 2000, required=False),
)
REVOKE_REQUEST = Spec(aNS("client_id", 100), aNS("client_secret", 100), aNS("access_token", 2000))

OPERATIONS = [
    Operation(
        method="POST",
        path="/oauth/2.0/token",
        handler=token,
        writes=True,  # a refusal may write too: a reused code revokes its tokens
        name_ko="토큰발급",
        name_en="Issue a token",
        group="OAuth",
        scopes=(),
        request=TOKEN_REQUEST,
        response=Shape(
            (
                "access_token",
                "token_type",
                "expires_in",
                "refresh_token",
                "scope",
                "user_seq_no",
                "client_use_code",
                "rsp_code",
                "rsp_message",
            ),
            numbers=frozenset({"expires_in"}),
            required=(),
        ),
        body="form",
    ),
    Operation(
        method="POST",
        path="/oauth/2.0/revoke",
        handler=revoke,
        writes=True,
        name_ko="토큰폐기",
        name_en="Revoke a token",
        group="OAuth",
        scopes=(),
        request=REVOKE_REQUEST,
        response=Shape(
            (
                "rsp_code",
                "rsp_message",
                "client_id",
                "client_secret",
                "access_token",
                "refresh_token",
            )
        ),
        body="form",
    ),
]
