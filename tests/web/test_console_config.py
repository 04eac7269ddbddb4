"""The API console's server side: its page, `/console/config` and the callback page."""

from __future__ import annotations

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
from testbed.web.console import FLOWS, LABELS

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


async def test_config_registers_the_console_callback_once(client: Client) -> None:
    world = client.server.app[RUNTIME].world
    demo = next(iter(world.directory.clients.values()))
    before = list(demo.redirect_uris)
    config = await _config(client)
    origin = f"http://{client.server.host}:{client.server.port}"
    assert config["callback"] == f"{origin}/console/callback"
    assert config["callback_registered"] is True
    assert demo.redirect_uris == [*before, config["callback"]]
    await _config(client)
    assert demo.redirect_uris.count(config["callback"]) == 1  # not twice


async def test_a_forged_host_is_not_registered(client: Client) -> None:
    world = client.server.app[RUNTIME].world
    demo = next(iter(world.directory.clients.values()))
    before = list(demo.redirect_uris)
    config = await _config(client, Host="evil.example:80")
    assert config["callback"] == "http://evil.example:80/console/callback"
    assert config["callback_registered"] is False
    assert demo.redirect_uris == before


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
