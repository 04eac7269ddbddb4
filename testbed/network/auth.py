"""OAuth grants of the centre: authorization codes, access tokens and refresh tokens.

Clients treat tokens as opaque, but some decode them, so they are shaped like the real
gateway's: an HS256 JWT whose payload is `aud` (user_seq_no for a user token,
client_use_code for an institution token), `scope`, `iss`, `exp` and `jti`. They are
drawn from the world's secret source (the OS's CSPRNG under `serve`, never the public
seed: `testbed.rng`), signed with its key, and expire on the simulated clock.

An authorization code is redeemed once. A second use is refused, and it also revokes
every token its first use issued, and every token refreshed from those (RFC 6749 §4.1.2:
the code may have been stolen, and whoever used it first may not be the client).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

import orjson

from testbed.clock import DAY
from testbed.network.codes import Refusal
from testbed.network.records import Decoder, RecordBook

ACCESS_LIFETIME: Final = 90 * DAY  # expires_in 7776000, as in KFTC's samples
#: ⚠ not published: the refresh token outlives its access token by 10 days
REFRESH_LIFETIME: Final = 100 * DAY
CODE_LIFETIME: Final = 600.0
ISSUER: Final = "https://www.openbanking.or.kr"

USER_SCOPES: Final = ("login", "inquiry", "transfer")
CLIENT_SCOPES: Final = ("oob", "sa")


@dataclass(slots=True)
class Grant:
    """One access token, with its refresh token when it is a user (3-legged) token."""

    access_token: str
    refresh_token: str  # "" for an institution (2-legged) token
    client_use_code: str
    user_seq_no: str  # "" for an institution token
    scopes: list[str]
    issued_at: float
    expires_at: float
    refresh_expires_at: float = 0.0
    revoked: bool = False
    #: the authorization code this token (or the token it was refreshed from) came from
    origin: str = ""

    @property
    def is_user_token(self) -> bool:
        return bool(self.user_seq_no)


@dataclass(slots=True)
class AuthCode:
    code: str
    client_use_code: str
    user_seq_no: str
    scopes: list[str]
    redirect_uri: str
    expires_at: float
    used: bool = False
    client_info: str = ""
    fields: dict[str, str] = field(default_factory=dict)


def _b64_json(data: dict[str, Any]) -> str:
    """base64url (unpadded) of compact UTF-8 JSON: a JWT part."""
    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


_JWT_HEADER: Final = _b64_json({"alg": "HS256", "typ": "JWT"})


class Grants(RecordBook):
    KINDS: ClassVar[dict[str, Decoder]] = {
        "token": lambda data: Grant(**data),
        "code": lambda data: AuthCode(**data),
    }

    def __init__(self, rng: random.Random, secret: bytes) -> None:
        super().__init__()
        self.rng = rng
        self.secret = secret
        self.tokens: dict[str, Grant] = self.tables["token"]
        self.codes: dict[str, AuthCode] = self.tables["code"]
        self.by_refresh: dict[str, Grant] = {}
        #: the tokens each authorization code led to (what a second use of it revokes)
        self.by_origin: dict[str, dict[str, Grant]] = {}

    def _index(self, kind: str, key: str, obj: Any) -> None:
        if kind != "token":
            return
        if obj.refresh_token:
            self.by_refresh[obj.refresh_token] = obj
        if obj.origin:
            self.by_origin.setdefault(obj.origin, {})[key] = obj

    # --- making tokens ------------------------------------------------------------------
    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _jwt(self, aud: str, scopes: list[str], exp: float) -> str:
        claims = {"aud": aud, "scope": scopes, "iss": ISSUER, "exp": int(exp), "jti": self._uuid()}
        body = _JWT_HEADER + "." + _b64_json(claims)
        signature = hmac.new(self.secret, body.encode(), hashlib.sha256).digest()
        return body + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()

    def issue(
        self,
        client_use_code: str,
        user_seq_no: str,
        scopes: list[str],
        now: float,
        origin: str = "",
    ) -> Grant:
        expires = now + ACCESS_LIFETIME
        aud = user_seq_no or client_use_code
        grant = Grant(
            access_token=self._jwt(aud, scopes, expires),
            refresh_token=self._jwt(aud, scopes, now + REFRESH_LIFETIME) if user_seq_no else "",
            client_use_code=client_use_code,
            user_seq_no=user_seq_no,
            scopes=list(scopes),
            issued_at=now,
            expires_at=expires,
            refresh_expires_at=now + REFRESH_LIFETIME if user_seq_no else 0.0,
            origin=origin,
        )
        self.put("token", grant.access_token, grant)
        return grant

    def new_code(
        self,
        client_use_code: str,
        user_seq_no: str,
        scopes: list[str],
        redirect_uri: str,
        now: float,
        client_info: str = "",
    ) -> AuthCode:
        code = AuthCode(
            code=base64.urlsafe_b64encode(self.rng.randbytes(24)).decode().rstrip("="),
            client_use_code=client_use_code,
            user_seq_no=user_seq_no,
            scopes=list(scopes),
            redirect_uri=redirect_uri,
            expires_at=now + CODE_LIFETIME,
            client_info=client_info,
        )
        self.put("code", code.code, code)
        return code

    # --- using them ---------------------------------------------------------------------
    def redeem(self, code: str, client_use_code: str, redirect_uri: str, now: float) -> Grant:
        """Exchange an authorization code for a user token, once; a second use revokes
        what the first one issued (the module's docstring)."""
        found = self.codes.get(code)
        if found is None or found.client_use_code != client_use_code:
            raise Refusal("O0001", "[3002110]")
        if found.used:
            self._revoke_from(found.code)
            raise Refusal("O0001", "[3002110]")
        if now >= found.expires_at:
            raise Refusal("O0001", "[3002110]")
        if found.redirect_uri != redirect_uri:
            raise Refusal("O0001", "[3000114]")
        found.used = True
        self.put("code", found.code, found)
        return self.issue(client_use_code, found.user_seq_no, found.scopes, now, found.code)

    def _revoke_from(self, code: str) -> None:
        for grant in list(self.by_origin.get(code, {}).values()):
            if not grant.revoked:
                grant.revoked = True
                self.put("token", grant.access_token, grant)

    def refresh(
        self, refresh_token: str, client_use_code: str, scopes: list[str], now: float
    ) -> Grant:
        """A new access and refresh token; the old pair stops working (⚠ rotation)."""
        old = self.by_refresh.get(refresh_token)
        if old is None or old.revoked or old.client_use_code != client_use_code:
            raise Refusal("O0001", "[3002110]")
        if now >= old.refresh_expires_at:
            raise Refusal("O0003", "Refresh Token 만료")
        if scopes and not set(scopes) <= set(old.scopes):
            raise Refusal("O0001", "[3000115]")
        old.revoked = True
        self.put("token", old.access_token, old)
        return self.issue(client_use_code, old.user_seq_no, scopes or old.scopes, now, old.origin)

    def revoke(self, access_token: str, client_use_code: str) -> Grant:
        grant = self.tokens.get(access_token)
        if grant is None or grant.client_use_code != client_use_code or grant.revoked:
            raise Refusal("O0002")
        grant.revoked = True
        self.put("token", grant.access_token, grant)
        return grant

    def check(self, access_token: str, now: float) -> Grant:
        grant = self.tokens.get(access_token)
        if grant is None or grant.revoked:
            raise Refusal("O0002")
        if now >= grant.expires_at:
            raise Refusal("O0003")
        return grant
