"""The portal's sessions: the cookie, its key, who is signed in, and the CSRF token.

Sessions are aiohttp-session's, in an encrypted cookie (`EncryptedCookieStorage`:
Fernet, AES-128-CBC with an HMAC-SHA256, from `cryptography`): the server keeps no
session table, and nobody without the key can read or forge one. The cookie is
`testbed_portal`, HttpOnly (scripts on a page cannot read it), SameSite=Lax (a
cross-site POST does not carry it), Secure under `serve --tls`, with the path
`/portal/` (the KFTC API's requests never carry it), and good for `MAX_AGE` of wall
time (the cookie's encryption and the browser's expiry both run on real time).

The session holds the developer's id, a digest of their password hash (`_binding`: a
cookie made for one developer can never open another's account, even one that took the
same id after a reset, and a future password change ends the other sessions), a random
session id, and the CSRF token of the forms. The server keeps the digests of the live
session ids in the developer's record (`Developer.sessions`): sign-out removes its own,
so a copy of the cookie taken before it opens nothing afterwards (401), although the
cookie itself would still decrypt until it expires.

The key (32 bytes) comes from `Settings.session_key` (`$TESTBED_SESSION_KEY`, base64),
or from `testbed-session.key` beside the database, made once with mode 0600 and kept,
so sessions survive a restart like the developers do. A `:memory:` database keeps
nothing: its key is new each start.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

from aiohttp import web
from aiohttp_session import get_session, new_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from multidict import MultiDict

from testbed.config.settings import Settings
from testbed.network.portal import Developer
from testbed.typedefs import RUNTIME, Handler
from testbed.web.render import json_response

COOKIE: Final = "testbed_portal"
PATH: Final = "/portal/"
API_PATH: Final = "/portal/api/"
MAX_AGE: Final = 12 * 3600  # seconds of wall time: a working day, then sign in again
KEY_FILE: Final = "testbed-session.key"
KEY_BYTES: Final = 32  # Fernet: 16 bytes to sign, 16 to encrypt
CSRF_FIELD: Final = "csrf"

_DEVELOPER: Final = "developer"
_BINDING: Final = "auth"
_SESSION_ID: Final = "sid"
_CSRF: Final = "csrf"
_ONCE: Final = "once"

DeveloperHandler = Callable[[web.Request, Developer], Awaitable[web.StreamResponse]]


class SessionKeyError(Exception):
    """The session key given or kept is not usable; the message says what to do."""


# --- the key and the storage ------------------------------------------------------------


def session_key(settings: Settings) -> bytes:
    """The 32-byte key of the portal's cookies (see the module's docstring)."""
    if settings.session_key:
        return _decode(
            settings.session_key, "TESTBED_SESSION_KEY", "fix it, or unset it for the key file"
        )
    if settings.db == ":memory:":
        return os.urandom(KEY_BYTES)  # a secret, not simulated data: never the seeded source
    path = Path(settings.db).resolve().parent / KEY_FILE
    if not path.exists():
        _create(path)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o600)  # a kept key others could read (copied, unpacked) goes back to 0600
    text = path.read_text(encoding="ascii", errors="replace").strip()
    return _decode(
        text, str(path), "delete the file to have a new one made (every portal session then ends)"
    )


def _decode(text: str, where: str, remedy: str) -> bytes:
    try:
        key = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise SessionKeyError(
            f"{where}: the portal's session key must be {KEY_BYTES} random bytes in base64"
            f" (e.g. `openssl rand -base64 32`): {remedy}"
        )
    return key


def _create(path: Path) -> None:
    """Write a new key, 0600 from its first byte; `link` fails if another process made
    one meanwhile, and that one is kept (so two first starts agree on a key)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(base64.b64encode(os.urandom(KEY_BYTES)).decode() + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def storage(settings: Settings) -> EncryptedCookieStorage:
    return EncryptedCookieStorage(
        session_key(settings),
        cookie_name=COOKIE,
        path=PATH,
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.tls,
    )


# --- who is signed in -------------------------------------------------------------------


def _binding(developer: Developer) -> str:
    return hashlib.sha256(f"{developer.id}:{developer.password_hash}".encode()).hexdigest()[:32]


async def current_developer(request: web.Request) -> Developer | None:
    """The developer this request's session belongs to, or None (no session, an expired
    or foreign cookie, or a developer the current world does not have)."""
    session = await get_session(request)
    developer_id = session.get(_DEVELOPER)
    if not isinstance(developer_id, str):
        return None
    developer = request.config_dict[RUNTIME].world.developers.get(developer_id)
    binding = session.get(_BINDING)
    session_id = session.get(_SESSION_ID)
    if developer is None or not isinstance(binding, str) or not isinstance(session_id, str):
        return None
    if not _same(binding, _binding(developer)):
        return None
    if _digest(session_id) not in developer.sessions:
        return None  # signed out (or pushed out by newer sessions)
    return developer


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def require_developer(handler: DeveloperHandler) -> Handler:
    """The handler runs with the signed-in developer; without one, the JSON API answers
    401 and a page sends the browser to `/portal/` to sign in."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        developer = await current_developer(request)
        if developer is None:
            if request.path.startswith(API_PATH):
                return not_signed_in()
            return web.Response(status=303, headers={"Location": PATH})
        return await handler(request, developer)

    return guarded


def not_signed_in() -> web.Response:
    return json_response(
        {"error": "로그인이 필요합니다 · Not signed in: POST /portal/api/signin first"}, 401
    )


async def sign_in(request: web.Request, developer: Developer) -> None:
    """A new session for the developer: a new cookie, session id and CSRF token, nothing
    kept from the session before (a cookie planted before sign-in is worth nothing
    after); the server knows the session, on disk, before the answer."""
    session = await new_session(request)
    session_id = secrets.token_urlsafe(32)
    session[_DEVELOPER] = developer.id
    session[_BINDING] = _binding(developer)
    session[_SESSION_ID] = session_id
    session[_CSRF] = secrets.token_urlsafe(32)
    runtime = request.config_dict[RUNTIME]
    runtime.world.developers.open_session(developer, _digest(session_id))


async def sign_out(request: web.Request) -> None:
    """End the session on the server (its id leaves the developer's record), then empty
    the cookie: the answer deletes it, and a copy of it kept elsewhere opens nothing."""
    session = await get_session(request)
    developer = await current_developer(request)
    session_id = session.get(_SESSION_ID)
    if developer is not None and isinstance(session_id, str):
        runtime = request.config_dict[RUNTIME]
        runtime.world.developers.close_session(developer, _digest(session_id))
    session.invalidate()


# --- shown once ------------------------------------------------------------------------


async def show_once(request: web.Request, key: str, value: object) -> None:
    """Keep `value` for the next page that asks for `key`, once: a form redirects (303)
    to a page that shows what it did (a new client_secret), and a reload shows it no
    more and does not post again. It waits in the encrypted cookie, never in a URL."""
    session = await get_session(request)
    kept = session.get(_ONCE)
    session[_ONCE] = {**(kept if isinstance(kept, dict) else {}), key: value}


async def take_once(request: web.Request, key: str) -> object:
    """What `show_once` kept for `key` (gone from the session from now on), else None."""
    session = await get_session(request)
    kept = session.get(_ONCE)
    if not isinstance(kept, dict) or key not in kept:
        return None
    rest = {k: v for k, v in kept.items() if k != key}
    if rest:
        session[_ONCE] = rest
    else:
        del session[_ONCE]
    return kept[key]


# --- CSRF -------------------------------------------------------------------------------


async def csrf_token(request: web.Request) -> str:
    """The session's CSRF token, for a hidden field of every form (made on first need:
    a visitor not signed in gets a session just for it)."""
    session = await get_session(request)
    token = session.get(_CSRF)
    if not isinstance(token, str):
        token = session[_CSRF] = secrets.token_urlsafe(32)
    return token


async def checked_form(request: web.Request) -> MultiDict[str] | None:
    """The posted form's text fields, or None when its CSRF token is missing or is not
    this session's (the caller answers 403 and changes nothing)."""
    form: MultiDict[str] = MultiDict()
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            items = list((await request.post()).items())
        except (ValueError, AssertionError, UnicodeDecodeError):
            items = []  # a broken form carries no token
        for key, value in items:
            if isinstance(value, str):
                form.add(key, value)
    expected = (await get_session(request)).get(_CSRF)
    given = form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not _same(given, expected):
        return None
    return form


def _same(given: str, expected: str) -> bool:
    """Equal, in time that does not tell how much of `given` was right."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )
