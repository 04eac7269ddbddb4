"""The API console (/console) in a real browser, against a real `testbed serve`."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.test_serve import call


def _config(server: dict[str, Any]) -> dict[str, Any]:
    with urllib.request.urlopen(server["base"] + "/console/config", timeout=10) as resp:
        data: dict[str, Any] = json.loads(resp.read())
    return data


def _users(server: dict[str, Any]) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = call(server["port"], "GET", "/testbed/users")["users"]
    return users


def _open(page: Page, server: dict[str, Any], query: str = "") -> None:
    page.goto(server["base"] + "/console" + query)
    expect(page.locator("#client-id")).not_to_have_value("")  # the config has arrived


def _answered(page: Page, path: str) -> None:
    """Wait for the answer to a call of `path` (not the one before it)."""
    summary = page.locator("#rsp-summary")
    expect(summary).to_contain_text(
        re.compile(rf"HTTP \d+ · \d+ ms · (GET|POST) {re.escape(path)}")
    )


def _send(page: Page, path: str) -> None:
    page.get_by_role("button", name=re.compile("요청 보내기")).click()
    _answered(page, path)


def test_oob_token_then_real_name_with_explanation_curl_and_history(
    server: dict[str, Any], page: Page
) -> None:
    config = _config(server)
    # an account of a user the demo institution does not know: the seeded world's last
    account = next(a for a in _users(server)[-1]["accounts"] if a["status"] == "normal")
    _open(page, server)
    expect(page.locator("h1")).to_contain_text("API 콘솔")
    expect(page.locator("#client-id")).to_have_value(config["client_id"])
    expect(page.locator("#client-secret")).to_have_value(config["client_secret"])

    page.get_by_role("button", name="토큰발급 (oob)").click()
    expect(page.locator("#oob-token")).to_have_value(re.compile(r".{20,}"))
    token = page.locator("#oob-token").input_value()
    expect(page.locator("#rsp-code")).to_have_text("token")

    page.get_by_role("link", name="계좌실명조회", exact=True).click()
    expect(page.locator("#api-title")).to_contain_text("계좌실명조회")
    expect(page.locator("#token-choice")).to_have_value("oob")
    bank_tran_id = page.locator("#f-bank_tran_id").input_value()
    assert re.fullmatch(config["client_use_code"] + r"U\d{9}", bank_tran_id)
    assert re.fullmatch(r"2026030\d{7}", page.locator("#f-tran_dtime").input_value())
    page.locator("#f-bank_code_std").fill(account["bank_code"])
    page.locator("#f-account_num").fill(account["account_num"])
    _send(page, "/v2.0/inquiry/real_name")

    expect(page.locator("#rsp-code")).to_have_text("A0000")
    expect(page.locator("#rsp-explain")).to_have_text("정상처리")
    expect(page.locator("#bank-rsp")).to_contain_text("bank_rsp_code")
    response = json.loads(page.locator("#response-view").text_content() or "{}")
    assert response["rsp_code"] == "A0000"
    assert response["account_holder_name"] == account["holder_name"]
    assert response["bank_tran_id"] == bank_tran_id
    request_text = page.locator("#request-view").text_content() or ""
    assert f"POST {server['base']}/v2.0/inquiry/real_name" in request_text
    assert f'"account_num": "{account["account_num"]}"' in request_text
    curl = page.locator("#curl").text_content() or ""
    assert "/v2.0/inquiry/real_name" in curl and f"Authorization: Bearer {token}" in curl
    assert account["account_num"] in curl
    # the next send gets a fresh bank_tran_id (the same one again would be A0326)
    expect(page.locator("#f-bank_tran_id")).not_to_have_value(bank_tran_id)

    history = page.locator("#history li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("계좌실명조회")
    expect(history.nth(0)).to_contain_text("A0000")
    expect(history.nth(1)).to_contain_text("토큰발급")
    assert screenshot(page, "console").stat().st_size > 20_000

    # the history survives a reload; a click brings a call back; clear empties it
    page.reload()
    expect(history).to_have_count(2)
    history.nth(1).get_by_role("button").click()
    expect(page.locator("#api-title")).to_contain_text("토큰발급")
    expect(page.locator("#rsp-code")).to_have_text("token")
    history.nth(0).get_by_role("button").click()
    expect(page.locator("#api-title")).to_contain_text("계좌실명조회")
    expect(page.locator("#f-account_num")).to_have_value(account["account_num"])
    expect(page.locator("#rsp-code")).to_have_text("A0000")
    page.get_by_role("button", name=re.compile("기록 지우기")).click()
    expect(history).to_have_count(0)


def test_three_legged_flow_returns_with_a_user_token_for_balance(
    server: dict[str, Any], page: Page
) -> None:
    user = _users(server)[0]
    _open(page, server)
    page.get_by_role("button", name="사용자인증 (3-legged)").click()

    # the consent pages: sign in as the first seeded user, the identity code, consent
    page.wait_for_url(re.compile(r"/oauth/2\.0/authorize\?"))
    page.locator("#user_seq_no").select_option(user["user_seq_no"])
    page.get_by_role("button", name=re.compile("이 사용자로 계속")).click()
    code = (page.locator("#sms-code").text_content() or "").strip()
    assert re.fullmatch(r"\d{6}", code)
    page.locator("#code").fill(code)
    page.get_by_role("button", name=re.compile("^확인")).click()
    page.get_by_role("button", name=re.compile("동의하고 계속")).click()

    # /console/callback redeems the code, then back to the console with the token
    page.wait_for_url(re.compile(r"/console(\?|$)"))
    expect(page.locator("#user-token")).to_have_value(re.compile(r".{20,}"))
    expect(page.locator("#user-seq-no")).to_have_value(user["user_seq_no"])
    expect(page.locator("#auth-status")).to_contain_text(user["user_seq_no"])
    expect(page.locator("#user-fintech")).to_have_value(re.compile(r"\d{24}"))
    fintech = page.locator("#user-fintech").input_value()
    expect(page.locator("#history li").nth(0)).to_contain_text("토큰발급")

    page.get_by_role("link", name="잔액조회", exact=True).click()
    expect(page.locator("#api-title")).to_contain_text("잔액조회")
    expect(page.locator("#token-choice")).to_have_value("user")
    expect(page.locator("#f-fintech_use_num")).to_have_value(fintech)
    _send(page, "/v2.0/account/balance/fin_num")
    expect(page.locator("#rsp-code")).to_have_text("A0000")
    response = json.loads(page.locator("#response-view").text_content() or "{}")
    assert response["fintech_use_num"] == fintech
    balances = {
        reg["fintech_use_num"]: a["balance"]
        for a in _users(server)[0]["accounts"]
        for reg in a["registrations"]
    }
    assert int(response["balance_amt"]) == balances[fintech]
    curl = page.locator("#curl").text_content() or ""
    assert "/v2.0/account/balance/fin_num?" in curl and f"fintech_use_num={fintech}" in curl
    assert page.locator("#user-token").input_value() in curl
    history = page.locator("#history li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("잔액조회")

    # at 1280x720 the request and the response sit side by side
    form = page.locator("#form-panel").bounding_box()
    answer = page.locator("section.response").bounding_box()
    assert form and answer and answer["x"] >= form["x"] + form["width"]

    # a phone: one column, the form above the response, nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#api-select")).to_be_visible()
    expect(page.locator("nav.apis")).to_be_hidden()
    form = page.locator("#form-panel").bounding_box()
    answer = page.locator("section.response").bounding_box()
    assert form and answer and answer["y"] >= form["y"] + form["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert screenshot(page, "console_phone").stat().st_size > 20_000


@pytest.mark.parametrize(
    ("path", "purpose"),
    [
        ("/v2.0/transfer/withdraw/fin_num", "withdraw"),
        ("/v2.0/transfer/deposit/fin_num", "deposit"),
    ],
)
def test_transfer_forms_prefill_the_right_contract_account_and_defaults(
    server: dict[str, Any], page: Page, path: str, purpose: str
) -> None:
    config = _config(server)
    _open(page, server, f"?api={path}")
    expect(page.locator("#f-cntr_account_num")).to_have_value(
        config["contract_accounts"][purpose]["account_num"]
    )
    expect(page.locator("#f-cntr_account_type")).to_have_value("N")
    if purpose == "deposit":
        expect(page.locator("#f-wd_pass_phrase")).to_have_value("NONE")
        expect(page.locator("#f-name_check_option")).to_have_value("on")
        expect(page.locator("#f-req_cnt")).to_have_value("1")
        items = json.loads(page.locator("#req-list").input_value())
        assert items[0]["fintech_use_num"] == config["registered"]["fintech_use_num"]
        assert re.fullmatch(config["client_use_code"] + r"U\d{9}", items[0]["bank_tran_id"])
    else:
        expect(page.locator("#items-editor")).to_be_hidden()
    # every control of the form has a label bound to it
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('#api-form input, #api-form select, #api-form textarea')]"
        ".filter(e => !e.hidden && e.closest('[hidden]') === null && e.labels.length === 0)"
        ".map(e => e.id)"
    )
    assert unlabelled == []


def test_deposit_then_transfer_result_by_keyboard(server: dict[str, Any], page: Page) -> None:
    _open(page, server)
    issue = page.get_by_role("button", name="토큰발급 (oob)")
    issue.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#oob-token")).to_have_value(re.compile(r".{20,}"))

    page.locator("button.api[data-path='/v2.0/transfer/deposit/fin_num']").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#api-title")).to_contain_text("입금이체")
    page.locator("#f-wd_print_content").focus()
    page.keyboard.press("Enter")  # Enter in a field sends the form
    _answered(page, "/v2.0/transfer/deposit/fin_num")
    expect(page.locator("#rsp-code")).to_have_text("A0000")
    deposit = json.loads(page.locator("#response-view").text_content() or "{}")
    sent = deposit["res_list"][0]

    page.get_by_role("link", name="이체결과조회", exact=True).click()
    expect(page.locator("#f-check_type")).to_have_value("2")
    items = json.loads(page.locator("#req-list").input_value())
    assert items[0]["org_bank_tran_id"] == sent["bank_tran_id"]
    _send(page, "/v2.0/transfer/result")
    expect(page.locator("#rsp-code")).to_have_text("A0000")
    result = json.loads(page.locator("#response-view").text_content() or "{}")
    assert result["res_list"][0]["bank_tran_id"] == sent["bank_tran_id"]
    assert result["res_list"][0]["bank_rsp_code"] == "000"


def test_a_cancelled_authorization_is_explained_on_the_callback_page(
    server: dict[str, Any], page: Page
) -> None:
    _open(page, server)
    page.get_by_role("link", name="사용자인증", exact=True).click()  # the KFTC list's own link
    page.wait_for_url(re.compile(r"/oauth/2\.0/authorize\?"))
    page.get_by_role("button", name=re.compile("^취소")).click()
    page.wait_for_url(re.compile(r"/console/callback\?error=access_denied"))
    expect(page.locator("#callback-status")).to_contain_text("사용자인증이 완료되지 않았습니다")
    expect(page.locator("#callback-detail")).to_contain_text("access_denied")
    page.get_by_role("link", name=re.compile("콘솔로 돌아가기")).first.click()
    expect(page.locator("#user-token")).to_have_value("")


def test_on_a_phone_the_answer_is_brought_into_view(server: dict[str, Any], page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, server, "?api=/oauth/2.0/token")
    send = page.get_by_role("button", name=re.compile("요청 보내기"))
    send.scroll_into_view_if_needed()
    summary = page.locator("#rsp-summary")
    send.click()
    _answered(page, "/oauth/2.0/token")
    expect(page.locator("#rsp-code")).to_have_text("token")
    expect(summary).to_be_in_viewport(ratio=1)  # the whole summary, not its first line
    screenshot(page, "console_phone_answer")
