"""Property-based fuzzing of every operation in /openapi.json (schemathesis) against a live server.

With valid authentication on every call (the admin token for the control plane, a token
of the right scope for the KFTC API), no answer may be a 5xx, every answer must match
the document, and every KFTC answer must carry a code of the gateway's table. KFTC
answers HTTP 200 even when it refuses, so the checks that expect 4xx for invalid input
are not the ones that apply here: "the proper KFTC code" is.

The operations that swap the whole world (reset, scenario loads, snapshot restores) run
against a server of their own, so their swaps never void the tokens the others use, and
with fewer cases (`FUZZ_SWAP_EXAMPLES`): each builds a whole world. The event log is
also read as its live stream, for a moment: the stream itself never ends.

The CI run is short (`FUZZ_EXAMPLES`, default 12 cases an operation); `make soak` runs
it at 20,000 cases (bench/soak.py, docs/reliability.md); with RELIABILITY_FIGURES set, the
cases sent, by operation, and the server errors seen are written there (figures.py).
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS

from testbed.network.codes import MESSAGES
from testbed.web.routes import document
from tests.network.test_admission import application
from tests.reliability import figures as figures_of
from tests.test_serve import ADMIN, call, serving

pytestmark = pytest.mark.subprocess

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
SWAP_EXAMPLES = int(os.environ.get("FUZZ_SWAP_EXAMPLES", "3"))
#: the operations that replace the whole world: fuzzed against a server of their own
SWAPS = ("/testbed/reset", "/testbed/scenarios", "/testbed/snapshots/{id}/restore")
STREAM = "/testbed/events"
#: how long the live event stream is read before the reader leaves (wall seconds)
STREAM_READ_S = 0.3
SKIPPED_CHECKS = {
    "negative_data_rejection",  # KFTC refuses with HTTP 200 and a code, not 4xx
    "positive_data_acceptance",  # a valid-looking request may still be refused (A0304, ...)
    "ignored_auth",  # likewise: O0001/O0002 with HTTP 200
    "missing_required_header",
    "unsupported_method",  # O0010 with HTTP 200
    "max_response_time",
}

schema = schemathesis.openapi.from_dict(document())

#: what this run sent: cases by "METHOD path", the server errors among their answers, and
#: the live streams read (the figures this module writes)
SENT: Counter[str] = Counter()
SERVER_ERRORS: list[str] = []
STREAMS_READ: Counter[str] = Counter()


def documented_operations() -> list[str]:
    """Every operation of /openapi.json as "METHOD path"."""
    methods = ("get", "post", "put", "patch", "delete")
    return [
        f"{method.upper()} {path}"
        for path, item in document()["paths"].items()
        for method in item
        if method in methods
    ]


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    """After the module: its figures (figures.py), failures included."""
    began = time.monotonic()
    yield
    documented = documented_operations()
    figures = {
        "cases": sum(SENT.values()),
        "operations_documented": len(documented),
        "operations_fuzzed": len(SENT),
        "not_fuzzed": sorted(set(documented) - set(SENT)),
        "server_errors": len(SERVER_ERRORS),
        "server_error_cases": SERVER_ERRORS[:20],
        "streams_read": dict(STREAMS_READ),
        "examples": EXAMPLES,
        "swap_examples": SWAP_EXAMPLES,
        "seconds": round(time.monotonic() - began, 1),
        "by_operation": dict(sorted(SENT.items())),
    }
    figures_of.write("fuzz", figures)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    with serving(db, "--clock", "virtual", "--start", "2026-03-02T10:00:00", "--users", "6") as (
        port,
        _,
    ):
        clients = call(port, "GET", "/testbed/clients")["clients"]
        tokens: dict[str, str] = {}
        for client, scope in ((clients[0], "oob"), (clients[1], "sa")):
            form = urllib.parse.urlencode(
                {
                    "client_id": client["client_id"],
                    "client_secret": client["client_secret"],
                    "scope": scope,
                    "grant_type": "client_credentials",
                }
            ).encode()
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/oauth/2.0/token", data=form, timeout=10
            ) as r:
                tokens[scope] = json.loads(r.read())["access_token"]
        user = call(
            port,
            "POST",
            "/testbed/users",
            {
                "name": "퍼즈",
                "birth_date": "19900101",
                "scope": "login inquiry transfer",
                "accounts": [{"bank_code": "088", "balance": 1_000_000}],
            },
        )
        tokens["user"] = user["access_token"]
        yield {"base": f"http://127.0.0.1:{port}", "tokens": tokens, "portal": _developer(port)}


def _developer(port: int) -> str:
    """A signed-in developer with an approved application: the portal's Cookie header."""
    signup = urllib.request.Request(
        f"http://127.0.0.1:{port}/portal/api/signup",
        data=json.dumps({"email": "fuzz@example.com", "password": "fuzz fuzz fuzz"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(signup, timeout=10) as r:
        cookie = r.headers["Set-Cookie"].split(";", 1)[0]
    apply = urllib.request.Request(
        f"http://127.0.0.1:{port}/portal/api/applications",
        data=json.dumps(application()).encode(),
        headers={"Content-Type": "application/json", "Cookie": cookie},
    )
    with urllib.request.urlopen(apply, timeout=10) as r:
        assert json.loads(r.read())["status"] == "approved"
    return cookie


def _token(case: Any, tokens: dict[str, str]) -> str:
    security = case.operation.definition.raw.get("security", [{}])[0].get("kftc", [])
    if "oob" in security:
        return tokens["oob"]
    if {"login", "inquiry", "transfer"} & set(security):
        return tokens["user"]
    return tokens["sa"]


@pytest.fixture(scope="module")
def swapping(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A server for the world swaps, with three snapshots to restore (ids 1 to 3)."""
    db = tmp_path_factory.mktemp("fuzz-swaps") / "swaps.db"
    with serving(db, "--clock", "virtual", "--start", "2026-03-02T10:00:00", "--users", "3") as (
        port,
        _,
    ):
        for label in ("one", "two", "three"):
            call(port, "POST", "/testbed/snapshots", {"label": label})
        yield {"base": f"http://127.0.0.1:{port}", "tokens": {}, "portal": ""}


def send(case: Any, live: dict[str, Any]) -> None:
    """Send one case with the authentication its path needs; hold the answer to the document."""
    headers = {}
    if case.path.startswith("/testbed/"):
        headers["Authorization"] = f"Bearer {ADMIN}"
    elif case.path.startswith("/portal/"):
        headers["Cookie"] = live["portal"]  # signed in: the operations past the 401
    elif case.path.startswith("/v2.0/"):
        headers["Authorization"] = f"Bearer {_token(case, live['tokens'])}"
    excluded = [check for check in CHECKS.get_all() if check.__name__ in SKIPPED_CHECKS]
    # by the operation the case was made for: the coverage phase also sends other methods
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    SENT[operation] += 1
    response = case.call_and_validate(
        base_url=live["base"], headers=headers, excluded_checks=excluded
    )
    if response.status_code >= 500:
        SERVER_ERRORS.append(f"{operation}: {response.status_code}")
    assert response.status_code < 500
    if case.path.startswith(("/v2.0/", "/oauth/2.0/token", "/oauth/2.0/revoke")):
        body = response.json()
        code = body.get("rsp_code")
        assert code is None or code in MESSAGES, f"{case.path}: unknown rsp_code {code}"
        if code is None:
            assert "access_token" in body  # a token endpoint success is the only answer without one
    if case.path == STREAM and case.method.upper() == "GET":
        read_stream(live["base"], case.query or {})


def read_stream(base: str, query: dict[str, Any]) -> None:
    """The live event stream of the same query, read for a moment and left: no 5xx, and
    what arrived in that moment is server-sent events (or a keep-alive)."""
    url = urllib.parse.urlsplit(base)
    target = STREAM + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=STREAM_READ_S)
    try:
        connection.request(
            "GET",
            target,
            headers={"Authorization": f"Bearer {ADMIN}", "Accept": "text/event-stream"},
        )
        response = connection.getresponse()
        STREAMS_READ[str(response.status)] += 1
        if response.status >= 500:
            SERVER_ERRORS.append(f"GET {STREAM} (stream): {response.status}")
        assert response.status < 500
        if response.status != 200:
            assert "error" in json.loads(response.read())
            return
        assert response.getheader("Content-Type", "").startswith("text/event-stream")
        try:
            first = response.read1(4096)
        except TimeoutError:
            first = b""  # nothing in the log after `since` yet: a quiet stream
        assert first == b"" or first.startswith((b"id: ", b"event: ", b": keep-alive")), first
    finally:
        connection.close()


@schema.exclude(path=list(SWAPS)).parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_no_5xx_and_every_answer_as_documented(case: Any, live: dict[str, Any]) -> None:
    send(case, live)


@schema.include(path=list(SWAPS)).parametrize()
@settings(
    max_examples=SWAP_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_world_swaps_no_5xx_and_as_documented(case: Any, swapping: dict[str, Any]) -> None:
    send(case, swapping)


@pytest.mark.parametrize("server", ["live", "swapping"])
def test_the_fuzzed_server_kept_its_books(server: str, request: pytest.FixtureRequest) -> None:
    base = request.getfixturevalue(server)["base"]
    check = call(int(base.rsplit(":", 1)[1]), "GET", "/testbed/ledger/check")
    assert check["ok"], check["problems"]
    assert check["negative_accounts"] == 0
