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

/openapi.json does not describe the control plane's request bodies, so schemathesis
sends its POSTs none; a second pass gives each of them generated JSON bodies made of the
fields the control plane reads (`CONTROL_FIELDS`) and values of every JSON kind, past 64
bits included, with durations, times and bank codes among them. That pass found the
control plane's defects of docs/reliability.md.

Bodies nested to a generated depth (1 to 200,000 levels, JSON arrays or objects, to the
KFTC API and the control plane) and YAML scenarios whose aliases expand to a generated
number of values are sent too: past the limits (testbed.config.limits) each is refused
naming the limit, never a 5xx (`test_nesting_and_alias_expansion`).

The CI run is short (`FUZZ_EXAMPLES`, default 12 cases an operation); `make soak` runs
it at 20,000 cases (bench/soak.py, docs/reliability.md); with RELIABILITY_FIGURES set, the
cases sent, by operation, and the server errors seen are written there (figures.py).
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS

from testbed.config.limits import MAX_DEPTH, MAX_YAML_VALUES, TOO_DEEP, TOO_MANY
from testbed.network.codes import MESSAGES
from testbed.network.faults import KINDS as FAULT_KINDS
from testbed.network.faults.specs import APIS as FAULT_APIS
from testbed.network.parties import DEFAULT_LIMITS
from testbed.resources import data_path
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
#: the shipped scenarios a scenario load may name (`?name=`)
LIBRARY = sorted(path.stem for path in data_path("scenarios").glob("*.yaml"))
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

#: the fields of the control plane's bodies (testbed/web/control/, the fault specs and the
#: scenario files), so a generated body gets past "unknown field" to the values
CONTROL_FIELDS = (
    *("set", "next", "shift", "advance", "speed", "freeze", "resume"),  # clock
    *("amount", "memo", "status", "decision", "reason", "label"),  # accounts, applications
    *("limits", "ip_allow", "redirect_uris", "rate_limit", "self_auth", "show_account_num"),
    *("wd_pass_phrase", "user_withdraw_per_tx", "user_withdraw_day", "per_second", "burst"),
    *("kind", "banks", "bank", "api", "client_use_code", "at", "for", "every", "probability"),
    *("state", "windows", "start", "end", "duration", "latency", "distribution", "value"),
    *("low", "high", "median", "sigma", "capacity", "rsp_code", "bank_rsp_code", "problem"),
    *("name", "birth_date", "gender", "cell_no", "email", "scope", "accounts", "bank_code"),
    *("balance", "account_type", "product_name", "account_num", "inquiry", "transfer"),
    *("seed", "world", "users", "fixtures", "timeline", "steps", "wait", "until", "traffic"),
)
_words = st.sampled_from(
    (
        *("open", "closed", "cutover", "maintenance", "down", "scheduled", "normal"),
        *("suspended", "accident", "approved", "rejected", "withdraw", "deposit", "latency"),
        *("error", "bank_down", "centre_closed", "capacity", "timeout_after_commit"),
        *("approve", "reject", "bank_error", "insufficient_balance"),
        *("fixed", "uniform", "lognormal", "login inquiry transfer", "oob", "sa"),
        *("004", "088", "090", "011", "002", "006", "022", "999", "099"),
    )
)
#: text with lone surrogates, which text() leaves out whatever its alphabet
_odd_text = st.lists(
    st.characters(categories=["Cs"]) | st.characters(categories=["Lo"]), min_size=1, max_size=4
).map("".join)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # unbounded: past 64 bits too
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=24),
    _odd_text,
    _words,
    st.from_regex(r"\A[0-9]{1,5}(\.[0-9])?(ms|s|m|h|d)\Z"),  # durations
    st.from_regex(r"\A[0-4]?[0-9]:[0-5][0-9](:[0-5][0-9])?\Z"),  # times of day
    st.datetimes().map(lambda t: t.isoformat()),
)
_keys = st.one_of(st.sampled_from(CONTROL_FIELDS), st.text(max_size=10))
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)
_any_body = st.dictionaries(_keys, _values, max_size=5)


def _shaped(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A body of the shape an operation reads, its values of the right kind (three times
    in four) or of any."""

    def either(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.integers(0, 3).flatmap(lambda n: _values if n == 3 else strategy)

    return st.fixed_dictionaries(
        {k: either(v) for k, v in required.items()},
        optional={k: either(v) for k, v in optional.items()},
    )


_duration = st.from_regex(r"\A[0-9]{1,2}(ms|s|m|h|d)\Z") | st.from_regex(r"\A[0-9]{3,5}d\Z")
_time_of_day = st.from_regex(r"\A(1?[0-9]|2[0-9]):[0-5][0-9]\Z")
_moment = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1)).map(
    lambda t: t.isoformat(timespec="seconds")
)
_bank = st.sampled_from(("004", "088", "090", "011", "002", "006", "022", "999"))
_won = st.integers(min_value=-(10**16), max_value=10**16) | st.integers()
_CLOCK_MOVES = {"set": _moment, "next": _time_of_day, "shift": _duration, "advance": _duration}
_window = st.fixed_dictionaries({"start": _time_of_day}, optional={"end": _time_of_day})
#: by operation: bodies of the shape the handler reads (fields from web/control/ and the
#: fault specs), so a good share of them is taken and changes the world
SHAPED = {
    "/testbed/clock": st.one_of(
        *(st.fixed_dictionaries({key: value}) for key, value in _CLOCK_MOVES.items()),
        _shaped({}, _CLOCK_MOVES),
    ),
    "/testbed/accounts/{bank}/{num}/cash": _shaped(
        {"amount": _won}, {"memo": st.text(max_size=22) | _odd_text}
    ),
    "/testbed/accounts/{bank}/{num}/status": _shaped(
        {"status": st.sampled_from(("normal", "suspended", "closed", "accident"))}, {}
    ),
    "/testbed/applications/{id}/decision": _shaped(
        {"decision": st.sampled_from(("approve", "reject"))},
        {"reason": st.text(max_size=30) | _odd_text},
    ),
    "/testbed/banks/{code}": _shaped(
        {}, {"state": _words, "for": _duration, "cutover": st.lists(_window, max_size=2)}
    ),
    "/testbed/clients/{code}": _shaped(
        {},
        {
            "limits": st.dictionaries(st.sampled_from(sorted(DEFAULT_LIMITS)), _won, max_size=3),
            "rate_limit": st.dictionaries(
                st.sampled_from(("per_second", "per_api", "burst")), _won
            ),
            "ip_allow": st.lists(st.text(max_size=16), max_size=2),
            "self_auth": st.booleans(),
            "show_account_num": st.booleans(),
            "wd_pass_phrase": st.text(max_size=10) | _odd_text,
        },
    ),
    "/testbed/faults": _shaped(
        {"kind": st.sampled_from(FAULT_KINDS)},
        {
            "banks": st.lists(_bank, max_size=2),
            "api": st.sampled_from(FAULT_APIS),
            "at": _moment,
            "for": _duration,
            "every": _time_of_day,
            "probability": st.floats(min_value=0, max_value=1),
            "state": _words,
            "windows": st.lists(_window, max_size=2),
            "latency": _duration,
            "capacity": st.integers(min_value=-1, max_value=200),
            "problem": _words,
        },
    ),
    "/testbed/users": _shaped(
        {
            "name": st.text(min_size=1, max_size=8) | _odd_text,
            "birth_date": st.from_regex(r"\A\d{8}\Z"),
        },
        {
            "scope": st.sampled_from(("login inquiry transfer", "inquiry", "oob")),
            "accounts": st.lists(
                _shaped({"bank_code": _bank}, {"balance": _won, "status": _words}), max_size=2
            ),
        },
    ),
    "/testbed/snapshots": _shaped({}, {"label": st.text(max_size=110) | _odd_text}),
}
BODIES = _any_body

#: what this run sent: cases by "METHOD path", the server errors among their answers, and
#: the live streams read, and the cases with generated control-plane bodies (the figures
#: this module writes)
SENT: Counter[str] = Counter()
BODIES_SENT: Counter[str] = Counter()
SERVER_ERRORS: list[str] = []
STREAMS_READ: Counter[str] = Counter()
#: the nesting and alias cases sent, by "kind answer"
SHAPES_SENT: Counter[str] = Counter()


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
        "control_bodies": sum(BODIES_SENT.values()),
        "control_bodies_by_answer": dict(sorted(BODIES_SENT.items())),
        "nesting_and_alias_cases": sum(SHAPES_SENT.values()),
        "nesting_and_alias_by_answer": dict(sorted(SHAPES_SENT.items())),
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
        portal = _developer(port)
        yield {
            "base": f"http://127.0.0.1:{port}",
            "tokens": tokens,
            "portal": portal,
            "paths": real_paths(port),
        }


def real_paths(port: int) -> dict[str, list[dict[str, str]]]:
    """Path parameters that name something of the world, by control-plane operation: a
    generated body then meets a real account, bank, institution or application, not a 404."""
    accounts = [
        {"bank": a["bank_code"], "num": a["account_num"]}
        for u in call(port, "GET", "/testbed/users")["users"]
        for a in u["accounts"]
    ]
    codes = [
        {"code": c["client_use_code"]} for c in call(port, "GET", "/testbed/clients")["clients"]
    ]
    apps = [{"id": a["id"]} for a in call(port, "GET", "/testbed/applications")["applications"]]
    return {
        "/testbed/accounts/{bank}/{num}/cash": accounts,
        "/testbed/accounts/{bank}/{num}/status": accounts,
        "/testbed/banks/{code}": [{"code": c} for c in ("004", "088", "090", "011", "002", "006")],
        "/testbed/clients/{code}": codes,
        "/testbed/applications/{id}/decision": apps,
        "/testbed/snapshots/{id}/restore": [{"id": str(i)} for i in (1, 2, 3)],
    }


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
        yield {
            "base": f"http://127.0.0.1:{port}",
            "tokens": {},
            "portal": "",
            "paths": real_paths(port),
        }


def send(case: Any, live: dict[str, Any]) -> Any:
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

    def count_server_errors(ctx: Any, response: Any, case: Any) -> None:
        """Counted here, among the checks: a failing check raises before the code below."""
        if response.status_code >= 500:
            SERVER_ERRORS.append(f"{operation}: {response.status_code}")

    response = case.call_and_validate(
        base_url=live["base"],
        headers=headers,
        excluded_checks=excluded,
        additional_checks=[count_server_errors],
    )
    assert response.status_code < 500
    if case.path.startswith(("/v2.0/", "/oauth/2.0/token", "/oauth/2.0/revoke")):
        body = response.json()
        code = body.get("rsp_code")
        assert code is None or code in MESSAGES, f"{case.path}: unknown rsp_code {code}"
        if code is None:
            assert "access_token" in body  # a token endpoint success is the only answer without one
    if case.path == STREAM and case.method.upper() == "GET":
        read_stream(live["base"], case.query or {})
    return response


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


@schema.include(path_regex="^/testbed/", method="POST").parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_control_plane_bodies_no_5xx_and_as_documented(
    case: Any, data: st.DataObject, live: dict[str, Any], swapping: dict[str, Any]
) -> None:
    """The control plane's POSTs with generated JSON bodies (the document has none), to
    real things two times in three, always with the admin token: the other test covers the
    401s (schemathesis's negative cases drop the header)."""
    server = swapping if case.operation.path in SWAPS else live
    known = server["paths"].get(case.operation.path)
    if known and data.draw(st.sampled_from((True, True, False)), label="a real path"):
        case.path_parameters = data.draw(st.sampled_from(known), label="path")
    shaped = SHAPED.get(case.operation.path)
    case.body = data.draw(BODIES if shaped is None else st.one_of(shaped, BODIES), label="body")
    if case.operation.path == "/testbed/scenarios" and data.draw(st.booleans(), label="a name"):
        case.query = {"name": data.draw(st.sampled_from(LIBRARY) | st.text(max_size=12))}
    case.media_type = "application/json"
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {ADMIN}"}
    response = send(case, server)
    BODIES_SENT[f"{case.operation.path} {response.status_code}"] += 1


@pytest.mark.parametrize("server", ["live", "swapping"])
def test_the_fuzzed_server_kept_its_books(server: str, request: pytest.FixtureRequest) -> None:
    base = request.getfixturevalue(server)["base"]
    check = call(int(base.rsplit(":", 1)[1]), "GET", "/testbed/ledger/check")
    assert check["ok"], check["problems"]
    assert check["negative_accounts"] == 0


def nested(depth: int, kind: str) -> bytes:
    """A JSON object holding `depth` containers in one another (the outermost an object)."""
    if kind == "arrays":
        inner = b"[" * (depth - 1) + b"]" * (depth - 1)
    else:
        inner = b'{"a":' * (depth - 1) + b"1" + b"}" * (depth - 1)
    return b'{"tran_amt":' + (inner or b'"1000"') + b"}"


def expanding(branches: int, levels: int) -> str:
    """A scenario whose aliases expand to branches**levels + ... values."""
    text = "name: expanding\nx0: &a0 [" + ", ".join(['"lol"'] * branches) + "]\n"
    for level in range(1, levels + 1):
        text += f"x{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * branches) + "]\n"
    return text + f"steps: [*a{levels}]\n"


def post_raw(base: str, path: str, data: bytes, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        base + path,
        data=data,
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


_depths = st.integers(1, 100) | st.integers(1, 200_000)


@given(
    depth=_depths,
    kind=st.sampled_from(("arrays", "objects")),
    path=st.sampled_from(
        ("/v2.0/transfer/withdraw/fin_num", "/testbed/clock", "/testbed/users", "/testbed/faults")
    ),
    branches=st.integers(1, 40),
    levels=st.integers(1, 12),
)
@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
def test_nesting_and_alias_expansion(
    depth: int,
    kind: str,
    path: str,
    branches: int,
    levels: int,
    live: dict[str, Any],
    swapping: dict[str, Any],
) -> None:
    kftc = path.startswith("/v2.0/")
    token = live["tokens"]["user"] if kftc else ADMIN
    status, answer = post_raw(live["base"], path, nested(depth, kind), token)
    # the token is checked before the body is read: the other fuzz tests move the clock
    # past its expiry and revoke tokens, so an O-code (O0003...) is a right answer too
    refused_first = kftc and str(answer.get("rsp_code", "")).startswith("O")
    SHAPES_SENT[f"nesting {'token refused' if refused_first else status}"] += 1
    assert status < 500
    if depth > MAX_DEPTH and kftc:
        if not refused_first:
            assert status == 200 and answer["rsp_code"] == "A0004", answer
            assert TOO_DEEP in answer["rsp_message"]
    elif depth > MAX_DEPTH:
        assert status == 400 and TOO_DEEP in answer["error"], answer
    values = sum(branches**level for level in range(1, levels + 2))  # each level's values
    status, answer = post_raw(
        swapping["base"], "/testbed/scenarios", expanding(branches, levels).encode(), ADMIN
    )
    SHAPES_SENT[f"aliases {status}"] += 1
    assert status < 500
    if values > 2 * MAX_YAML_VALUES:  # the document's own values counted too: a margin
        assert status == 400 and any(TOO_MANY in p for p in answer["problems"]), answer
