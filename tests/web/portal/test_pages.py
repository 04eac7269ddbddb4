"""The portal's pages and forms: sign-up, sign-in and sign-out as a browser posts them,
with the CSRF token read from the page; a form without this session's token changes
nothing."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from testbed.web.app import init_app
from tests.api.conftest import Api, Client
from tests.web.portal.conftest import PASSWORD, csrf_of, developers, me, signup


async def _page(client: Client) -> str:
    resp = await client.get("/portal/")
    assert resp.status == 200
    return await resp.text()


async def _post(client: Client, path: str, form: dict[str, str]) -> Any:
    return await client.post(path, data=form, allow_redirects=False)


async def _signup_form(client: Client, email: str = "dev@example.com") -> Any:
    token = csrf_of(await _page(client))
    return await _post(
        client,
        "/portal/signup",
        {"csrf": token, "email": email, "password": PASSWORD, "password_confirm": PASSWORD},
    )


async def test_the_landing_page_offers_both_forms_in_korean_and_english(api: Api) -> None:
    resp = await api.http.get("/portal/")
    html = await resp.text()
    assert resp.status == 200 and resp.content_type == "text/html"
    assert "로그인" in html and "Sign in" in html and "회원가입" in html and "Sign up" in html
    assert html.count('name="csrf"') == 2  # every form carries the token
    assert 'action="/portal/signin"' in html and 'action="/portal/signup"' in html
    assert "testbed_portal" in resp.cookies  # the token's session, before any sign-in
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["Cache-Control"] == "no-store"


async def test_sign_up_sign_out_and_sign_in_through_the_forms(api: Api) -> None:
    resp = await _signup_form(api.http, "Dev@Example.com")
    assert resp.status == 303 and resp.headers["Location"] == "/portal/"
    html = await _page(api.http)
    assert "마이페이지" in html and "My Page" in html
    assert "dev@example.com" in html and "DEV000001" in html
    assert "No applications yet" in html  # the applications arrive next
    token = csrf_of(html)
    resp = await _post(api.http, "/portal/signout", {"csrf": token})
    assert resp.status == 303
    html = await _page(api.http)
    assert "마이페이지" not in html and 'action="/portal/signin"' in html
    resp = await _post(
        api.http,
        "/portal/signin",
        {"csrf": csrf_of(html), "email": "dev@example.com", "password": PASSWORD},
    )
    assert resp.status == 303
    assert (await me(api.http))[1]["developer"]["id"] == "DEV000001"


async def test_a_wrong_password_shows_the_form_again_without_the_password(api: Api) -> None:
    await signup(api.http)
    await api.http.post("/portal/api/signout", json={})
    secret = "my wrong password 123"
    resp = await _post(
        api.http,
        "/portal/signin",
        {"csrf": csrf_of(await _page(api.http)), "email": "dev@example.com", "password": secret},
    )
    html = await resp.text()
    assert resp.status == 401
    assert "비밀번호가 올바르지 않습니다" in html and "password is wrong" in html
    assert 'value="dev@example.com"' in html and secret not in html
    assert (await me(api.http))[0] == 401


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"email": "nope", "password": PASSWORD, "password_confirm": PASSWORD}, 400, "e-mail"),
        ({"email": "d@example.com", "password": "short", "password_confirm": "short"}, 400, "10"),
        ({"email": "d@example.com", "password": PASSWORD, "password_confirm": "x"}, 400, "differ"),
        ({"email": "d@example.com"}, 400, "password"),
    ],
)
async def test_a_bad_sign_up_form_says_what_to_fix_and_stores_nothing(
    api: Api, form: dict[str, str], status: int, message: str
) -> None:
    token = csrf_of(await _page(api.http))
    resp = await _post(api.http, "/portal/signup", {"csrf": token, **form})
    assert resp.status == status
    assert message in await resp.text()
    assert developers(api) == {}


async def test_a_taken_address_in_the_form_is_409(api: Api) -> None:
    await signup(api.http)
    await api.http.post("/portal/api/signout", json={})
    resp = await _signup_form(api.http, "DEV@example.com")
    assert resp.status == 409 and "already has an account" in await resp.text()
    assert len(developers(api)) == 1


async def test_forms_without_this_sessions_csrf_token_are_403_and_change_nothing(
    api: Api,
) -> None:
    async with (
        aiohttp.ClientSession() as other,  # another browser, same server
        other.get(api.http.make_url("/portal/")) as resp,
    ):
        foreign = csrf_of(await resp.text())
    mine = csrf_of(await _page(api.http))
    assert foreign != mine
    fields = {"email": "dev@example.com", "password": PASSWORD, "password_confirm": PASSWORD}
    for token in (None, "", "wrong", foreign, mine + "x"):
        form = fields if token is None else {"csrf": token, **fields}
        for path in ("/portal/signup", "/portal/signin"):
            resp = await _post(api.http, path, form)
            assert resp.status == 403, (path, token)
            assert "CSRF" in await resp.text()
    resp = await api.http.post(
        "/portal/signup", json={"csrf": mine, **fields}, allow_redirects=False
    )
    assert resp.status == 403  # a token in JSON is no form
    assert developers(api) == {}
    assert (await me(api.http))[0] == 401


async def test_sign_out_without_the_token_keeps_the_session(api: Api) -> None:
    await _signup_form(api.http)
    for form in ({}, {"csrf": "wrong"}):
        resp = await _post(api.http, "/portal/signout", form)
        assert resp.status == 403
        assert (await me(api.http))[0] == 200


async def test_a_token_from_before_sign_in_does_not_work_after(api: Api) -> None:
    """Signing in makes a new session and a new token: a token planted before (login CSRF,
    session fixation) is worth nothing after."""
    before = csrf_of(await _page(api.http))
    await _post(
        api.http,
        "/portal/signup",
        {"csrf": before, "email": "dev@example.com", "password": PASSWORD,
         "password_confirm": PASSWORD},
    )  # fmt: skip
    after = csrf_of(await _page(api.http))
    assert after != before
    resp = await _post(api.http, "/portal/signout", {"csrf": before})
    assert resp.status == 403


async def test_a_broken_form_body_is_a_403_not_a_500(api: Api) -> None:
    for data, content_type in (
        (b"--x\r\nbroken", "multipart/form-data"),  # no boundary
        (b"\xff\xfe=\xfa", "application/x-www-form-urlencoded"),
        (b"{}", "application/json"),
    ):
        resp = await api.http.post(
            "/portal/signin", data=data, headers={"Content-Type": content_type}
        )
        assert resp.status == 403


async def test_the_pages_forms_work_after_a_restart_with_the_kept_key(
    aiohttp_client: Any, on_file: Any
) -> None:
    """The key file beside the database, made once (0600), keeps a browser signed in
    across a restart."""
    import dataclasses
    import os
    import stat
    from pathlib import Path

    settings = dataclasses.replace(on_file, session_key="")
    client: Client = await aiohttp_client(init_app(settings))
    await _signup_form(client)
    key_file = Path(settings.db).parent / "testbed-session.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    cookies = client.session.cookie_jar.filter_cookies(client.make_url("/portal/"))
    value = cookies["testbed_portal"].value
    await client.close()
    client = await aiohttp_client(init_app(settings))
    resp = await client.get("/portal/", cookies={"testbed_portal": value})
    assert "DEV000001" in await resp.text()
