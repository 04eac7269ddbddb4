"""One check for every redirect URI and every text, at every door: an application (the
portal's JSON API and its form), My Page, the control plane, and the consent pages before
they send a browser anywhere; control characters in names refused naming the field; an
e-mail address held to its syntax (no quoted local part holding markup)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from tests.api.conftest import Api
from tests.network.test_admission import application
from tests.web.portal.conftest import PASSWORD, csrf_of, developers, signup
from tests.web.portal.test_app_pages import form

CRLF_URI = "https://e.example/cb\r\nSet-Cookie: pwn=1"
BAD_URIS = [
    pytest.param(CRLF_URI, id="CR LF (header injection)"),
    pytest.param("https://e.example/cb\nLocation: https://evil.example/", id="LF"),
    pytest.param("https://e.example/cb#fragment", id="fragment"),
    pytest.param("https://e.example/c\tb", id="TAB"),
    pytest.param("https://e.example/cb\x00", id="NUL"),
    pytest.param("javascript:alert(1)", id="javascript:"),
    pytest.param("/relative/cb", id="relative"),
]
BAD_NAMES = [
    pytest.param("주식회사 \x1b[2J\x1b[31m해커", id="ESC (terminal escape)"),
    pytest.param("Evil\x9b31mPay", id="CSI"),
    pytest.param("주식회사\r\n테스트", id="CR LF"),
    pytest.param("Pay\u202eyaP", id="bidi override"),
]
MARKUP_EMAIL = '"<script>alert(1)</script>"@example.com'


def stored(api: Api) -> int:
    return len(api.runtime.world.applications.applications)


async def apply_json(api: Api, **change: Any) -> tuple[int, dict[str, Any]]:
    resp = await api.http.post("/portal/api/applications", json=application(**change))
    return resp.status, await resp.json()


# --- redirect URIs --------------------------------------------------------------------


@pytest.mark.parametrize("uri", BAD_URIS)
async def test_an_application_with_a_bad_redirect_uri_is_refused(api: Api, uri: str) -> None:
    await signup(api.http)
    status, body = await apply_json(api, redirect_uris=["https://ok.example/cb", uri])
    assert status == 400, body
    assert body["field"] == "redirect_uris[1]"
    assert stored(api) == 0
    assert not any(uri in c.redirect_uris for c in api.runtime.world.directory.clients.values())


@pytest.mark.parametrize(
    "uri", ["https://e.example/cb#fragment", "https://e.example/c\tb", "https://e.example/\x00"]
)
async def test_the_application_form_refuses_a_bad_redirect_uri(api: Api, uri: str) -> None:
    await signup(api.http)
    data = form(redirect_uris=f"https://ok.example/cb\n{uri}")
    data["csrf"] = csrf_of(await (await api.http.get("/portal/apply")).text())
    resp = await api.http.post("/portal/apply", data=data)
    assert resp.status == 400
    assert "Redirect URI 2번째 (Redirect URIs, item 2)" in await resp.text()  # the 2nd line
    assert stored(api) == 0


@pytest.mark.parametrize("uri", BAD_URIS)
async def test_my_page_and_the_control_plane_refuse_the_same_uris(api: Api, uri: str) -> None:
    await signup(api.http)
    status, body = await apply_json(api)
    assert status == 201, body
    code = body["client_use_code"]
    resp = await api.http.post(f"/portal/api/apps/{code}/redirect_uris", json={"redirect_uri": uri})
    assert resp.status == 400 and (await resp.json())["field"] == "redirect_uri"
    resp = await api.http.post(
        f"/testbed/clients/{code}", json={"redirect_uris": [uri]}, headers=api.admin
    )
    assert resp.status == 400, await resp.text()
    assert "redirect_uris[0]" in (await resp.json())["error"]
    assert uri not in api.runtime.world.directory.clients[code].redirect_uris


async def test_a_kept_bad_redirect_uri_never_reaches_a_location_header(api: Api) -> None:
    """One registered before the check existed (an older database): the consent pages
    show their error page, and no CR or LF goes into a header."""
    demo = await api.demo(1)
    client = api.runtime.world.directory.clients[demo["client_use_code"]]
    client.redirect_uris.append(CRLF_URI)
    query = {
        "response_type": "token",  # wrong: would redirect back with error=...
        "client_id": demo["client_id"],
        "redirect_uri": CRLF_URI,
        "scope": "login",
        "state": "s",
    }
    resp = await api.http.get("/oauth/2.0/authorize?" + urlencode(query), allow_redirects=False)
    assert resp.status == 400 and resp.content_type == "text/html"
    assert "Location" not in resp.headers and "pwn" not in resp.cookies
    assert "3000114" in await resp.text()


# --- text -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_control_characters_in_a_company_name_are_refused(api: Api, name: str) -> None:
    await signup(api.http)
    status, body = await apply_json(api, company_name=name)
    assert status == 400 and body["field"] == "company_name", body
    assert stored(api) == 0


async def test_control_characters_in_a_purpose_are_refused(api: Api) -> None:
    await signup(api.http)
    status, body = await apply_json(api, purposes=["간편송금", "송금\x07"])
    assert status == 400 and body["field"] == "purposes[1]", body


async def test_control_characters_in_a_test_users_name_are_refused(api: Api) -> None:
    resp = await api.http.post(
        "/testbed/users",
        json={"user_name": "홍길동\x1b[2J", "birth_date": "19900101"},
        headers=api.admin,
    )
    assert resp.status == 400
    assert "name" in (await resp.json())["error"]


async def test_control_characters_in_a_fault_label_are_refused(api: Api) -> None:
    resp = await api.http.post(
        "/testbed/faults",
        json={"kind": "bank_down", "bank": "004", "label": "down\x1b]0;pwned\x07"},
        headers=api.admin,
    )
    assert resp.status == 400
    assert "label" in (await resp.json())["error"]


# --- e-mail ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        MARKUP_EMAIL,
        '"dev"@example.com',
        "dev@[127.0.0.1]",
        "dev@example..com",
        "dev\u202e@example.com",
        "dev@localhost",
    ],
)
async def test_a_malformed_email_is_a_400_naming_email(api: Api, email: str) -> None:
    resp = await api.http.post("/portal/api/signup", json={"email": email, "password": PASSWORD})
    assert resp.status == 400
    assert (await resp.json())["field"] == "email"
    assert developers(api) == {}


async def test_the_sign_up_page_refuses_markup_in_an_email_in_both_languages(api: Api) -> None:
    token = csrf_of(await (await api.http.get("/portal/")).text())
    resp = await api.http.post(
        "/portal/signup",
        data={
            "csrf": token,
            "email": MARKUP_EMAIL,
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
        allow_redirects=False,
    )
    assert resp.status == 400
    html = await resp.text()
    assert "올바른 이메일 주소가 아닙니다" in html and "not an e-mail address" in html
    assert "<script>alert(1)</script>" not in html  # shown back escaped, if at all
    assert developers(api) == {}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Dev.Name+tag@Example.CO.KR", "dev.name+tag@example.co.kr"),
        (" dev@example.com ", "dev@example.com"),
    ],
)
async def test_a_good_email_is_kept_normalised(api: Api, typed: str, kept: str) -> None:
    body = await signup(api.http, email=typed)
    assert body["developer"]["email"] == kept
