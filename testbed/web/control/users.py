"""Users: `/testbed/users` lists them, and makes one with registered accounts and tokens."""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from testbed.network.gateway import population
from testbed.network.gateway.population import FixtureError
from testbed.network.ledger import AccountKey
from testbed.network.parties import User
from testbed.network.world import World
from testbed.store.audit import CREATE, READ, user_subjects
from testbed.web import people
from testbed.web.control.common import (
    ACCOUNT_FIELDS,
    BadRequest,
    account_view,
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
    processed(request, READ, subjects, _SHOWN, "테스트 사용자 목록 조회 · list the test users")
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
        "developer": user.developer,  # the tenant ("" shared: tenancy)
        "accounts": accounts,
    }


async def create_user(request: web.Request) -> web.Response:
    """A user with accounts registered to an institution, and tokens if asked: no browser needed."""
    runtime = runtime_of(request)
    world = runtime.world
    body = await json_body(request)
    try:
        spec, scopes = people.user_request(body, frozenset({"client_use_code"}))
        default_client = next(iter(world.directory.clients))
        named = people.field(body, "client_use_code", str, default_client)
    except people.BodyError as e:
        raise BadRequest(str(e)) from None
    client = world.directory.clients.get(named)
    if client is None:
        raise BadRequest("client_use_code: no such institution", 404)
    try:
        # the institution named decides whose the user is (tenancy): a portal app's user
        # is its developer's, seen by nobody else's institutions
        made = population.make_test_user(world, client, spec, scopes)
    except FixtureError as e:
        raise BadRequest(str(e)) from None
    user = made.user
    out_accounts = [
        {**account_view(world.ledger.accounts[key]), "fintech_use_num": reg.fintech_use_num}
        for key, reg in zip(user.accounts, made.registrations, strict=True)
    ]
    answer: dict[str, Any] = {
        "user_seq_no": user.user_seq_no,
        "user_ci": user.user_ci,
        "name": user.name,
        "client_use_code": client.client_use_code,
        "accounts": out_accounts,
    }
    grant = made.grant
    if grant is not None:
        answer.update(
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            scope=" ".join(grant.scopes),
            expires_in=int(grant.expires_at - grant.issued_at),
        )
    processed(
        request,
        CREATE,
        user_subjects(runtime.store, user),
        (*_SHOWN, "user_ci"),
        "테스트 사용자 생성 · make a test user",
        client_use_code=client.client_use_code,
    )
    return json_response(answer, 201)
