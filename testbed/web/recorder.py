"""Recording a live session as a scenario that `testbed replay` reproduces.

`testbed serve --record PATH` puts a middleware in front of the app: every KFTC call and
every control-plane change becomes a step, with the answer's codes as its `expect`.
Secrets never reach the file: the seeded institutions' credentials become
`{{fintech.client_id}}`-style references, and every token issued during the session is
saved by the step that got it and named where it is used (`{{token_3}}`). Moving the
clock becomes a `wait`. The file is rewritten after every request, so a killed server
leaves a usable recording.

Part of the served app (a middleware on the live traffic, like the api events), so it
lives in `testbed.web`, where the control plane could switch it on too; it writes a
scenario file but needs nothing from `testbed.scenario` or `testbed.replay`.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from aiohttp import web

from testbed.clock import iso_kst
from testbed.config import limits
from testbed.runtime import Runtime
from testbed.typedefs import RUNTIME

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

INSTITUTIONS = ("fintech", "selfpay")  # fixture names of the seeded institutions, in order
_KEEP = ("rsp_code", "bank_rsp_code")
_RECORDED_CONTROL = (
    "/testbed/faults",
    "/testbed/banks/",
    "/testbed/users",
    "/testbed/accounts/",
    "/testbed/clients/",
)


class Recorder:
    def __init__(self, path: Path, runtime: Runtime) -> None:
        self.path = path
        self.runtime = runtime
        world = runtime.world
        self.start = world.clock.now()
        self.last = self.start
        self.steps: list[dict[str, Any]] = []
        self.secrets: dict[str, str] = {}  # a secret's text → its template
        for name, client in zip(INSTITUTIONS, world.directory.clients.values(), strict=False):
            self.secrets[client.client_id] = f"{{{{{name}.client_id}}}}"
            self.secrets[client.client_secret] = f"{{{{{name}.client_secret}}}}"
        self.tokens = 0

    # --- what goes into the file ---------------------------------------------------------
    def scenario(self) -> dict[str, Any]:
        world = self.runtime.world
        names = INSTITUTIONS[: len(world.directory.clients)]
        return {
            "name": f"recorded session {iso_kst(self.start)}",
            "description": "recorded by testbed serve --record; replay with testbed replay",
            "seed": world.seed,
            "start": iso_kst(self.start),
            "world": {
                "users": self.runtime.settings.users,
                "history_days": self.runtime.settings.history_days,
            },
            "fixtures": {"institutions": {name: {"seeded": i} for i, name in enumerate(names)}},
            "steps": self.steps,
        }

    def write(self) -> None:
        text = yaml.safe_dump(self.scenario(), allow_unicode=True, sort_keys=False, width=100)
        header = "# Recorded by `testbed serve --record`: replay it with `testbed replay`.\n"
        write_private(self.path, (header + text).encode())

    def hide(self, value: Any) -> Any:
        """Secrets replaced by their references, everywhere in a value."""
        if isinstance(value, dict):
            return {k: self.hide(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.hide(v) for v in value]
        if isinstance(value, str):
            if value in self.secrets:
                return self.secrets[value]
            if value.startswith("Bearer ") and value[7:] in self.secrets:
                return "Bearer " + self.secrets[value[7:]]
        return value

    # --- the middleware --------------------------------------------------------------------
    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        kftc = path.startswith(("/v2.0/", "/oauth/2.0/token", "/oauth/2.0/revoke"))
        control = request.method != "GET" and path.startswith(_RECORDED_CONTROL)
        clock = request.method == "POST" and path == "/testbed/clock"
        if not (kftc or control or clock):
            return await handler(request)
        raw = await request.read()  # cached: the handler reads it again
        response = await handler(request)
        if not isinstance(response, web.Response) or response.status >= 500:
            return response
        try:
            answer = limits.loads(response.text or "null")
        except ValueError:
            return response
        self._wait_since_last()
        if clock:
            self._clock_step(raw, response.status)
        else:
            self._call_step(request, raw, response.status, answer)
        self.last = self.runtime.world.clock.now()
        self.write()
        return response

    def _wait_since_last(self) -> None:
        gap = self.runtime.world.clock.now() - self.last
        if gap >= 1.0:
            self.steps.append({"wait": {"for": f"{gap:.3f}s"}})

    def _clock_step(self, raw: bytes, status: int) -> None:
        if status >= 400:
            return
        body = limits.loads(raw or b"{}")  # the clock took it: within the limits
        if "set" in body:
            self.steps.append({"wait": {"until": body["set"]}})
        for field in ("shift", "advance"):
            if field in body:
                self.steps.append({"wait": {"for": body[field]}})
        self.last = self.runtime.world.clock.now()

    def _call_step(self, request: web.Request, raw: bytes, status: int, answer: Any) -> None:
        step: dict[str, Any] = {"method": request.method, "path": request.path}
        if request.path.startswith("/testbed/"):
            step["as"] = "admin"
        else:
            step["as"] = "nobody"
            auth = request.headers.get("Authorization")
            if auth:
                step["headers"] = {"Authorization": self.hide(auth)}
        if request.query:
            step["query"] = self.hide(dict(request.query))
        if raw:
            if request.content_type == "application/x-www-form-urlencoded":
                step["form"] = self.hide(
                    dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
                )
            else:
                try:
                    step["body"] = self.hide(limits.loads(raw))
                except ValueError:  # malformed, or deeper than the limits (TooDeep)
                    return  # a body that cannot be written back as YAML faithfully
        expect: dict[str, Any] = {"status": status}
        if isinstance(answer, dict):
            expect.update({k: answer[k] for k in _KEEP if k in answer})
            save = {}
            for field in ("access_token", "refresh_token"):
                value = answer.get(field)
                if isinstance(value, str) and value:
                    self.tokens += 1
                    name = f"{'token' if field == 'access_token' else 'refresh'}_{self.tokens}"
                    self.secrets[value] = f"{{{{{name}}}}}"
                    save[name] = field
            if save:
                step["save"] = save
        step["expect"] = expect
        self.steps.append(step)


def write_private(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: readable by its owner only (0600 from the first byte,
    whatever the umask), and whole (a new file renamed over the old: a server killed
    while writing leaves the previous recording, not half of one)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def install(app: web.Application, path: str) -> Recorder:
    recorder = Recorder(Path(path), app[RUNTIME])
    app.middlewares.insert(0, recorder.middleware)

    async def final_write(_: web.Application) -> None:
        recorder.write()

    app.on_cleanup.append(final_write)
    recorder.write()
    return recorder
