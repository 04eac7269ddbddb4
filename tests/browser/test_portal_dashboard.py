"""The developer's dashboard in a real browser: signed in, no admin token; the network's
banks and the developer's own calls appear, at a desk's width and a phone's."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.network.test_admission import application

PASSWORD = "dashboard password 1"


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desk", "phone"])
def test_the_dashboard_shows_my_calls_without_an_admin_token(
    server: dict[str, Any], page: Page, problems: list[str], viewport: tuple[int, int]
) -> None:
    width, height = viewport
    page.set_viewport_size({"width": width, "height": height})
    base = server["base"]
    email = f"dash{width}@example.com"
    signed = page.request.post(
        base + "/portal/api/signup", data={"email": email, "password": PASSWORD}
    )
    assert signed.status == 201, signed.text()
    number = {1280: "220-81-62517", 390: "124-81-00998"}[width]
    applied = page.request.post(
        base + "/portal/api/applications",
        data=application(company_name=f"대시보드 {width}", business_number=number),
    ).json()
    code = applied["credentials"]["client_use_code"]
    made = page.request.post(
        base + f"/portal/api/apps/{code}/users",
        data={
            "name": "대시고객",
            "birth_date": "19900101",
            "accounts": [{"bank_code": "088", "balance": 10_000}],
            "scope": "login inquiry",
        },
    ).json()
    assert made["access_token"], made

    page.goto(base + "/portal/dashboard")
    expect(page.get_by_role("heading", name="대시보드")).to_be_visible()
    expect(page.locator("#dash-banks li")).to_have_count(18)
    me = page.request.get(
        base + f"/v2.0/user/me?user_seq_no={made['user_seq_no']}",
        headers={"Authorization": f"Bearer {made['access_token']}"},
    ).json()
    assert me["rsp_code"] == "A0000"
    expect(page.locator("#dash-events")).to_contain_text("/v2.0/user/me", timeout=10_000)
    expect(page.locator("#dash-events")).to_contain_text(code)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("sessionStorage.length") == 0  # no token kept by the page
    screenshot(page, f"portal_dashboard_{width}")
    assert problems == []
