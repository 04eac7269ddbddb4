"""One API call: who calls (token, institution, user), when (simulated), and what to tell them.

`begin()` reads the bearer token (O0001/O0002) and has the gateway authenticate the
call (`Gateway.authenticate`: the token, its scope, the IP allow-list, the rate). The
envelope helpers render the common response fields.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from testbed.api.fields import Spec
from testbed.clock import api_tran_dtm, from_compact, yyyymmddhhmmss
from testbed.config import limits
from testbed.config.limits import MAX_DEPTH, TOO_DEEP, TooDeep
from testbed.network.codes import Refusal
from testbed.network.gateway import Caller, Gateway
from testbed.network.ratelimit import RateLimited
from testbed.network.world import World
from testbed.runtime import Runtime
from testbed.typedefs import RUNTIME, Handler

log = logging.getLogger("testbed.api")

WARNING_HEADER = "X-Testbed-Warning"
#: the gateway's own spelling (KFTC's pages and captures write UTF-8 in capitals)
JSON_UTF8 = "application/json; charset=UTF-8"
#: how far a request's tran_dtime may be from the simulated clock before a warning (clients
#: hard-code old values; KFTC does not say whether the gateway checks it)
TRAN_DTIME_SLACK = 86_400.0
#: every answer's constant headers, built once: JSON, never sniffed into something a
#: browser would run
ANSWER_HEADERS = {"Content-Type": JSON_UTF8, "X-Content-Type-Options": "nosniff"}


@dataclass
class Call:
    # The request keeps its call (request[_CALL]); the call only looks back at it, so the
    # pair is no reference cycle: freed when the answer is sent, not by the collector
    # (a cycle a request was a tenth of the server's time in garbage collection)
    request_ref: weakref.ReferenceType[web.Request]
    runtime: Runtime
    now: float
    warnings: list[str] = field(default_factory=list)
    authenticated: Caller | None = None  # set by begin()

    @property
    def request(self) -> web.Request:
        request = self.request_ref()
        assert request is not None, "a call outlived its request"
        return request

    @property
    def world(self) -> World:
        return self.runtime.world

    @property
    def gateway(self) -> Gateway:
        return self.runtime.gateway

    @property
    def caller(self) -> Caller:
        """Who called (a business API, after `begin`)."""
        assert self.authenticated is not None, "begin() authenticates a call first"
        return self.authenticated

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    # the envelope
    def envelope(self, rsp_code: str = "A0000", rsp_message: str = "") -> dict[str, Any]:
        rng = self.world.source.stream("api_tran_id")
        return {
            "api_tran_id": uuid4_text(rng.getrandbits(128)),
            "api_tran_dtm": api_tran_dtm(self.now),
            "rsp_code": rsp_code,
            "rsp_message": rsp_message,
        }

    def answer(self, body: Mapping[str, Any]) -> web.Response:
        self.request[RSP_CODE] = (body.get("rsp_code"),)  # the api event's, without re-reading
        response = web.Response(body=orjson.dumps(body), headers=ANSWER_HEADERS)
        if self.warnings:
            # A client's field names can hold anything, control characters included: the
            # header (and the log) carry them escaped, or the answer could not be sent.
            safe = [_printable(text) for text in self.warnings]
            response.headers[WARNING_HEADER] = "; ".join(safe)
            for text in safe:
                log.warning("%s %s: %s", self.request.method, self.request.path, text)
        return response

    # the request
    async def body(self) -> dict[str, Any]:
        """The JSON object of a POST business API."""
        if self.request.content_type != "application/json":
            self.warn(
                f"Content-Type was {self.request.content_type or 'missing'};"
                " KFTC expects application/json; charset=UTF-8"
            )
        return parse_body(await self.request.read())

    def query(self) -> dict[str, Any]:
        return dict(self.request.query)

    def parse(self, spec: Spec, data: Mapping[str, Any]) -> dict[str, str]:
        """The request's fields checked against `spec` (A0004 naming the field); a
        tran_dtime far from the simulated clock is accepted with a warning."""
        fields = spec.parse(data, self.warnings)
        sent = fields.get("tran_dtime")
        if sent is not None and abs(_moment(sent) - self.now) > TRAN_DTIME_SLACK:
            self.warn(
                f"tran_dtime {sent} is far from the testbed's simulated time"
                f" {yyyymmddhhmmss(self.now)} (accepted; send the time of the request)"
            )
        return fields

    @property
    def remote(self) -> str:
        return self.request.remote or ""


@functools.lru_cache(maxsize=1024)  # clients send the same few tran_dtimes over and over
def _moment(tran_dtime: str) -> float:
    return from_compact(tran_dtime[:8], tran_dtime[8:])


def uuid4_text(bits: int) -> str:
    """`str(uuid.UUID(int=bits, version=4))`, without building the UUID object."""
    h = f"{bits & _UUID4_CLEAR | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# the version (4) and variant (RFC 4122) bits, as uuid.UUID(version=4) sets them
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)

_CALL = web.RequestKey("kftc_call", Call)
#: the rsp_code of the KFTC answer a call rendered, in a 1-tuple (an OAuth answer: (None,))
RSP_CODE = web.RequestKey("kftc_rsp_code", tuple)


def _printable(text: str) -> str:
    """ASCII with JSON escapes: safe in an HTTP header and a log line."""
    return json.dumps(text, ensure_ascii=True)[1:-1]


def parse_body(raw: bytes) -> dict[str, Any]:
    """A business API's JSON body: an object, UTF-8, no key twice in any object (A0004).

    orjson parses it in C, but keeps the last of duplicate keys silently; so its keys are
    counted against the text. Every key is followed by a colon, and a colon outside a
    string follows a key: so when the text has as many colons as the parsed body has
    keys, no key came twice (a byte count: the common case costs nothing). Otherwise
    (a colon inside a string, or a duplicate) the keys are counted against the key-like
    tokens of the text (a string followed by a colon). A duplicate makes the parsed keys
    fewer than the tokens, and so may a string value that holds `\":`: either way the
    body is parsed again by the stdlib with its duplicate check, which also words every
    other error (and accepts what orjson refuses, such as NaN, as it always did).
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = None
    if isinstance(data, dict):
        keys = _count_keys(data, MAX_DEPTH)
        if keys < 0:
            raise Refusal("A0004", f"the body is {TOO_DEEP}")
        if raw.count(b":") == keys or len(_KEY_TOKEN.findall(raw)) == keys:
            return data
    try:
        data = limits.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError:
        raise Refusal("A0004", "the body is not UTF-8") from None
    except TooDeep:
        raise Refusal("A0004", f"the body is {TOO_DEEP}") from None
    except ValueError as e:
        raise Refusal("A0004", f"the body is not JSON: {e}") from None
    if not isinstance(data, dict):
        raise Refusal("A0004", "the body must be a JSON object")
    if lone_surrogate(data):  # orjson refuses these; the stdlib lets them through
        raise Refusal("A0004", f"the body is not text: {LONE_SURROGATE}")
    return data


#: why a body with a lone surrogate is refused, in the words of every refusal
LONE_SURROGATE = "a \\ud800-\\udfff escape that is no character (UTF-8 cannot hold it)"
_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(data: Any) -> bool:
    """Whether parsed JSON holds a string that is no text: a lone UTF-16 surrogate, which
    JSON's `\\ud800`-`\\udfff` escapes can write and the stdlib parser keeps, but UTF-8
    cannot. Let in, one reached a posting's print_content, failed the store's write, and
    with it every write after (found by `make soak`'s fuzz)."""
    stack = [data]
    while stack:  # a loop, not recursion: the parser allows deeper nesting than Python
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


#: a JSON string followed by a colon: every key of a text, and nothing else in a text
#: without such strings in its values
_KEY_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"\s*:')


def _count_keys(value: dict[str, Any] | list[Any], levels: int) -> int:
    """The keys of every object in `value`, nested ones included; -1 if it nests deeper
    than `levels` (orjson takes 1,024 levels, more than this recursion may go)."""
    if levels <= 0:
        return -1
    count = len(value) if isinstance(value, dict) else 0
    for item in value.values() if isinstance(value, dict) else value:
        if isinstance(item, (dict, list)):  # most values are strings: no call for them
            inner = _count_keys(item, levels - 1)
            if inner < 0:
                return -1
            count += inner
    return count


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"duplicate key {key!r}")
        data[key] = value
    return data


def start(request: web.Request) -> Call:
    """The request's call, made at its first mention (`kftc_answer`, for the KFTC APIs)."""
    try:
        return request[_CALL]
    except KeyError:
        pass
    runtime = request.app[RUNTIME]
    runtime.clock.sync()
    call = Call(weakref.ref(request), runtime, runtime.clock.now())
    request[_CALL] = call  # so that a refusal still carries the warnings gathered so far
    return call


def begin(request: web.Request, scopes: tuple[str, ...], transfer: bool = False) -> Call:
    """Authenticate a business API call; `scopes`: any one of them is enough."""
    call = start(request)
    header = request.headers.get("Authorization", "")
    if not header:
        raise Refusal("O0001", "[992]")
    kind, _, token = header.partition(" ")
    if kind != "Bearer":
        if kind.lower() != "bearer" or not token:
            if header.startswith("Bearer"):
                call.warn("Authorization must be 'Bearer <token>' with one space")
            raise Refusal("O0002")
        # RFC 6750/7235: the scheme is case-insensitive; KFTC's pages write Bearer
        call.warn(f"Authorization scheme {kind!r} accepted; KFTC writes 'Bearer'")
    call.authenticated = call.gateway.authenticate(
        token.strip(),
        scopes,
        call.now,
        api=request.path,
        remote=call.remote,
        transfer=transfer,
        warnings=call.warnings,
    )
    return call


async def kftc_answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A KFTC API call's answer, whatever went wrong: HTTP 200 with rsp_code. Not a
    middleware itself: the app's one middleware calls it for the API's paths (a
    middleware more on the hot path cost a few µs a request)."""
    start(request)  # the call's moment is the request's arrival
    # Each refusal is answered inside its `except`, which drops the exception when it
    # ends: kept in a local, its traceback would hold this frame, a reference cycle a
    # refused request left to the garbage collector.
    try:
        return await handler(request)
    except Refusal as e:
        return refusal_answer(request, e)
    except web.HTTPMethodNotAllowed as e:
        e.__traceback__ = None  # aiohttp keeps it in the request's match_info: no cycle
        return refusal_answer(request, Refusal("O0010"))
    except web.HTTPNotFound as e:
        e.__traceback__ = None
        return refusal_answer(request, Refusal("O0005"))
    except web.HTTPRequestEntityTooLarge:
        return refusal_answer(request, Refusal("A0004", "the request body is too large"))


def refusal_answer(request: web.Request, error: Refusal) -> web.Response:
    call = start(request)
    if error.gateway_level:
        body: dict[str, Any] = {"rsp_code": error.rsp_code, "rsp_message": error.rsp_message}
    else:
        body = {**call.envelope(error.rsp_code, error.rsp_message), **error.fields}
    response = call.answer(body)
    if isinstance(error, RateLimited):  # a testbed courtesy: docs/compatibility.md
        response.headers["Retry-After"] = str(error.retry_after)
    return response
