"""Go-live readiness on My Page, for people: the printable report of a developer's own
institution, the forms that start a run, lay a drill and finish it (CSRF-checked, refusals
shown at once in Korean and English), older runs by `?run=`, and the operator's
self-contained page of the same report."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from testbed.network.readiness.catalogue import CHECKS
from testbed.network.readiness.drills import DRILLS
from tests.api.conftest import Api
from tests.tenants import Tenant
from tests.web.portal.conftest import csrf_of

PAGE = "/portal/apps/{code}/readiness"


async def _get(who: Tenant, path: str) -> tuple[int, str, Any]:
    async with who.http.get(who.url(path)) as resp:
        return resp.status, await resp.text(), resp.headers


async def _post(who: Tenant, path: str, **fields: str) -> tuple[int, str, str]:
    """A form of the page, posted with the page's CSRF token: status, text, Location."""
    _, html, _ = await _get(who, PAGE.format(code=who.code))
    data = {"csrf": csrf_of(html), **fields}
    async with who.http.post(who.url(path), data=data, allow_redirects=False) as resp:
        return resp.status, await resp.text(), resp.headers.get("Location", "")


async def _short_tran_id_withdrawal(api: Api, who: Tenant) -> dict[str, Any]:
    """A withdrawal whose bank_tran_id is too short: bank-tran-id-format fails on it."""
    account = who.user["accounts"][0]
    _, app = await who.json("GET", f"/portal/api/apps/{who.code}")
    contract = next(c for c in app["contract_accounts"] if c["purpose"] == "withdraw")
    return await api.post(
        "/v2.0/transfer/withdraw/fin_num",
        who.user["access_token"],
        {
            "bank_tran_id": f"{who.code}U12",
            "cntr_account_type": "N",
            "cntr_account_num": contract["account_num"],
            "dps_print_content": "짧은번호",
            "fintech_use_num": account["fintech_use_num"],
            "tran_amt": "1000",
            "tran_dtime": "20240102120000",
            "req_client_name": "앨리스",
            "req_client_fintech_use_num": account["fintech_use_num"],
            "req_client_num": "C1",
            "transfer_purpose": "TR",
        },
    )


def run_id(api: Api, code: str) -> str:
    return api.runtime.world.readiness.active[code].id


async def test_my_page_links_the_report_and_before_a_run_it_offers_to_start(
    alice: Tenant,
) -> None:
    _, mypage, _ = await _get(alice, f"/portal/apps/{alice.code}")
    assert f'href="/portal/apps/{alice.code}/readiness"' in mypage
    status, html, headers = await _get(alice, PAGE.format(code=alice.code))
    assert status == 200
    assert 'id="no-run"' in html and 'id="start-run"' in html and 'id="verdict"' not in html
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in html and 'style="' not in html
    assert '<link rel="stylesheet" href="/static/readiness.css">' in html


async def test_a_run_through_the_forms_ends_in_a_report_with_its_failure_shown(
    api: Api, alice: Tenant
) -> None:
    code = alice.code
    status, _, location = await _post(alice, f"/portal/apps/{code}/readiness/start")
    assert (status, location) == (303, PAGE.format(code=code))
    _, html, _ = await _get(alice, PAGE.format(code=code))
    assert 'id="lay-drill"' in html and 'id="finish-run"' in html and 'id="start-run"' not in html
    for kind in DRILLS:  # the select offers every kind
        assert f'<option value="{kind.value}"' in html
    assert "진행 중" in html and f'<code id="run-id">{run_id(api, code)}</code>' in html

    # a refused drill: the page again at the API's status, why in Korean and English
    status, refused, _ = await _post(
        alice, f"/portal/apps/{code}/readiness/drills", kind="deposit_fails", api="balance"
    )
    assert status == 400
    error = re.search(r'id="form-error">([^<]*)<', refused)
    assert (
        error and "이 드릴의 API가 아닙니다" in error.group(1) and "api: deposit" in error.group(1)
    )
    assert 'value="deposit_fails" selected' in refused  # what was chosen stays chosen
    run = api.runtime.world.readiness.active[code]
    assert run.drills == []  # nothing laid

    status, _, location = await _post(
        alice, f"/portal/apps/{code}/readiness/drills", kind="deposit_fails", api="", **{"for": ""}
    )
    assert status == 303 and [d.kind for d in run.drills] == ["deposit_fails"]

    answer = await _short_tran_id_withdrawal(api, alice)
    assert answer["rsp_code"] == "A0004", answer
    status, _, location = await _post(alice, f"/portal/apps/{code}/readiness/finish")
    assert status == 303 and location == f"{PAGE.format(code=code)}?run={run.id}"
    _, report, _ = await _get(alice, location)
    assert '<strong id="verdict-ko">부적합</strong>' in report
    assert '<span class="verdict-en" id="verdict-en">FAIL</span>' in report
    assert 'id="score"' in report and 'id="coverage-index"' in report
    for check in CHECKS:  # every check with its status
        assert f'id="check-{check.id}"' in report
    failure = report.split('id="failure-bank-tran-id-format"', 1)[1].split("</article>", 1)[0]
    assert "What to change" in failure and "Math.random()" in failure
    # the call that shows it: request and answer side by side, Korean kept readable
    request, answer_text = re.findall(r"<pre>(.*?)</pre>", failure, re.S)[:2]
    assert f"{code}U12" in request and "짧은번호" in request
    assert "A0004" in answer_text
    assert 'id="drill-' in report and "deposit_fails" in report
    assert f'href="/portal/apps/{code}/readiness?run={run.id}"' in report  # the runs list
    assert 'id="start-run"' in report  # finished: a new run can start


async def test_forms_without_the_csrf_token_or_of_another_developer_do_nothing(
    api: Api, alice: Tenant, bob: Tenant
) -> None:
    async with alice.http.post(
        alice.url(f"/portal/apps/{alice.code}/readiness/start"), data={}, allow_redirects=False
    ) as resp:
        assert resp.status == 403
    assert alice.code not in api.runtime.world.readiness.active
    status, _, _ = await _get(bob, PAGE.format(code=alice.code))
    assert status == 404
    _, html, _ = await _get(bob, PAGE.format(code=bob.code))
    async with bob.http.post(
        bob.url(f"/portal/apps/{alice.code}/readiness/start"),
        data={"csrf": csrf_of(html)},
        allow_redirects=False,
    ) as resp:
        assert resp.status == 404
    assert alice.code not in api.runtime.world.readiness.active
    # Alice's run, asked for by its id on Bob's own page: not his, as if it did not exist
    await _post(alice, f"/portal/apps/{alice.code}/readiness/start")
    status, html, _ = await _get(
        bob, PAGE.format(code=bob.code) + f"?run={run_id(api, alice.code)}"
    )
    assert status == 404 and run_id(api, alice.code) not in html
    await _post(alice, f"/portal/apps/{alice.code}/readiness/finish")
    # finishing with no run open: refused on the page, in both languages
    status, refused, _ = await _post(alice, f"/portal/apps/{alice.code}/readiness/finish")
    assert status >= 400 and 'id="form-error"' in refused


async def test_an_unknown_run_is_a_404_page_that_says_so(alice: Tenant) -> None:
    status, html, _ = await _get(alice, PAGE.format(code=alice.code) + "?run=RR999999")
    assert status == 404 and 'id="load-error"' in html and "No such readiness run" in html


async def test_the_operators_page_is_self_contained_under_a_hash_only_csp(
    api: Api, alice: Tenant
) -> None:
    path = f"/testbed/readiness/{alice.code}/html"
    resp = await api.http.get(path)
    assert resp.status == 401
    await _post(alice, f"/portal/apps/{alice.code}/readiness/start")
    resp = await api.http.get(path, headers=api.admin)
    assert resp.status == 200
    html = await resp.text()
    assert "<form" not in html and 'id="verdict"' in html and '<link rel="stylesheet"' not in html
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style and "@media print" in style.group(1)
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    csp = resp.headers["Content-Security-Policy"]
    assert f"style-src 'self' 'sha256-{digest}';" in csp and "'unsafe-inline'" not in csp
    assert "script-src 'self'" in csp and "<script" not in html
    assert "<a " not in html.split('id="past-runs"', 1)[1]  # a saved file links nowhere
    resp = await api.http.get(path + "?run=RR999999", headers=api.admin)
    assert resp.status == 404
