"""A new developer, from nothing to a working institution, in a real browser: sign up,
apply through the form, approved at once, My Page (an IP and a test user), then the API
console with the new app's credentials: its bank_tran_ids and 약정계좌, an oob token, the
console's callback registered in one click from My Page, the 3-legged flow through the
consent pages and back as the same institution, a balance and a withdrawal answered A0000. The issue asks
for under two minutes; the journey is held well under that."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot

LIMIT = 60.0  # seconds: well under the two minutes, on a shared CI machine


def contract_accounts(server: dict[str, Any], code: str) -> list[str]:
    """The institution's 약정계좌 numbers, as the operator sees them."""
    request = urllib.request.Request(
        server["base"] + "/testbed/clients",
        headers={"Authorization": f"Bearer {server['admin']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        clients = json.loads(resp.read())["clients"]
    client = next(c for c in clients if c["client_use_code"] == code)
    return [a["account_num"] for a in client["contract_accounts"]]


def test_sign_up_apply_and_call_the_api_as_the_new_institution(
    server: dict[str, Any], page: Page
) -> None:
    began = time.monotonic()
    base = server["base"]
    page.goto(base + "/portal/")
    page.locator("#signup-email").fill("journey@example.com")
    page.locator("#signup-password").fill("a journey of ten")
    page.locator("#signup-password_confirm").fill("a journey of ten")
    page.get_by_role("button", name=re.compile("가입하기")).click()
    expect(page.locator("#developer-email")).to_have_text("journey@example.com")

    page.locator("#apply-link").click()
    page.locator("#f-company_name").fill("주식회사 여정페이")
    page.locator("#f-business_number").fill("220-81-62517")
    page.locator("#f-size").select_option("중소형")
    page.locator("#f-industry").select_option("응용S/W 개발 및 공급업")
    page.locator("#f-main_bank").select_option("004")
    page.locator("#f-credit_rating").select_option("BBB")
    page.locator("#f-paid_in_capital").fill("1000000000")
    page.locator("#f-years_in_business").fill("3")
    page.locator("#f-operating_profit").fill("0")
    for service in ("balance", "transactions", "withdraw"):
        page.locator(f'input[name="services"][value="{service}"]').check()
    page.locator("#f-purposes").fill("간편송금")
    page.get_by_role("button", name=re.compile("신청하기")).click()

    expect(page.locator("#application-status")).to_have_attribute("data-status", "approved")
    expect(page.locator('tr[data-rule="eligible.industry"]')).to_have_attribute(
        "data-passed", "yes"
    )
    code = (page.locator("#client-use-code").text_content() or "").strip()
    client_id = (page.locator("#client-id").text_content() or "").strip()
    secret = (page.locator("#client-secret").text_content() or "").strip()
    assert re.fullmatch(r"M2027\d{5}", code) and len(secret) > 20

    page.locator("#app-link").click()
    expect(page.locator("#client-secret-masked")).to_be_visible()
    page.locator("#new-ip").fill("127.0.0.1")
    page.get_by_role("button", name=re.compile("^등록 Allow")).click()
    expect(page.locator("#ip-allow")).to_contain_text("127.0.0.1")
    # a test user of the developer's own (the seeded population is the demo institutions')
    page.locator("#user-name").fill("포털고객")
    page.locator("#user-birth").fill("19910101")
    page.locator("#user-bank").select_option("088")
    page.get_by_role("button", name=re.compile("^사용자 만들기")).click()
    expect(page.locator("#test-users")).to_contain_text("포털고객")
    user_seq_no = (page.locator("#test-users code").first.text_content() or "").strip()
    screenshot(page, "portal-my-app")

    # the console, as the new institution: its bank_tran_ids and 약정계좌, not the demo's
    page.goto(base + "/console")
    expect(page.locator("#client-id")).not_to_have_value("")
    page.locator("#client-id").fill(client_id)
    page.locator("#client-secret").fill(secret)
    page.get_by_role("button", name="토큰발급 (oob)").click()
    expect(page.locator("#oob-token")).to_have_value(re.compile(r".{20,}"))
    expect(page.locator("#client-name")).to_contain_text(code)
    page.get_by_role("link", name="출금이체", exact=True).click()
    expect(page.locator("#f-bank_tran_id")).to_have_value(re.compile(rf"^{code}U\d{{9}}$"))
    withdraw_account = page.locator("#f-cntr_account_num").input_value()
    assert withdraw_account and withdraw_account in contract_accounts(server, code)

    # not registered yet: the console says so and links to My Page, which registers the
    # console's callback in one click
    page.get_by_role("button", name="사용자인증 (3-legged)").click()
    page.locator("#register-callback").click()
    page.wait_for_url(re.compile(rf"/portal/apps/{code}$"))
    page.get_by_role("button", name=re.compile("API 콘솔 콜백 등록")).click()
    expect(page.locator("#redirect-uris")).to_contain_text(base + "/console/callback")
    expect(page.locator("#console-registered")).to_be_visible()

    page.goto(base + "/console?api=" + "/v2.0/transfer/withdraw/fin_num")
    expect(page.locator("#client-id")).to_have_value(client_id)  # kept for the tab
    page.get_by_role("button", name="사용자인증 (3-legged)").click()
    page.wait_for_url(re.compile(r"/oauth/2\.0/authorize\?"))
    # the app's consent page lists its developer's users only, and names the company
    expect(page.locator("body")).not_to_contain_text("with .")
    listed = page.locator("#user_seq_no option").all_text_contents()
    assert len(listed) == 1 and "포털고객" in listed[0]
    page.locator("#user_seq_no").select_option(user_seq_no)
    page.get_by_role("button", name=re.compile("이 사용자로 계속")).click()
    sms = (page.locator("#sms-code").text_content() or "").strip()
    page.locator("#code").fill(sms)
    page.get_by_role("button", name=re.compile("^확인")).click()
    page.get_by_role("button", name=re.compile("동의하고 계속")).click()
    page.wait_for_url(re.compile(r"/console(\?|$)"))
    expect(page.locator("#user-token")).to_have_value(re.compile(r".{20,}"))
    expect(page.locator("#user-fintech")).to_have_value(re.compile(r"\d{24}"))
    # after the round trip the console is still the new institution's
    expect(page.locator("#client-id")).to_have_value(client_id)
    expect(page.locator("#client-name")).to_contain_text(code)

    page.get_by_role("link", name="잔액조회", exact=True).click()
    expect(page.locator("#f-bank_tran_id")).to_have_value(re.compile(rf"^{code}U"))
    page.get_by_role("button", name=re.compile("요청 보내기")).click()
    expect(page.locator("#rsp-code")).to_have_text("A0000")

    page.get_by_role("link", name="출금이체", exact=True).click()
    expect(page.locator("#f-bank_tran_id")).to_have_value(re.compile(rf"^{code}U"))
    expect(page.locator("#f-cntr_account_num")).to_have_value(withdraw_account)
    page.get_by_role("button", name=re.compile("요청 보내기")).click()
    expect(page.locator("#rsp-code")).to_have_text("A0000")
    answer = json.loads(page.locator("#response-view").text_content() or "{}")
    assert answer["rsp_code"] == "A0000" and answer["bank_tran_id"].startswith(f"{code}U")
    elapsed = time.monotonic() - began

    # the calls are this institution's: My Page lists them
    page.goto(f"{base}/portal/apps/{code}")
    expect(page.locator("#calls-title")).to_be_visible()
    expect(page.locator("#latest-calls")).to_contain_text("/v2.0/transfer/withdraw/fin_num")
    expect(page.locator('#latest-calls tr[data-rsp-code="A0000"]').first).to_be_visible()
    assert elapsed < LIMIT, f"the journey took {elapsed:.1f}s"
