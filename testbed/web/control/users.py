"""Users: `/testbed/users` lists them, and makes one with registered accounts and tokens."""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from testbed.network.auth import USER_SCOPES
from testbed.network.fixtures import AccountSpec, FixtureError, UserSpec, register
from testbed.network.fixtures import create_user as create_user_model
from testbed.network.ledger import AccountKey, AccountStatus, AccountType
from testbed.network.parties import User
from testbed.network.world import World
from testbed.store.audit import CREATE, READ, user_subjects
from testbed.web.control.common import (
    ACCOUNT_FIELDS,
    BadRequest,
    account_view,
    body_field,
    json_body,
    processed,
    registrations_by_account,
    runtime_of,
)
from testbed.web.render import json_response

#: the personal fields a user's view shows; with its accounts', what the list reveals
USER_FIELDS: Final = ("user_name", "birth_date", "gender", "cell_no", "email")
_SHOWN: Final = (*USER_FIELDS, *ACCOUNT_FIELDS, "fintech_use_num")


async def users(request: web.Request) -> web.Response:
    runtime = runtime_of(request)
    world = runtime.world
    registered = registrations_by_account(world)
    people = list(world.directory.users.values())
    out = [_user_view(world, user, registered) for user in people]
    subjects = (s for user in people for s in user_subjects(runtime.store, user))
    await processed(
        request, READ, subjects, _SHOWN, "테스트 사용자 목록 조회 · list the test users"
    )
    return json_response({"users": out})


def _user_view(
    world: World, user: User, registered: dict[AccountKey, list[dict[str, str]]]
) -> dict[str, Any]:
    accounts = []
    for key in user.accounts:
        view = account_view(world.ledger.accounts[key])
        view["registrations"] = registered.get(key, [])
        accounts.append(view)
    return {
        "user_seq_no": user.user_seq_no,
        "name": user.name,
        "birth_date": user.birth_date,
        "gender": user.gender,
        "cell_no": user.cell_no,
        "email": user.email,
        "accounts": accounts,
    }


def _account_spec(raw: Any, i: int) -> AccountSpec:
    if not isinstance(raw, dict):
        raise BadRequest(f"accounts[{i}]: expected an object")
    unknown = sorted(set(raw) - _ACCOUNT_KEYS)
    if unknown:
        raise BadRequest(f"accounts[{i}]: unknown field(s) {', '.join(unknown)}")
    try:
        return AccountSpec(
            bank_code=body_field(raw, "bank_code", str),
            balance=body_field(raw, "balance", int, 0),
            account_type=AccountType(body_field(raw, "account_type", str, "1")),
            product_name=body_field(raw, "product_name", str, ""),
            status=AccountStatus(body_field(raw, "status", str, "normal")),
            account_num=body_field(raw, "account_num", str, ""),
            inquiry=body_field(raw, "inquiry", bool, True),
            transfer=body_field(raw, "transfer", bool, True),
            alias=body_field(raw, "alias", str, ""),
        )
    except ValueError as e:
        raise BadRequest(f"accounts[{i}]: {e}") from None


_ACCOUNT_KEYS = {
    "bank_code", "balance", "account_type", "product_name", "status", "account_num",
    "inquiry", "transfer", "alias",
}  # fmt: skip
_USER_KEYS = {
    "name",
    "birth_date",
    "gender",
    "cell_no",
    "email",
    "accounts",
    "client_use_code",
    "scope",
}


async def create_user(request: web.Request) -> web.Response:
    """A user with accounts registered to an institution, and tokens if asked: no browser needed."""
    runtime = runtime_of(request)
    world = runtime.world
    body = await json_body(request)
    unknown = sorted(set(body) - _USER_KEYS)
    if unknown:
        raise BadRequest(
            f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(_USER_KEYS))}"
        )
    accounts = body_field(body, "accounts", list, [])
    spec = UserSpec(
        name=body_field(body, "name", str),
        birth_date=body_field(body, "birth_date", str),
        gender=body_field(body, "gender", str, "M"),
        cell_no=body_field(body, "cell_no", str, ""),
        email=body_field(body, "email", str, ""),
        accounts=tuple(_account_spec(a, i) for i, a in enumerate(accounts)),
    )
    default_client = next(iter(world.directory.clients))
    client = world.directory.clients.get(body_field(body, "client_use_code", str, default_client))
    if client is None:
        raise BadRequest("client_use_code: no such institution", 404)
    scopes = body_field(body, "scope", str, "").split()
    if any(s not in USER_SCOPES for s in scopes):
        raise BadRequest(f"scope: any of {' '.join(USER_SCOPES)}")
    world.clock.sync()
    try:
        user = create_user_model(world, spec)
    except FixtureError as e:
        raise BadRequest(str(e)) from None
    out_accounts = []
    for account_spec, key in zip(spec.accounts, user.accounts, strict=True):
        account = world.ledger.accounts[key]
        reg = register(
            world,
            client,
            user,
            account,
            account_spec.inquiry,
            account_spec.transfer,
            account_spec.alias,
        )
        out_accounts.append({**account_view(account), "fintech_use_num": reg.fintech_use_num})
    answer: dict[str, Any] = {
        "user_seq_no": user.user_seq_no,
        "user_ci": user.user_ci,
        "name": user.name,
        "client_use_code": client.client_use_code,
        "accounts": out_accounts,
    }
    if scopes:
        grant = world.auth.issue(
            client.client_use_code, user.user_seq_no, scopes, world.clock.now()
        )
        answer.update(
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            scope=" ".join(grant.scopes),
            expires_in=int(grant.expires_at - grant.issued_at),
        )
    await processed(
        request,
        CREATE,
        user_subjects(runtime.store, user),
        (*_SHOWN, "user_ci"),
        "테스트 사용자 생성 · make a test user",
        client_use_code=client.client_use_code,
    )
    return json_response(answer, 201)
