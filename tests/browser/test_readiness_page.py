"""The go-live readiness page in a browser, at a desk's width (1280×800) and a phone's
(390×844): a developer starts a run from My Page, a refused drill is explained at once in
Korean and English, a drill is laid, a withdrawal with a short bank_tran_id fails a must,
and the finished run's report shows the verdict, the failure with its request and answer,
and fits without sideways scrolling; printed, its forms are gone. The operator's saved copy
renders under its own CSP (its inlined styles allowed by hash) and fits too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import kftc_post
from tests.browser.test_portal_pages import fits
from tests.network.test_admission import application
from tests.test_serve import call

VIEWPORTS = [(1280, 800), (390, 844)]
#: 사업자등록번호 that pass the check digit, one a width (one server for both)
NUMBERS = {1280: "2208162517", 390: "1208147521"}


def developer_with_app(page: Page, base: str, width: int) -> dict[str, Any]:
    """A developer (this page's cookies) with an approved app and a test user of it."""
    signed = page.request.post(
        base + "/portal/api/signup",
        data={"email": f"ready{width}@example.com", "password": "readiness page password"},
    )
    assert signed.status == 201, signed.text()
    approved = page.request.post(
        base + "/portal/api/applications",
        data=application(company_name=f"주식회사 점검{width}", business_number=NUMBERS[width]),
    ).json()
    assert approved["status"] == "approved", approved
    code = approved["credentials"]["client_use_code"]
    user = page.request.post(
        base + f"/portal/api/apps/{code}/users",
        data={
            "name": "점검고객",
            "birth_date": "19900101",
            "accounts": [{"bank_code": "088", "balance": 100_000}],
            "scope": "login inquiry transfer",
        },
    ).json()
    app = page.request.get(base + f"/portal/api/apps/{code}").json()
    contract = next(a for a in app["contract_accounts"] if a["purpose"] == "withdraw")
    return {"code": code, "user": user, "contract": contract}


def short_tran_id_withdrawal(server: dict[str, Any], made: dict[str, Any]) -> None:
    fin = made["user"]["accounts"][0]["registrations"][0]["fintech_use_num"]
    now = call(server["port"], "GET", "/testbed/clock")["now"]
    answer = kftc_post(
        server,
        "/v2.0/transfer/withdraw/fin_num",
        made["user"]["access_token"],
        {
            "bank_tran_id": f"{made['code']}U12",
            "cntr_account_type": "N",
            "cntr_account_num": made["contract"]["account_num"],
            "dps_print_content": "점검충전",
            "fintech_use_num": fin,
            "tran_amt": "1000",
            "tran_dtime": re.sub(r"\D", "", now[:19]),
            "req_client_name": "점검고객",
            "req_client_fintech_use_num": fin,
            "req_client_num": "READY0001",
            "transfer_purpose": "TR",
        },
    )
    assert answer["rsp_code"] == "A0004", answer


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desk", "phone"])
def test_a_run_on_the_readiness_page_ends_in_a_printable_report_that_fits(
    server: dict[str, Any], page: Page, problems: list[str], viewport: tuple[int, int]
) -> None:
    width, height = viewport
    page.set_viewport_size({"width": width, "height": height})
    base = server["base"]
    made = developer_with_app(page, base, width)
    code = made["code"]

    page.goto(f"{base}/portal/apps/{code}")
    page.locator("#readiness-link a").click()
    page.wait_for_url(f"{base}/portal/apps/{code}/readiness")
    expect(page.locator("#no-run")).to_be_visible()
    fits(page, "readiness_empty")
    page.get_by_role("button", name=re.compile("점검 시작")).click()
    expect(page.locator("#lay-drill")).to_be_visible()
    expect(page.locator("#run-id")).to_have_text(re.compile(r"RR\d+"))

    # a refused drill: at once, in Korean and English, what was chosen still chosen
    page.locator("#drill-kind").select_option("deposit_fails")
    page.locator("#drill-api").select_option("balance")
    page.get_by_role("button", name=re.compile("드릴 실행")).click()
    error = page.locator("#form-error")
    expect(error).to_contain_text("이 드릴의 API가 아닙니다")
    expect(error).to_contain_text("api: deposit")
    expect(page.locator("#drill-kind")).to_have_value("deposit_fails")
    fits(page, "readiness_drill_refused")

    page.locator("#drill-api").select_option("")
    page.get_by_role("button", name=re.compile("드릴 실행")).click()
    expect(page.locator("#run-drills li")).to_have_count(1)
    expect(page.locator("#run-drills")).to_contain_text("deposit_fails")

    short_tran_id_withdrawal(server, made)
    page.get_by_role("button", name=re.compile("점검 종료")).click()
    page.wait_for_url(re.compile(r"/readiness\?run=RR\d+$"))
    expect(page.locator("#verdict-ko")).to_have_text("부적합")
    expect(page.locator("#verdict-en")).to_have_text("FAIL")
    failure = page.locator("#failure-bank-tran-id-format")
    expect(failure).to_contain_text("What to change")
    panes = failure.locator(".compare pre")
    expect(panes.nth(0)).to_contain_text(f"{code}U12")
    expect(panes.nth(1)).to_contain_text("A0004")
    if width > 720:  # request and answer side by side on a desk; stacked on a phone
        left, right = panes.nth(0).bounding_box(), panes.nth(1).bounding_box()
        assert left and right and left["x"] < right["x"] and abs(left["y"] - right["y"]) < 40
    bars = page.locator("#coverage svg.bar")
    expect(bars).to_have_count(2)
    expect(page.locator("#check-bank-tran-id-format .badge")).to_contain_text("실패")
    expect(page.locator("#past-runs a")).to_have_count(1)
    fits(page, "readiness_report")

    page.emulate_media(media="print")
    expect(page.locator("#run-forms")).to_be_hidden()
    expect(page.locator("#verdict")).to_be_visible()
    page.emulate_media(media="screen")

    # the operator's self-contained copy (what `testbed readiness --html` saves)
    page.set_extra_http_headers({"Authorization": f"Bearer {server['admin']}"})
    page.goto(f"{base}/testbed/readiness/{code}/html")
    expect(page.locator("#verdict-ko")).to_have_text("부적합")
    size = page.locator("#verdict-ko").evaluate("e => getComputedStyle(e).fontSize")
    assert float(size.removesuffix("px")) > 28  # the inlined stylesheet applied
    fits(page, "readiness_operator")
    # (the refused drill's 400 is the page's own status, which the console reports)
    assert [p for p in problems if not p.endswith("400 (Bad Request)")] == []
