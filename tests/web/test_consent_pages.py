"""The 3-legged user flow through the consent pages, followed the way a browser does."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from testbed.clock import yyyymmdd, yyyymmddhhmmss
from testbed.network.gateway.views import mask
from tests.api.conftest import Api
from tests.web.portal.conftest import signup
from tests.web.portal.test_applications import approved

STATE = "b80BLsfigm9OokPTjy03elbJqRHOfGSY"


# --- a small browser --------------------------------------------------------------------


@dataclass
class Control:
    tag: str  # input | select | button
    type: str
    name: str
    value: str = ""
    checked: bool = False
    disabled: bool = False
    id: str = ""
    formaction: str = ""
    text: str = ""
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)


@dataclass
class Form:
    action: str
    controls: list[Control] = field(default_factory=list)

    def names(self) -> set[str]:
        return {c.name for c in self.controls if c.name}

    def options(self, name: str) -> list[str]:
        return [v for c in self.controls if c.name == name for v, _ in c.options]

    def values(self, name: str) -> list[str]:
        return [c.value for c in self.controls if c.name == name]

    def submission(self, button: str, fill: dict[str, str | list[str]]) -> tuple[str, list[Any]]:
        """What the browser sends when the button whose text contains `button` is clicked."""
        clicked = next(c for c in self.controls if c.tag == "button" and button in c.text)
        pairs: list[tuple[str, str]] = []
        for c in self.controls:
            if not c.name or c.disabled or c.tag == "button":
                continue
            if c.tag == "select":
                chosen = [v for v, selected in c.options if selected] or [c.options[0][0]]
                pairs.append((c.name, chosen[0]))
            elif c.type in ("checkbox", "radio"):
                if c.checked:
                    pairs.append((c.name, c.value))
            else:
                pairs.append((c.name, c.value))
        for name, wanted in fill.items():
            values = [wanted] if isinstance(wanted, str) else wanted
            kinds = {c.type for c in self.controls if c.name == name}
            assert kinds, f"the form has no field {name!r}"
            if kinds & {"checkbox", "radio", "select"}:
                offered = {c.value for c in self.controls if c.name == name} | {
                    v for c in self.controls if c.name == name for v, _ in c.options
                }
                assert set(values) <= offered, f"{name}: {values} not among {offered}"
            pairs = [p for p in pairs if p[0] != name] + [(name, v) for v in values]
        if clicked.name:
            pairs.append((clicked.name, clicked.value))
        return clicked.formaction or self.action, pairs


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.label_for: set[str] = set()
        self.urls: list[str] = []
        self._select: Control | None = None
        self._button: Control | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("src", "href"):
            if key in a:
                self.urls.append(a[key])
        if tag == "label" and "for" in a:
            self.label_for.add(a["for"])
        if tag == "form":
            self.forms.append(Form(a.get("action", "")))
            return
        if not self.forms or tag not in ("input", "select", "option", "button"):
            return
        form = self.forms[-1]
        if tag == "option" and self._select is not None:
            self._select.options.append((a.get("value", ""), "selected" in a))
            return
        control = Control(
            tag=tag,
            type=a.get("type", "select" if tag == "select" else "text"),
            name=a.get("name", ""),
            value=a.get("value", ""),
            checked="checked" in a,
            disabled="disabled" in a,
            id=a.get("id", ""),
            formaction=a.get("formaction", ""),
        )
        form.controls.append(control)
        if tag == "select":
            self._select = control
        elif tag == "button":
            self._button = control

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "button":
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.text += data


@dataclass
class Page:
    status: int
    html: str
    location: str
    forms: list[Form]
    label_for: set[str]
    urls: list[str]

    def form_with(self, name: str) -> Form:
        return next(f for f in self.forms if name in f.names())

    def form_to(self, path: str) -> Form:
        return next(f for f in self.forms if f.action == path)

    @property
    def title(self) -> str:
        match = re.search(r"<h1[^>]*>(.*?)<", self.html, re.S)
        return match.group(1).strip() if match else ""

    @property
    def sms_code(self) -> str:
        match = re.search(r'id="sms-code">(\d{6})<', self.html)
        assert match, self.html
        return match.group(1)

    def callback(self) -> dict[str, str]:
        assert self.status == 302, (self.status, self.html)
        return dict(parse_qsl(urlsplit(self.location).query, keep_blank_values=True))


class Browser:
    def __init__(self, api: Api) -> None:
        self.api = api

    async def _page(self, resp: Any) -> Page:
        html = await resp.text()
        parser = _PageParser()
        parser.feed(html)
        return Page(
            resp.status,
            html,
            resp.headers.get("Location", ""),
            parser.forms,
            parser.label_for,
            parser.urls,
        )

    async def open(
        self, params: dict[str, str], headers: dict[str, str] | None = None, path: str = "authorize"
    ) -> Page:
        resp = await self.api.http.get(
            f"/oauth/2.0/{path}", params=params, headers=headers or {}, allow_redirects=False
        )
        return await self._page(resp)

    async def submit(self, form: Form, button: str, **fill: str | list[str]) -> Page:
        action, pairs = form.submission(button, fill)
        resp = await self.api.http.post(action, data=pairs, allow_redirects=False)
        return await self._page(resp)


# --- helpers ----------------------------------------------------------------------------


def query(demo: dict[str, Any], **overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": demo["client_id"],
        "redirect_uri": demo["redirect_uris"][0],
        "scope": "login inquiry transfer",
        "state": STATE,
        "auth_type": "0",
        "client_info": "test-info",
        **overrides,
    }
    return {k: v for k, v in params.items() if v is not None}


async def admin_users(api: Api) -> list[dict[str, Any]]:
    resp = await api.http.get("/testbed/users", headers=api.admin)
    users: list[dict[str, Any]] = (await resp.json())["users"]
    return users


async def sign_in(browser: Browser, page: Page, user_seq_no: str) -> Page:
    """Pages 1 and 2 as an existing user; returns page 3."""
    page = await browser.submit(page.form_with("user_seq_no"), "계속", user_seq_no=user_seq_no)
    assert page.title == "본인인증", page.html
    page = await browser.submit(page.form_with("code"), "확인", code=page.sms_code)
    assert page.title == "계좌 선택 및 동의", page.html
    return page


async def redeem(
    api: Api, demo: dict[str, Any], code: str, redirect_uri: str | None = None
) -> dict[str, Any]:
    resp = await api.http.post(
        "/oauth/2.0/token",
        data={
            "code": code,
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "redirect_uri": redirect_uri or demo["redirect_uris"][0],
            "grant_type": "authorization_code",
        },
    )
    body: dict[str, Any] = await resp.json()
    return body


async def user_me(api: Api, token: str, user_seq_no: str) -> dict[str, Any]:
    return await api.get("/v2.0/user/me", token, user_seq_no=user_seq_no)


def now14(api: Api) -> str:
    return yyyymmddhhmmss(api.runtime.clock.now())


async def complete_flow(
    api: Api, index: int = 1, scope: str = "login inquiry transfer", user_seq_no: str = ""
) -> tuple[dict[str, Any], dict[str, str], str]:
    """Run the pages with the first seeded user; (institution, callback query, user_seq_no)."""
    demo = await api.demo(index)
    browser = Browser(api)
    page = await browser.open(query(demo, scope=scope))
    user_seq_no = user_seq_no or page.form_with("user_seq_no").options("user_seq_no")[0]
    page = await sign_in(browser, page, user_seq_no)
    page = await browser.submit(page.form_to("/oauth/2.0/authorize/consent"), "동의")
    return demo, page.callback(), user_seq_no


# --- the whole flow ---------------------------------------------------------------------


async def test_the_whole_three_legged_flow(api: Api) -> None:
    demo = await api.demo(1)  # the second institution: nobody is registered with it yet
    people = await admin_users(api)
    person = next(
        u for u in people if len(u["accounts"]) >= 3 and u["accounts"][0]["account_type"] == "1"
    )
    browser = Browser(api)

    page = await browser.open(query(demo))
    assert page.status == 200 and page.title == "사용자 확인"
    assert demo["name"] in page.html
    assert person["user_seq_no"] in page.form_with("user_seq_no").options("user_seq_no")
    assert person["cell_no"] not in page.html  # masked: 010-****-1234
    assert f"{person['cell_no'][:3]}-****-{person['cell_no'][-4:]}" in page.html
    assert "balance" not in page.form_with("user_seq_no").names()

    page = await browser.submit(
        page.form_with("user_seq_no"), "계속", user_seq_no=person["user_seq_no"]
    )
    assert page.title == "본인인증"
    page = await browser.submit(page.form_with("code"), "확인", code=page.sms_code)
    assert page.title == "계좌 선택 및 동의"
    form = page.form_to("/oauth/2.0/authorize/consent")
    offered = [c for c in form.controls if c.name == "account"]
    assert len(offered) == len(person["accounts"]) and all(c.checked for c in offered)
    first = person["accounts"][0]
    assert mask(first["account_num"]) in page.html and first["product_name"] in page.html
    assert first["account_num"] not in page.html
    assert {"agree_inquiry", "agree_transfer"} <= form.names()

    chosen = person["accounts"][:2]  # the third is left out
    page = await browser.submit(form, "동의", account=["0", "1"])
    assert page.status == 302
    assert page.location.startswith(demo["redirect_uris"][0] + "?")
    assert "scope=login%20inquiry%20transfer" in page.location
    callback = page.callback()
    assert set(callback) == {"code", "scope", "client_info", "state"}
    assert callback["state"] == STATE and callback["client_info"] == "test-info"
    assert callback["scope"] == "login inquiry transfer"

    token = await redeem(api, demo, callback["code"])
    assert set(token) == {
        "access_token", "token_type", "expires_in", "refresh_token", "scope", "user_seq_no",
    }  # fmt: skip
    assert token["scope"] == "login inquiry transfer"
    assert token["user_seq_no"] == person["user_seq_no"]
    access = token["access_token"]

    me = await user_me(api, access, person["user_seq_no"])
    assert me["rsp_code"] == "A0000", me
    listed = {(a["bank_code_std"], a["account_num_masked"]) for a in me["res_list"]}
    assert listed == {(a["bank_code"], mask(a["account_num"])) for a in chosen}
    assert me["res_cnt"] == "2"
    fin = next(a for a in me["res_list"] if a["bank_code_std"] == first["bank_code"])
    assert fin["inquiry_agree_yn"] == "Y" and fin["transfer_agree_yn"] == "Y"
    fintech_use_num = fin["fintech_use_num"]
    code = demo["client_use_code"]

    balance = await api.get(
        "/v2.0/account/balance/fin_num",
        access,
        bank_tran_id=api.tran_id(code),
        fintech_use_num=fintech_use_num,
        tran_dtime=now14(api),
    )
    assert balance["rsp_code"] == "A0000", balance
    assert balance["balance_amt"] == str(first["balance"])

    contract = next(a for a in demo["contract_accounts"] if a["purpose"] == "withdraw")
    withdraw_id = api.tran_id(code)
    withdrawn = await api.post(
        "/v2.0/transfer/withdraw/fin_num",
        access,
        {
            "bank_tran_id": withdraw_id,
            "cntr_account_type": "N",
            "cntr_account_num": contract["account_num"],
            "dps_print_content": "테스트결제",
            "fintech_use_num": fintech_use_num,
            "tran_amt": "1000",
            "tran_dtime": now14(api),
            "req_client_name": person["name"],
            "req_client_fintech_use_num": fintech_use_num,
            "req_client_num": "M1",
            "transfer_purpose": "TR",
        },
    )
    assert withdrawn["rsp_code"] == "A0000", withdrawn
    assert withdrawn["bank_rsp_code"] == "000"

    today = yyyymmdd(api.runtime.clock.now())
    rows = await api.get(
        "/v2.0/account/transaction_list/fin_num",
        access,
        bank_tran_id=api.tran_id(code),
        fintech_use_num=fintech_use_num,
        inquiry_type="A",
        inquiry_base="D",
        from_date=today,
        to_date=today,
        sort_order="D",
        tran_dtime=now14(api),
    )
    assert rows["rsp_code"] == "A0000", rows
    assert any(r["tran_amt"] == "1000" and r["inout_type"] == "출금" for r in rows["res_list"])

    resp = await api.http.get(
        f"/testbed/accounts/{contract['bank_code']}/{contract['account_num']}",
        headers=api.admin,
    )
    history = (await resp.json())["history"]
    assert any(h["amount"] == 1000 for h in history), history

    oob = await api.token("oob", index=1)
    result = await api.post(
        "/v2.0/transfer/result",
        oob,
        {
            "check_type": "1",
            "tran_dtime": now14(api),
            "req_cnt": "1",
            "req_list": [
                {
                    "tran_no": "1",
                    "org_bank_tran_id": withdraw_id,
                    "org_bank_tran_date": withdrawn["bank_tran_date"],
                    "org_tran_amt": "1000",
                }
            ],
        },
    )
    assert result["rsp_code"] == "A0000", result
    assert result["res_list"][0]["bank_rsp_code"] == "000"


async def test_a_new_user_made_on_the_first_page(api: Api) -> None:
    demo = await api.demo(0)
    browser = Browser(api)
    page = await browser.open(query(demo))
    new = page.form_with("birth_date")
    assert {"name", "birth_date", "cell_no", "gender", "bank_code", "balance"} <= new.names()
    assert new.values("balance") == ["1000000"]
    assert new.options("bank_code") == [i.code for i in api.runtime.world.config.participants]

    page = await browser.submit(
        new, "만들고", name="김새봄", birth_date="19950412", cell_no="010-2345-6789",
        bank_code="088", balance="500,000",
    )  # fmt: skip
    assert page.title == "본인인증" and "010-****-6789" in page.html
    assert not any(u.name == "김새봄" for u in api.runtime.world.directory.users.values())
    page = await browser.submit(page.form_with("code"), "확인", code=page.sms_code)
    assert page.title == "계좌 선택 및 동의" and "신한은행" in page.html
    page = await browser.submit(page.form_to("/oauth/2.0/authorize/consent"), "동의")
    token = await redeem(api, demo, page.callback()["code"])
    me = await user_me(api, token["access_token"], token["user_seq_no"])
    assert me["rsp_code"] == "A0000", me
    assert me["user_name"] == "김새봄" and me["user_cell_no"] == "01023456789"
    assert [a["bank_code_std"] for a in me["res_list"]] == ["088"]
    balance = await api.get(
        "/v2.0/account/balance/fin_num",
        token["access_token"],
        bank_tran_id=api.tran_id(demo["client_use_code"]),
        fintech_use_num=me["res_list"][0]["fintech_use_num"],
        tran_dtime=now14(api),
    )
    assert balance["balance_amt"] == "500000"
    # the processing log: the sign-in list shown (names), the new user made
    resp = await api.http.get(
        "/testbed/audit?actor=consent:" + demo["client_use_code"], headers=api.admin
    )
    logged = (await resp.json())["records"]
    assert [r["action"] for r in logged] == ["create", "read"]  # newest first
    assert logged[0]["subjects"] == [token["user_seq_no"]]
    listed = {u.user_seq_no for u in api.runtime.world.directory.users.values()}
    assert set(logged[1]["subjects"]) == listed - {token["user_seq_no"]}
    assert "김새봄" not in str(logged) and "01023456789" not in str(logged)


def account_lines(html: str) -> list[str]:
    """The consent page's line under each account: product · type (· registered ...)."""
    return [
        re.sub(r"\s+", " ", line).strip()
        for line in re.findall(
            r'<label class="option[^"]*" for="account-\d+">.*?<span class="meta">(.*?)</span>',
            html,
            re.S,
        )
    ]


async def test_the_account_line_names_product_and_type_once_each(api: Api) -> None:
    """A seeded account reads "급여통장 · 수시입출금"; one opened on the sign-in page has no
    product name of its own (its product is its type): "수시입출금", not twice."""
    demo = await api.demo(0)
    browser = Browser(api)
    people = await admin_users(api)
    person = next(u for u in people if u["accounts"][0]["account_type"] == "1")
    page = await sign_in(browser, await browser.open(query(demo)), person["user_seq_no"])
    lines = account_lines(page.html)
    first = person["accounts"][0]
    assert first["product_name"] != "수시입출금"
    assert lines[0].startswith(f"{first['product_name']} · 수시입출금"), lines

    page = await browser.open(query(demo))
    page = await browser.submit(
        page.form_with("birth_date"), "만들고", name="이한결", birth_date="19880102",
        cell_no="01034567890", bank_code="004",
    )  # fmt: skip
    page = await browser.submit(page.form_with("code"), "확인", code=page.sms_code)
    assert page.title == "계좌 선택 및 동의"
    assert account_lines(page.html) == ["수시입출금"]
    assert "수시입출금 · 수시입출금" not in page.html


async def test_new_user_errors_are_shown_with_the_values_kept(api: Api) -> None:
    browser = Browser(api)
    page = await browser.open(query(await api.demo()))
    page = await browser.submit(
        page.form_with("birth_date"), "만들고", name="이름", birth_date="19951340",
        cell_no="0111234567", balance="-5",
    )  # fmt: skip
    assert page.status == 200 and page.title == "사용자 확인"
    assert page.html.count('role="alert"') == 3
    form = page.form_with("birth_date")
    assert form.values("name") == ["이름"] and form.values("birth_date") == ["19951340"]
    assert 'aria-invalid="true"' in page.html


# --- the code ---------------------------------------------------------------------------


async def test_the_code_is_single_use_and_bound_to_its_redirect_uri(api: Api) -> None:
    demo, callback, _ = await complete_flow(api)
    other = demo["redirect_uris"][1]
    assert await redeem(api, demo, callback["code"], other) == {
        "rsp_code": "O0001",
        "rsp_message": "인증 파라미터 오류([3000114])",
    }
    assert "access_token" in await redeem(api, demo, callback["code"])
    assert await redeem(api, demo, callback["code"]) == {
        "rsp_code": "O0001",
        "rsp_message": "인증 파라미터 오류([3002110])",
    }


async def test_only_the_scopes_asked_for_are_granted(api: Api) -> None:
    demo = await api.demo(1)
    browser = Browser(api)
    page = await browser.open(query(demo, scope="login inquiry"))
    user_seq_no = page.form_with("user_seq_no").options("user_seq_no")[0]
    page = await sign_in(browser, page, user_seq_no)
    form = page.form_to("/oauth/2.0/authorize/consent")
    assert "agree_inquiry" in form.names() and "agree_transfer" not in form.names()
    page = await browser.submit(form, "동의")
    callback = page.callback()
    assert callback["scope"] == "login inquiry"
    token = await redeem(api, demo, callback["code"])
    assert token["scope"] == "login inquiry"
    me = await user_me(api, token["access_token"], user_seq_no)
    assert me["res_list"] and all(
        a["transfer_agree_yn"] == "N" and a["inquiry_agree_yn"] == "Y" for a in me["res_list"]
    )


async def test_unticked_consent_registers_without_it(api: Api) -> None:
    demo = await api.demo(1)
    browser = Browser(api)
    page = await browser.open(query(demo))
    user_seq_no = page.form_with("user_seq_no").options("user_seq_no")[0]
    page = await sign_in(browser, page, user_seq_no)
    page = await browser.submit(
        page.form_to("/oauth/2.0/authorize/consent"), "동의", agree_transfer=[]
    )
    token = await redeem(api, demo, page.callback()["code"])
    assert token["scope"] == "login inquiry transfer"
    me = await user_me(api, token["access_token"], user_seq_no)
    assert all(a["transfer_agree_yn"] == "N" for a in me["res_list"])


# --- validation -------------------------------------------------------------------------


async def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(api: Api) -> None:
    demo = await api.demo()
    page = await Browser(api).open(
        query(demo, redirect_uri="https://evil.example/<script>alert(1)</script>")
    )
    assert page.status == 400 and not page.location
    assert "3000114" in page.html
    assert "<script>alert" not in page.html and "&lt;script&gt;" in page.html  # autoescaped
    for missing in (query(demo, redirect_uri=None), query(demo, client_id="nobody")):
        page = await Browser(api).open(missing)
        assert page.status == 400 and not page.location


async def test_a_refused_redirect_uri_says_what_to_register_and_links_back(api: Api) -> None:
    await signup(api.http)
    app = await approved(api)
    code, client_id = app["client_use_code"], app["credentials"]["client_id"]
    console = f"http://{api.http.host}:{api.http.port}/console/callback"
    page = await Browser(api).open(query({"client_id": client_id, "redirect_uris": [console]}))
    assert page.status == 400 and not page.location and "3000114" in page.html
    assert f'<code id="register-uri">{console}</code>' in page.html
    assert f'id="register-my-page" href="/portal/apps/{code}"' in page.html
    assert 'id="back-to-console" href="/console"' in page.html
    # its consent pages name it in English too: the Korean name, as it has no English one
    page = await Browser(api).open(
        query({"client_id": client_id, "redirect_uris": app["redirect_uris"]})
    )
    assert page.status == 200 and f"{app['company_name']} asks to use Open Banking" in page.html
    # a shared institution's are the operator's to register; no console to go back to
    demo = await api.demo()
    page = await Browser(api).open(query(demo, redirect_uri="https://elsewhere.example/cb"))
    assert page.status == 400 and 'id="register-uri"' in page.html
    assert f"POST /testbed/clients/{demo['client_use_code']}" in page.html
    assert "register-my-page" not in page.html and "back-to-console" not in page.html


@pytest.mark.parametrize(
    ("overrides", "error", "sub_code", "state"),
    [
        ({"scope": "login cardinfo"}, "invalid_scope", "3000115", STATE),
        ({"scope": "oob"}, "invalid_scope", "3000115", STATE),
        ({"scope": None}, "invalid_scope", "3000115", STATE),
        ({"response_type": "token"}, "unsupported_response_type", "3000116", STATE),
        ({"response_type": None}, "unsupported_response_type", "3000116", STATE),
        ({"state": None}, "invalid_request", "3000103", None),
        ({"auth_type": "9"}, "invalid_request", "3000103", STATE),
    ],
)
async def test_parameter_errors_redirect_to_the_callback(
    api: Api, overrides: dict[str, str | None], error: str, sub_code: str, state: str | None
) -> None:
    demo = await api.demo()
    page = await Browser(api).open(query(demo, **overrides))
    assert page.status == 302
    assert page.location.startswith(demo["redirect_uris"][0] + "?")
    expected = {"error": error, "error_description": f"인증 파라미터 오류([{sub_code}])"}
    if state:
        expected["state"] = state
    assert page.callback() == expected


async def test_plus_separated_scopes_and_legacy_parameters_are_accepted(api: Api) -> None:
    demo = await api.demo(1)
    legacy = {
        "lang": "kor", "edit_option": "on", "bg_color": "#FBEFF2", "txt_color": "#000000",
        "btn1_color": "#006DB8", "btn2_color": "#D2E2EE", "cellphone_cert_yn": "Y",
        "authorized_cert_yn": "N", "account_hold_auth_yn": "N", "register_info": "A",
    }  # fmt: skip
    headers = {
        "Kftc-Bfop-UserName": "%EB%B0%95%EB%AF%BC%EC%A4%80",  # 박민준, URL-encoded
        "Kftc-Bfop-UserInfo": "199003152",
        "Kftc-Bfop-UserCellNo": "01098765432",
        "Kftc-Bfop-PhoneCarrier": "SKT",
        "Kftc-Bfop-UserEmail": "minjun@example.com",
        "Kftc-Bfop-BankCodeStd": "088",
    }
    params = query(demo, scope="login+inquiry", auth_type="1", client_info="주문#42", **legacy)
    page = await Browser(api).open(params, headers)
    assert page.status == 200 and page.title == "사용자 확인"
    new = page.form_with("birth_date")
    assert new.values("name") == ["박민준"] and new.values("birth_date") == ["19900315"]
    assert new.values("cell_no") == ["01098765432"]
    female = next(c for c in new.controls if c.id == "new-gender-f")
    assert female.checked  # 9th digit 2: female
    browser = Browser(api)
    page = await browser.submit(new, "만들고")
    page = await browser.submit(page.form_with("code"), "확인", code=page.sms_code)
    page = await browser.submit(page.form_to("/oauth/2.0/authorize/consent"), "동의")
    callback = page.callback()
    assert callback["client_info"] == "주문#42" and callback["scope"] == "login inquiry"


# --- the pages --------------------------------------------------------------------------


async def test_a_wrong_identity_code_is_shown_and_the_right_one_still_works(api: Api) -> None:
    browser = Browser(api)
    page = await browser.open(query(await api.demo(1)))
    user_seq_no = page.form_with("user_seq_no").options("user_seq_no")[0]
    page = await browser.submit(page.form_with("user_seq_no"), "계속", user_seq_no=user_seq_no)
    code = page.sms_code
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page = await browser.submit(page.form_with("code"), "확인", code=wrong)
    assert page.status == 200 and page.title == "본인인증"
    assert "인증번호가 일치하지 않습니다" in page.html and 'role="alert"' in page.html
    assert page.sms_code == code
    page = await browser.submit(page.form_with("code"), "확인", code=code)
    assert page.title == "계좌 선택 및 동의"


async def test_cancel_sends_access_denied_from_any_page(api: Api) -> None:
    demo = await api.demo(1)
    browser = Browser(api)
    page = await browser.open(query(demo))
    cancelled = await browser.submit(page.form_to("/oauth/2.0/authorize/cancel"), "취소")
    callback = cancelled.callback()
    assert callback["error"] == "access_denied" and callback["state"] == STATE
    assert callback["error_description"]
    again = await browser.submit(page.form_with("user_seq_no"), "계속")
    assert again.status == 400 and "만료" in again.html  # the flow is over

    page = await browser.open(query(demo))
    user_seq_no = page.form_with("user_seq_no").options("user_seq_no")[0]
    page = await sign_in(browser, page, user_seq_no)
    cancelled = await browser.submit(
        page.form_to("/oauth/2.0/authorize/consent"), "취소", account=[]
    )
    assert cancelled.callback()["error"] == "access_denied"
    assert "code" not in cancelled.callback()


async def test_no_account_chosen_reshows_the_page(api: Api) -> None:
    browser = Browser(api)
    page = await browser.open(query(await api.demo(1)))
    user_seq_no = page.form_with("user_seq_no").options("user_seq_no")[0]
    page = await sign_in(browser, page, user_seq_no)
    page = await browser.submit(page.form_to("/oauth/2.0/authorize/consent"), "동의", account=[])
    assert page.status == 200 and page.title == "계좌 선택 및 동의"
    assert "하나 이상" in page.html


async def test_auth_type_2_skips_to_the_account_page(api: Api) -> None:
    demo = await api.demo(0)  # the seeded users are registered with it
    user = next(iter(api.runtime.world.directory.users.values()))
    browser = Browser(api)
    page = await browser.open(
        query(demo, auth_type="2"),
        {"Kftc-Bfop-UserSeqNo": user.user_seq_no, "Kftc-Bfop-UserCI": user.user_ci},
    )
    assert page.title == "계좌 선택 및 동의" and user.name in page.html
    assert "등록됨" in page.html
    page = await browser.submit(page.form_to("/oauth/2.0/authorize/consent"), "동의")
    token = await redeem(api, demo, page.callback()["code"])
    assert token["user_seq_no"] == user.user_seq_no

    # not registered with the institution (or no header): the full flow, with a notice
    for headers in ({"Kftc-Bfop-UserSeqNo": user.user_seq_no}, {}):
        page = await browser.open(query(await api.demo(1), auth_type="2"), headers)
        assert page.title == "사용자 확인" and 'role="status"' in page.html


async def test_authorize_account_adds_accounts_for_a_known_user(api: Api) -> None:
    demo = await api.demo(1)
    browser = Browser(api)
    page = await browser.open(query(demo))
    user_seq_no = next(u["user_seq_no"] for u in await admin_users(api) if len(u["accounts"]) >= 2)
    page = await sign_in(browser, page, user_seq_no)
    page = await browser.submit(page.form_to("/oauth/2.0/authorize/consent"), "동의", account="0")
    await redeem(api, demo, page.callback()["code"])

    page = await browser.open(query(demo), path="authorize_account")
    assert page.status == 200 and "계좌등록확인" in page.html
    options = page.form_with("user_seq_no").options("user_seq_no")
    assert options == [user_seq_no]  # only users the institution knows
    assert not any("birth_date" in f.names() for f in page.forms)  # no new users here
    page = await sign_in(browser, page, user_seq_no)
    assert "등록됨" in page.html
    page = await browser.submit(page.form_to("/oauth/2.0/authorize/consent"), "동의", account="1")
    token = await redeem(api, demo, page.callback()["code"])
    me = await user_me(api, token["access_token"], user_seq_no)
    assert me["res_cnt"] == "2"


async def test_flows_expire_after_ten_simulated_minutes(api: Api) -> None:
    browser = Browser(api)
    page = await browser.open(query(await api.demo(1)))
    form = page.form_with("user_seq_no")
    await api.advance(shift="9m")
    page = await browser.submit(form, "계속")
    assert page.title == "본인인증"
    await api.advance(shift="1m")
    late = await browser.submit(page.form_with("code"), "확인", code=page.sms_code)
    assert late.status == 400 and not late.location and "만료" in late.html
    forged = await browser.submit(form, "계속", flow="0" * 32)
    assert forged.status == 400


async def test_pages_work_on_a_phone_without_external_resources(api: Api) -> None:
    browser = Browser(api)
    demo = await api.demo(1)
    page = await browser.open(query(demo))
    pages = [page]
    user_seq_no = page.form_with("user_seq_no").options("user_seq_no")[0]
    page = await browser.submit(page.form_with("user_seq_no"), "계속", user_seq_no=user_seq_no)
    pages.append(page)
    page = await browser.submit(page.form_with("code"), "확인", code=page.sms_code)
    pages.append(page)
    pages.append(await browser.open(query(demo, redirect_uri="http://elsewhere/")))
    for p in pages:
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in p.html
        assert '<html lang="ko">' in p.html
        # its own stylesheet (the CSP allows no inline style), nothing from anywhere else
        assert p.urls == ["/static/consent.css"], p.urls
        assert not re.search(r"https?://", p.html.split("</head>")[0])
        for form in p.forms:
            for c in form.controls:
                if c.tag == "button" or c.type == "hidden":
                    continue
                assert c.id in p.label_for, f"{c.name} has no label"
    stylesheet = await api.http.get("/static/consent.css")
    assert stylesheet.status == 200 and ":focus-visible" in await stylesheet.text()
    flow_ids = {f.values("flow")[0] for f in pages[0].forms}
    assert len(flow_ids) == 1 and re.fullmatch(r"[0-9a-f]{32}", flow_ids.pop())


async def test_the_consent_pages_give_transfer_consent_on_demand_accounts_only(api: Api) -> None:
    """The registration door's rule (gateway.registrations.register_account) on this door:
    출금 동의 ticked for a 수시입출금 and a 예적금 account registers transfer on the first only."""
    person = await api.user(  # registered with the first institution; the flow is the second's
        [{"bank_code": "088", "balance": 1}, {"bank_code": "004", "account_type": "2"}]
    )
    demo = await api.demo(1)
    browser = Browser(api)
    page = await browser.open(query(demo))
    page = await sign_in(browser, page, person["user_seq_no"])
    form = page.form_to("/oauth/2.0/authorize/consent")
    page = await browser.submit(form, "동의", account=["0", "1"])
    token = await redeem(api, demo, page.callback()["code"])
    me = await user_me(api, token["access_token"], person["user_seq_no"])
    agreed = {a["bank_code_std"]: a["transfer_agree_yn"] for a in me["res_list"]}
    assert agreed == {"088": "Y", "004": "N"}
