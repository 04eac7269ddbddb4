"""The developer portal in a real browser: sign up, My Page, sign out, sign in again."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

PASSWORD = "browser password 1"


def test_sign_up_sign_out_and_sign_in_again(server: dict[str, Any], page: Page) -> None:
    page.goto(server["base"] + "/")
    page.get_by_role("link", name="개발자 포털").click()
    expect(page.get_by_role("heading", name="개발자 포털")).to_be_visible()
    screenshot(page, "portal_signin")

    signup = page.locator("form[action='/portal/signup']")
    signup.get_by_label("이메일").fill("Browser@Example.com")
    signup.get_by_label("비밀번호", exact=False).first.fill(PASSWORD)
    signup.get_by_label("비밀번호 확인").fill("a different one")
    signup.get_by_role("button").click()
    expect(page.get_by_role("alert")).to_contain_text("The two passwords differ")
    expect(signup.get_by_label("이메일")).to_have_value("Browser@Example.com")  # kept
    signup.get_by_label("비밀번호", exact=False).first.fill(PASSWORD)
    signup.get_by_label("비밀번호 확인").fill(PASSWORD)
    signup.get_by_role("button").click()

    expect(page.get_by_role("heading", name="마이페이지")).to_be_visible()
    expect(page.locator("#developer-email")).to_have_text("browser@example.com")
    expect(page.locator("#developer-id")).to_have_text("DEV000001")
    assert page.url == server["base"] + "/portal/"  # redirected after the POST
    screenshot(page, "portal_mypage")
    cookie = next(c for c in page.context.cookies() if c["name"] == "testbed_portal")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/portal/"
    assert page.evaluate("document.cookie") == ""  # HttpOnly: out of the page's reach

    page.get_by_role("button", name="로그아웃").click()
    expect(page.get_by_role("heading", name="로그인")).to_be_visible()

    signin = page.locator("form[action='/portal/signin']")
    signin.get_by_label("이메일").fill("browser@example.com")
    signin.get_by_label("비밀번호").fill("not my password")
    signin.get_by_role("button").click()
    expect(page.get_by_role("alert")).to_contain_text("password is wrong")
    signin = page.locator("form[action='/portal/signin']")
    signin.get_by_label("비밀번호").fill(PASSWORD)
    signin.get_by_role("button").click()
    expect(page.get_by_role("heading", name="마이페이지")).to_be_visible()
    expect(page.locator("#developer-id")).to_have_text("DEV000001")


def test_the_portal_fits_a_phone(server: dict[str, Any], page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server["base"] + "/portal/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling
    screenshot(page, "portal_phone")
