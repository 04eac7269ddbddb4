"""Every page under its Content-Security-Policy in a real browser: the policy refuses
nothing the page itself needs (its scripts, styles, images, calls to this server)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.security.test_headers import html_pages

#: each refusal the browser reports, kept where the test can read it
WATCH = """
window.__refused = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__refused.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.mark.parametrize("path", html_pages())
def test_the_policy_refuses_nothing_a_page_needs(
    server: dict[str, Any], page: Page, path: str
) -> None:
    page.add_init_script(WATCH)
    page.goto(server["base"] + path)
    page.wait_for_load_state("networkidle")
    refused = page.evaluate("window.__refused")
    assert refused == [], (path, refused)
    styles = page.evaluate("document.styleSheets.length")
    assert styles >= 1, f"{path}: no stylesheet applied"
