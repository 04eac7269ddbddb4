"""The portal's JSON API: sign-up, sign-in, sign-out, me; bad input; the cookie's flags."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from testbed.config.settings import Settings
from testbed.web.app import init_app
from tests.api.conftest import Api, Client
from tests.web.portal.conftest import PASSWORD, developers, me, set_cookie, signin, signup


async def test_sign_up_signs_in_and_me_tells_who(api: Api) -> None:
    resp = await api.http.post(
        "/portal/api/signup", json={"email": "  Dev@Example.COM ", "password": PASSWORD}
    )
    assert resp.status == 201
    body = await resp.json()
    assert body["developer"]["id"] == "DEV000001"
    assert body["developer"]["email"] == "dev@example.com"  # trimmed, lower-case
    assert body["developer"]["created"].startswith("2026-03-02T10:00:00")  # simulated time
    assert set_cookie(resp.headers)
    assert await me(api.http) == (200, body)
    second = await signup(api.http, "other@example.com")
    assert second["developer"]["id"] == "DEV000002"
    assert (await me(api.http))[1] == second  # the cookie is the newest sign-up's


async def test_sign_out_ends_the_session_and_sign_in_starts_one(api: Api) -> None:
    made = await signup(api.http)
    resp = await api.http.post("/portal/api/signout", json={})
    assert resp.status == 200 and await resp.json() == {"signed_out": True}
    assert "Max-Age=0" in set_cookie(resp.headers) or "expires" in set_cookie(resp.headers)
    status, body = await me(api.http)
    assert status == 401 and "error" in body
    resp = await signin(api.http, "DEV@example.com")
    assert resp.status == 200
    assert await resp.json() == made
    assert (await me(api.http))[1] == made
    # no body at all is fine for sign-out, as long as it says JSON
    resp = await api.http.post(
        "/portal/api/signout", data=b"", headers={"Content-Type": "application/json"}
    )
    assert resp.status == 200 and (await me(api.http))[0] == 401


async def test_a_wrong_password_and_an_unknown_address_get_the_same_401(api: Api) -> None:
    await signup(api.http)
    await api.http.post("/portal/api/signout", json={})
    wrong = await signin(api.http, password="not the password")
    unknown = await signin(api.http, email="nobody@example.com")
    assert wrong.status == unknown.status == 401
    assert (await wrong.json())["error"] == (await unknown.json())["error"]
    assert (await wrong.json())["field"] == "password"
    assert "testbed_portal" not in wrong.cookies  # no session for a failure
    assert (await me(api.http))[0] == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "email"),
        ({"email": "", "password": PASSWORD}, "email"),
        ({"email": "not-an-address", "password": PASSWORD}, "email"),
        ({"email": "a@b", "password": PASSWORD}, "email"),
        ({"email": "two@@example.com", "password": PASSWORD}, "email"),
        ({"email": "a b@example.com", "password": PASSWORD}, "email"),
        ({"email": "x" * 250 + "@example.com", "password": PASSWORD}, "email"),
        ({"email": ["dev@example.com"], "password": PASSWORD}, "email"),
        ({"email": "dev@example.com"}, "password"),
        ({"email": "dev@example.com", "password": "short"}, "password"),
        ({"email": "dev@example.com", "password": "123456789"}, "password"),  # 9 < 10
        ({"email": "dev@example.com", "password": 12345678901}, "password"),
        ({"email": "dev@example.com", "password": "x" * 1025}, "password"),
    ],
)
async def test_bad_sign_up_input_names_the_field_and_stores_nothing(
    api: Api, body: dict[str, Any], field: str
) -> None:
    resp = await api.http.post("/portal/api/signup", json=body)
    assert resp.status == 400
    answer = await resp.json()
    assert answer["field"] == field and answer["error"]
    assert developers(api) == {}
    assert "testbed_portal" not in resp.cookies


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b'{"email": "dev@example.com", "password": "correct horse"}', "text/plain", 415),
        (
            b"email=dev%40example.com&password=correct+horse",
            "application/x-www-form-urlencoded",
            415,
        ),
        (b"", None, 415),
        (b"[1, 2]", "application/json", 400),
        (b'"text"', "application/json", 400),
        (b"{not json", "application/json", 400),
        (b"\xff\xfe\xfa", "application/json", 400),
        (b"[" * 100_000, "application/json", 400),
        (b"", "application/json", 400),
        # a lone surrogate escape is no text (make soak's fuzz; see api.context)
        (b'{"email": "dev@example.com\\ud800", "password": "x"}', "application/json", 400),
    ],
)
@pytest.mark.parametrize("path", ["/portal/api/signup", "/portal/api/signin"])
async def test_a_body_that_is_not_a_json_object_is_refused(
    api: Api, path: str, data: bytes, content_type: str | None, status: int
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    resp = await api.http.post(path, data=data, headers=headers)
    assert resp.status == status
    assert (await resp.json())["field"] == "body"
    assert developers(api) == {}


async def test_a_taken_address_is_409_in_any_case_and_nothing_changes(api: Api) -> None:
    first = await signup(api.http)
    await api.http.post("/portal/api/signout", json={})
    resp = await api.http.post(
        "/portal/api/signup", json={"email": "DEV@EXAMPLE.com", "password": "another password"}
    )
    assert resp.status == 409
    assert (await resp.json())["field"] == "email"
    (developer,) = developers(api).values()
    assert developer.id == first["developer"]["id"]
    assert (await signin(api.http)).status == 200  # the first password still holds


async def test_the_cookie_is_httponly_samesite_lax_and_kept_to_the_portal(api: Api) -> None:
    resp = await api.http.post(
        "/portal/api/signup", json={"email": "dev@example.com", "password": PASSWORD}
    )
    cookie = set_cookie(resp.headers)
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in cookie.lower().replace(" ", "")
    assert "path=/portal/" in cookie.lower().replace(" ", "")
    assert "secure" not in attributes  # plain HTTP: a Secure cookie would never come back
    assert "max-age" in attributes


async def test_the_cookie_is_secure_under_tls(aiohttp_client: Any, settings: Settings) -> None:
    client: Client = await aiohttp_client(init_app(dataclasses.replace(settings, tls=True)))
    resp = await client.post(
        "/portal/api/signup", json={"email": "dev@example.com", "password": PASSWORD}
    )
    cookie = set_cookie(resp.headers)
    assert "secure" in {part.strip().lower() for part in cookie.split(";")[1:]}
    page = await (await client.get("/portal/")).text()
    assert "--tls" in page and "https://127.0.0.1:8443/portal/" in page  # HTTP here: a notice


async def test_me_without_a_session_or_with_a_forged_cookie_is_401(api: Api) -> None:
    status, body = await me(api.http)
    assert status == 401 and "signin" in body["error"]
    resp = await api.http.get("/portal/api/me", cookies={"testbed_portal": "forged"})
    assert resp.status == 401
    made = await signup(api.http)
    cookie = api.http.session.cookie_jar.filter_cookies(api.http.make_url("/portal/"))
    value = cookie["testbed_portal"].value
    api.http.session.cookie_jar.clear()
    tampered = value[:-6] + ("AAAAAA" if not value.endswith("AAAAAA") else "BBBBBB")
    resp = await api.http.get("/portal/api/me", cookies={"testbed_portal": tampered})
    assert resp.status == 401
    resp = await api.http.get("/portal/api/me", cookies={"testbed_portal": value})
    assert resp.status == 200 and await resp.json() == made


async def test_a_session_does_not_outlive_its_developer_through_a_reset(api: Api) -> None:
    """A reset brings back the seeded world, without developers; the next sign-up takes
    DEV000001 again, and the old cookie, made for the first DEV000001, opens nothing."""
    await signup(api.http, "first@example.com")
    jar = api.http.session.cookie_jar.filter_cookies(api.http.make_url("/portal/"))
    old = jar["testbed_portal"].value
    resp = await api.http.post("/testbed/reset", headers=api.admin)
    assert resp.status == 200
    assert (await me(api.http))[0] == 401
    second = await signup(api.http, "second@example.com")
    assert second["developer"]["id"] == "DEV000001"
    api.http.session.cookie_jar.clear()
    resp = await api.http.get("/portal/api/me", cookies={"testbed_portal": old})
    assert resp.status == 401


async def test_the_portal_is_in_the_openapi_document(api: Api) -> None:
    doc = await (await api.http.get("/openapi.json")).json()
    for path in ("/portal/", "/portal/api/signup", "/portal/api/signin", "/portal/api/me"):
        assert path in doc["paths"], path
    signup_op = doc["paths"]["/portal/api/signup"]["post"]
    assert "201" in signup_op["responses"]
    schema = signup_op["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["email", "password"]
    assert doc["components"]["securitySchemes"]["portal"]["name"] == "testbed_portal"
    docs = await (await api.http.get("/docs")).text()
    assert "/portal/api/signin" in docs


async def test_the_landing_page_links_to_the_portal(api: Api) -> None:
    html = await (await api.http.get("/")).text()
    assert 'href="/portal/"' in html
    resp = await api.http.get("/portal", allow_redirects=False)
    assert resp.status == 301 and resp.headers["Location"] == "/portal/"
