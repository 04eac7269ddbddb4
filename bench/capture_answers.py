"""Every KFTC answer the API tests receive, captured, to show a refactor changed none of them.

    .venv/bin/python bench/capture_answers.py capture before.jsonl     # runs tests/api
    .venv/bin/python bench/capture_answers.py capture after.jsonl  [pytest args...]
    .venv/bin/python bench/capture_answers.py compare before.jsonl after.jsonl

`capture` runs pytest (by default on `tests/api`) with this module as a plugin. The plugin
wraps aiohttp's `TestClient._request`, so every request a test makes through the test
client is seen from the client's side, exactly as the test receives it. For each answer
on a KFTC path (`/v2.0/...` and `/oauth/2.0/...`) it writes one JSON line: the test's node
id, the answer's position in that test, the method, the path with its query, the status,
every header but `Date`, and the body's bytes (as text when they are UTF-8, else hex).

What is normalised, and why (nothing else is):
- the `Date` header: the wall clock at the moment of sending;
- `access_token`, `refresh_token` and `client_secret`, in a body (an OAuth answer, and
  revoke's echo of the request) or in the path's query (a client sending its credentials
  there): they are drawn from the secret source, unpredictable on purpose (a seed must
  not decide what grants access), so two runs of the same code never give the same
  ones. Each is replaced by `<secret N>`, N the order in which the test first saw it, so
  that "the same token as before" still shows.
  Everything else an answer holds (api_tran_id, times, fintech_use_nums, user_seq_nos)
  comes from the seeded world and the virtual clock, and is compared as it is.

Check that two captures of the same code are identical before comparing two versions;
`compare` prints each difference (test, position, path, the two answers) and exits 1 if
there is any. The result of each use is kept in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

KFTC_PATHS = ("/v2.0/", "/oauth/2.0/")
_SECRET_IN_BODY = re.compile(r'"(access_token|refresh_token|client_secret)"\s*:\s*"([^"]*)"')
_SECRET_IN_QUERY = re.compile(r"\b(access_token|refresh_token|client_secret)=([^&]*)")


class CaptureAnswers:
    """A pytest plugin: every KFTC answer of the session, one JSON line each, to `out`."""

    def __init__(self, out: Path) -> None:
        self.out = out.open("w", encoding="utf-8")
        self.test = ""
        self.position = 0
        self.secrets: dict[str, str] = {}
        self.count = 0

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        self.test, self.position, self.secrets = item.nodeid, 0, {}
        yield

    def pytest_sessionstart(self) -> None:
        from aiohttp.test_utils import TestClient

        original = TestClient._request
        plugin = self

        async def _request(client: Any, method: str, path: Any, **kwargs: Any) -> Any:
            resp = await original(client, method, path, **kwargs)
            if str(path).startswith(KFTC_PATHS):
                body = await resp.read()  # kept by aiohttp: the test reads it again
                plugin.record(method, str(resp.url.path_qs), resp.status, resp.headers, body)
            return resp

        TestClient._request = _request  # type: ignore[method-assign]

    def pytest_sessionfinish(self) -> None:
        self.out.close()

    def record(self, method: str, path: str, status: int, headers: Any, body: bytes) -> None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = "hex:" + body.hex()
        text = _SECRET_IN_BODY.sub(lambda m: f'"{m[1]}":"{self._secret(m[2])}"', text)
        path = _SECRET_IN_QUERY.sub(lambda m: f"{m[1]}={self._secret(m[2])}", path)
        line = {
            "test": self.test,
            "n": self.position,
            "method": method,
            "path": path,
            "status": status,
            "headers": [[k, v] for k, v in headers.items() if k.lower() != "date"],
            "body": text,
        }
        self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.position += 1
        self.count += 1

    def _secret(self, secret: str) -> str:
        return self.secrets.setdefault(secret, f"<secret {len(self.secrets) + 1}>")


def capture(out: Path, args: list[str]) -> int:
    plugin = CaptureAnswers(out)
    code = pytest.main([*(args or ["tests/api"]), "-q"], plugins=[plugin])
    print(f"{plugin.count} KFTC answers captured to {out}")
    return int(code)


def compare(before: Path, after: Path) -> int:
    old = [json.loads(line) for line in before.read_text(encoding="utf-8").splitlines()]
    new = [json.loads(line) for line in after.read_text(encoding="utf-8").splitlines()]
    keyed_old = {(a["test"], a["n"]): a for a in old}
    keyed_new = {(a["test"], a["n"]): a for a in new}
    differences = 0
    for key in sorted(keyed_old.keys() | keyed_new.keys()):
        a, b = keyed_old.get(key), keyed_new.get(key)
        if a != b:
            differences += 1
            print(f"--- {key[0]} #{key[1]}")
            print(f"  before: {json.dumps(a, ensure_ascii=False)}")
            print(f"  after:  {json.dumps(b, ensure_ascii=False)}")
    print(f"{len(old)} answers before, {len(new)} after, {differences} different")
    return 1 if differences else 0


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "capture":
        return capture(Path(argv[1]), argv[2:])
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
