"""The reports QA acts on: one HTML page for a whole directory that opens on a summary
with the failures linked, each failed step's request, answer and expectation side by side,
a filter to failures only, a phone's width; JUnit testcases with `time`."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

from testbed.cli import main

ROOT = Path(__file__).resolve().parents[2]

#: a bank refusal where success was expected: A0002 with the bank's code
REFUSED = """\
# a payee that is not there, expected to be there
name: refused by the bank
seed: 3
fixtures:
  users:
    eve:
      name: 이브
      birth_date: "19950505"
      accounts: [{bank: "004", balance: 500}]
steps:
  - name: a real-name inquiry of an account nobody has
    call: inquiry/real_name
    body: {bank_tran_id: "{{bank_tran_id}}", bank_code_std: "004", account_num: "99999999999",
           account_holder_info_type: " ", account_holder_info: "950505", tran_dtime: "{{now}}"}
    expect: {rsp_code: A0000, account_holder_name: 이브}
"""


def test_one_page_for_a_directory_opens_on_the_summary_and_the_failure(tmp_path: Path) -> None:
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "happy.yaml").write_text(
        (ROOT / "scenarios" / "happy_path.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (folder / "refused.yaml").write_text(REFUSED, encoding="utf-8")
    page, junit = tmp_path / "report.html", tmp_path / "junit.xml"
    assert main(["replay", str(folder), "--html", str(page), "--junit", str(junit)]) == 1
    html = page.read_text(encoding="utf-8")

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<script" not in html  # a file QA opens: no script, nothing loaded from elsewhere
    assert re.findall(r'(?:src|href)="https?://', html) == []
    summary = html.index('id="summary"')
    first_step = html.index('class="step')
    assert summary < html.index('id="failures"') < first_step  # the summary, then failures
    assert "FAIL: 1 passed, 1 failed" in html
    assert re.search(r"파일 <span class=\"en\">files</span><strong>2</strong>", html)
    # the failure is linked to its step, which exists on the page
    link = re.search(r'<a href="#(s\d+-step-1)">refused by the bank · 1 ', html)
    assert link and f'id="{link.group(1)}"' in html
    # its request, answer and expectation side by side
    step = html[html.index(f'id="{link.group(1)}"') :]
    step = step[: step.index("</details>\n")]
    assert "POST /v2.0/inquiry/real_name" in step
    assert "<dt>rsp_code</dt><dd><code>A0002</code></dd>" in step
    assert "<dt>bank_rsp_code</dt>" in step and "<dt>rsp_message</dt>" in step
    assert (
        "<td><code>rsp_code</code></td><td><code>&#34;A0000&#34;</code></td><td><code>&#34;A0002&#34;</code></td>"
        in step
    )
    assert 'id="only-failures"' in html and "#only-failures:checked ~ main .step.pass" in html

    suites = ET.parse(junit).getroot()
    cases = list(suites.iter("testcase"))
    assert cases and all(float(c.get("time", "-1")) >= 0 for c in cases)
    assert sum(float(c.get("time", "0")) for c in cases) > 0
    (failing,) = [c for c in cases if c.find("failure") is not None]
    text = failing.find("failure").text or ""  # type: ignore[union-attr]
    assert "request: " in text and '"rsp_code": "A0002"' in text
