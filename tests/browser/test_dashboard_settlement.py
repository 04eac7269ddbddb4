"""The dashboard's settlement panel and chart on a server of their own: transfers that net
to zero for every bank are not "no transfers yet", and the chart's axis is in simulated
KST, as the clock above it."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import demo_customer, kftc_post, withdraw
from tests.browser.test_dashboard import open_dashboard, server_clock


def kftc_token(server: dict[str, Any], client: dict[str, Any]) -> str:
    """An oob token of the institution, as its server would get one."""
    form = urllib.parse.urlencode(
        {
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
            "scope": "oob",
            "grant_type": "client_credentials",
        }
    ).encode()
    with urllib.request.urlopen(server["base"] + "/oauth/2.0/token", form, timeout=10) as resp:
        return str(json.loads(resp.read())["access_token"])


def test_transfers_that_net_to_zero_say_so(
    server: dict[str, Any], page: Page, problems: list[str]
) -> None:
    open_dashboard(page, server)
    expect(page.locator("#settlement")).to_contain_text("no transfers yet")
    demo, contract, user = demo_customer(server, "홍길동")
    fin = user["accounts"][0]["fintech_use_num"]
    answer = withdraw(server, contract, user, f"{demo['client_use_code']}UZERO00001", 5000)
    assert answer["rsp_code"] == "A0000", answer
    # and the same amount back from the deposit 약정계좌 (at the same bank as the other):
    # every bank's position is back to zero after two transfers
    deposit_account = next(a for a in demo["contract_accounts"] if a["purpose"] == "deposit")
    assert deposit_account["bank_code"] == contract["bank_code"] != "088"
    oob = kftc_token(server, demo)
    back = kftc_post(
        server,
        "/v2.0/transfer/deposit/fin_num",
        oob,
        {
            "cntr_account_type": "N",
            "cntr_account_num": deposit_account["account_num"],
            "wd_pass_phrase": "NONE",
            "wd_print_content": "환불",
            "tran_dtime": re.sub(r"\D", "", server_clock(server)["now"][:19]),
            "req_cnt": "1",
            "req_list": [
                {
                    "tran_no": "1",
                    "bank_tran_id": f"{demo['client_use_code']}UZERO00002",
                    "fintech_use_num": fin,
                    "print_content": "환불",
                    "tran_amt": "5000",
                    "req_client_name": "홍길동",
                    "req_client_fintech_use_num": fin,
                    "req_client_num": "MEMBER0001",
                    "transfer_purpose": "TR",
                }
            ],
        },
    )
    assert back["rsp_code"] == "A0000", back
    expect(page.locator("#settlement")).to_contain_text("every bank nets to zero", timeout=5000)
    expect(page.locator("#settlement-date")).to_contain_text("이체 2건")
    # the chart's axis reads simulated KST, as the clock does
    expect(page.locator("#chart")).to_be_visible()
    label = page.evaluate(
        """() => { const seen = []; const ctx = document.getElementById('chart').getContext('2d');
        const fill = ctx.fillText.bind(ctx); ctx.fillText = (t, ...a) => { seen.push(t); fill(t, ...a); };
        return new Promise((done) => setTimeout(() => done(seen), 1500)); }"""
    )
    assert any(re.fullmatch(r"\d\d:\d\d:\d\d KST", t) for t in label), label
    assert problems == []
