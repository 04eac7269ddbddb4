"""Running a scenario: a fresh world on the virtual clock, its steps through the real HTTP layer.

The world is built from the scenario's seed, start and banks; fixtures and the timeline
are put into it by `testbed.scenario.loader` (as `serve --scenario` does), timeline
entries becoming SimPy processes that act at their moment; steps are HTTP calls to the
same aiohttp app, served on loopback in this process.
Nothing reads the wall clock, so the same file gives the same transcript, byte for byte.

One concept over ~500 lines: running one scenario (its world, its timeline, its steps, its outcome).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from testbed.api.routes import OPERATIONS
from testbed.clock import (
    DAY,
    iso_kst,
    yyyymmdd,
    yyyymmddhhmmss,
)
from testbed.config import parse_duration
from testbed.config.settings import Settings
from testbed.network.faults import FaultSpecError
from testbed.network.fixtures import FixtureError
from testbed.network.ledger import AccountKey, LedgerError
from testbed.network.settlement import positions
from testbed.network.world import World
from testbed.runtime import Runtime, open_runtime
from testbed.scenario.loader import Loader, ScenarioRunError
from testbed.scenario.model import Scenario
from testbed.web.app import init_app
from testbed.web.recorder import SEALED, RecordingKeyError, Sealer, recording_key

ADMIN = "scenario-admin-token"
MISSING = object()
_TEMPLATE = re.compile(r"\{\{\s*([A-Za-z0-9_.\[\]]+)\s*\}\}")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass
class StepResult:
    index: str
    name: str
    kind: str  # call, wait, do
    time: str  # simulated time when it ended
    request: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    failures: list[str] = field(default_factory=list)
    #: what the step's `expect` asked for, expanded (the reports set it beside the answer)
    expected: dict[str, Any] | None = None
    #: wall seconds the step took (JUnit's `time`); not in the transcript, which must be
    #: the same bytes every time
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures

    def record(self) -> dict[str, Any]:
        return {
            "step": self.index,
            "name": self.name,
            "kind": self.kind,
            "time": self.time,
            "request": self.request,
            "response": self.response,
            "result": "pass" if self.passed else "fail",
            "failures": self.failures,
        }


@dataclass
class ScenarioResult:
    file: str
    name: str
    steps: list[StepResult] = field(default_factory=list)
    assertions: list[tuple[str, str]] = field(default_factory=list)  # (what, failure or "")
    errors: list[str] = field(default_factory=list)  # setup and timeline problems
    simulated: float = 0.0  # simulated seconds the scenario spanned

    @property
    def passed(self) -> bool:
        return (
            not self.errors
            and all(s.passed for s in self.steps)
            and not any(f for _, f in self.assertions)
        )

    @property
    def failures(self) -> list[str]:
        out = list(self.errors)
        out += [f"step {s.index} ({s.name}): {f}" for s in self.steps for f in s.failures]
        out += [f"assert {what}: {f}" for what, f in self.assertions if f]
        return out

    def transcript(self) -> str:
        """Every step and assertion as JSON lines: the same file gives the same bytes."""
        lines = [json.dumps({"scenario": self.name, "file": self.file}, ensure_ascii=False)]
        lines += [json.dumps(s.record(), ensure_ascii=False, sort_keys=True) for s in self.steps]
        lines += [
            json.dumps(
                {"assert": what, "result": "fail" if f else "pass", "failure": f},
                ensure_ascii=False,
            )
            for what, f in self.assertions
        ]
        lines += [json.dumps({"error": e}, ensure_ascii=False) for e in self.errors]
        return "\n".join(lines) + "\n"


# --- values, paths, matchers ---------------------------------------------------------------


def lookup(data: Any, path: str) -> Any:
    """`res_list[0].bank_code_std` in an answer, or MISSING."""
    current = data
    for name, index in _PATH_PART.findall(path):
        if name:
            if not isinstance(current, dict) or name not in current:
                return MISSING
            current = current[name]
        else:
            if not isinstance(current, list) or int(index) >= len(current):
                return MISSING
            current = current[int(index)]
    return current


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        number = _number(actual)
        return number is not None and number == float(expected)
    return bool(expected == actual)


def mismatch(expected: Any, actual: Any) -> str:
    """ "" when `actual` meets `expected` (a value, or an object of checks), else why not."""
    shown = "absent" if actual is MISSING else json.dumps(actual, ensure_ascii=False)
    if not isinstance(expected, dict):
        return (
            ""
            if actual is not MISSING and _equal(expected, actual)
            else f"expected {json.dumps(expected, ensure_ascii=False)}, got {shown}"
        )
    for check, wanted in expected.items():
        if check == "absent":
            if (actual is MISSING) != bool(wanted):
                return f"expected {'absent' if wanted else 'present'}, got {shown}"
            continue
        if actual is MISSING:
            return f"expected {check} {json.dumps(wanted, ensure_ascii=False)}, got absent"
        if check == "eq" and not _equal(wanted, actual):
            return f"expected {json.dumps(wanted, ensure_ascii=False)}, got {shown}"
        if check == "ne" and _equal(wanted, actual):
            return f"expected anything but {json.dumps(wanted, ensure_ascii=False)}"
        if check == "matches" and not (isinstance(actual, str) and re.search(wanted, actual)):
            return f"expected to match /{wanted}/, got {shown}"
        if check == "contains" and not (isinstance(actual, str | list) and wanted in actual):
            return f"expected to contain {json.dumps(wanted, ensure_ascii=False)}, got {shown}"
        sized = isinstance(actual, list | str | dict)
        if check == "length" and not (sized and len(actual) == wanted):
            return f"expected length {wanted}, got {len(actual) if sized else shown}"
        if check in ("gt", "ge", "lt", "le"):
            number = _number(actual)
            ok = (
                number is not None
                and {
                    "gt": number > wanted,
                    "ge": number >= wanted,
                    "lt": number < wanted,
                    "le": number <= wanted,
                }[check]
            )
            if not ok:
                return f"expected {check} {wanted}, got {shown}"
    return ""


class TemplateError(ValueError):
    pass


# --- the runner --------------------------------------------------------------------------


class Runner:
    def __init__(
        self, scenario: Scenario, on_step: Callable[[StepResult], None] | None = None
    ) -> None:
        self.scenario = scenario
        self.data = scenario.data
        self.on_step = on_step
        self.result = ScenarioResult(scenario.file, scenario.name)
        self.values: dict[str, Any] = {}  # what templates can name
        self.step_ids: dict[str, int] = {}  # next bank_tran_id number per institution
        self._sealer: Sealer | None = None  # a recording's, opened when first needed
        self.runtime: Runtime
        self.client: TestClient[web.Request, web.Application]

    @property
    def world(self) -> World:
        return self.runtime.world

    async def run(self) -> ScenarioResult:
        world_spec = self.data.get("world", {})
        settings = Settings(
            db=":memory:",
            clock="virtual",
            start=self.scenario.start,
            seed=self.scenario.seed,
            admin_token=ADMIN,
            users=world_spec.get("users", 10),
            history_days=world_spec.get("history_days", 30),
            secrets="replay",  # the same transcript twice: tokens and codes too (testbed.rng)
        )
        self.runtime = open_runtime(settings, self.scenario.network)
        app = init_app(settings, self.runtime)
        started = self.world.clock.now()
        self.loader = Loader(self.world, self.scenario)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            self.client = client
            try:
                self.values = self.loader.apply_fixtures()
                self.loader.schedule_timeline()
                await self._steps(self.data.get("steps", []), "")
                self._assertions()
            except (TemplateError, ScenarioRunError, FixtureError) as e:
                self.result.errors.append(str(e))
            self.result.errors[:0] = self.loader.errors
            self.result.simulated = self.world.clock.now() - started
        return self.result

    def account_key(self, ref: str) -> AccountKey:
        return self.loader.account_key(ref)

    def moment(self, text: str) -> float:
        return self.loader.moment(text)

    def act(self, action: dict[str, Any]) -> str:
        return self.loader.act(action)

    # --- steps ------------------------------------------------------------------------------
    async def _steps(self, steps: list[dict[str, Any]], prefix: str) -> None:
        for i, step in enumerate(steps, start=1):
            index = f"{prefix}{i}"
            if "repeat" in step:
                for k in range(1, step["repeat"] + 1):
                    self.values["i"] = k
                    await self._steps(step["steps"], f"{index}.{k}.")
                self.values.pop("i", None)
                continue
            began = time.perf_counter()
            result = await self._step(step, index)
            result.seconds = time.perf_counter() - began
            self.result.steps.append(result)
            if self.on_step is not None:
                self.on_step(result)

    async def _step(self, step: dict[str, Any], index: str) -> StepResult:
        name = step.get("name", "")
        clock = self.world.clock
        try:
            if "wait" in step:
                failures = self._wait(step["wait"])
                label = name or "wait " + json.dumps(step["wait"], ensure_ascii=False)
                return StepResult(index, label, "wait", iso_kst(clock.now()), failures=failures)
            if "do" in step:
                done = self.act(self.expand(step["do"], step))
                clock.sync()
                return StepResult(index, name or done, "do", iso_kst(clock.now()))
            return await self._call(step, index, name)
        except (TemplateError, ScenarioRunError, FaultSpecError, LedgerError, ValueError) as e:
            return StepResult(
                index, name or "step", "error", iso_kst(clock.now()), failures=[str(e)]
            )

    def _wait(self, wait: dict[str, Any]) -> list[str]:
        clock = self.world.clock
        if "until" in wait:
            target = self.moment(self.expand(wait["until"], {}))
            if target < clock.now():
                return [f"{iso_kst(target)} has passed (now {iso_kst(clock.now())})"]
            clock.set(target)
        if "for" in wait:
            clock.shift(parse_duration(wait["for"]))
        if "event" in wait:
            where = wait.get("where", {})
            seen = self.world.events.seq
            horizon = clock.now() + 30 * DAY
            while True:
                for event in self.world.events.since(seen):
                    if event["type"] == wait["event"] and all(
                        event.get(k) == v for k, v in where.items()
                    ):
                        return []
                seen = self.world.events.seq
                nxt = self.world.env.peek()
                if nxt > horizon:
                    return [f"no {wait['event']} event {where or ''} within 30 simulated days"]
                clock.set(max(nxt, clock.now()))
        return []

    def _resolve_call(self, step: dict[str, Any]) -> tuple[str, str]:
        if "path" in step:  # a recording's path may hold a sealed account number
            return step["method"], str(self.expand(step["path"], step))
        call = step["call"]
        if call in ("token", "revoke"):
            return "POST", f"/oauth/2.0/{call}"
        path = call if call.startswith("/") else f"/v2.0/{call}"
        for op in OPERATIONS:
            if op.path == path:
                return op.method, op.path
        raise TemplateError(f"call {call!r}: no such API (see GET /openapi.json for the paths)")

    def _institution_of(self, step: dict[str, Any]) -> dict[str, Any]:
        who = step.get("as")
        entry = self.values.get(who) if who else None
        if isinstance(entry, dict) and entry.get("kind") == "user":
            entry = self.values[entry["institution"]]
        if not isinstance(entry, dict) or entry.get("kind") != "institution":
            entry = next(
                v
                for v in self.values.values()
                if isinstance(v, dict) and v.get("kind") == "institution"
            )
        return entry

    async def _call(self, step: dict[str, Any], index: str, name: str) -> StepResult:
        method, path = self._resolve_call(step)
        institution = self._institution_of(step)
        self._step_values = {"bank_tran_id": self._new_tran_id(institution["client_use_code"])}
        headers = dict(self.expand(step.get("headers", {}), step))
        who = step.get("as")
        if who == "admin" or (who is None and path.startswith("/testbed/")):
            headers.setdefault("Authorization", f"Bearer {ADMIN}")
        elif who != "nobody" and path.startswith("/v2.0/"):
            entry = self.values.get(who) if who else institution
            token = entry.get("access_token") if entry and entry.get("kind") == "user" else None
            if token is None:
                token = institution["tokens"].get(step.get("scope", "oob"), institution["token"])
            headers.setdefault("Authorization", f"Bearer {token}")
        request: dict[str, Any] = {"method": method, "path": path}
        kwargs: dict[str, Any] = {"headers": headers}
        if "query" in step:
            request["query"] = kwargs["params"] = {
                k: str(v) for k, v in self.expand(step["query"], step).items()
            }
        if path.startswith("/oauth/2.0/") and (
            "form" in step or step.get("call") in ("token", "revoke")
        ):
            form = {
                "client_id": institution["client_id"],
                "client_secret": institution["client_secret"],
                **({"grant_type": "client_credentials"} if step.get("call") == "token" else {}),
                **self.expand(step.get("form", {}), step),
            }
            if form.get("grant_type") == "client_credentials":  # only this grant takes oob/sa
                form.setdefault("scope", step.get("scope", "oob"))
            request["form"] = kwargs["data"] = {k: str(v) for k, v in form.items()}
        elif "body" in step:
            request["body"] = kwargs["json"] = self.expand(step["body"], step)
        resp = await self.client.request(method, path, **kwargs)
        text = await resp.text()
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = text
        response = {"status": resp.status, "body": body}
        if resp.headers.get("X-Testbed-Warning"):
            response["warning"] = resp.headers["X-Testbed-Warning"]
        failures = []
        expectations = {k: self.expand(v, step) for k, v in step.get("expect", {}).items()}
        for field_path, expected in expectations.items():
            actual = resp.status if field_path == "status" else lookup(body, field_path)
            problem = mismatch(expected, actual)
            if problem:
                failures.append(f"{field_path}: {problem}")
        for saved, field_path in step.get("save", {}).items():
            value = lookup(body, field_path)
            if value is MISSING:
                failures.append(f"save {saved}: no {field_path} in the answer")
            else:
                self.values[saved] = value
        return StepResult(
            index,
            name or f"{method} {path}",
            "call",
            iso_kst(self.world.clock.now()),
            request,
            response,
            failures,
            expectations or None,
        )

    def _new_tran_id(self, client_use_code: str) -> str:
        n = self.step_ids.get(client_use_code, 0) + 1
        self.step_ids[client_use_code] = n
        return f"{client_use_code}U{n:09d}"

    # --- templates ----------------------------------------------------------------------------
    def expand(self, value: Any, step: dict[str, Any]) -> Any:
        """Fill `{{name}}` in strings (a string that is only a template keeps the value's type)."""
        if isinstance(value, dict):
            return {k: self.expand(v, step) for k, v in value.items()}
        if isinstance(value, list):
            return [self.expand(v, step) for v in value]
        if not isinstance(value, str) or "{{" not in value:
            return value
        whole = _TEMPLATE.fullmatch(value.strip())
        if whole:
            return self._value(whole.group(1))
        return _TEMPLATE.sub(lambda m: str(self._value(m.group(1))), value)

    def _value(self, name: str) -> Any:
        if name.startswith(SEALED):  # a personal value of a recording (testbed.web.recorder)
            return self._unseal(name[len(SEALED) :])
        now = self.world.clock.now()
        builtins = {"now": yyyymmddhhmmss(now), "today": yyyymmdd(now), "time": now}
        if name in builtins:
            return builtins[name]
        step_values = getattr(self, "_step_values", {})
        if name in step_values:
            return step_values[name]
        found = lookup(self.values, name)
        if found is MISSING or isinstance(found, dict):
            known = ", ".join(sorted(k for k in self.values if k != "i")) or "nothing yet"
            raise TemplateError(
                f"{{{{{name}}}}}: unknown (saved and fixture names: {known};"
                " built-ins: now, today, bank_tran_id, i)"
            )
        return found

    def _unseal(self, sealed: str) -> Any:
        try:
            if self._sealer is None:
                self._sealer = Sealer(recording_key(Path(self.scenario.file)))
            return self._sealer.open(sealed)
        except RecordingKeyError as e:
            raise TemplateError(str(e)) from None

    # --- assertions ---------------------------------------------------------------------------
    def _assertions(self) -> None:
        spec = self.data.get("assert", {})
        world = self.world
        add = self.result.assertions.append
        if spec.get("ledger") == "balanced":
            report = world.ledger.check()
            add(("ledger balanced", "" if report["ok"] else "; ".join(report["problems"][:5])))
        for ref, expected in spec.get("balances", {}).items():
            account = world.ledger.accounts[self.account_key(ref)]
            add(
                (
                    f"balance {ref}",
                    ""
                    if account.balance == expected
                    else f"expected {expected}, got {account.balance}",
                )
            )
        if "settlement" in spec:
            date = str(spec["settlement"]["date"])
            found = positions(world.ledger, date)
            total = sum(found.values())
            problem = "" if total == 0 else f"positions sum to {total}"
            for code, expected in spec["settlement"].get("positions", {}).items():
                if found.get(str(code), 0) != expected:
                    problem = (
                        problem or f"{code}: expected {expected}, got {found.get(str(code), 0)}"
                    )
            add((f"settlement {date}", problem))
        counts = {
            "transfers": len(world.openbanking.transfers),
            "transfers_moved": sum(1 for r in world.openbanking.transfers.values() if r.moved),
            "entries": len(world.ledger.entries),
            "users": len(world.directory.users),
            "tokens": len(world.auth.tokens),
            "faults": len(world.faults.faults),
            "background_transfers": sum(1 for e in world.ledger.entries if e.ref.startswith("BG")),
        }
        for what, expected in spec.get("records", {}).items():
            if what not in counts:
                add((f"records {what}", f"one of {', '.join(counts)}"))
                continue
            add((f"records {what}", mismatch(expected, counts[what])))


async def run_scenario(
    scenario: Scenario, on_step: Callable[[StepResult], None] | None = None
) -> ScenarioResult:
    return await Runner(scenario, on_step).run()
