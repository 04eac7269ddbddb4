"""The landing page in a real browser."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot


def test_landing_page_shows_credentials_and_time(server: dict[str, Any], page: Page) -> None:
    page.goto(server["base"] + "/")
    expect(page.locator("h1")).to_contain_text("오픈뱅킹 테스트베드")
    expect(page.locator("body")).to_contain_text("테스트베드핀테크")
    assert screenshot(page, "landing").stat().st_size > 10_000


def test_the_first_call_guide_works_as_written(server: dict[str, Any], page: Page) -> None:
    """The landing page's curl for a token, run as a browser would post it, gives a token."""
    page.goto(server["base"] + "/")
    guide = page.locator("pre").first.inner_text()
    form = guide.split('-d "', 1)[1].rstrip('"')
    answer = page.request.post(
        server["base"] + "/oauth/2.0/token",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ).json()
    assert answer["scope"] == "oob" and answer["access_token"]
    for link in ("/console", "/dashboard", "/docs"):
        expect(page.locator(f'nav a[href="{link}"]')).to_be_visible()
