"""Connections cost bounded resources: idle keep-alive connections are closed after the
timeout, at most --max-connections are open (the oldest idle one makes room, else a 503),
and connection trouble is logged at most once a second with a count."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from testbed.serving import Throttled, ThrottledAcceptErrors
from tests.test_serve import ADMIN, call, serving

CAP = 8


def connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def get(port: int, path: str = "/testbed/clock") -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {ADMIN}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def closed_by_server(s: socket.socket, within: float) -> bool:
    """Whether the server closes the connection within `within` seconds (after a 503, or
    without a word)."""
    deadline = time.monotonic() + within
    try:
        while (left := deadline - time.monotonic()) > 0:
            s.settimeout(left)
            if s.recv(4096) == b"":
                return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return False


@pytest.mark.subprocess
def test_idle_floods_make_room_busy_floods_are_refused_and_the_log_stays_small(
    tmp_path: Path,
) -> None:
    db = tmp_path / "c.db"
    args = ("--max-connections", str(CAP), "--keepalive-timeout", "2", "--clock", "virtual")
    with serving(db, *args) as (port, proc):
        idle = [connect(port) for _ in range(3 * CAP)]  # never a byte sent
        time.sleep(0.2)
        assert get(port) == 200  # the oldest idle connections made room
        # of the flood, at most the cap is still open (less the one answered just now)
        assert sum(closed_by_server(s, 0.3) for s in idle) >= 2 * CAP + 1
        for s in idle:
            s.close()
        # a kept-alive connection that goes quiet is closed after --keepalive-timeout
        kept = connect(port)
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert kept.recv(65536).startswith(b"HTTP/1.1 ")
        assert not closed_by_server(kept, 1.0) and closed_by_server(kept, 3.0)
        kept.close()
        # every connection busy (live event streams): a new one is told 503 at once
        streams = []
        for _ in range(CAP):
            s = connect(port)
            s.sendall(
                f"GET /testbed/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                f"Authorization: Bearer {ADMIN}\r\n\r\n".encode()
            )
            assert s.recv(65536).startswith(b"HTTP/1.1 200")
            streams.append(s)
        refused = [get(port) for _ in range(50)]
        assert set(refused) == {503}
        for s in streams:
            s.close()
        time.sleep(0.3)
        assert call(port, "GET", "/testbed/clock")["frozen"] in (True, False)
        proc.terminate()
        proc.wait(timeout=20)
        log = proc.stdout.read()
    refusal_lines = [line for line in log.splitlines() if "connections refused" in line]
    assert 1 <= len(refusal_lines) <= 3, log  # 50 refusals in well under 3 seconds
    assert len(log) < 20_000, f"{len(log)} bytes of log"


def test_accept_errors_are_logged_once_a_second_with_a_count(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """asyncio reports every failed accept(); out of file descriptors that was 65 MB of
    stderr in 30 s. Reported once a second, with how many there were."""
    now = [1000.0]
    loop = asyncio.new_event_loop()
    try:
        handler = ThrottledAcceptErrors(loop)
        handler.accept_errors = Throttled(handler.accept_errors.what, clock=lambda: now[0])
        error = OSError(24, "Too many open files")
        with caplog.at_level(logging.WARNING, logger="testbed.serving"):
            for _ in range(1000):
                handler(loop, {"message": "socket.accept() out of system resource",
                               "exception": error})  # fmt: skip
            now[0] += 1.0
            handler(loop, {"message": "socket.accept() out of system resource", "exception": error})
        lines = [r.getMessage() for r in caplog.records if r.name == "testbed.serving"]
        assert len(lines) == 2
        assert "1 time(s)" in lines[0] and "1000 time(s)" in lines[1]
        assert "Too many open files" in lines[1]
        other: list[dict[str, object]] = []
        loop.set_exception_handler(lambda _, context: other.append(context))
        handler = ThrottledAcceptErrors(loop)
        handler(loop, {"message": "something else"})
        assert other == [{"message": "something else"}]  # the rest as before
    finally:
        loop.close()
