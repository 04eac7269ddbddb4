"""Browser tests: a real `testbed serve` on loopback, driven by Playwright in Debian's Chromium."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.test_serve import serving

CHROMIUM = "/usr/bin/chromium"
ADMIN = "crash-test-admin"  # the token tests.test_serve.serving starts the server with
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"  # git-ignored: screenshots

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The real server, realtime clock, started once for a module's tests."""
    db = tmp_path_factory.mktemp("browser") / "browser.db"
    with serving(db, "--start", "2026-03-02T10:00:00") as (port, proc):
        yield {"base": f"http://127.0.0.1:{port}", "admin": ADMIN, "port": port, "proc": proc}


@pytest.fixture(scope="module")  # not longer: the sync API holds the thread's event loop
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="ko-KR")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^a-z0-9_-]', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def problems(page: Page) -> Iterator[list[str]]:
    """Script errors and failed loads on the page (a CSP refusal shows up here too)."""
    seen: list[str] = []
    page.on("pageerror", lambda e: seen.append(f"pageerror: {e}"))
    page.on("console", lambda m: seen.append(f"console: {m.text}") if m.type == "error" else None)
    yield seen


def kftc_post(server: dict[str, Any], path: str, token: str, body: dict[str, Any]) -> Any:
    """A KFTC API call with a bearer token, as a fintech's server makes it: the JSON answer."""
    request = urllib.request.Request(
        server["base"] + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())
