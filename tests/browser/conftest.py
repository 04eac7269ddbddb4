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


def demo_customer(
    server: dict[str, Any], name: str, balance: int = 100_000
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The first demo institution, its withdraw 약정계좌, and a new customer of it with an
    account at 088 and a user token (made through the control plane)."""
    from tests.test_serve import call  # the server's own helpers

    port = server["port"]
    demo: dict[str, Any] = call(port, "GET", "/testbed/clients")["clients"][0]
    contract = next(a for a in demo["contract_accounts"] if a["purpose"] == "withdraw")
    user: dict[str, Any] = call(
        port,
        "POST",
        "/testbed/users",
        {
            "name": name,
            "birth_date": "19900101",
            "accounts": [{"bank_code": "088", "balance": balance}],
            "client_use_code": demo["client_use_code"],
            "scope": "login inquiry transfer",
        },
    )
    return demo, contract, user


def withdraw(
    server: dict[str, Any],
    contract: dict[str, Any],
    user: dict[str, Any],
    bank_tran_id: str,
    amount: int,
    member: str = "MEMBER0001",
) -> Any:
    """A 출금이체 of the customer's first account into the 약정계좌, at the simulated now,
    as the institution's server sends it: the JSON answer."""
    from tests.test_serve import call

    fin = user["accounts"][0]["fintech_use_num"]
    now = call(server["port"], "GET", "/testbed/clock")["now"]
    return kftc_post(
        server,
        "/v2.0/transfer/withdraw/fin_num",
        user["access_token"],
        {
            "bank_tran_id": bank_tran_id,
            "cntr_account_type": "N",
            "cntr_account_num": contract["account_num"],
            "dps_print_content": "포인트충전",
            "fintech_use_num": fin,
            "wd_print_content": "핀테크충전",
            "tran_amt": str(amount),
            "tran_dtime": re.sub(r"\D", "", now[:19]),
            "req_client_name": user["name"],
            "req_client_fintech_use_num": fin,
            "req_client_num": member,
            "transfer_purpose": "RC",
        },
    )
