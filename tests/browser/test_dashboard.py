"""/dashboard in a real browser against a real `testbed serve` (realtime clock).

The tests share one server and run in order: faults and transfers at 10:00 of the
simulated day, then the jump to the nightly cutover (the clock never goes back).
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import demo_customer, screenshot, withdraw
from tests.test_serve import call

PARTICIPANTS = 18


def open_dashboard(page: Page, server: dict[str, Any]) -> None:
    page.goto(f"{server['base']}/dashboard#token={server['admin']}")
    expect(page.locator("#tiles .tile")).to_have_count(PARTICIPANTS)


def tile(page: Page, code: str) -> Locator:
    return page.locator(f'#tiles .tile[data-code="{code}"]')


def server_clock(server: dict[str, Any]) -> dict[str, Any]:
    clock: dict[str, Any] = call(server["port"], "GET", "/testbed/clock")
    return clock


def test_fragment_token_shows_participants_others_and_ticking_clock(
    server: dict[str, Any], page: Page, problems: list[str]
) -> None:
    open_dashboard(page, server)
    assert "token" not in page.url  # taken off the address bar (and the projector)
    stored = page.evaluate("Object.values(sessionStorage)")
    assert server["admin"] in stored
    nonghyup = tile(page, "011")
    expect(nonghyup).to_contain_text("NH농협은행")
    expect(nonghyup).to_contain_text("NH NongHyup Bank")
    expect(nonghyup.locator(".state")).to_have_text(re.compile(r"open\s+정상"))
    expect(nonghyup.locator(".next")).to_have_text("→ cutover 23:30")
    expect(nonghyup.locator(".load")).to_contain_text("대기 0")
    others = page.locator("details#others")
    assert others.evaluate("d => d.open") is False
    others.locator("summary").click()
    expect(page.locator('#other-tiles .tile[data-code="001"]')).to_contain_text("한국은행")
    expect(page.locator("#tiles .tile[data-code='001']")).to_have_count(0)

    clock = page.locator("#clock-time")
    expect(page.locator("#clock-date")).to_contain_text("2026-03-02")
    expect(clock).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))
    shown = clock.inner_text()
    now = server_clock(server)["now"]
    server_time = datetime.strptime(now[11:19], "%H:%M:%S")
    assert abs(datetime.strptime(shown, "%H:%M:%S") - server_time) <= timedelta(seconds=3)
    expect(clock).not_to_have_text(shown, timeout=2500)  # it ticks
    expect(page.locator("#live")).to_have_attribute("data-live", "on")
    assert problems == []


def test_token_form_refuses_a_wrong_token_then_connects(server: dict[str, Any], page: Page) -> None:
    page.goto(f"{server['base']}/dashboard")
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#dash")).to_be_hidden()
    page.get_by_role("textbox", name="토큰").fill("not-the-token")
    page.keyboard.press("Enter")
    expect(page.locator("#login-error")).to_contain_text("refused")
    expect(page.locator("#dash")).to_be_hidden()
    page.get_by_role("textbox", name="토큰").fill(server["admin"])
    page.get_by_role("button", name="연결").click()
    expect(page.locator("#tiles .tile")).to_have_count(PARTICIPANTS)
    page.reload()  # the tab remembers the token
    expect(page.locator("#tiles .tile")).to_have_count(PARTICIPANTS)
    page.locator("#forget").click()
    expect(page.locator("#login")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_fault_controls_take_a_bank_down_and_bring_it_back(
    server: dict[str, Any], page: Page, problems: list[str]
) -> None:
    open_dashboard(page, server)
    kb = tile(page, "004")
    expect(kb.locator(".state")).to_contain_text("open")
    page.locator("#fault-bank").select_option("004")
    page.locator("#fault-kind").select_option("bank_down")
    page.locator("#fault-for").select_option("10m")
    page.locator("#inject").focus()
    page.keyboard.press("Enter")  # keyboard only
    expect(kb.locator(".state")).to_contain_text("down", timeout=2000)
    expect(kb).to_have_attribute("data-state", "down")
    expect(kb.locator(".next")).to_contain_text("→ open")
    (fault,) = call(server["port"], "GET", "/testbed/faults")["faults"]
    assert (fault["kind"], fault["banks"], fault["label"]) == ("bank_down", ["004"], "dashboard")
    row = page.locator(f'#faults li[data-id="{fault["id"]}"]')
    expect(row).to_contain_text("bank_down")
    expect(row).to_contain_text("004 KB국민은행")
    expect(page.locator("#feed li[data-type=fault_start]").first).to_contain_text(fault["id"])
    expect(page.locator("#feed li[data-type=bank_state]").first).to_contain_text("down")

    row.get_by_role("button").press("Enter")
    expect(kb.locator(".state")).to_contain_text("open", timeout=2000)
    expect(page.locator("#faults")).to_contain_text("no live faults")
    assert call(server["port"], "GET", "/testbed/faults")["faults"] == []

    # a latency fault with its value, then "clear all"
    page.locator("#fault-bank").select_option("007")
    page.locator("#fault-kind").select_option("latency")
    expect(page.locator("#fault-latency")).to_be_visible()
    page.locator("#fault-latency").fill("3")
    page.locator("#inject").click()
    suhyup = tile(page, "007")
    expect(suhyup.locator(".state")).to_contain_text("degraded", timeout=2000)
    (fault,) = call(server["port"], "GET", "/testbed/faults")["faults"]
    assert fault["latency"] == {"distribution": "fixed", "value": 3.0}
    page.get_by_role("button", name="모두 해제 / clear all").click()
    expect(suhyup.locator(".state")).to_contain_text("open", timeout=2000)
    assert call(server["port"], "GET", "/testbed/faults")["faults"] == []
    assert problems == []


def test_a_transfer_shows_in_the_feed_settlement_and_chart(
    server: dict[str, Any], page: Page, problems: list[str]
) -> None:
    open_dashboard(page, server)
    expect(page.locator("#live")).to_have_attribute("data-live", "on")
    demo, contract, user = demo_customer(server, "홍길동")
    assert contract["bank_code"] != "088"
    answer = withdraw(server, contract, user, f"{demo['client_use_code']}UDASH00001", 12_345)
    assert answer["rsp_code"] == "A0000", answer
    transfer = page.locator("#feed li[data-type=transfer]").first
    expect(transfer).to_contain_text("12,345원", timeout=2000)
    expect(transfer).to_contain_text(f"088 신한은행 → {contract['bank_code']}")
    api = page.locator("#feed li[data-type=api]").first
    expect(api).to_contain_text("POST /v2.0/transfer/withdraw/fin_num", timeout=2000)
    expect(api).to_contain_text("A0000")
    expect(api).to_contain_text(demo["client_use_code"])
    assert page.locator("#feed li").count() <= 100

    payer = page.locator('#settlement li[data-code="088"]')
    expect(payer).to_contain_text("−12,345원", timeout=3000)
    expect(payer).to_have_class("pay")
    payee = page.locator(f'#settlement li[data-code="{contract["bank_code"]}"]')
    expect(payee).to_contain_text("+12,345원")
    expect(payee).to_have_class("receive")
    expect(page.locator("#chart-calls")).not_to_have_text("0.0", timeout=3000)
    expect(page.locator("#chart-latency")).to_have_text(re.compile(r"\d+ m?s"))
    drawn = page.evaluate(
        """() => { const c = document.getElementById('chart');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let blue = 0; for (let i = 0; i < d.length; i += 4)
          if (d[i] === 11 && d[i + 1] === 87 && d[i + 2] === 208) blue++;
        return blue; }"""
    )
    assert drawn > 0, "the calls/s bar is not drawn"
    assert problems == []


def test_jump_to_cutover_at_sixty_times_turns_nonghyup_to_cutover(
    server: dict[str, Any], page: Page, problems: list[str]
) -> None:
    open_dashboard(page, server)
    nonghyup = tile(page, "011")
    page.get_by_role("button", name="23:29:30로 이동").click()
    expect(page.locator("#clock-time")).to_have_text(re.compile(r"^23:29:[3-5]\d$"), timeout=3000)
    assert server_clock(server)["now"].startswith("2026-03-02T23:29:")
    expect(nonghyup.locator(".state")).to_contain_text("open")  # not yet
    page.get_by_role("button", name="×60", exact=True).click()
    expect(page.get_by_role("button", name="×60", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    assert server_clock(server)["speed"] == 60
    expect(nonghyup.locator(".state")).to_contain_text("cutover", timeout=5000)
    expect(nonghyup.locator(".next")).to_have_text("→ open 01:30")
    expect(page.locator("#clock-mode")).to_contain_text("×60")

    page.locator("#freeze").click()
    expect(page.locator("#clock-mode")).to_contain_text("frozen")
    assert server_clock(server)["frozen"] is True
    shown = page.locator("#clock-time").inner_text()
    time.sleep(1.2)
    expect(page.locator("#clock-time")).to_have_text(shown)
    page.locator("#freeze").click()
    expect(page.locator("#clock-mode")).not_to_contain_text("frozen")
    page.get_by_role("button", name="×1", exact=True).click()
    expect(page.locator("#clock-mode")).to_contain_text("×1")
    assert server_clock(server) | {"now": "", "epoch": 0} == {
        "mode": "realtime",
        "now": "",
        "epoch": 0,
        "speed": 1,
        "frozen": False,
    }
    assert problems == []


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_screenshots_projector_and_phone(server: dict[str, Any], page: Page) -> None:
    open_dashboard(page, server)
    tiles = page.locator("#tiles .tile")
    expect(tiles.nth(0).locator(".state")).to_contain_text(re.compile(r"\w"))
    size = page.locator("#clock-time").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 48, "the clock reads from the back of the room"
    boxes = [tiles.nth(i).bounding_box() for i in range(7)]
    assert all(b is not None for b in boxes)
    tops = [round(b["y"]) for b in boxes if b is not None]
    assert tops[:6] == [tops[0]] * 6 and tops[6] > tops[0]  # six across at 1280
    _no_sideways_scroll(page)
    assert screenshot(page, "dashboard").stat().st_size > 30_000

    page.set_viewport_size({"width": 390, "height": 844})
    expect(tiles.first).to_be_visible()
    page.wait_for_timeout(300)
    boxes = [tiles.nth(i).bounding_box() for i in range(3)]
    assert all(b is not None and b["x"] + b["width"] <= 390 for b in boxes)
    tops = [round(b["y"]) for b in boxes if b is not None]
    assert tops[0] == tops[1] < tops[2]  # two across on a phone
    _no_sideways_scroll(page)
    assert screenshot(page, "dashboard_390x844").stat().st_size > 30_000
