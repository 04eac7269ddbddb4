"""The API console's server side: its page, `/console/config` and the callback page."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from testbed.api.routes import OPERATIONS
from testbed.config.settings import Settings
from testbed.network.codes import MESSAGES
from testbed.typedefs import RUNTIME
from testbed.web.app import init_app
from testbed.web.console import (
    CLIENT_ID_HEADER,
    CLIENT_SECRET_HEADER,
    FLOWS,
    LABELS,
    NOTES,
)
from tests.api.conftest import Api
from tests.web.portal.conftest import signup
from tests.web.portal.test_applications import approved
from tests.web.test_consent_pages import complete_flow, redeem

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings) -> Client:
    made: Client = await aiohttp_client(init_app(settings))
    return made


async def _config(client: Client, **headers: str) -> dict[str, Any]:
    resp = await client.get("/console/config", headers=headers)
    assert resp.status == 200, await resp.text()
    data: dict[str, Any] = await resp.json()
    return data


async def test_config_needs_no_admin_token_and_has_the_demo_credentials(
    client: Client, auth: dict[str, str]
) -> None:
    config = await _config(client)  # no Authorization header at all
    demo = (await (await client.get("/testbed/clients", headers=auth)).json())["clients"][0]
    assert config["client_id"] == demo["client_id"]
    assert config["client_secret"] == demo["client_secret"]
    assert config["client_use_code"] == demo["client_use_code"]
    assert config["wd_pass_phrase"] == "NONE"
    accounts = {a["purpose"]: a["account_num"] for a in demo["contract_accounts"]}
    assert config["contract_accounts"]["withdraw"]["account_num"] == accounts["withdraw"]
    assert config["contract_accounts"]["deposit"]["account_num"] == accounts["deposit"]
    assert config["now"] == {
        "tran_dtime": "20260302100000",
        "date": "20260302",
        "iso": "2026-03-02T10:00:00.000+09:00",
    }


async def test_config_names_a_fintech_use_num_registered_to_the_demo_with_transfer_consent(
    client: Client,
) -> None:
    config = await _config(client)
    registered = config["registered"]
    world = client.server.app[RUNTIME].world
    reg = world.directory.registrations[registered["fintech_use_num"]]
    assert reg.client_use_code == config["client_use_code"]
    assert reg.transfer_agree_dtime and not reg.cancelled
    assert registered["user_seq_no"] == reg.user_seq_no
    assert registered["user_name"] == world.directory.users[reg.user_seq_no].name
    assert (registered["bank_code_std"], registered["account_num"]) == (
        reg.bank_code,
        reg.account_num,
    )


async def test_config_lists_every_operation_with_its_fields(client: Client) -> None:
    config = await _config(client)
    listed = {op["path"]: op for op in config["operations"]}
    assert [op["path"] for op in config["operations"]] == [op.path for op in OPERATIONS]
    for op in OPERATIONS:
        view = listed[op.path]
        assert (view["method"], view["group"], view["name_ko"], view["name_en"]) == (
            op.method,
            op.group,
            op.name_ko,
            op.name_en,
        )
        assert view["scopes"] == list(op.scopes) and view["body"] == op.body
        fields = op.request.fields if op.request else ()
        assert [
            (f["name"], f["kind"], f["size"], f["required"], tuple(f["choices"]))
            for f in view["fields"]
        ] == [(f.name, f.kind, f.size, f.required, f.choices) for f in fields]
        items = op.items.fields if op.items else ()
        assert [f["name"] for f in view["items"]] == [f.name for f in items]
        assert view["list"] == ("req_list" if op.items else None)
        for f in [*view["fields"], *view["items"]]:
            assert f["name"] in LABELS, f"no Korean label for {f['name']}"
            assert f["label_ko"] and f["label_en"]
    withdraw = listed["/v2.0/transfer/withdraw/fin_num"]
    cntr = next(f for f in withdraw["fields"] if f["name"] == "cntr_account_type")
    assert cntr["choices"] == ["N", "C"] and cntr["required"]


async def test_config_carries_the_code_table_and_the_kftc_console_list(client: Client) -> None:
    config = await _config(client)
    assert config["codes"]["A0000"] == "정상처리"
    assert {k: v for k, v in config["codes"].items() if k != "A0000"} == {
        k: v for k, v in MESSAGES.items() if k != "A0000"
    }
    names = [f["name"] for f in config["flows"]]
    assert names[:2] == ["사용자인증", "계좌등록확인"] and "이체결과조회" in names
    paths = {op.path for op in OPERATIONS}
    for name, path in FLOWS:
        assert path in paths or path.startswith("/oauth/2.0/authorize"), name


async def test_the_console_callback_is_usable_without_being_stored(client: Client) -> None:
    world = client.server.app[RUNTIME].world
    demo = next(iter(world.directory.clients.values()))
    before = list(demo.redirect_uris)
    config = await _config(client)
    origin = f"http://{client.server.host}:{client.server.port}"
    assert config["callback"] == f"{origin}/console/callback"
    assert config["callback_registered"] is True
    assert demo.redirect_uris == before  # a Host header never becomes configuration


async def test_varied_hosts_store_nothing(client: Client) -> None:
    """Each loopback name (h1.localhost, h2.localhost, ...) is this server's own origin,
    and none is kept: the demo institution's redirect URIs stay as they were."""
    world = client.server.app[RUNTIME].world
    demo = next(iter(world.directory.clients.values()))
    before = list(demo.redirect_uris)
    port = client.server.port
    for i in range(50):
        config = await _config(client, Host=f"h{i}.localhost:{port}")
        assert config["callback_registered"] is True
    assert demo.redirect_uris == before


async def test_a_forged_host_is_not_usable(client: Client) -> None:
    world = client.server.app[RUNTIME].world
    demo = next(iter(world.directory.clients.values()))
    before = list(demo.redirect_uris)
    config = await _config(client, Host="evil.example:80")
    assert config["callback"] == "http://evil.example:80/console/callback"
    assert config["callback_registered"] is False
    assert demo.redirect_uris == before
    query = {
        "response_type": "code",
        "client_id": config["client_id"],
        "redirect_uri": config["callback"],
        "scope": "login inquiry transfer",
        "state": "s1",
    }
    resp = await client.get(
        "/oauth/2.0/authorize", params=query, headers={"Host": "evil.example:80"}
    )
    assert resp.status == 400 and "3000114" in await resp.text()


async def test_the_consent_pages_accept_the_console_callback(client: Client) -> None:
    config = await _config(client)
    query = {
        "response_type": "code",
        "client_id": config["client_id"],
        "redirect_uri": config["callback"],
        "scope": "login inquiry transfer",
        "state": "s1",
        "auth_type": "0",
    }
    resp = await client.get("/oauth/2.0/authorize", params=query)
    assert resp.status == 200
    assert "사용자 확인" in await resp.text()  # the sign-in page, not the redirect_uri error


async def test_console_pages_are_html_from_this_server_only(client: Client) -> None:
    for path in ("/console", "/console/callback"):
        resp = await client.get(path)
        html = await resp.text()
        assert resp.status == 200 and "text/html" in resp.headers["Content-Type"]
        assert '<script src="/static/console.js"' in html
        assert re.findall(r'(?:src|href)="(https?://[^"]+)"', html) == []
    html = await (await client.get("/console")).text()
    for op in OPERATIONS:
        assert f'data-path="{op.path}"' in html
    for name, _path in FLOWS:
        assert f">{name}</a>" in html
    for asset in ("/static/console.js", "/static/console.css", "/static/base.css"):
        assert (await client.get(asset)).status == 200


async def test_config_names_the_signed_in_user_from_their_token(api: Api) -> None:
    """The forms are filled for the user whose token the page sends: their details, the
    account the demo institution's calls use, and the one user/register would register."""
    world = api.runtime.world
    default = (await _config(api.http))["user"]
    people = list(world.directory.users.values())
    person = next(u for u in people if u.user_seq_no != default["user_seq_no"])
    demo, callback, user_seq_no = await complete_flow(api, 0, user_seq_no=person.user_seq_no)
    token = (await redeem(api, demo, callback["code"]))["access_token"]

    config = await _config(api.http, Authorization=f"Bearer {token}")
    assert (config["signed_in"], config["user_token"]) == (True, "live")
    user = config["user"]
    assert (user["user_seq_no"], user["user_name"]) == (user_seq_no, person.name)
    assert (user["user_info"], user["user_ci"]) == (person.birth_date, person.user_ci)
    reg = world.directory.registrations[user["demo"]["fintech_use_num"]]
    assert reg.user_seq_no == user_seq_no and reg.transfer_agree_dtime and not reg.cancelled
    assert reg.client_use_code == config["client_use_code"]
    assert config["registered"]["fintech_use_num"] == reg.fintech_use_num
    assert config["registered"]["user_name"] == person.name
    # nothing registered with the self-auth institution yet: user/register's account
    assert user["self_auth"] is None
    target = user["register"]
    assert (target["bank_code_std"], target["account_num"]) in person.accounts
    account = world.ledger.accounts[(target["bank_code_std"], target["account_num"])]
    assert account.account_type.value == "1" and target["scope"] == "inquiry transfer"

    # a token that is not live, or not a user's of the demo institution: the seeded user
    for header in ("Bearer not-a-token", f"Bearer {await api.token('oob')}"):
        config = await _config(api.http, Authorization=header)
        assert (config["signed_in"], config["user_token"]) == (False, "refused")
        assert config["user"]["user_seq_no"] == default["user_seq_no"]
    config = await _config(api.http)
    assert (config["signed_in"], config["user_token"]) == (False, "none")


async def test_config_names_the_self_auth_institution_and_its_registration(api: Api) -> None:
    config = await _config(api.http)
    sa = await api.demo(1)
    assert config["self_auth"]["client_use_code"] == sa["client_use_code"]
    assert config["self_auth"]["client_id"] == sa["client_id"]
    assert config["self_auth"]["client_secret"] == sa["client_secret"]
    withdraw = next(a for a in sa["contract_accounts"] if a["purpose"] == "withdraw")
    assert (
        config["self_auth"]["contract_accounts"]["withdraw"]["account_num"]
        == (withdraw["account_num"])
    )
    user, target = config["user"], config["user"]["register"]
    answer = await api.post(
        "/v2.0/user/register",
        await api.token("sa", index=1),
        {
            "bank_tran_id": api.tran_id(sa["client_use_code"]),
            "bank_code_std": target["bank_code_std"],
            "register_account_num": target["account_num"],
            "user_info": user["user_info"],
            "user_name": user["user_name"],
            "user_ci": user["user_ci"],
            "scope": target["scope"],
            "info_prvd_agmt_yn": "Y",
            "wd_agmt_yn": "Y",
            "tran_dtime": "20260302100000",
        },
    )
    assert answer["rsp_code"] == "A0000", answer
    after = (await _config(api.http))["user"]
    assert after["self_auth"]["fintech_use_num"] == answer["fintech_use_num"]
    assert after["self_auth"]["scope"] == "inquiry transfer"
    # user/register's next account: another usable one, else this one again (A0324)
    done = (target["bank_code_std"], target["account_num"])
    following = (after["register"]["bank_code_std"], after["register"]["account_num"])
    world = api.runtime.world
    others = [
        key
        for key in world.directory.users[user["user_seq_no"]].accounts
        if key != done and world.ledger.accounts[key].status.value == "normal"
    ]
    assert following in others if others else following == done


async def test_every_note_names_a_known_code_and_a_real_operation(client: Client) -> None:
    config = await _config(client)
    paths = {op.path for op in OPERATIONS}
    assert set(NOTES) <= paths
    for op in config["operations"]:
        if op["path"] not in NOTES:
            assert op["note"] is None
            continue
        note = op["note"]
        assert note["ko"] and note["en"]
        assert note["code"] == "" or note["code"] in config["codes"], op["path"]
        assert note["code"] in note["ko"] and note["code"] in note["en"]


async def test_config_shows_no_more_than_the_forms_fill_and_each_read_is_logged(
    client: Client, auth: dict[str, str]
) -> None:
    """The console's user's name, birth date, CI and accounts leave with every config (the
    forms of user/register need them): each answer is in the processing log, as read by
    `console` from the caller's address, under the user and the accounts shown. The
    e-mail, which no form asks for, is not shown at all. One record an hour covers every
    showing of the same data (a public page cannot grow the log with each load)."""
    config = await _config(client)
    user = config["user"]
    assert "user_email" not in user
    resp = await client.get("/testbed/audit", params={"actor": "console"}, headers=auth)
    (record,) = (await resp.json())["records"]
    assert (record["action"], record["path"], record["source"]) == (
        "read",
        "GET /console/config",
        "127.0.0.1",
    )
    assert {"user_name", "birth_date", "user_ci", "account_num"} <= set(record["fields"])
    runtime = client.server.app[RUNTIME]
    demo = user["demo"]
    ref = runtime.store.account_ref(demo["bank_code_std"], demo["account_num"])
    assert user["user_seq_no"] in record["subjects"] and ref in record["subjects"]
    assert f"client:{config['client_use_code']}" in record["subjects"]
    # one record covers every showing of the same data for an hour (a public page)
    assert record["detail"] == {
        "user_token": "none",
        "covers_until": "2026-03-02T11:00:00.000+09:00",
    }
    assert user["user_ci"] not in str(record) and user["user_name"] not in str(record)
    for _ in range(3):
        await _config(client)
    resp = await client.get("/testbed/audit", params={"actor": "console"}, headers=auth)
    assert len((await resp.json())["records"]) == 1


async def test_config_adopts_the_institution_whose_credentials_the_page_sends(api: Api) -> None:
    """A developer's own app in the console: its code (the bank_tran_id prefix), scopes,
    limits and 약정계좌, its developer's test user; never its secret, which stays in the
    page that typed it. Wrong credentials change nothing."""
    await signup(api.http)
    app = await approved(api)
    creds = app["credentials"]
    code = creds["client_use_code"]
    index = next(i for i, c in enumerate(await api.clients()) if c["client_use_code"] == code)
    mine = await api.user([{"bank_code": "004", "balance": 50_000}], index=index)
    sent = {CLIENT_ID_HEADER: creds["client_id"], CLIENT_SECRET_HEADER: creds["client_secret"]}
    config = await _config(api.http, **sent)
    client = api.runtime.world.directory.clients[code]
    assert (config["institution"], config["client_use_code"]) == ("own", code)
    assert config["client_id"] == creds["client_id"] and config["client_secret"] == ""
    assert creds["client_secret"] not in json.dumps(config)
    assert config["scopes"] == client.scopes and config["is_self_auth"] == client.self_auth
    assert config["limits"]["user_withdraw_day"] == client.limit("user_withdraw_day")
    assert config["contract_accounts"]["withdraw"]["account_num"] == (
        client.contract_account("withdraw").account_num  # type: ignore[union-attr]
    )
    assert config["my_page"] == f"/portal/apps/{code}"
    assert config["user"]["user_seq_no"] == mine["user_seq_no"]  # the developer's own user
    assert config["user"]["demo"]["fintech_use_num"] == mine["accounts"][0]["fintech_use_num"]
    assert config["callback_registered"] is False  # a portal app registers it on My Page

    demo = await api.demo()
    for wrong in ({**sent, CLIENT_SECRET_HEADER: "not-the-secret"}, {CLIENT_ID_HEADER: "x"}):
        config = await _config(api.http, **wrong)
        assert (config["institution"], config["client_use_code"]) == (
            "refused",
            demo["client_use_code"],
        )
    config = await _config(api.http)
    assert config["institution"] == "demo" and config["client_secret"] == demo["client_secret"]


async def test_config_links_the_readiness_run_of_a_developers_own_institution(api: Api) -> None:
    """The console's link to go-live readiness: the portal for a demo institution; for a
    developer's own, its page, naming the open run (the console's calls are in it)."""
    demo = await _config(api.http)
    assert demo["readiness"] == {"page": "/portal/", "run": ""}
    await signup(api.http)
    creds = (await approved(api))["credentials"]
    code = creds["client_use_code"]
    sent = {CLIENT_ID_HEADER: creds["client_id"], CLIENT_SECRET_HEADER: creds["client_secret"]}
    config = await _config(api.http, **sent)
    assert config["readiness"] == {"page": f"/portal/apps/{code}/readiness", "run": ""}
    resp = await api.http.post(f"/portal/api/apps/{code}/readiness", json={})
    assert resp.status == 201, await resp.text()
    run = (await resp.json())["run"]
    config = await _config(api.http, **sent)
    assert config["readiness"] == {"page": f"/portal/apps/{code}/readiness?run={run}", "run": run}
