"""OAuth on the gateway's side, in one place: which institution a client_id and secret
name, which token it may have (O0001, O0011), redeeming an authorization code (once: a
second use revokes what the first issued), refreshing, revoking, and what a bearer token
stands for. The token endpoint, the consent pages and the console ask these; none of
them decides by itself (`Grants` in network/auth.py keeps the records)."""

from __future__ import annotations

from testbed.network.auth import ACCESS_LIFETIME, CLIENT_SCOPES, USER_SCOPES, AuthCode, Grant
from testbed.network.codes import Refusal
from testbed.network.parties import FintechClient, User
from testbed.network.world import World

__all__ = [
    "ACCESS_LIFETIME",
    "CLIENT_SCOPES",
    "USER_SCOPES",
    "AuthCode",
    "Grant",
    "authorization_code",
    "bearer",
    "bearer_user",
    "client_of",
    "institution_token",
    "refreshed",
    "revoked",
    "user_token",
]

#: KFTC's sub-codes of O0001 (인증 파라미터 오류)
MISSING = "[3000103]"  # a parameter is missing or not one the grant takes
UNKNOWN_CLIENT = "[3000201]"  # no institution has this client_id and client_secret
BAD_SCOPE = "[3000115]"


def client_of(world: World, client_id: str, client_secret: str) -> FintechClient:
    """The institution whose credentials these are, else O0001 (which one was wrong is not
    told)."""
    if not client_id or not client_secret:
        raise Refusal("O0001", MISSING)
    client = world.directory.clients_by_id.get(client_id)
    if client is None or client.client_secret != client_secret:
        raise Refusal("O0001", UNKNOWN_CLIENT)
    return client


def institution_token(world: World, client: FintechClient, scopes: list[str], now: float) -> Grant:
    """A 2-legged token of one scope, `oob` or `sa`; `sa` only for a 자체인증 이용기관
    (O0011)."""
    if len(scopes) != 1 or scopes[0] not in CLIENT_SCOPES:
        raise Refusal("O0001", MISSING)
    if scopes[0] == "sa" and not client.self_auth:
        raise Refusal("O0011")
    return world.auth.issue(client.client_use_code, "", scopes, now)


def user_token(
    world: World, client: FintechClient, code: str, redirect_uri: str, now: float
) -> Grant:
    """The user token an authorization code stands for, once (see `Grants.redeem`)."""
    if not code or not redirect_uri:
        raise Refusal("O0001", MISSING)
    return world.auth.redeem(code, client.client_use_code, redirect_uri, now)


def refreshed(
    world: World, client: FintechClient, refresh_token: str, scopes: list[str], now: float
) -> Grant:
    """A new pair for a refresh token; the scopes, if given, within the old ones."""
    if not refresh_token:
        raise Refusal("O0001", MISSING)
    if any(s not in USER_SCOPES for s in scopes):
        raise Refusal("O0001", BAD_SCOPE)
    return world.auth.refresh(refresh_token, client.client_use_code, scopes, now)


def revoked(world: World, client: FintechClient, access_token: str) -> Grant:
    """The institution's own token, revoked (O0002 for any other)."""
    if not access_token:
        raise Refusal("O0001", MISSING)
    return world.auth.revoke(access_token, client.client_use_code)


def bearer(world: World, access_token: str, now: float) -> Grant:
    """What a bearer token stands for: live, else O0002 (unknown, revoked) or O0003."""
    return world.auth.check(access_token, now)


def bearer_user(world: World, access_token: str, now: float) -> tuple[User, FintechClient]:
    """The user and institution of a live user token, else a Refusal (O0002/O0003)."""
    grant = bearer(world, access_token, now)
    user = world.directory.users.get(grant.user_seq_no)
    client = world.directory.clients.get(grant.client_use_code)
    if user is None or client is None:
        raise Refusal("O0002")
    return user, client


def authorization_code(
    world: World,
    client: FintechClient,
    user: User,
    scopes: list[str],
    redirect_uri: str,
    now: float,
    client_info: str = "",
) -> AuthCode:
    """The one-time code the consent pages send back to the institution's callback."""
    return world.auth.new_code(
        client.client_use_code, user.user_seq_no, scopes, redirect_uri, now, client_info
    )
