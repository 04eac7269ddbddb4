"""Adversarial input against a live server (issue 22): deep bodies, unauthenticated page
floods, idle-connection floods. `make soak` runs it at full size (bench/soak.py) and holds
its figures to their bounds; the CI run is small.

- deep: bodies nested to seeded random depths (65 to 100,000 levels) to the KFTC API,
  the control plane and the scenario loader, and YAML alias bombs: each refused naming
  its limit, never a 5xx, each answered within DEEP_ANSWER_S;
- pages: unauthenticated `GET /oauth/2.0/authorize` loads and `/console/config` requests
  with a new Host header each: no 5xx; what the database grew by and the demo
  institution's redirect URIs before and after are figures (bench/soak.py bounds them);
- idle: IDLE_FACTOR times `--max-connections` idle connections opened while a client
  keeps calling: every call answered, none slower than IDLE_ANSWER_S, the server's log
  small, and every idle connection closed by the server within the keep-alive timeout.

Sizes: ADVERSARIAL_DEEP, ADVERSARIAL_AUTHORIZE, ADVERSARIAL_CONSOLE, ADVERSARIAL_CAP.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from testbed.config.limits import MAX_DEPTH, TOO_DEEP, TOO_MANY
from tests.reliability import figures as figures_of
from tests.test_serve import ADMIN, call, serving

pytestmark = pytest.mark.subprocess

DEEP = int(os.environ.get("ADVERSARIAL_DEEP", "24"))
AUTHORIZE = int(os.environ.get("ADVERSARIAL_AUTHORIZE", "200"))
CONSOLE = int(os.environ.get("ADVERSARIAL_CONSOLE", "50"))
CAP = int(os.environ.get("ADVERSARIAL_CAP", "16"))
IDLE_FACTOR = 3
KEEPALIVE_S = 2.0
DEEP_ANSWER_S = 1.0
IDLE_ANSWER_S = 1.0
LOG_BOUND = 20_000  # bytes of server log for the whole idle flood


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("adversarial") / "adv.db"
    args = ("--clock", "virtual", "--max-connections", str(CAP))
    with serving(db, *args, "--keepalive-timeout", str(KEEPALIVE_S)) as (port, proc):
        yield {"port": port, "proc": proc, "db": db}


def request(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), time.perf_counter() - started
    finally:
        connection.close()


def bomb(branches: int, levels: int) -> bytes:
    text = "name: bomb\nb0: &b0 [" + ", ".join(['"lol"'] * branches) + "]\n"
    for level in range(1, levels + 1):
        text += f"b{level}: &b{level} [" + ", ".join([f"*b{level - 1}"] * branches) + "]\n"
    return (text + f"steps: [*b{levels}]\n").encode()


def test_deep_bodies_are_refused_fast_naming_the_limit(live: dict[str, Any]) -> None:
    port = live["port"]
    rng = random.Random(figures_of.seed(22))
    clients = call(port, "GET", "/testbed/clients")["clients"]
    user = call(port, "POST", "/testbed/users", {
        "name": "심층", "birth_date": "19900101", "scope": "login inquiry transfer",
        "client_use_code": clients[0]["client_use_code"],
        "accounts": [{"bank_code": "088", "balance": 10_000}],
    })  # fmt: skip
    admin = {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}
    kftc = {"Authorization": f"Bearer {user['access_token']}", "Content-Type": "application/json"}
    targets = [
        ("/v2.0/transfer/withdraw/fin_num", kftc),
        ("/testbed/clock", admin),
        ("/testbed/users", admin),
        ("/testbed/faults", admin),
        ("/testbed/scenarios", admin),
    ]
    slowest, answers, server_errors = 0.0, 0, 0
    for i in range(DEEP):
        path, headers = targets[i % len(targets)]
        depth = rng.choice((MAX_DEPTH + 1, rng.randint(MAX_DEPTH + 1, 2_000), 100_000))
        if path == "/testbed/scenarios":
            body = (
                bomb(rng.randint(6, 12), rng.randint(7, 10))
                if i % 2
                else ("name: deep\nsteps: " + "[" * depth + "]" * depth).encode()
            )
            says = TOO_MANY if i % 2 else TOO_DEEP
        else:
            body = b'{"a":' * depth + b"1" + b"}" * depth
            says = TOO_DEEP
        status, answer, seconds = request(port, "POST", path, body, headers)
        slowest = max(slowest, seconds)
        answers += 1
        server_errors += status >= 500
        assert status < 500, (path, depth, status)
        assert says in answer.decode(errors="replace"), (path, depth, answer[:200])
        if path.startswith("/v2.0/"):
            assert status == 200 and json.loads(answer)["rsp_code"] == "A0004"
        else:
            assert status == 400
    figures_of.write(
        "adversarial-deep",
        {"bodies": answers, "server_errors": server_errors, "slowest_s": round(slowest, 3)},
    )
    assert slowest < DEEP_ANSWER_S, f"a refusal took {slowest:.2f} s"


def db_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())


def test_unauthenticated_page_floods(live: dict[str, Any]) -> None:
    """What they cost is measured here; bench/soak.py holds it to the issue's bounds."""
    port, db = live["port"], live["db"]
    demo = call(port, "GET", "/testbed/clients")["clients"][0]
    uris_before = sorted(demo["redirect_uris"])
    call(port, "GET", "/testbed/ledger/check")  # the writer idle: a stable size to start
    before = db_bytes(db)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": demo["client_id"],
        "redirect_uri": demo["redirect_uris"][0], "scope": "login inquiry transfer",
        "state": "flood", "auth_type": "0",
    })  # fmt: skip
    statuses: dict[str, int] = {}
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for i in range(AUTHORIZE + CONSOLE):
            if i < AUTHORIZE:
                connection.request("GET", f"/oauth/2.0/authorize?{query}")
            else:
                connection.request("GET", "/console/config", headers={"Host": f"h{i}.localhost"})
            response = connection.getresponse()
            response.read()
            key = f"{'authorize' if i < AUTHORIZE else 'console'} {response.status}"
            statuses[key] = statuses.get(key, 0) + 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    time.sleep(0.5)  # the writer's last commit
    grown = db_bytes(db) - before
    uris_after = sorted(call(port, "GET", "/testbed/clients")["clients"][0]["redirect_uris"])
    figures_of.write(
        "adversarial-pages",
        {
            "authorize": AUTHORIZE,
            "console": CONSOLE,
            "statuses": statuses,
            "seconds": round(seconds, 1),
            "db_growth_kb": round(grown / 1024, 1),
            "redirect_uris_before": len(uris_before),
            "redirect_uris_after": len(uris_after),
            "redirect_uris_unchanged": uris_before == uris_after,
        },
    )
    assert not any(key.endswith(tuple(f" {s}" for s in range(500, 600))) for key in statuses)


def test_an_idle_connection_flood_leaves_clients_answered(live: dict[str, Any]) -> None:
    port, proc = live["port"], live["proc"]
    log_before = Path(proc.stdout.name).stat().st_size
    idle: list[socket.socket] = []
    slowest, calls = 0.0, 0
    for i in range(IDLE_FACTOR * CAP):
        idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        if i % 4 == 3:  # a client calling meanwhile
            status, _, seconds = request(
                port, "GET", "/testbed/clock", headers={"Authorization": f"Bearer {ADMIN}"}
            )
            assert status == 200
            slowest, calls = max(slowest, seconds), calls + 1
    deadline = time.monotonic() + KEEPALIVE_S + 2.0
    closed = 0
    for s in idle:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            while s.recv(4096):
                pass
            closed += 1
        except TimeoutError:
            pass
        except ConnectionResetError:
            closed += 1
        finally:
            s.close()
    log_growth = Path(proc.stdout.name).stat().st_size - log_before
    figures_of.write(
        "adversarial-idle",
        {
            "cap": CAP,
            "idle_opened": len(idle),
            "closed_by_server": closed,
            "calls_meanwhile": calls,
            "slowest_call_s": round(slowest, 3),
            "log_bytes": log_growth,
        },
    )
    assert closed == len(idle), f"{len(idle) - closed} idle connections outlived the timeout"
    assert slowest < IDLE_ANSWER_S and log_growth < LOG_BOUND
