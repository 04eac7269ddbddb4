"""The sample fintech's whole story in Chromium, against a real `testbed serve` at 23:28,
up to the nightly cutover at 23:30 that refuses a charge."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.test_sample_app import running_sample
from tests.test_serve import call, serving


def test_sign_up_connect_charge_pay_out_then_the_cutover_refuses(
    page: Page, tmp_path: Path
) -> None:
    with (
        serving(
            tmp_path / "t.db", "--clock", "realtime", "--start", "2026-03-02T23:28:00+09:00"
        ) as (port, _),
        running_sample(f"http://127.0.0.1:{port}", tmp_path / "wallet.db") as sample,
    ):
        page.goto(sample + "/")
        expect(page.get_by_role("heading", name=re.compile("포인트 지갑"))).to_be_visible()
        page.locator("#su-member_no").fill("walletuser1")
        page.locator("#su-name").fill("김영희")
        page.locator("#su-password").fill("password123")
        page.get_by_role("button", name=re.compile("가입하기")).click()
        page.wait_for_url(re.compile(r"/wallet$"))

        # the testbed's consent pages: a new user with an account at 004, the SMS code
        page.locator("#connect").click()
        page.wait_for_url(re.compile(r"/oauth/2\.0/authorize\?"))
        page.locator("summary").click()
        page.locator("#new-name").fill("김영희")
        page.locator("#new-birth_date").fill("19900101")
        page.locator("#new-cell_no").fill("01012345678")
        page.locator("#new-bank_code").select_option("004")
        page.locator("#new-balance").fill("1000000")
        page.get_by_role("button", name=re.compile("만들고 본인인증")).click()
        code = (page.locator("#sms-code").text_content() or "").strip()
        page.locator("#code").fill(code)
        page.get_by_role("button", name=re.compile("^확인")).click()
        page.get_by_role("button", name=re.compile("동의하고 계속")).click()

        # back at the sample: the account, its balance
        page.wait_for_url(re.compile(r"/wallet$"))
        expect(page.locator("#accounts")).to_contain_text("KB국민은행")
        page.get_by_role("link", name=re.compile("잔액")).first.click()
        expect(page.locator("#balance")).to_have_text("1,000,000")
        page.get_by_role("link", name=re.compile("지갑으로")).click()

        # charge points (출금이체), then pay some out (입금이체)
        page.locator("#charge-amount").fill("50000")
        page.get_by_role("button", name=re.compile("충전하기")).click()
        expect(page.locator("#outcome")).to_contain_text("완료")
        page.locator("#back").click()
        expect(page.locator("#points")).to_have_text("50,000")
        page.locator("#payout-amount").fill("20000")
        page.get_by_role("button", name=re.compile("환급하기")).click()
        expect(page.locator("#outcome")).to_contain_text("완료")
        page.locator("#back").click()
        expect(page.locator("#points")).to_have_text("30,000")
        screenshot(page, "sample_app_wallet")
        page.set_viewport_size({"width": 390, "height": 844})  # the wallet on a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "sample_app_wallet_phone")
        page.set_viewport_size({"width": 1280, "height": 720})

        # 23:30:30: the bank's nightly cutover; a charge is refused and explained
        call(port, "POST", "/testbed/clock", {"next": "23:30:30"})
        page.locator("#charge-amount").fill("10000")
        page.get_by_role("button", name=re.compile("충전하기")).click()
        expect(page.locator("#outcome")).to_contain_text("처리되지 않았습니다")
        expect(page.locator("#rsp-code")).to_have_text("A0002")
        expect(page.locator("#bank-rsp-code")).to_have_text("503")
        expect(page.locator("#explanation")).to_contain_text("공동망 미개시")
        screenshot(page, "sample_app_cutover")
        page.locator("#back").click()
        expect(page.locator("#points")).to_have_text("30,000")  # nothing charged
