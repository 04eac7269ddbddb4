"""The console's forms as pre-filled, against a fresh seeded world: every API of the
catalogue answers A0000, or the rsp_code the note under its form documents; no call
leaves without the token its API needs.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import screenshot
from tests.test_serve import call

SEND = re.compile("요청 보내기")

#: before anyone signs in, with the oob and sa tokens and an empty history: what the
#: defaults cannot do yet, and the code the note under each form says they answer
DOCUMENTED = [
    ("/v2.0/transfer/result", "A0310"),  # no transfer made yet
    ("/v2.0/return/claim", "A0310"),  # no deposit made yet
    ("/v2.0/return/result", "A0310"),  # no claim made yet
    ("/v2.0/account/info", "A0323"),  # nothing registered with the self-auth institution
    ("/v2.0/account/update", "A0323"),
    ("/v2.0/account/balance/acnt_num", "A0323"),
    ("/v2.0/account/transaction_list/acnt_num", "A0323"),
    ("/v2.0/transfer/withdraw/acnt_num", "A0323"),
]

#: signed in: every API in an order where each default has what it needs (the calls that
#: end a consent, a registration or the token last)
EVERY_API = [
    ("/oauth/2.0/token", "token"),
    ("/v2.0/user/me", "A0000"),
    ("/v2.0/account/list", "A0000"),
    ("/v2.0/account/balance/fin_num", "A0000"),
    ("/v2.0/account/transaction_list/fin_num", "A0000"),
    ("/v2.0/account/update_info", "A0000"),
    ("/v2.0/user/register", "A0000"),
    ("/v2.0/account/update", "A0000"),
    ("/v2.0/account/info", "A0000"),
    ("/v2.0/account/balance/acnt_num", "A0000"),
    ("/v2.0/account/transaction_list/acnt_num", "A0000"),
    ("/v2.0/transfer/withdraw/acnt_num", "A0000"),
    ("/v2.0/inquiry/real_name", "A0000"),
    ("/v2.0/inquiry/receive", "A0000"),
    ("/v2.0/inquiry/remit_list", "A0000"),
    ("/v2.0/inquiry/fds_detect", "A0000"),
    ("/v2.0/transfer/deposit/fin_num", "A0000"),
    ("/v2.0/return/claim", "A0000"),
    ("/v2.0/return/result", "A0000"),
    ("/v2.0/transfer/deposit/acnt_num", "A0000"),
    ("/v2.0/return/claim", "A0000"),  # the deposit by account number, not claimed yet
    ("/v2.0/transfer/withdraw/fin_num", "A0000"),
    ("/v2.0/transfer/result", "A0000"),
    ("/v2.0/bank/status", "A0000"),
    ("/v2.0/manage/fee", "A0000"),
    ("/v2.0/manage/count", "A0000"),
    ("/v2.0/manage/wd_limit", "A0000"),
    ("/v2.0/account/cancel", "A0000"),
    ("/v2.0/user/unlink", "A0000"),
    ("/v2.0/user/close", "A0000"),
    ("/oauth/2.0/revoke", "A0000"),
]


def _config(server: dict[str, Any]) -> dict[str, Any]:
    with urllib.request.urlopen(server["base"] + "/console/config", timeout=10) as resp:
        data: dict[str, Any] = json.loads(resp.read())
    return data


def _open(page: Page, server: dict[str, Any], query: str = "") -> None:
    page.goto(server["base"] + "/console" + query)
    expect(page.locator("#client-id")).not_to_have_value("")


def _choose(page: Page, path: str) -> None:
    page.locator(f"button.api[data-path='{path}']").click()
    expect(page.locator("#api-select")).to_have_value(path)


def _send(page: Page, path: str) -> str:
    """Send the form as it is; the rsp_code (or "token"), once the console is done with it."""
    page.get_by_role("button", name=SEND).click()
    expect(page.locator("#rsp-summary")).to_contain_text(
        re.compile(rf"HTTP \d+ · \d+ ms · (GET|POST) {re.escape(path)}")
    )
    expect(page.locator("#send")).to_be_enabled()  # the config is read again after a call
    return page.locator("#rsp-code").inner_text()


def _issue(page: Page, scope: str) -> None:
    page.get_by_role("button", name=f"토큰발급 ({scope})").click()
    expect(page.locator(f"#{scope}-token")).to_have_value(re.compile(r".{20,}"))


def _sign_in(page: Page, user_seq_no: str) -> None:
    """The 3-legged flow from the console, as `user_seq_no`, every account chosen."""
    page.get_by_role("button", name="사용자인증 (3-legged)").click()
    page.wait_for_url(re.compile(r"/oauth/2\.0/authorize\?"))
    page.locator("#user_seq_no").select_option(user_seq_no)
    page.get_by_role("button", name=re.compile("이 사용자로 계속")).click()
    page.locator("#code").fill((page.locator("#sms-code").text_content() or "").strip())
    page.get_by_role("button", name=re.compile("^확인")).click()
    page.get_by_role("button", name=re.compile("동의하고 계속")).click()
    page.wait_for_url(re.compile(r"/console(\?|$)"))
    expect(page.locator("#user-fintech")).to_have_value(re.compile(r"\d{24}"))


def _authorizations(page: Page) -> list[str]:
    """The Authorization header of every KFTC call the page makes from now on."""
    seen: list[str] = []

    def note(request: Request) -> None:
        if "/v2.0/" in request.url or "/oauth/2.0/token" in request.url:
            seen.append(request.headers.get("authorization", "(none)"))

    page.on("request", note)
    return seen


def test_no_call_leaves_without_the_token_its_api_needs(server: dict[str, Any], page: Page) -> None:
    sent = _authorizations(page)
    _open(page, server)
    for path, kind, offer in [
        ("/v2.0/account/balance/fin_num", "user", "사용자인증 하기"),
        ("/v2.0/bank/status", "oob", "oob 토큰 발급받기"),
        ("/v2.0/user/register", "sa", "sa 토큰 발급받기"),
    ]:
        _choose(page, path)
        expect(page.locator("#token-choice")).to_have_value(kind)
        assert page.locator("#token-choice option[value='none']").is_disabled()
        page.get_by_role("button", name=SEND).click()
        expect(page.locator("#rsp-code")).to_have_text("보내지 않음")
        expect(page.locator("#needs")).to_contain_text(
            f"scope {kind if kind != 'user' else 'login'}"
        )
        offered = page.locator("#need-auth")
        expect(offered).to_contain_text(offer)
        expect(offered).to_be_focused()  # Enter does it
        expect(page.locator("#curl")).to_have_text("—")
    assert sent == [], "a call left without its token"
    screenshot(page, "console_needs_a_token")

    # the button offered does what is needed; then the call goes, with its token
    page.locator("#need-auth").press("Enter")  # the sa token, for user/register
    expect(page.locator("#sa-token")).to_have_value(re.compile(r".{20,}"))
    _choose(page, "/v2.0/bank/status")
    page.get_by_role("button", name=SEND).click()
    page.locator("#need-auth").click()
    expect(page.locator("#oob-token")).to_have_value(re.compile(r".{20,}"))
    _choose(page, "/v2.0/bank/status")
    assert _send(page, "/v2.0/bank/status") == "A0000"
    assert sent[-1] == f"Bearer {page.locator('#oob-token').input_value()}"

    # a token the gateway refuses: what it means, and the same button
    page.locator("#oob-token").fill("not-a-token")
    assert _send(page, "/v2.0/bank/status") == "O0002"
    expect(page.locator("#rsp-summary")).to_contain_text("unknown or was revoked")
    page.locator("#need-auth").click()
    expect(page.locator("#oob-token")).not_to_have_value("not-a-token")
    # the wrong kind of token for the API: which scopes it takes, and the right button
    _choose(page, "/v2.0/account/balance/fin_num")
    page.locator("#token-choice").select_option("oob")
    assert _send(page, "/v2.0/account/balance/fin_num") == "O0011"
    expect(page.locator("#rsp-summary")).to_contain_text("(inquiry, sa)")
    expect(page.locator("#need-auth")).to_contain_text("사용자인증 하기")
    assert all(re.fullmatch(r"Bearer \S+|\(none\)", header) for header in sent), sent

    page.locator("#need-auth").click()  # the user's: the consent pages
    page.wait_for_url(re.compile(r"/oauth/2\.0/authorize\?"))
    expect(page.locator("h1")).to_contain_text("사용자 확인")


def test_every_form_as_prefilled_answers_a0000_or_its_documented_code(
    server: dict[str, Any], page: Page
) -> None:
    config = _config(server)
    paths = {op["path"] for op in config["operations"]}
    assert {path for path, _ in EVERY_API} == paths, "every API of the catalogue"
    default = config["user"]
    users = call(server["port"], "GET", "/testbed/users")["users"]
    # sign in as another user than the seeded one the console falls back on
    user = next(
        u
        for u in users
        if u["user_seq_no"] != default["user_seq_no"]
        and any(a["account_type"] == "1" and a["status"] == "normal" for a in u["accounts"])
    )
    sent = _authorizations(page)
    _open(page, server)
    page.evaluate("localStorage.clear()")  # an empty history: nothing made yet
    page.reload()
    # the buttons work once the config has arrived (on a busy machine, not at once)
    expect(page.locator("#client-id")).not_to_have_value("")
    _issue(page, "oob")
    _issue(page, "sa")

    for path, code in DOCUMENTED:
        _choose(page, path)
        note = page.locator("#api-note")
        expect(note).to_be_visible()
        assert note.get_attribute("data-code") == code
        expect(note).to_contain_text(code)
        assert _send(page, path) == code, f"{path}: {page.locator('#rsp-summary').inner_text()}"

    _sign_in(page, user["user_seq_no"])
    fintech = page.locator("#user-fintech").input_value()
    assert fintech in _registered(server, user)  # one of the signed-in user's
    # the requesting customer of a withdrawal is the signed-in user
    _choose(page, "/v2.0/transfer/withdraw/fin_num")
    expect(page.locator("#f-fintech_use_num")).to_have_value(fintech)
    expect(page.locator("#f-req_client_name")).to_have_value(user["name"])
    expect(page.locator("#f-req_client_fintech_use_num")).to_have_value(fintech)
    assert user["name"] != default["user_name"]

    answers = []
    for path, code in EVERY_API:
        _choose(page, path)
        got = _send(page, path)
        answers.append((path, got))
        assert got == code, f"{path}: {page.locator('#rsp-summary').inner_text()}"
        if path == "/v2.0/user/register":
            request = json.loads(page.locator("#request-view").inner_text().split("\n\n", 1)[1])
            assert request["user_name"] == user["name"]
        if path == "/v2.0/transfer/withdraw/fin_num":
            answer = json.loads(page.locator("#response-view").inner_text())
            assert answer["fintech_use_num"] == fintech
    assert answers == EVERY_API
    # the revoked oob token is forgotten: the next oob call asks for a new one
    expect(page.locator("#oob-token")).to_have_value("")
    _choose(page, "/v2.0/bank/status")
    page.get_by_role("button", name=SEND).click()
    expect(page.locator("#need-auth")).to_contain_text("oob 토큰 발급받기")
    assert all(re.fullmatch(r"Bearer \S+|\(none\)", header) for header in sent)
    screenshot(page, "console_every_api")


def test_user_register_answers_a0324_once_every_account_is_registered(
    server: dict[str, Any], page: Page
) -> None:
    """The console's user (here the seeded one: nobody signed in) has every usable account
    registered with the self-auth institution one by one, then the documented A0324."""
    _open(page, server)
    _issue(page, "sa")
    _choose(page, "/v2.0/user/register")
    assert page.locator("#api-note").get_attribute("data-code") == "A0324"
    codes = []
    for _ in range(6):
        _choose(page, "/v2.0/user/register")  # the defaults again, from the new config
        codes.append(_send(page, "/v2.0/user/register"))
        if codes[-1] != "A0000":
            break
    assert codes[-1] == "A0324" and set(codes[:-1]) == {"A0000"}, codes


def _registered(server: dict[str, Any], user: dict[str, Any]) -> set[str]:
    """Every fintech_use_num the user has had, cancelled or not."""
    users = call(server["port"], "GET", "/testbed/users")["users"]
    now = next(u for u in users if u["user_seq_no"] == user["user_seq_no"])
    return {reg["fintech_use_num"] for a in now["accounts"] for reg in a["registrations"]}
