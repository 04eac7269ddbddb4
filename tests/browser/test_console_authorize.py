"""The console's `?authorize=` in a real browser: it follows the console's own authorize
paths and nothing else. A `javascript:` value runs no script (no dialog, no marker set,
the admin token in sessionStorage never read) and an off-site one never leaves the site."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

#: what an attacker's script would do: mark the page, open a dialog, read the storage
MARK = "document.documentElement.dataset.pwned='1';alert(sessionStorage.length)"
ATTACKS = [
    pytest.param(f"javascript:{MARK}//", id="javascript:"),
    pytest.param(f"JavaScript:{MARK}//", id="JavaScript: (case)"),
    pytest.param(f" javascript:{MARK}//", id="javascript: after a space"),
    pytest.param("https://evil.example/login", id="another site"),
    pytest.param("//evil.example/login", id="scheme-relative"),
    pytest.param("/\\evil.example/login", id="backslash"),
    pytest.param("/oauth/2.0/authorize/../../../evil", id="dot segments"),
    pytest.param("https://evil.example/oauth/2.0/authorize", id="own path, other host"),
]


@pytest.mark.parametrize("value", ATTACKS)
def test_authorize_follows_only_the_consoles_own_paths(
    server: dict[str, Any], page: Page, value: str
) -> None:
    base = server["base"]
    dialogs: list[str] = []
    elsewhere: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def only_here(route: Route) -> None:
        url = route.request.url
        if not url.startswith(base + "/"):
            elsewhere.append(url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", only_here)
    page.goto(base + "/dashboard")  # what the attack wants: a token in sessionStorage
    page.evaluate("sessionStorage.setItem('dashboard.token', 'the-admin-token')")

    page.goto(f"{base}/console?authorize={quote(value, safe='')}")
    page.wait_for_load_state("networkidle")  # the config fetched, authorize tried
    page.wait_for_timeout(300)  # time for a navigation or a script, were one to start

    assert dialogs == []
    assert elsewhere == []
    assert urlsplit(page.url).netloc == urlsplit(base).netloc
    assert urlsplit(page.url).path == "/console"
    assert page.evaluate("document.documentElement.dataset.pwned") is None
    # and the console says why it did not go
    expect(page.locator("#auth-status")).to_contain_text("authorize must be one of")


@pytest.mark.parametrize("path", ["/oauth/2.0/authorize", "/oauth/2.0/authorize_account"])
def test_authorize_still_starts_the_consoles_own_flows(
    server: dict[str, Any], page: Page, path: str
) -> None:
    page.goto(f"{server['base']}/console?authorize={quote(path, safe='')}")
    page.wait_for_url(re.compile(rf"{re.escape(server['base'] + path)}\?"))
    expect(page.locator("body")).to_contain_text("오픈뱅킹")
