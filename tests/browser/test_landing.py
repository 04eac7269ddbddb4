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
