"""The README's first session, run as written against a real `testbed serve`, by day and
at 23:40 simulated: the commands are taken from README.md, not copied here, so a README
that stops working fails this test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.test_serve import free_port

README = Path(__file__).resolve().parent.parent / "README.md"
SERVED_AT = "B=http://127.0.0.1:8080;"

pytestmark = [
    pytest.mark.subprocess,
    pytest.mark.skipif(
        shutil.which("bash") is None or shutil.which("curl") is None,
        reason="the README's sessions are bash with curl",
    ),
]


def first_session() -> tuple[str, list[str]]:
    """The README's `## A first session` text and its shell blocks, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## A first session\n", 1)[1].split("\n## ", 1)[0]
    return section, re.findall(r"```sh\n(.*?)```", section, flags=re.S)


@contextmanager
def serving(tmp: Path, start: str) -> Iterator[int]:
    """`testbed serve` as the README's first block starts it (the admin token from the
    environment), on a free port, a fresh database and a simulated start."""
    port = free_port()
    env = {**os.environ, "TESTBED_ADMIN_TOKEN": "dev-token"}
    command = [sys.executable, "-m", "testbed", "serve", "--port", str(port)]
    command += ["--db", str(tmp / "readme.db"), "--start", start, "--users", "10"]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.1)
        yield port
    finally:
        proc.kill()
        proc.wait(timeout=10)


def run(blocks: list[str], port: int) -> list[str]:
    """The blocks in one bash session (they share variables, as in a terminal), with only
    the port changed; the lines they print."""
    script = "set -euo pipefail\n" + "\n".join(blocks)
    assert SERVED_AT in script, "the README's session names the server's address"
    script = script.replace(SERVED_AT, f"B=http://127.0.0.1:{port};")
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_first_block_is_the_two_commands_serve() -> None:
    _, blocks = first_session()
    assert blocks[0].strip().endswith("make serve    # the testbed on http://127.0.0.1:8080")


@pytest.mark.parametrize(
    ("start", "day_lines"),
    [
        ("2026-03-02T10:00:00+09:00", ["18 of 18 banks open", "money conserved: True"]),
        ("2026-03-02T23:40:00+09:00", ["3 of 18 banks open", "money conserved: True"]),
    ],
)
def test_the_first_session_works_by_day_and_at_night(
    tmp_path: Path, start: str, day_lines: list[str]
) -> None:
    text, blocks = first_session()
    session, night = blocks[1], blocks[2]
    for promised in (*day_lines, "cutover open"):
        assert f"`{promised}`" in text, f"the README no longer promises {promised!r}"
    with serving(tmp_path, start) as port:
        assert run([session], port) == day_lines
        assert run([session, night], port)[2:] == ["3 of 18 banks open", "cutover open"]
