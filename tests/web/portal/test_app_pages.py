"""The 이용신청 form and My Page per app, for people: every field offered, the screening
shown, CSRF refused on every new form (nothing done), changes through the forms, and the
operator's page."""

from __future__ import annotations

from typing import Any

import pytest
from multidict import MultiDict

from testbed.network.admission.rules import EXCLUSIONS, SERVICES
from testbed.web.portal.institutions import FORM_FIELDS
from tests.api.conftest import Api
from tests.web.portal.conftest import csrf_of, signup
from tests.web.portal.test_applications import approved


def form(**change: Any) -> MultiDict[str]:
    fields: MultiDict[str] = MultiDict(
        {
            "company_name": "주식회사 폼페이",
            "business_number": "220-81-62517",
            "size": "중소형",
            "industry": "응용S/W 개발 및 공급업",
            "main_bank": "004",
            "credit_rating": "BBB",
            "paid_in_capital": "1,000,000,000",
            "years_in_business": "3",
            "operating_profit": "0",
            "purposes": "간편송금\n포인트 충전",
            "aml_system": "yes",
            "isms": "yes",
        }
    )
    for service in ("balance", "withdraw"):
        fields.add("services", service)
    for key, value in change.items():
        fields[key] = value
    return fields


async def page(api: Api, path: str) -> str:
    resp = await api.http.get(path)
    assert resp.status == 200, path
    return await resp.text()


async def test_the_form_offers_every_field_and_shows_the_screening(api: Api) -> None:
    await signup(api.http)
    html = await page(api, "/portal/apply")
    for exclusion in EXCLUSIONS:
        assert f'name="declare_{exclusion.key}"' in html and exclusion.label in html
    for key, name in SERVICES.items():
        assert f'value="{key}"' in html and name in html
    assert "기타 금융지원 서비스업" in html and "전자금융보조업자" in html and "AAA" in html
    data = form()
    data["csrf"] = csrf_of(html)
    resp = await api.http.post("/portal/apply", data=data)
    assert resp.status == 200
    result = await resp.text()
    assert 'data-status="approved"' in result and 'data-rule="eligible.industry"' in result
    assert 'id="client-secret"' in result
    app = api.runtime.world.applications.applications["APP000001"]
    assert app.paid_in_capital == 1_000_000_000 and app.purposes == ["간편송금", "포인트 충전"]
    assert app.services == ["balance", "withdraw"] and not any(app.declarations.values())
    mypage = await page(api, "/portal/")
    assert "APP000001" in mypage and f"/portal/apps/{app.client_use_code}" in mypage


async def test_a_bad_form_names_the_field_and_files_nothing(api: Api) -> None:
    await signup(api.http)
    data = form(business_number="123")
    data["csrf"] = csrf_of(await page(api, "/portal/apply"))
    resp = await api.http.post("/portal/apply", data=data)
    assert resp.status == 400
    assert "business_number" in await resp.text()
    assert not api.runtime.world.applications.applications


async def test_every_error_is_shown_at_once_naming_the_field_as_the_form_labels_it(
    api: Api,
) -> None:
    await signup(api.http)
    html = await page(api, "/portal/apply")
    # the company's size is the applicant's choice: nothing is chosen for them
    size = html.split('id="f-size"', 1)[1].split("</select>", 1)[0]
    assert '<option value="">' in size and "selected" not in size
    data = form(company_name="", business_number="123", size="", years_in_business="many")
    data.popall("services")
    data["csrf"] = csrf_of(html)
    resp = await api.http.post("/portal/apply", data=data)
    assert resp.status == 400
    shown = await resp.text()
    listed = shown.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    for name in ("company_name", "business_number", "size", "services", "years_in_business"):
        label_ko, label_en, what = FORM_FIELDS[name]
        assert f"{label_ko} ({label_en}): {what}" in listed, name
        assert f'href="#f-{name}"' in listed
        assert f'id="{name}-error"' in shown  # and beside the field itself
    assert "고칠 항목이 5개" in listed
    assert "must not be empty" in listed  # the model's English beside the Korean
    assert not api.runtime.world.applications.applications


async def test_a_declared_exclusion_is_rejected_with_its_reason(api: Api) -> None:
    await signup(api.http)
    data = form(declare_gambling="yes")
    data["csrf"] = csrf_of(await page(api, "/portal/apply"))
    result = await (await api.http.post("/portal/apply", data=data)).text()
    assert 'data-status="rejected"' in result
    assert 'data-rule="excluded.gambling" data-passed="no"' in result and "사행행위" in result


CHANGES = ["secret", "redirect_uris", "redirect_uris/remove", "ips", "ips/remove", "reset"]


@pytest.mark.parametrize("change", CHANGES)
async def test_every_new_form_refuses_a_missing_csrf_token(api: Api, change: str) -> None:
    await signup(api.http)
    code = (await approved(api))["client_use_code"]
    before = await (await api.http.get(f"/portal/api/apps/{code}")).json()
    resp = await api.http.post(
        f"/portal/apps/{code}/{change}",
        data={"confirm": code, "redirect_uri": "https://x.example/cb", "ip": "10.0.0.1"},
    )
    assert resp.status == 403
    assert await (await api.http.get(f"/portal/api/apps/{code}")).json() == before


async def test_the_apply_form_refuses_a_missing_csrf_token(api: Api) -> None:
    await signup(api.http)
    resp = await api.http.post("/portal/apply", data=form())
    assert resp.status == 403 and not api.runtime.world.applications.applications


async def test_my_page_changes_through_the_forms(api: Api) -> None:
    await signup(api.http)
    body = await approved(api)
    code, secret = body["client_use_code"], body["credentials"]["client_secret"]
    html = await page(api, f"/portal/apps/{code}")
    assert secret not in html and 'id="client-secret-masked"' in html
    token = csrf_of(html)
    post = api.http.post
    resp = await post(
        f"/portal/apps/{code}/redirect_uris",
        data={"csrf": token, "redirect_uri": "https://app.example/cb"},
        allow_redirects=False,
    )
    assert resp.status == 303
    resp = await post(f"/portal/apps/{code}/ips", data={"csrf": token, "ip": "nope"})
    assert resp.status == 400 and "nope" in await resp.text()
    resp = await post(f"/portal/apps/{code}/ips", data={"csrf": token, "ip": "127.0.0.1"})
    html = await resp.text()
    assert "https://app.example/cb" in html and "127.0.0.1" in html
    rotate = {"csrf": token, "confirm": code}
    resp = await post(f"/portal/apps/{code}/secret", data=rotate, allow_redirects=False)
    # a redirect: a reload of the page it lands on neither rotates again nor shows it again
    assert resp.status == 303 and resp.headers["Location"] == f"/portal/apps/{code}"
    new = api.runtime.world.directory.clients[code].client_secret
    assert new != secret and new not in await resp.text()
    shown = await page(api, f"/portal/apps/{code}")
    assert f'<code id="client-secret">{new}</code>' in shown
    again = await page(api, f"/portal/apps/{code}")
    assert new not in again and 'id="client-secret-masked"' in again  # shown once
    assert api.runtime.world.directory.clients[code].client_secret == new
    resp = await post(f"/portal/apps/{code}/reset", data={"csrf": token, "confirm": code})
    assert 'id="reset-done"' in await resp.text()  # (followed the 303)
    assert 'id="reset-done"' not in await page(api, f"/portal/apps/{code}")


async def test_my_page_registers_the_console_callback_in_one_click(api: Api) -> None:
    await signup(api.http)
    code = (await approved(api))["client_use_code"]
    html = await page(api, f"/portal/apps/{code}")
    callback = f"http://{api.http.host}:{api.http.port}/console/callback"
    assert 'id="register-console"' in html and f'value="{callback}"' in html
    resp = await api.http.post(
        f"/portal/apps/{code}/redirect_uris",
        data={"csrf": csrf_of(html), "redirect_uri": callback},
        allow_redirects=False,
    )
    assert resp.status == 303
    assert callback in api.runtime.world.directory.clients[code].redirect_uris
    html = await page(api, f"/portal/apps/{code}")
    assert 'id="register-console"' not in html and 'id="console-registered"' in html


async def test_the_operator_page_is_a_shell(api: Api) -> None:
    resp = await api.http.get("/operator/applications")
    assert resp.status == 200 and "/static/operator.js" in await resp.text()
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
