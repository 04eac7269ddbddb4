"""The operator's pages in a real browser against a real `testbed serve`: /operator/audit
(개인정보 처리내역: chain, search, monthly review) and /operator/transfers (자금세탁방지:
transfers with their requesting customer) load, filter and show what the server has, the
operator's name going into the log; /operator/applications, which shares their token
handling (operator_page.js), still opens and refuses a wrong token."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import demo_customer, screenshot, withdraw
from tests.test_serve import call


@pytest.fixture(scope="module")
def world(server: dict[str, Any]) -> dict[str, Any]:
    """A customer who charged points twice (5년 and 1년 records), read and downloaded once."""
    port = server["port"]
    demo, contract, user = demo_customer(server, "감사대상")
    for i, amount in enumerate((20_000, 3_000)):
        tran_id = f"{demo['client_use_code']}UAUDIT{i:04d}"
        answer = withdraw(server, contract, user, tran_id, amount, member="AUDIT0001")
        assert answer["rsp_code"] == "A0000", answer
    account = user["accounts"][0]
    call(port, "GET", f"/testbed/accounts/088/{account['account_num']}")
    reason = urllib.parse.quote("브라우저 점검")
    request = urllib.request.Request(
        f"{server['base']}/testbed/users.csv?reason={reason}",
        headers={"Authorization": f"Bearer {server['admin']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.read().startswith("\ufeff".encode())
    return {"user": user, "client_use_code": demo["client_use_code"]}


def _open(page: Page, server: dict[str, Any], path: str, operator: str) -> None:
    page.goto(f"{server['base']}{path}#token={server['admin']}")
    expect(page.locator("#list")).to_be_visible()
    assert "token=" not in page.url  # the fragment is taken out of the address bar
    page.locator("#operator-name").fill(operator)
    page.locator("#operator-name").dispatch_event("change")


def test_the_audit_page_verifies_searches_and_reviews(
    server: dict[str, Any], world: dict[str, Any], page: Page, problems: list[str]
) -> None:
    _open(page, server, "/operator/audit", "김감사")
    expect(page.locator("#chain")).to_contain_text("무결성 검증 통과")
    expect(page.locator("#records tbody tr").first).to_be_visible()
    # one customer's processing, across paths
    page.locator("#filters [name=subject]").fill(world["user"]["user_seq_no"])
    page.get_by_role("button", name=re.compile("^검색")).click()
    rows = page.locator("#records tbody tr")
    expect(rows.filter(has_text="POST /testbed/users")).to_have_count(1)
    expect(rows.filter(has_text="GET /testbed/accounts/088/")).to_have_count(1)
    expect(rows.filter(has_text="GET /testbed/users.csv")).to_have_count(1)
    expect(page.locator("#summary")).to_contain_text("/ 3건")
    # by action: the download, with its reason
    page.get_by_role("button", name=re.compile("^초기화")).click()
    page.locator("#filters [name=action]").select_option("export")
    page.get_by_role("button", name=re.compile("^검색")).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("브라우저 점검")
    # the month's review: the download is flagged
    expect(page.locator("#review [data-flag=downloads]")).to_contain_text("downloads: 1")
    expect(page.locator("#review")).to_contain_text("chain ok")
    page.locator("#review-form [name=month]").fill("2026-03")
    page.get_by_role("button", name=re.compile("^점검")).click()
    expect(page.locator("#review")).to_contain_text("2026-03")
    screenshot(page, "operator_audit")
    assert problems == []


def test_the_aml_page_shows_the_requesting_customer_and_logs_the_reader(
    server: dict[str, Any], world: dict[str, Any], page: Page, problems: list[str]
) -> None:
    _open(page, server, "/operator/transfers", "박분석")
    page.locator("#filters [name=req_client_num]").fill("AUDIT0001")
    page.get_by_role("button", name=re.compile("^검색")).click()
    rows = page.locator("#transfers tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("감사대상")
    expect(rows.first).to_contain_text("회원번호 AUDIT0001")
    expect(rows.filter(has_text="20,000원")).to_contain_text("5년")
    expect(rows.filter(has_text="3,000원")).to_contain_text("1년")
    page.locator("#filters [name=min_amount]").fill("10000")
    page.get_by_role("button", name=re.compile("^검색")).click()
    expect(rows).to_have_count(1)
    screenshot(page, "operator_transfers")
    actor = urllib.parse.quote("admin:박분석")
    found = call(server["port"], "GET", f"/testbed/audit?actor={actor}&action=read")
    assert found["total"] >= 2
    assert all(r["path"] == "GET /testbed/transfers" for r in found["records"])
    assert problems == []


@pytest.mark.parametrize("path", ["/operator/audit", "/operator/transfers"])
def test_the_pages_fit_a_phone(
    server: dict[str, Any], world: dict[str, Any], page: Page, path: str
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, server, path, "phone")
    expect(page.locator("#summary")).to_contain_text("/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"phone_{path.strip('/').replace('/', '_')}")


def test_the_applications_page_takes_and_refuses_a_token(
    server: dict[str, Any], page: Page, problems: list[str]
) -> None:
    page.goto(f"{server['base']}/operator/applications#token=wrong")
    expect(page.locator("#login-error")).to_contain_text("거부")
    page.locator("#token-input").fill(server["admin"])
    page.get_by_role("button", name=re.compile("^열기")).click()
    expect(page.locator("#list")).to_be_visible()
    expect(page.locator("#applications")).to_contain_text("No applications yet")
    page.get_by_role("button", name=re.compile("^토큰 지우기")).click()
    expect(page.locator("#login")).to_be_visible()
    assert [p for p in problems if "401" not in p] == []
