"""Durability declared for pages and the control plane, not remembered: a route that writes
is `Writes(handler)` in its table (`testbed.web.durability`; a consent `Page(writes=True)`),
its answer leaves only once the store has committed, refused or not; a route that only
reads does not wait, and keeps no processing record (one that did would need declaring);
every POST, PUT, PATCH and DELETE is declared writing or listed
read-only with its reason; and no handler under testbed/web calls `durable()` by hand, save
the reads that must see the disk up to date (`COMMITS_BEFORE_READING`)."""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from testbed.web.consent import pages as consent
from testbed.web.durability import CHANGING_METHODS, writes
from testbed.web.portal import routes as portal
from testbed.web.routes import READ_ONLY, ROUTES
from tests.api.conftest import Api
from tests.web.portal.conftest import signup
from tests.web.test_consent_pages import Browser, query, sign_in

WEB = Path(__file__).resolve().parents[2] / "testbed" / "web"

#: the only hand calls of `durable()` under testbed/web, (module, function): each commits
#: what is queued BEFORE it reads the disk (the processing log, the snapshots' list), so
#: that the read sees every change made so far; none of them is an answer made durable
COMMITS_BEFORE_READING = {
    ("control/audit.py", "search"): "searches the processing log on disk",
    ("control/audit.py", "verify"): "recomputes the log's hash chain from disk",
    ("control/audit.py", "review"): "reads a month of the log from disk",
    ("control/state.py", "snapshots"): "lists the snapshots on disk (one just saved too)",
}


def _table() -> list[tuple[str, str, bool, str]]:
    """Every route of the web's tables: (method, full path, writes, read-only reason)."""
    rows = [(m, p, writes(h), READ_ONLY.get((m, p), "")) for m, p, h, _ in ROUTES]
    rows += [
        (
            m,
            portal.PREFIX + p,
            writes(h),
            portal.READ_ONLY.get((m, p), ""),
        )
        for m, p, h, _, _ in portal.ROUTES
    ]
    rows += [
        (page.method, page.path, page.writes, consent.READ_ONLY.get((page.method, page.path), ""))
        for page in consent.PAGES
    ]
    return rows


WRITING = [(m, p) for m, p, w, _ in _table() if w]


# --- (a) no durable() by hand -----------------------------------------------------------


def _durable_calls(root: Path) -> set[tuple[str, str]]:
    """(module, enclosing function) of every `....durable()` call under `root`."""
    found = set()
    for module in root.rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "durable"
                ):
                    found.add((module.relative_to(root).as_posix(), func.name))
    return found


def test_no_page_or_control_route_calls_durable_by_hand() -> None:
    assert _durable_calls(WEB) == set(COMMITS_BEFORE_READING)


def test_the_scan_finds_a_hand_call_wherever_it_hides(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "forgot.py").write_text(
        "async def handler(request):\n"
        "    async def inner():\n"
        "        await request.app[RUNTIME].store.durable()\n"
        "    return await inner()\n",
        encoding="utf-8",
    )
    assert ("pages/forgot.py", "inner") in _durable_calls(tmp_path)


# --- (c) every changing route says whether it writes ------------------------------------


def test_every_changing_route_is_declared_writing_or_read_only_with_a_reason() -> None:
    undeclared = [
        f"{m} {p}"
        for m, p, w, reason in _table()
        if m in CHANGING_METHODS and not w and not reason.strip()
    ]
    assert not undeclared, "declare Writes(handler), or READ_ONLY with the reason"


def test_a_read_only_entry_names_a_changing_route_that_does_not_write() -> None:
    table = {(m, p): w for m, p, w, _ in _table()}
    listed = [*READ_ONLY, *((m, portal.PREFIX + p) for m, p in portal.READ_ONLY)]
    listed += list(consent.READ_ONLY)
    for method, path in listed:
        assert method in CHANGING_METHODS and table.get((method, path)) is False, path


def test_the_routes_that_change_or_show_personal_data_say_so() -> None:
    assert {
        ("POST", "/testbed/faults"),
        ("DELETE", "/testbed/faults/{id}"),
        ("POST", "/testbed/clock"),
        ("POST", "/testbed/users"),
        ("GET", "/testbed/users"),  # the processing log's record of the read
        ("GET", "/testbed/users.csv"),
        ("GET", "/console/config"),
        ("POST", "/portal/api/signup"),
        ("POST", "/portal/signin"),
        ("GET", "/portal/apps/{code}"),
        ("POST", "/oauth/2.0/authorize/verify"),
        ("POST", "/oauth/2.0/authorize/consent"),
    } <= set(WRITING)
    # reads stay lazy
    assert not {
        ("GET", "/testbed/clock"),
        ("GET", "/testbed/faults"),
        ("GET", "/portal/api/me"),
    } & set(WRITING)


#: the reads a test can call as they are: no path parameter (the portal's, signed in)
READS = [
    (m, p)
    for m, p, w, _ in _table()
    if m == "GET" and not w and "{" not in p and p not in ("/portal", "/testbed/events")
]


@pytest.mark.parametrize(("method", "path"), READS, ids=[f"{m} {p}" for m, p in READS])
async def test_a_route_not_declared_writing_keeps_no_processing_record(
    api: Api, method: str, path: str
) -> None:
    """What the processing log records must be on disk before the personal data leaves: a
    route that records is declared writing. One that is not records nothing."""
    await signup(api.http)
    before = api.runtime.processing_log.head
    headers = api.admin if path.startswith("/testbed/") else {}
    resp = await api.http.request(method, path, headers=headers, allow_redirects=False)
    await resp.read()
    assert resp.status < 500
    assert api.runtime.processing_log.head == before, f"{path} records: declare Writes"


# --- (b) a writing route answers only after the commit ----------------------------------


class Gate:
    """The store's `durable()`, held shut until the test opens it."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.waited = 0

    async def durable(self) -> None:
        self.waited += 1
        await self.open.wait()


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "0", path)


async def _held(api: Api, gate: Gate, method: str, path: str, **kwargs: Any) -> Any:
    """Send the request with the store's commit held: it must not answer until the gate
    opens; then its answer."""
    sent = asyncio.ensure_future(api.http.request(method, path, allow_redirects=False, **kwargs))
    for _ in range(100):  # until it waits on the commit (a sign-up hashes first), 5 s at most
        if gate.waited or sent.done():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)  # an answer sent regardless of the commit would be here by now
    assert not sent.done(), f"{method} {path} answered before its change was committed"
    assert gate.waited >= 1
    gate.open.set()
    resp = await asyncio.wait_for(sent, 5)
    await resp.read()
    return resp


@pytest.mark.parametrize(("method", "path"), WRITING, ids=[f"{m} {p}" for m, p in WRITING])
async def test_every_writing_route_answers_only_after_the_commit(
    api: Api, method: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Served as declared: even a refusal (no body, no session, an unknown id) waits."""
    gate = Gate()
    monkeypatch.setattr(api.runtime.store, "durable", gate.durable)
    headers = api.admin if path.startswith("/testbed/") else {}
    resp = await _held(api, gate, method, _concrete(path), headers=headers)
    assert resp.status < 500


async def test_injecting_a_fault_is_committed_before_the_answer(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    monkeypatch.setattr(api.runtime.store, "durable", gate.durable)
    spec = {"kind": "bank_down", "bank": "004"}
    resp = await _held(api, gate, "POST", "/testbed/faults", json=spec, headers=api.admin)
    assert resp.status == 201, await resp.text()


async def test_a_portal_sign_up_is_committed_before_the_answer(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    monkeypatch.setattr(api.runtime.store, "durable", gate.durable)
    body = {"email": "held@example.com", "password": "correct horse battery"}
    resp = await _held(api, gate, "POST", "/portal/api/signup", json=body)
    assert resp.status == 201
    assert api.runtime.world.developers.by_email("held@example.com") is not None


async def test_the_consent_page_answers_after_the_registration_is_committed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = await api.demo(1)
    browser = Browser(api)
    page = await browser.open(query(demo))
    user_seq_no = page.form_with("user_seq_no").options("user_seq_no")[0]
    page = await sign_in(browser, page, user_seq_no)
    action, pairs = page.form_to("/oauth/2.0/authorize/consent").submission("동의", {})
    gate = Gate()
    monkeypatch.setattr(api.runtime.store, "durable", gate.durable)
    resp = await _held(api, gate, "POST", action, data=pairs)
    assert resp.status == 302 and "code=" in resp.headers["Location"]


async def test_a_refused_admin_token_waits_for_its_record(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    monkeypatch.setattr(api.runtime.store, "durable", gate.durable)
    resp = await _held(api, gate, "GET", "/testbed/clock", headers={"Authorization": "Bearer no"})
    assert resp.status == 401


@pytest.mark.parametrize("path", ["/testbed/clock", "/testbed/faults", "/portal/api/me"])
async def test_a_read_does_not_wait_for_the_disk(
    api: Api, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await signup(api.http)
    gate = Gate()
    monkeypatch.setattr(api.runtime.store, "durable", gate.durable)
    resp = await asyncio.wait_for(api.http.get(path, headers=api.admin), 5)
    assert resp.status == 200 and gate.waited == 0
