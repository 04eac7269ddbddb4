"""The replay's HTML report in a real browser: it fits a phone, and the filter shows the
failures only."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import Page, expect

from testbed.cli import main
from tests.browser.conftest import screenshot
from tests.replay.test_report import REFUSED, ROOT


def test_the_report_fits_a_phone_and_filters_to_failures(tmp_path: Path, page: Page) -> None:
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "happy.yaml").write_text(
        (ROOT / "scenarios" / "happy_path.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (folder / "refused.yaml").write_text(REFUSED, encoding="utf-8")
    report = tmp_path / "report.html"
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
        assert pool.submit(main, ["replay", str(folder), "--html", str(report)]).result() == 1
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(report.as_uri())
    expect(page.locator("#verdict")).to_contain_text("FAIL")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "replay_report_phone")
    passes = page.locator("main .step.pass")
    assert passes.first.is_visible()
    page.get_by_label("실패만 보기").check()
    expect(passes.first).to_be_hidden()
    expect(page.locator("main .step.fail").first).to_be_visible()
    page.locator("#failures a").first.click()
    expect(page.locator("main .step.fail").first).to_be_in_viewport()
