"""Every page of the developer portal and of the operator, at a desk's width (1280×800)
and a phone's (390×844), with their content shown: nothing scrolls sideways, and each
page's screenshot is kept (artifacts/). On the way, what a developer meets there: the
application form's errors all at once, My Page's refusals (an O0006 from outside the IP
allow-list) and OAuth rows with their outcome, the operator judging an application by
its company details and approving it, and the secret of that app, which must be rotated
to be seen, shown once after a redirect."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import kftc_post, screenshot
from tests.network.test_admission import application
from tests.test_serve import call

PASSWORD = "portal pages password"
VIEWPORTS = [(1280, 800), (390, 844)]
#: 사업자등록번호 that pass the check digit: (approved at once, left for review), per width
NUMBERS = {1280: ("2208162517", "1248100998"), 390: ("1208147521", "1048137225")}


def fits(page: Page, name: str) -> None:
    """No sideways scrolling at this width, and the page's screenshot kept."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: {scroll} px wide at {width}"
    screenshot(page, f"{name}_{width}")


def made_developer(page: Page, base: str, width: int) -> dict[str, Any]:
    """A developer (this page's cookies) with an app approved at once, an application
    left for the operator's review, a test user, and calls of the app: a token, a
    withdrawal refused from outside the IP allow-list (O0006), one answered A0000."""
    signed = page.request.post(
        base + "/portal/api/signup",
        data={"email": f"pages{width}@example.com", "password": PASSWORD},
    )
    assert signed.status == 201, signed.text()
    now_number, review_number = NUMBERS[width]
    approved = page.request.post(
        base + "/portal/api/applications",
        data=application(company_name=f"주식회사 화면{width}", business_number=now_number),
    ).json()
    review = page.request.post(
        base + "/portal/api/applications",
        data=application(
            company_name=f"심사대기 {width}",
            business_number=review_number,
            industry="",
            declarations={**application()["declarations"]},
        ),
    ).json()
    assert (approved["status"], review["status"]) == ("approved", "review")
    code = approved["credentials"]["client_use_code"]
    user = page.request.post(
        base + f"/portal/api/apps/{code}/users",
        data={
            "name": "화면고객",
            "birth_date": "19900101",
            "accounts": [{"bank_code": "088", "balance": 100_000}],
            "scope": "login inquiry transfer",
        },
    ).json()
    server = {"base": base}
    app = page.request.get(base + f"/portal/api/apps/{code}").json()
    contract = next(a for a in app["contract_accounts"] if a["purpose"] == "withdraw")
    fin = user["accounts"][0]["registrations"][0]["fintech_use_num"]

    def withdraw(n: int) -> str:
        now = call(int(base.rsplit(":", 1)[1]), "GET", "/testbed/clock")["now"]
        answer = kftc_post(
            server,
            "/v2.0/transfer/withdraw/fin_num",
            user["access_token"],
            {
                "bank_tran_id": f"{code}U{n:09d}",
                "cntr_account_type": "N",
                "cntr_account_num": contract["account_num"],
                "dps_print_content": "화면충전",
                "fintech_use_num": fin,
                "wd_print_content": "화면",
                "tran_amt": "1000",
                "tran_dtime": re.sub(r"\D", "", now[:19]),
                "req_client_name": "화면고객",
                "req_client_fintech_use_num": fin,
                "req_client_num": "PAGES0001",
                "transfer_purpose": "TR",
            },
        )
        return str(answer["rsp_code"])

    page.request.post(base + f"/portal/api/apps/{code}/ips", data={"ip": "10.0.0.1"})
    assert withdraw(1) == "O0006"
    page.request.post(base + f"/portal/api/apps/{code}/ips", data={"ip": "127.0.0.1"})
    assert withdraw(2) == "A0000"
    return {"code": code, "review": review["id"], "review_name": f"심사대기 {width}"}


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["desk", "phone"])
def test_every_portal_and_operator_page_fits(
    server: dict[str, Any], page: Page, problems: list[str], viewport: tuple[int, int]
) -> None:
    width, height = viewport
    page.set_viewport_size({"width": width, "height": height})
    base = server["base"]
    page.goto(base + "/portal/")
    fits(page, "portal_signin")
    made = made_developer(page, base, width)
    code = made["code"]

    page.goto(base + "/portal/")
    expect(page.locator("#applications")).to_contain_text(made["review"])
    fits(page, "portal_mypage")

    # the form: nothing chosen for the size, each box beside its label, every error at once
    page.goto(base + "/portal/apply")
    expect(page.locator("#f-size")).to_have_value("")
    box = page.locator('input[name="declare_gambling"]').bounding_box()
    label = page.locator('input[name="declare_gambling"] + span').bounding_box()
    assert box and label and box["x"] < label["x"] and abs(box["y"] - label["y"]) < 12
    fits(page, "portal_apply")
    page.get_by_role("button", name=re.compile("신청하기")).click()
    errors = page.locator("#form-errors li")
    expect(errors.first).to_be_visible()
    assert errors.count() >= 4  # company name, business number, size, services, purposes...
    expect(page.locator("#form-errors")).to_contain_text("회사명 (Company name)")
    expect(page.locator("#form-errors")).to_contain_text("기업 규모 (Size)")
    fits(page, "portal_apply_errors")

    # My Page: the refusal and the OAuth-less rows with what they mean, the tables fitting
    page.goto(f"{base}/portal/apps/{code}")
    calls = page.locator("#latest-calls")
    expect(calls.locator('tr[data-rsp-code="O0006"]')).to_have_count(1)
    expect(calls.locator('tr[data-rsp-code="A0000"]')).to_have_count(1)
    expect(page.locator("#register-console")).to_be_visible()
    expect(page.locator("#rotate-to-see")).to_have_count(0)  # its secret was shown at once
    fits(page, "portal_app")

    page.goto(base + "/portal/dashboard")
    fits(page, "portal_dashboard")
    page.goto(base + "/portal/apps/M209999999")
    fits(page, "portal_not_found")

    # the operator judges the application under review by its company and approves it
    page.goto(f"{base}/operator/applications#token={server['admin']}")
    review = page.locator(f'article[data-id="{made["review"]}"]')
    expect(review).to_contain_text("Grading inputs")
    expect(review).to_contain_text("해당 없음 · none")  # its industry: none of the list
    expect(review.locator("dd[data-declared]")).to_have_attribute("data-declared", "0")
    expect(review.locator('tr[data-rule="eligible.operator"]')).to_have_count(1)
    expect(page.locator("#status")).to_be_hidden()  # no empty bar
    fits(page, "operator_applications")
    review.get_by_role("button", name=re.compile("승인")).click()
    expect(page.locator("#status")).to_contain_text(f"{made['review']}: approved")
    for path in ("/operator/audit", "/operator/transfers"):
        page.goto(f"{base}{path}#token={server['admin']}")
        expect(page.locator("#list")).to_be_visible()
        fits(page, path.strip("/").replace("/", "_"))

    # its My Page: the secret was never shown, so it says to rotate; rotating redirects to
    # the page that shows the new one once
    approved = page.request.get(base + "/portal/api/apps").json()
    new_code = next(
        a["client_use_code"] for a in approved["apps"] if a["name"] == made["review_name"]
    )
    page.goto(f"{base}/portal/apps/{new_code}")
    expect(page.locator("#rotate-to-see")).to_be_visible()
    page.locator("#secret-confirm").fill(new_code)
    page.get_by_role("button", name=re.compile("client_secret 재발급")).click()
    page.wait_for_url(f"{base}/portal/apps/{new_code}")
    expect(page.locator("#client-secret")).to_have_text(re.compile(r".{20,}"))
    fits(page, "portal_app_new_secret")
    secret = page.locator("#client-secret").text_content()
    page.reload()
    expect(page.locator("#client-secret-masked")).to_be_visible()
    assert secret and secret not in page.content()
    # (the refused form's 400 and the not-found page's 404 are the pages' own statuses,
    # which the browser's console reports: not faults)
    expected = ("400 (Bad Request)", "404 (Not Found)")
    assert [p for p in problems if not p.endswith(expected)] == []
