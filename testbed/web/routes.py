"""The route table: just data. The KFTC API's routes come from its catalogue.

A row whose handler writes says so (`Writes(handler)`, `testbed.web.durability`): its
answer waits until the store has committed. A POST or DELETE that does not write is in
`READ_ONLY` with the reason."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from testbed.api import openapi
from testbed.api import routes as kftc
from testbed.resources import static_path
from testbed.typedefs import OPENAPI, Handler
from testbed.web import consent, console, dashboard, events, operator, pages
from testbed.web.control import (
    accounts,
    applications,
    audit,
    clients,
    clock,
    exports,
    faults,
    readiness,
    retention,
    scenarios,
    state,
    transfers,
    users,
)
from testbed.web.durability import Writes, endpoint
from testbed.web.portal import routes as portal
from testbed.web.render import json_response


async def openapi_json(request: web.Request) -> web.Response:
    return json_response(document())


#: the testbed's own routes: (method, path, handler, summary); `Writes(handler)`: it writes
ROUTES: list[tuple[str, str, Handler | Writes, str]] = [
    ("GET", "/", pages.index, "landing page (HTML)"),
    ("GET", "/docs", pages.docs, "the API reference: this document for people (HTML)"),
    (
        "GET",
        "/sample",
        pages.sample,
        "the sample fintech app (testbed sample): where, or how to start it",
    ),
    ("GET", "/console", console.page, "the API console (HTML)"),
    (
        "GET",
        "/console/config",
        Writes(console.config),
        "what the API console pre-fills (public): the demo institution's, or with the"
        f" {console.CLIENT_ID_HEADER} and {console.CLIENT_SECRET_HEADER} headers that"
        " institution's public facts (never its secret)",
    ),
    ("GET", "/console/callback", console.callback, "the console's OAuth callback (HTML)"),
    ("GET", "/openapi.json", openapi_json, "this document"),
    ("GET", "/dashboard", dashboard.page, "the live network dashboard (HTML)"),
    (
        "GET",
        "/operator/applications",
        operator.applications_page,
        "the operator's page of 이용신청: screening, approve or reject (HTML)",
    ),
    (
        "GET",
        "/testbed/applications",
        applications.applications,
        "이용신청: every application, newest first, with its screening",
    ),
    (
        "POST",
        "/testbed/applications/{id}/decision",
        Writes(applications.decide),
        "approve or reject an application under review (운영기관 인정)",
    ),
    (
        "GET",
        "/testbed/clients",
        Writes(clients.clients),
        "institutions with credentials and contract accounts",
    ),
    (
        "POST",
        "/testbed/clients/{code}",
        Writes(clients.update_client),
        "an institution's terms: limits, self-auth, IP allow-list",
    ),
    ("GET", "/testbed/clock", clock.get_clock, "the simulated clock"),
    (
        "POST",
        "/testbed/clock",
        Writes(clock.post_clock),
        "set, shift/advance, speed, freeze, resume the clock",
    ),
    (
        "GET",
        "/testbed/banks",
        faults.banks,
        "the centre and every bank: state now and next change",
    ),
    (
        "POST",
        "/testbed/banks/{code}",
        Writes(faults.change_bank),
        "open or close a bank, or change its windows",
    ),
    ("GET", "/testbed/faults", faults.listing, "faults active now or to come (?all=1: every one)"),
    ("POST", "/testbed/faults", Writes(faults.create), "inject a fault"),
    ("DELETE", "/testbed/faults", Writes(faults.clear), "end every fault"),
    ("GET", "/testbed/faults/{id}", faults.get, "one fault"),
    ("DELETE", "/testbed/faults/{id}", Writes(faults.delete), "end a fault"),
    ("GET", "/testbed/ledger/check", state.ledger_check, "prove money is conserved"),
    ("GET", "/testbed/readiness/{code}", readiness.report, "an institution's readiness report"),
    ("POST", "/testbed/readiness/{code}", Writes(readiness.start), "start a readiness run"),
    (
        "POST",
        "/testbed/readiness/{code}/finish",
        Writes(readiness.finish),
        "finish and grade the run",
    ),
    (
        "POST",
        "/testbed/readiness/{code}/drills",
        Writes(readiness.drill),
        "a drill on one institution",
    ),
    ("GET", "/testbed/readiness/{code}/runs", readiness.runs, "an institution's readiness runs"),
    ("GET", "/testbed/readiness/{code}/junit", readiness.junit, "the report as JUnit XML"),
    ("GET", "/testbed/readiness/{code}/html", readiness.html, "the report as a page (HTML)"),
    (
        "GET",
        "/testbed/retention",
        retention.overview,
        "전자금융거래기록 보관: records kept per class (1 or 5 years), next purge",
    ),
    (
        "POST",
        "/testbed/retention/purge",
        Writes(retention.purge_now),
        "remove now what the daily purge would (retention ended)",
    ),
    (
        "GET",
        "/testbed/users",
        Writes(users.users),
        "users with their accounts and fintech_use_nums",
    ),
    (
        "POST",
        "/testbed/users",
        Writes(users.create_user),
        "make a user with registered accounts and tokens",
    ),
    ("GET", "/testbed/billing", clients.billing, "처리대행비용 of each institution for a month"),
    (
        "GET",
        "/testbed/accounts/{bank}/{num}",
        Writes(accounts.account),
        "one account and its latest postings",
    ),
    (
        "POST",
        "/testbed/accounts/{bank}/{num}/cash",
        Writes(accounts.cash),
        "cash in (+) or out (-)",
    ),
    ("GET", "/testbed/events", state.events, "the event log (JSON), or its live stream (SSE)"),
    ("GET", "/testbed/settlement", state.settlement, "each bank's net position for a day"),
    ("POST", "/testbed/reset", Writes(state.reset), "back to the seeded world and the start time"),
    (
        "POST",
        "/testbed/scenarios",
        Writes(scenarios.load),
        "load a scenario's world and timeline (not its steps)",
    ),
    ("POST", "/testbed/snapshots", Writes(state.create_snapshot), "save the whole network state"),
    ("GET", "/testbed/snapshots", state.snapshots, "the saved snapshots"),
    (
        "POST",
        "/testbed/snapshots/{id}/restore",
        Writes(state.restore_snapshot),
        "back to a snapshot",
    ),
    (
        "POST",
        "/testbed/accounts/{bank}/{num}/status",
        Writes(accounts.account_status),
        "normal, suspended, closed or accident",
    ),
    (
        "GET",
        "/testbed/users.csv",
        Writes(exports.users_csv),
        "download the users and accounts (CSV; ?reason= required: 다운로드 사유)",
    ),
    (
        "GET",
        "/testbed/accounts/{bank}/{num}/transactions.csv",
        Writes(exports.transactions_csv),
        "download an account's transactions (CSV; ?reason= required, from=, to=)",
    ),
    (
        "GET",
        "/testbed/audit",
        audit.search,
        "개인정보 처리내역: search the processing log"
        " (?subject= or bank=&account=, actor=, action=, from=, to=, page=, size=)",
    ),
    (
        "GET",
        "/testbed/audit/verify",
        audit.verify,
        "prove the processing log's hash chain (ok, or the first broken record)",
    ),
    (
        "GET",
        "/testbed/audit/review",
        audit.review,
        "월 1회 점검: a month of the processing log (?month=YYYY-MM) and its flags",
    ),
    (
        "GET",
        "/testbed/transfers",
        Writes(transfers.transfers),
        "자금세탁방지: transfers with their requesting customer"
        " (?req_client_num=, client_use_code=, from=, to=, min_amount=, page=, size=)",
    ),
    (
        "GET",
        "/operator/audit",
        operator.audit_page,
        "the operator's page of the processing log: search, verify, monthly review (HTML)",
    ),
    (
        "GET",
        "/operator/transfers",
        operator.transfers_page,
        "the operator's AML page: transfers with their requesting customer (HTML)",
    ),
]


#: the changing routes (POST, DELETE) that write nothing the store keeps, and why
READ_ONLY: dict[tuple[str, str], str] = {}


#: the query parameters the routes that refuse any other take (documented: the fuzz tries them)
QUERY_PARAMETERS: dict[str, tuple[str, ...]] = {
    "/testbed/audit": audit.SEARCH_PARAMS,
    "/testbed/audit/review": audit.REVIEW_PARAMS,
    "/testbed/transfers": transfers.PARAMS,
    "/testbed/users.csv": exports.USERS_PARAMS,
    "/testbed/accounts/{bank}/{num}/transactions.csv": exports.TRANSACTIONS_PARAMS,
}


#: the testbed's browser pages (HTML); its other routes answer JSON
PAGES = frozenset(
    {
        "/",
        "/docs",
        "/console",
        "/console/callback",
        "/dashboard",
        "/sample",
        "/operator/applications",
        "/operator/audit",
        "/operator/transfers",
    }
)


def _media(path: str) -> str:
    if path in PAGES:
        return "text/html"
    return "text/csv" if path.endswith(".csv") else "application/json"


def document() -> dict[str, Any]:
    """The OpenAPI document of everything this app serves."""
    return _DOCUMENT


def _build() -> dict[str, Any]:
    doc = openapi.build(
        kftc.OPERATIONS,
        [
            *((p.method, p.path, p.summary, "text/html") for p in consent.PAGES),
            *((m, path, summary, _media(path)) for m, path, _, summary in ROUTES),
        ],
        QUERY_PARAMETERS,
    )
    # the portal is a sub-app (its own session middleware), with entries of its own
    doc["paths"].update(portal.openapi_paths())
    doc["components"]["securitySchemes"]["portal"] = dict(portal.SECURITY_SCHEME)
    return doc


_DOCUMENT = _build()


def _add(app: web.Application, method: str, path: str, handler: Handler, page: bool) -> None:
    """A route (`handler` as served: see `endpoint`); a page's GET answers HEAD too (as
    GET does, without the body)."""
    if method == "GET" and page:
        app.router.add_get(path, handler, allow_head=True)
    else:
        app.router.add_route(method, path, handler)


def setup_routes(app: web.Application) -> None:
    app[OPENAPI] = document()  # the pages read it from here: they are in the table above
    for method, path, handler in kftc.ROUTES:
        app.router.add_route(method, path, handler)
    for page in consent.PAGES:
        _add(app, page.method, page.path, page.endpoint, page=True)
    for method, path, declared, _ in ROUTES:
        _add(app, method, path, endpoint(declared), page=path in PAGES)
    app.router.add_static("/static/", static_path(), name="static")
    events.install(app)  # event streams end on shutdown (the middleware is app.dispatch)
