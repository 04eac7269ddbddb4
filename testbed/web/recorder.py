"""Recording a live session as a scenario that `testbed replay` reproduces.

`testbed serve --record PATH` puts a middleware in front of the app: every KFTC call and
every control-plane change becomes a step, with the answer's codes as its `expect`.
Moving the clock becomes a `wait`. The file is rewritten whole after every request
(0600, a new file renamed over the old), so a killed server leaves a usable recording.

A recording is made to be shared (attached to a bug report, kept in a repository), so it
keeps no secret and no personal value in clear:

- **Secrets become references.** The seeded institutions' credentials are
  `{{fintech.client_id}}`-style references; every token issued during the session is
  saved by the step that got it and named where it is used (`{{token_3}}`). A secret the
  session did not make (a portal institution's client_secret, a token from before,
  an authorization code from the consent pages, which are not recorded) cannot be
  replayed: a call that needs one is left out, and the file says how many were.
- **Personal values are sealed**: names, birth dates, account numbers, phones, e-mail
  addresses, CI, print contents and memos, and the 입금이체암호문구 (by KFTC's and the
  control plane's field names, `PERSONAL`, and the account number in a
  `/testbed/accounts/...` path) become
  `{{sealed.<hex>}}`: AES-SIV (deterministic: the same value, the same text, so a reader
  still sees which steps name the same account) under the recording's key,
  `TESTBED_RECORDING_KEY` (64 bytes, URL-safe base64) or the key file `PATH.key` (0600)
  beside the recording. `testbed replay` opens them with the same key: the recording
  replays exactly; without the key it says which key it needs.

Part of the served app (a middleware on the live traffic, like the api events), so it
lives in `testbed.web`, where the control plane could switch it on too; it writes a
scenario file but needs nothing from `testbed.scenario` or `testbed.replay`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml
from aiohttp import web
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from testbed.clock import iso_kst
from testbed.config import limits
from testbed.runtime import Runtime
from testbed.typedefs import RUNTIME, Handler

INSTITUTIONS = ("fintech", "selfpay")  # fixture names of the seeded institutions, in order
_KEEP = ("rsp_code", "bank_rsp_code")
_RECORDED_CONTROL = (
    "/testbed/faults",
    "/testbed/banks/",
    "/testbed/users",
    "/testbed/accounts/",
    "/testbed/clients/",
)


#: fields whose values are personal (고객정보), or a secret a replay needs as it was (the
#: 입금이체암호문구): sealed in a recording. Matched against the field's name: more is
#: sealed than strictly needs to be, which costs nothing (it replays the same), rather
#: than less
PERSONAL = re.compile(
    r"account_num|holder_info|holder_name|birth|cell_no|phone|email|user_ci|print_content"
    r"|memo|gender|alias|pass_phrase|(?<!bank)(?<!product)(?<!branch)(?<!company)_name$|^name$"
)
#: fields whose values are secrets: a reference, never the value
SECRET_FIELDS = frozenset({"client_secret", "access_token", "refresh_token", "code", "password"})
KEY_ENV = "TESTBED_RECORDING_KEY"
SEALED = "sealed."  # a sealed value's template: {{sealed.<hex>}}
_ACCOUNT_PATH = re.compile(r"^(/testbed/accounts/[^/]+/)([^/]+)(/.*)?$")


class RecordingKeyError(ValueError):
    pass


def key_file_of(recording: Path) -> Path:
    """Where a recording's key lives: beside it."""
    return recording.with_name(recording.name + ".key")


def recording_key(recording: Path, create: bool = False) -> bytes:
    """The key that seals a recording's personal values: TESTBED_RECORDING_KEY, or the key
    file beside the recording (made now, 0600 from its first byte, when `create`)."""
    given = os.environ.get(KEY_ENV, "")
    source = KEY_ENV
    if not given:
        path = key_file_of(recording)
        source = f"the key file {path}"
        if create and not path.exists():
            key = AESSIV.generate_key(512)
            write_private(path, base64.urlsafe_b64encode(key) + b"\n")
            return key
        try:
            given = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise RecordingKeyError(
                f"{recording} holds sealed personal values: its key ({path}, or"
                f" {KEY_ENV}) is needed to replay it"
            ) from None
    try:
        key = base64.urlsafe_b64decode(given.strip())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 64:
        raise RecordingKeyError(f"{source}: 64 random bytes in URL-safe base64 are needed")
    return key


class Sealer:
    """Seals a recording's personal values into templates, and opens them for replay."""

    def __init__(self, key: bytes) -> None:
        self._siv = AESSIV(key)

    def seal(self, value: Any) -> str:
        sealed = self._siv.encrypt(json.dumps(value, ensure_ascii=False).encode(), None)
        return "{{" + SEALED + sealed.hex() + "}}"

    def open(self, text: str) -> Any:
        """The value of `<hex>` (the part after `sealed.`): of the type it was sealed with."""
        try:
            return json.loads(self._siv.decrypt(bytes.fromhex(text), None))
        except (InvalidTag, ValueError):
            raise RecordingKeyError(
                "a sealed value does not open with this key: the recording was sealed with another"
            ) from None


class Recorder:
    def __init__(self, path: Path, runtime: Runtime) -> None:
        self.path = path
        self.runtime = runtime
        self.sealer = Sealer(recording_key(path, create=True))
        world = runtime.world
        self.start = world.clock.now()
        self.last = self.start
        self.steps: list[dict[str, Any]] = []
        self.secrets: dict[str, str] = {}  # a secret's text → its template
        for name, client in zip(INSTITUTIONS, world.directory.clients.values(), strict=False):
            self.secrets[client.client_id] = f"{{{{{name}.client_id}}}}"
            self.secrets[client.client_secret] = f"{{{{{name}.client_secret}}}}"
        self.tokens = 0
        self.left_out = 0  # calls that needed a secret made outside the recording
        self._unrecorded = False  # the value being hidden needed such a secret

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
        header = (
            "# Recorded by `testbed serve --record`: replay it with `testbed replay`.\n"
            f"# Personal values are sealed: replaying needs the key {key_file_of(self.path).name}"
            f" beside this file (or ${KEY_ENV}).\n"
        )
        if self.left_out:
            header += (
                f"# {self.left_out} call(s) left out: they used a secret made outside the"
                " recording (a portal institution's, the consent pages', an earlier run's).\n"
            )
        write_private(self.path, (header + text).encode())

    def hide(self, value: Any, field: str = "") -> Any:
        """Secrets replaced by their references and personal values sealed, everywhere in
        a value (`field`: the name the value is under)."""
        if isinstance(value, dict):
            return {k: self.hide(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.hide(v, field) for v in value]
        if isinstance(value, str):
            if value in self.secrets:
                return str(self.secrets[value])
            if value.startswith("Bearer "):
                known = self.secrets.get(value[7:])
                self._unrecorded |= known is None
                return "Bearer " + (known or "{{unrecorded_token}}")
            if field in SECRET_FIELDS:
                self._unrecorded = True
                return f"{{{{unrecorded_{field}}}}}"
        if field and PERSONAL.search(field) and isinstance(value, str | int | float):
            return self.sealer.seal(value)
        return value

    def hide_path(self, path: str) -> str:
        """A path with the account number in it (`/testbed/accounts/{bank}/{num}/...`) sealed."""
        found = _ACCOUNT_PATH.match(path)
        if not found:
            return path
        return found.group(1) + self.sealer.seal(found.group(2)) + (found.group(3) or "")

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
        self._unrecorded = False
        step: dict[str, Any] = {"method": request.method, "path": self.hide_path(request.path)}
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
        if self._unrecorded:  # it could not be replayed: the secret is not in the file
            self.left_out += 1
            return
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
