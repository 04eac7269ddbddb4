"""Property-based fuzzing of every operation in /openapi.json (schemathesis) against a live server.

With valid authentication on every call (the admin token for the control plane, a token
of the right scope for the KFTC API), no answer may be a 5xx, every answer must match
the document, and every KFTC answer must carry a code of the gateway's table. KFTC
answers HTTP 200 even when it refuses, so the checks that expect 4xx for invalid input
are not the ones that apply here: "the proper KFTC code" is.

The CI run is short (`FUZZ_EXAMPLES`, default 12 cases an operation); a long run is
`FUZZ_EXAMPLES=250 pytest tests/reliability/test_fuzz.py` (see docs/reliability.md).
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS

from testbed.network.codes import MESSAGES
from testbed.web.routes import document
from tests.network.test_admission import application
from tests.test_serve import ADMIN, call, serving

pytestmark = pytest.mark.subprocess

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
#: world swaps and scenario loads: fuzzed in the long run only (each builds a whole world)
HEAVY = (
    "/testbed/reset",
    "/testbed/scenarios",
    "/testbed/snapshots/{id}/restore",
    "/testbed/events",
)
SKIPPED_CHECKS = {
    "negative_data_rejection",  # KFTC refuses with HTTP 200 and a code, not 4xx
    "positive_data_acceptance",  # a valid-looking request may still be refused (A0304, ...)
    "ignored_auth",  # likewise: O0001/O0002 with HTTP 200
    "missing_required_header",
    "unsupported_method",  # O0010 with HTTP 200
    "max_response_time",
}

schema = schemathesis.openapi.from_dict(document())


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


@schema.exclude(path=list(HEAVY)).parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_no_5xx_and_every_answer_as_documented(case: Any, live: dict[str, Any]) -> None:
    headers = {}
    if case.path.startswith("/testbed/"):
        headers["Authorization"] = f"Bearer {ADMIN}"
    elif case.path.startswith("/portal/"):
        headers["Cookie"] = live["portal"]  # signed in: the operations past the 401
    elif case.path.startswith("/v2.0/"):
        headers["Authorization"] = f"Bearer {_token(case, live['tokens'])}"
    excluded = [check for check in CHECKS.get_all() if check.__name__ in SKIPPED_CHECKS]
    response = case.call_and_validate(
        base_url=live["base"], headers=headers, excluded_checks=excluded
    )
    assert response.status_code < 500
    if case.path.startswith(("/v2.0/", "/oauth/2.0/token", "/oauth/2.0/revoke")):
        body = response.json()
        code = body.get("rsp_code")
        assert code is None or code in MESSAGES, f"{case.path}: unknown rsp_code {code}"
        if code is None:
            assert "access_token" in body  # a token endpoint success is the only answer without one


def test_the_fuzzed_server_kept_its_books(live: dict[str, Any], tmp_path: Path) -> None:
    port = int(live["base"].rsplit(":", 1)[1])
    check = call(port, "GET", "/testbed/ledger/check")
    assert check["ok"], check["problems"]
    assert check["negative_accounts"] == 0
