"""Every page on a phone (390x844: nothing scrolls sideways) and in Korean (real glyphs).

The pages: `/`, `/docs`, `/console`, `/console/callback`, `/dashboard` and the consent
pages a 3-legged flow walks through (`/oauth/2.0/authorize…`), with their content shown:
the docs' tables open, the console after a call, the dashboard signed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot

PHONE = {"width": 390, "height": 844}
#: the Korean fonts of the pages' stack: Google's and Debian's Noto, macOS's, Windows'
KOREAN_FONTS = ("Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic")
#: what a Latin-only font does with Hangul: an empty box, the same for every syllable
GLYPHS = """(font) => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext('2d');
  const draw = (ch) => { ctx.clearRect(0, 0, 64, 64); ctx.font = font; ctx.fillText(ch, 4, 48);
    return canvas.toDataURL(); };
  return { ga: draw('가'), na: draw('나'), box1: draw('\\uE000'), box2: draw('\\u0378') };
}"""


def _consent_flow(page: Page, base: str) -> Iterator[str]:
    """The consent pages, reached from the console's 사용자인증 button (its callback is
    registered by the console's config): yields at each page."""
    page.goto(base + "/console")
    expect(page.locator("#client-id")).not_to_have_value("")
    page.get_by_role("button", name="사용자인증 (3-legged)").click()
    page.wait_for_url(re.compile(r"/oauth/2\.0/authorize\?"))
    yield "consent_signin"
    page.locator("#user_seq_no").select_option(index=0)
    page.get_by_role("button", name=re.compile("이 사용자로 계속")).click()
    expect(page.locator("#sms-code")).to_have_text(re.compile(r"\d{6}"))
    yield "consent_verify"
    page.locator("#code").fill((page.locator("#sms-code").text_content() or "").strip())
    page.get_by_role("button", name=re.compile("^확인")).click()
    expect(page.locator("h1")).to_contain_text("계좌 선택 및 동의")
    yield "consent_accounts"
    page.goto(base + "/oauth/2.0/authorize?client_id=unknown&response_type=code")
    expect(page.locator("h1")).to_contain_text("요청을 처리할 수 없습니다")
    yield "consent_error"


def _pages(page: Page, server: dict[str, Any]) -> Iterator[str]:
    """Every page, with its content on show; yields each page's name once it is ready."""
    base = server["base"]
    page.goto(base + "/")
    expect(page.locator("h1")).to_contain_text("오픈뱅킹 테스트베드")
    yield "landing"
    page.goto(base + "/docs")
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    yield "docs"
    page.goto(base + "/console?api=/v2.0/transfer/deposit/fin_num")
    expect(page.locator("#client-id")).not_to_have_value("")
    page.get_by_role("button", name="토큰발급 (oob)").click()
    expect(page.locator("#oob-token")).to_have_value(re.compile(r".{20,}"))
    page.get_by_role("button", name=re.compile("요청 보내기")).click()
    expect(page.locator("#rsp-summary")).to_contain_text("/v2.0/transfer/deposit/fin_num")
    yield "console"
    page.goto(base + "/console/callback?error=access_denied&error_description=x&state=s")
    expect(page.locator("#callback-detail")).to_be_visible()
    yield "console_callback"
    page.goto(f"{base}/dashboard#token={server['admin']}")
    expect(page.locator("#tiles .tile")).to_have_count(18)
    yield "dashboard"
    yield from _consent_flow(page, base)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="ko-KR", has_touch=True, is_mobile=True)
    yield context.new_page()
    context.close()


def test_no_page_scrolls_sideways_on_a_phone(server: dict[str, Any], phone: Page) -> None:
    seen = []
    for name in _pages(phone, server):
        phone.wait_for_timeout(100)  # late layout (web fonts, the dashboard's first frame)
        width = phone.evaluate("document.documentElement.scrollWidth")
        wide = phone.evaluate(
            """[...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > 391)
              .slice(0, 5).map(e => `${e.tagName}.${e.className} ${e.textContent.slice(0, 40)}`)"""
        )
        assert width <= PHONE["width"], f"{name}: {width} px wide at 390: {wide}"
        screenshot(phone, f"phone_{name}")
        seen.append(name)
    assert len(seen) == 9


def _platform_fonts(page: Page, selector: str) -> list[str]:
    """The fonts Chromium really drew `selector`'s text with (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
    return [f["familyName"] for f in fonts if f["glyphCount"]]


def test_korean_renders_with_a_korean_font_on_every_page(
    server: dict[str, Any], page: Page
) -> None:
    """The pages name a stack with a Korean font of each platform before any Latin-only
    one, and Chromium draws their Korean headings with it: real glyphs, a different one
    for each syllable, where a machine without a Korean font draws the same empty box."""
    for name in _pages(page, server):
        heading = "h1"
        family = page.eval_on_selector(heading, "e => getComputedStyle(e).fontFamily")
        names = [f.strip().strip('"') for f in family.split(",")]
        assert names[: len(KOREAN_FONTS)] == list(KOREAN_FONTS), f"{name}: {family}"
        assert re.search(r"[가-힣]", page.locator(heading).first.inner_text()), name
        used = _platform_fonts(page, heading)
        assert used and used[0] in KOREAN_FONTS, f"{name}: its heading is drawn with {used}"
        size = page.eval_on_selector(heading, "e => getComputedStyle(e).fontSize")
        drawn = page.evaluate(GLYPHS, f"{size} {family}")
        assert drawn["box1"] == drawn["box2"]  # what a missing glyph looks like
        assert drawn["ga"] != drawn["na"], f"{name}: Hangul is drawn as empty boxes"
        assert drawn["ga"] != drawn["box1"]
        if name != "docs":  # (every table open: thousands of pixels long)
            screenshot(page, f"korean_{name}")
