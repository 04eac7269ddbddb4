"""Where a request's CPU goes, step by step: py-spy's folded stacks sorted into steps.

`bench/run.py --profile DIR` records the server with py-spy (`--gil`: the Python work
that holds the interpreter) and writes one folded-stack file per workload. This module
puts every sample in one step of the request path — the innermost testbed frame of the
sample decides (so an aiohttp `Response` built by the renderer counts as rendering), and
a sample with no testbed frame is aiohttp's, asyncio's or the interpreter's own — then
turns the shares into microseconds per request with the workload's measured CPU.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

#: (step, what a frame of it looks like), the first match wins, innermost frame first
STEPS: tuple[tuple[str, str], ...] = (
    ("the SQLite writer (commit, wake the waiters)", r"_write_forever|_resolve \("),
    ("sealing for the disk (AES-GCM, keyed hashes)", r"store/crypto\.py"),
    ("queueing changes for the disk", r"store/sqlite\.py"),
    ("the api event (event log)", r"web/events\.py|network/events\.py|transfer_event \("),
    (
        "rendering the answer (views, JSON, headers)",
        r"web/render\.py|gateway/views\.py|\banswer \(",
    ),
    (
        "the bank model (centre shortcut, windows, SimPy)",
        r"network/(centre|bank|world)\.py|config/banks_file\.py|simpy/",
    ),
    ("the ledger", r"network/ledger\.py|network/seed\.py"),
    ("registers (transfer records, claims, limits)", r"network/(books|records)\.py"),
    ("authentication (token, scope, IP, rate)", r"authenticate \(|network/(auth|ratelimit)\.py"),
    ("the gateway's rules (consent, lookups)", r"network/gateway/|network/parties\.py"),
    (
        "parsing and checking the request",
        r"api/(fields|catalogue)\.py|(parse_body|_count_keys|parse|query|body) \(.*api/",
    ),
    ("handlers and middlewares", r"testbed/(api|web)/"),
    ("the clock", r"testbed/clock\.py"),
)
OTHER_STEPS: tuple[tuple[str, str], ...] = (
    ("aiohttp (HTTP parsing, routing, writing)", r"aiohttp/"),
    ("asyncio's event loop", r"asyncio/|selectors\.py"),
)
#: testbed frames of the entry points (under every sample of the main thread): not a step
_TESTBED = re.compile(r"testbed/(?!cli\.py|serving\.py|__main__\.py)")


def step_of(stack: list[str]) -> str:
    """The step a sample belongs to: `stack` is its frames, outermost first."""
    for frame in reversed(stack):
        if _TESTBED.search(frame):
            for step, pattern in STEPS:
                if re.search(pattern, frame):
                    return step
            return "handlers and middlewares"
    for frame in reversed(stack):
        for step, pattern in OTHER_STEPS:
            if re.search(pattern, frame):
                return step
    return "the interpreter and the rest"


def read_folded(path: Path) -> Counter[str]:
    """Samples per step of one py-spy raw (folded) file."""
    steps: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if count.isdigit():
            steps[step_of(stack.split(";"))] += int(count)
    return steps


def table(steps: Counter[str], cpu_ms_per_request: float) -> list[tuple[str, float, float]]:
    """(step, share %, µs per request), largest first."""
    total = sum(steps.values()) or 1
    return [
        (step, 100 * n / total, 1000 * cpu_ms_per_request * n / total)
        for step, n in steps.most_common()
    ]


def markdown(rows: list[tuple[str, float, float]]) -> str:
    lines = ["| step | share | µs per request |", "|---|---:|---:|"]
    lines += [f"| {step} | {share:.1f} % | {us:.1f} |" for step, share, us in rows]
    return "\n".join(lines)
