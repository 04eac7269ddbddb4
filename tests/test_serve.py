"""`testbed serve` as a real process: start-up, refusal of bad input, and crash safety."""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from testbed.cli import event_loop
from testbed.typedefs import RUNTIME

pytestmark = pytest.mark.subprocess
ADMIN = "crash-test-admin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def call(port: int, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


@contextmanager
def serving(db: Path, *extra: str, umask: int = -1) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """`testbed serve` on `db` and a free port, once it answers; killed on the way out.

    Its output goes to a file beside the database, not to a pipe: nobody reads a pipe
    while the server runs, and a long run's log lines filled one (64 KiB) and blocked
    the server in the middle of the fuzz. `proc.stdout` reads that file from its start.
    """
    port = free_port()
    log = db.parent / f"{db.stem}-{port}.log"
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "testbed",
                "serve",
                "--db",
                str(db),
                "--port",
                str(port),
                "--users",
                "10",
                *extra,
            ],
            # the token from the environment: on the command line ps would show it
            env={**os.environ, "TESTBED_ADMIN_TOKEN": ADMIN},
            umask=umask,  # -1: the parent's
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    proc.stdout = log.open(encoding="utf-8")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                call(port, "GET", "/testbed/clock")
                break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"server did not start:\n{proc.stdout.read()}") from None
                time.sleep(0.1)
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_acknowledged_change_survives_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    with serving(db) as (port, proc):
        users = call(port, "GET", "/testbed/users")["users"]
        account = users[0]["accounts"][0]
        path = f"/testbed/accounts/{account['bank_code']}/{account['account_num']}"
        before = account["balance"]
        acks = [call(port, "POST", f"{path}/cash", {"amount": 1000 + i}) for i in range(5)]
        clock_then = call(port, "POST", "/testbed/clock", {"shift": "2h"})["epoch"]
        os.kill(proc.pid, signal.SIGKILL)  # no shutdown, no flush: only what is on disk
        proc.wait(timeout=10)
    assert acks[-1]["balance"] == before + sum(1000 + i for i in range(5))
    with serving(db) as (port, proc):
        restored = call(port, "GET", path)
        assert restored["balance"] == acks[-1]["balance"]
        assert [h["amount"] for h in restored["history"][-5:]] == [1000 + i for i in range(5)]
        check = call(port, "GET", "/testbed/ledger/check")
        assert check["ok"], check["problems"]
        assert check["cash_in"] == sum(1000 + i for i in range(5))
        # the restarted clock never goes back before what the database had seen
        assert call(port, "GET", "/testbed/clock")["epoch"] >= clock_then
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        out = proc.stdout.read() if proc.stdout else ""
    assert "restored" in out


def test_banner_names_url_time_and_demo_credentials(tmp_path: Path) -> None:
    with serving(tmp_path / "b.db", "--clock", "virtual", "--start", "2026-03-02T23:29:30") as (
        port,
        proc,
    ):
        clients = call(port, "GET", "/testbed/clients")["clients"]
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        out = proc.stdout.read() if proc.stdout else ""
    assert f"http://127.0.0.1:{port}" in out
    assert "2026-03-02T23:29:30.000+09:00" in out
    assert clients[0]["client_id"] in out and clients[0]["client_secret"] in out
    assert ADMIN in out
    assert "event loop      asyncio" in out  # the default (see docs/benchmarks.md)
    assert f"encrypted with  the key file {tmp_path / 'b.db'}.key" in out


def test_event_loop_choice() -> None:
    loop, name = event_loop("asyncio")
    try:
        assert type(loop).__module__.startswith("asyncio") and name == "asyncio"
    finally:
        loop.close()
    loop, name = event_loop("uvloop")  # installed with the test extras
    try:
        assert type(loop).__module__.startswith("uvloop") and name.startswith("uvloop ")
    finally:
        loop.close()


def test_bad_banks_file_is_refused_before_the_server_starts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scheme: {name: x, code_length: 3}\n"
        "centre: {code: '099', name_ko: 센터, name_en: Centre,"
        " operating_hours: {open: '00:05', close: '23:55'}, bank_timeout: 20s}\n"
        "institutions:\n"
        "  - code: '004'\n"
        "    name_ko: 국민\n"
        "    name_en: Kookmin\n"
        "    kind: bank\n"
        "    cutover: [{start: '23:30', end: '00:30'}]\n",
        encoding="utf-8",
    )
    port = free_port()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "testbed",
            "serve",
            "--banks",
            str(bad),
            "--port",
            str(port),
            "--db",
            str(tmp_path / "never.db"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{bad}:8:" in result.stderr
    assert "institutions[0].cutover[0].end" in result.stderr
    assert "24:30" in result.stderr  # says how to write a window past midnight
    assert not (tmp_path / "never.db").exists()  # nothing was created


def test_serve_with_a_scenario_loads_its_world(tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parent.parent / "scenarios" / "happy_path.yaml"
    with serving(tmp_path / "s.db", "--scenario", str(scenario), "--clock", "virtual") as (
        port,
        proc,
    ):
        clock = call(port, "GET", "/testbed/clock")
        users = call(port, "GET", "/testbed/users")["users"]
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        out = proc.stdout.read() if proc.stdout else ""
    assert clock["now"] == "2026-03-02T10:00:00.000+09:00"
    assert any(u["name"] == "김영희" for u in users)
    assert "scenario        happy path loaded" in out


def test_serve_refuses_a_bad_scenario_before_starting(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstart: never\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "testbed",
            "serve",
            "--scenario",
            str(bad),
            "--db",
            str(tmp_path / "n.db"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and f"{bad}:2: start:" in result.stderr


def test_serve_sets_the_collector_for_a_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiohttp import web

    from testbed import cli

    ran: list[web.Application] = []
    monkeypatch.setattr(cli, "run_sites", lambda app, sites, **kwargs: ran.append(app))
    before = gc.get_threshold()
    try:
        args = cli._parser().parse_args(
            ["serve", "--db", str(tmp_path / "gc.db"), "--users", "2", "--admin-token", "x"]
        )
        assert cli.serve(args) == 0 and ran
        assert gc.get_threshold() == cli.SERVER_GC_THRESHOLDS != before
    finally:
        gc.set_threshold(*before)
        for app in ran:
            app[RUNTIME].close()
