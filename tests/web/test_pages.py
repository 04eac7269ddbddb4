"""The pages: the landing page and /docs, the OpenAPI document for people."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from testbed.api.routes import OPERATIONS
from testbed.config.settings import Settings
from testbed.typedefs import RUNTIME
from testbed.web.app import init_app

Client = TestClient[web.Request, web.Application]


async def test_docs_lists_every_operation_without_external_resources(
    aiohttp_client: Any, settings: Settings
) -> None:
    client: Client = await aiohttp_client(init_app(settings))
    resp = await client.get("/docs")
    html = await resp.text()
    assert resp.status == 200 and "text/html" in resp.headers["Content-Type"]
    for op in OPERATIONS:
        assert f"<code>{op.path}</code>" in html, op.path
        assert op.name_ko in html
    assert "bank_tran_id" in html and "wd_limit_remain_amt" in html  # request and answer fields
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []  # no CDN, nothing from the internet


async def test_docs_shows_each_fields_allowed_values(
    aiohttp_client: Any, settings: Settings
) -> None:
    """The values column shows a field's choices (it showed `dict.values` itself: the
    template read `f.values`, which Jinja finds as the dict's method first)."""
    client: Client = await aiohttp_client(init_app(settings))
    html = await (await client.get("/docs")).text()
    assert "built-in method" not in html
    row = re.search(r"<td><code>grant_type</code></td>.*?</tr>", html, re.S)
    assert row and "client_credentials, authorization_code, refresh_token" in row.group(0)


async def test_the_operator_compliance_pages_are_shells_linked_from_the_landing_page(
    aiohttp_client: Any, settings: Settings
) -> None:
    """The pages carry no data (their script fetches it with the admin token), load nothing
    from elsewhere, are never cached, and the landing page links them."""
    client: Client = await aiohttp_client(init_app(settings))
    landing = await (await client.get("/")).text()
    for path, heading in (
        ("/operator/audit", "개인정보 처리내역"),
        ("/operator/transfers", "자금세탁방지"),
    ):
        resp = await client.get(path)
        html = await resp.text()
        assert resp.status == 200 and heading in html and "/static/compliance.js" in html
        assert resp.headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
        assert re.findall(r'(?:src|href)="(https?://[^"]+)"', html) == []
        assert f'href="{path}"' in landing


async def test_the_sample_page_lists_no_seeded_callback_and_not_the_testbed(
    aiohttp_client: Any, settings: Settings
) -> None:
    """The demo institutions' seeded callbacks (one on 127.0.0.1:8080, where `make serve`
    runs the testbed itself) are not running samples; a registered sample is."""
    client = await aiohttp_client(init_app(settings))
    world = client.server.app[RUNTIME].world
    html = await (await client.get("/sample")).text()
    assert "http://127.0.0.1:8080/" not in html and "testbed sample --testbed" in html
    demo = next(iter(world.directory.clients.values()))
    demo.redirect_uris.append("http://127.0.0.1:8765/callback")
    demo.redirect_uris.append(f"http://127.0.0.1:{client.server.port}/callback")
    html = await (await client.get("/sample")).text()
    assert 'href="http://127.0.0.1:8765/"' in html
    assert f"http://127.0.0.1:{client.server.port}/" not in html
