"""Every HTML page family sends one policy (script only from this server, never framed,
never sniffed, no Referer), answers HEAD as GET does, and no answer names the server's
versions. The pages are read from the route tables, so a new page cannot escape."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from testbed.web import consent
from testbed.web import routes as web_routes
from testbed.web.portal import routes as portal_routes
from tests.api.conftest import Api
from tests.web.portal.conftest import signup

#: a value for each path parameter of a page (an institution nobody has: its 404 page)
_PARAMETERS = {"code": "M202799999"}


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: _PARAMETERS[m.group(1)], path)


def html_pages() -> list[str]:
    """Every GET route that answers a page, from the testbed's, the consent pages' and the
    portal's tables."""
    pages = [path for method, path, _, _ in web_routes.ROUTES if path in web_routes.PAGES]
    pages += [p.path for p in consent.PAGES if p.method == "GET"]
    pages += [
        portal_routes.PREFIX + path
        for method, path, _, _, kind in portal_routes.ROUTES
        if method == "GET" and kind == portal_routes.HTML
    ]
    return [_concrete(p) for p in pages]


PAGES = html_pages()

#: the page families the issue names, each present in the tables above
FAMILIES = {
    "landing": "/",
    "docs": "/docs",
    "sample": "/sample",
    "console": "/console",
    "console callback": "/console/callback",
    "dashboard": "/dashboard",
    "operator": "/operator/applications",
    "compliance (audit)": "/operator/audit",
    "compliance (AML)": "/operator/transfers",
    "consent": "/oauth/2.0/authorize",
    "consent (accounts)": "/oauth/2.0/authorize_account",
    "portal": "/portal/",
    "portal (apply)": "/portal/apply",
    "portal (My Page of an app)": "/portal/apps/M202799999",
}


def directives(csp: str) -> dict[str, str]:
    parts = (d.strip().split(None, 1) for d in csp.split(";") if d.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def assert_page_headers(headers: dict[str, str], where: str) -> None:
    csp = headers.get("Content-Security-Policy", "")
    policy = directives(csp)
    assert policy.get("script-src") == "'self'", f"{where}: {csp!r}"
    assert policy.get("frame-ancestors") == "'none'", f"{where}: {csp!r}"
    assert policy.get("default-src") == "'none'", f"{where}: {csp!r}"
    assert policy.get("base-uri") == "'none'", f"{where}: {csp!r}"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{where}: {csp!r}"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert_no_versions(headers, where)


def assert_no_versions(headers: dict[str, str], where: str) -> None:
    server = headers.get("Server", "")
    assert server == "testbed", f"{where}: Server {server!r}"


class _Inline(HTMLParser):
    """What a `script-src 'self'; style-src 'self'` policy would refuse to run."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and not named.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:>")


async def signed_in(api: Api) -> None:
    """A developer signed in, so the portal's pages show what a developer sees."""
    await signup(api.http)


def test_the_page_list_covers_every_family() -> None:
    assert set(FAMILIES.values()) <= set(PAGES), set(FAMILIES.values()) - set(PAGES)


@pytest.mark.parametrize("family", FAMILIES)
async def test_each_page_family_sends_the_policy(api: Api, family: str) -> None:
    await signed_in(api)
    resp = await api.http.get(FAMILIES[family], allow_redirects=False)
    assert resp.content_type == "text/html", (family, resp.status)
    assert_page_headers(dict(resp.headers), family)


@pytest.mark.parametrize("path", PAGES)
async def test_every_page_answers_head_as_get_without_the_body(api: Api, path: str) -> None:
    await signed_in(api)
    got = await api.http.get(path, allow_redirects=False)
    body = await got.read()
    head = await api.http.head(path, allow_redirects=False)
    assert head.status == got.status, (path, head.status, got.status)
    assert await head.read() == b""
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert head.headers.get("Content-Length") == str(len(body))
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert head.headers.get(name) == got.headers.get(name), (path, name)
    assert_page_headers(dict(head.headers), f"HEAD {path}")


@pytest.mark.parametrize("path", PAGES)
async def test_no_page_has_inline_script_or_style(api: Api, path: str) -> None:
    await signed_in(api)
    resp = await api.http.get(path, allow_redirects=False)
    parser = _Inline()
    parser.feed(await resp.text())
    assert not parser.found, (path, parser.found)
    assert_page_headers(dict(resp.headers), path)


async def test_the_consent_forms_may_end_at_the_institutions_callback_only(api: Api) -> None:
    """The consent form posts here and is redirected to the redirect_uri: `form-action`
    allows this server and that origin, nothing else."""
    demo = await api.demo(1)
    query = {
        "response_type": "code",
        "client_id": demo["client_id"],
        "redirect_uri": demo["redirect_uris"][0],
        "scope": "login inquiry transfer",
        "state": "s" * 32,
        "auth_type": "0",
    }
    resp = await api.http.get("/oauth/2.0/authorize?" + urlencode(query))
    assert resp.status == 200
    assert_page_headers(dict(resp.headers), "consent sign-in")
    origin = re.match(r"https?://[^/?#]+", demo["redirect_uris"][0])
    assert origin
    form_action = directives(resp.headers["Content-Security-Policy"])["form-action"]
    assert form_action.split() == ["'self'", origin.group()]
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/openapi.json", {}),
        ("GET", "/console/config", {}),
        ("GET", "/testbed/banks", {}),  # no admin token: 401
        ("GET", "/no/such/page", {}),  # aiohttp's 404, made JSON
        ("POST", "/oauth/2.0/token", {"data": {"grant_type": "client_credentials"}}),
        ("POST", "/v2.0/transfer/withdraw/fin_num", {"json": {}}),  # the error path: O0001
        ("GET", "/portal/api/me", {}),  # no session: 401
        ("POST", "/portal/api/signin", {"data": "x"}),  # not JSON: 415
    ],
)
async def test_json_answers_are_not_sniffed(
    api: Api, method: str, path: str, kwargs: dict[str, object]
) -> None:
    resp = await api.http.request(method, path, **kwargs)  # type: ignore[arg-type]
    assert resp.content_type == "application/json", (path, resp.status)
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", (path, resp.status)
    assert_no_versions(dict(resp.headers), path)


async def test_control_plane_refusals_are_not_sniffed(api: Api) -> None:
    resp = await api.http.post("/testbed/clock", json={"bogus": 1}, headers=api.admin)
    assert resp.status == 400 and resp.content_type == "application/json"
    assert resp.headers.get("X-Content-Type-Options") == "nosniff"
    assert_no_versions(dict(resp.headers), "control plane 400")


@pytest.mark.parametrize(
    "path", ["/static/console.js", "/static/base.css", "/portal", "/testbed/users.csv"]
)
async def test_no_answer_names_the_versions(api: Api, path: str) -> None:
    """Static files, redirects and CSV too, not only the answers the testbed renders."""
    resp = await api.http.get(path, headers=api.admin, allow_redirects=False)
    assert resp.status < 500
    assert "Python" not in resp.headers.get("Server", "")
    assert_no_versions(dict(resp.headers), path)
