"""The event log on the web: KFTC API calls become `api` events; readers follow a live stream.

- `api_call`, called by the app's one middleware: every call under `/v2.0/` and
  `/oauth/2.0/` becomes an event `api` with `method`, `path` (never the query string),
  HTTP `status`, `rsp_code` (read from the JSON answer; null for a page or a redirect),
  `client_use_code` (null when the call never said who it was) and `elapsed` (simulated
  seconds). Tokens,
  client secrets and account numbers never get into it.
- `stream()`: the event log as server-sent events. Each reader is a `Subscription`: a
  listener on the current world's log feeding a bounded asyncio.Queue. The runtime
  tells its `world_listeners` when reset or restore swaps the world, and the
  subscription moves its listener to the new world's log (whose numbers carry on the
  old one's). A reader too slow for its queue loses the oldest events and is told by
  an event `gap` (no id, so a reconnect with Last-Event-ID replays from the log).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from testbed.api.context import RSP_CODE, kftc_answer
from testbed.api.context import start as start_call
from testbed.clock import SimClock
from testbed.network.world import World
from testbed.runtime import Runtime
from testbed.typedefs import INSTITUTION, RUNTIME, Handler
from testbed.web import readiness

Event = dict[str, Any]

API_PREFIXES = ("/v2.0/", "/oauth/2.0/")
TOKEN_PATH = "/oauth/2.0/token"
#: wall seconds between `: keep-alive` comments on a quiet stream
KEEPALIVE = 15.0
#: wall seconds between looks at whether the reader is still there
POLL = 0.5
#: events a reader may fall behind by before the oldest are dropped
QUEUE_SIZE = 1000

STREAMS: web.AppKey[set[Subscription]] = web.AppKey("event_streams")


def install(app: web.Application) -> None:
    """Event streams that end on shutdown (the api events come from `api_call`, which the
    app's one middleware calls for the KFTC API's paths)."""
    app[STREAMS] = set()
    app.on_shutdown.append(_end_streams)


# --- api events ---------------------------------------------------------------------------


async def api_call(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A KFTC API call answered as KFTC does (`kftc_answer`), and told as an `api` event.

    No closure and no coroutine for the event of an authenticated call (the institution is
    the token's): the event costs a dict and the log's append."""
    runtime = request.app[RUNTIME]
    clock = runtime.clock  # the call's own: a reset during the call replaces the world's
    try:
        response = await kftc_answer(request, handler)
    except web.HTTPException as e:  # a redirect from the consent pages, ...
        caller = await _tell(request, runtime, clock, e.status, None)
        if caller is not None and caller in runtime.world.readiness.active:
            await readiness.observe(request, runtime, caller, e)
        raise
    except Exception:
        await _tell(request, runtime, clock, 500, None)
        raise
    told = request.get(RSP_CODE)  # the rsp_code `Call.answer` rendered (none: a page)
    rsp_code = told[0] if told is not None and isinstance(told[0], str) else None
    call = start_call(request)
    world = runtime.world  # the world now: a reset during the call has replaced it
    if call.authenticated is not None:
        who: str | None = call.authenticated.client.client_use_code
    else:
        who = await _client_use_code(request, world)
    now = world.clock.now()
    elapsed = round((now if world.clock is clock else clock.now()) - call.now, 3)
    path = request.path
    # an open readiness run of this institution keeps the call: a dict lookup inline (no
    # call) is all it costs while nobody has one open
    if who is not None and who in world.readiness.active:
        await readiness.observe(request, runtime, who, response)
    # OAuth's answers (no rsp_code) say what they did instead; the API's path makes no call
    outcome = _outcome(path, response) if rsp_code is None else _NO_OUTCOME
    world.events.emit(
        now,
        "api",
        method=request.method,
        path=path,
        status=response.status,
        rsp_code=rsp_code,
        client_use_code=who,
        elapsed=elapsed,
        **outcome,
    )
    return response


_NO_OUTCOME: dict[str, str] = {}


def _outcome(path: str, response: web.StreamResponse) -> dict[str, str]:
    """What an answer without rsp_code did (OAuth's): `token` issued; a redirect to the
    callback with a `code` or an `error=<name>` (never the code itself); else nothing (a
    page: its HTTP status says it)."""
    if path == TOKEN_PATH:
        return {"outcome": "token"} if response.status == 200 else {}
    location = response.headers.get("Location", "")
    if location:
        query = parse_qs(urlsplit(location).query)
        if "error" in query:
            return {"outcome": f"error={query['error'][0][:40]}"}
        return {"outcome": "code" if "code" in query else "redirect"}
    return {}


async def _tell(
    request: web.Request, runtime: Runtime, clock: SimClock, status: int, rsp_code: str | None
) -> str | None:
    """The event of a call that ended in an exception (no answer of its own); who made it."""
    world = runtime.world
    began = start_call(request).now
    who = await _client_use_code(request, world)
    world.events.emit(
        world.clock.now(),
        "api",
        method=request.method,
        path=request.path,
        status=status,
        rsp_code=rsp_code,
        client_use_code=who,
        elapsed=round(clock.now() - began, 3),
    )
    return who


async def _client_use_code(request: web.Request, world: World) -> str | None:
    """Who called: the token's institution, else the client_id the call named. A token
    the gateway refused after reading it (O0006 from outside the IP allow-list, O0003
    expired, O0011 a scope, a revoked one) still names its institution: the call is the
    institution's to debug on My Page. An unknown token names nobody."""
    call = start_call(request)
    if call.authenticated is not None:
        return call.authenticated.client.client_use_code
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        grant = world.auth.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is not None:
            return grant.client_use_code
    client_id = request.query.get("client_id", "")
    form = request.content_type == "application/x-www-form-urlencoded"
    if not client_id and request.method == "POST" and form:
        try:
            value = (await request.post()).get("client_id", "")  # read already: cached
        except (web.HTTPException, ValueError):
            value = ""
        client_id = value if isinstance(value, str) else ""
    if not client_id:  # a consent page's form names its flow, whose institution it is
        named: str | None = request.get(INSTITUTION)
        return named
    client = world.directory.clients_by_id.get(client_id)
    return client.client_use_code if client is not None else None


# --- the stream ---------------------------------------------------------------------------


class Subscription:
    """One reader: the current world's events (of one type, or all), in a bounded queue,
    each with its server-sent frame (encoded once for every reader: `_frame_once`)."""

    def __init__(self, runtime: Runtime, type_: str | None = None, size: int | None = None):
        self.runtime = runtime
        self.type = type_
        self.queue: asyncio.Queue[tuple[Event, bytes]] = asyncio.Queue(size or QUEUE_SIZE)
        self.lost: list[int] = []  # seq of the events dropped since the last gap was told
        self.ended = asyncio.Event()
        self._log = runtime.world.events
        self._log.listeners.append(self.deliver)
        runtime.world_listeners.append(self.follow)

    def deliver(self, event: Event) -> None:
        if self.type is not None and event["type"] != self.type:
            return
        if self.queue.full():
            self.lost.append(self.queue.get_nowait()[0]["seq"])
        self.queue.put_nowait((event, _frame_once(event)))

    def follow(self, old: World, new: World) -> None:
        """The runtime swapped its world: listen to the new one's log from now on."""
        _remove(self._log.listeners, self.deliver)
        self._log = new.events
        self._log.listeners.append(self.deliver)

    def take_gap(self) -> Event | None:
        if not self.lost:
            return None
        gap = {"dropped": len(self.lost), "first": self.lost[0], "last": self.lost[-1]}
        self.lost = []
        return gap

    def close(self) -> None:
        _remove(self._log.listeners, self.deliver)
        _remove(self.runtime.world_listeners, self.follow)


def _remove(listeners: list[Any], listener: Any) -> None:
    with contextlib.suppress(ValueError):
        listeners.remove(listener)


def frame(event: Event) -> bytes:
    """One server-sent event: `id`, `event` (the type), `data` (the event as JSON)."""
    data = json.dumps(event, ensure_ascii=False)
    return f"id: {event['seq']}\nevent: {event['type']}\ndata: {data}\n\n".encode()


#: the last event framed and its frame: the log tells its listeners (every reader) of an
#: event one after the other, so the first encodes it and the others reuse the bytes (60
#: dashboards cost 60 encodings of every event before). Held strongly, so `is` is safe.
_last_framed: tuple[Event, bytes] | None = None


def _frame_once(event: Event) -> bytes:
    global _last_framed
    last = _last_framed
    if last is not None and last[0] is event:
        return last[1]
    data = frame(event)
    _last_framed = (event, data)
    return data


def _gap_frame(gap: Event) -> bytes:
    return f"event: gap\ndata: {json.dumps(gap)}\n\n".encode()


async def stream(request: web.Request, since: int, type_: str | None) -> web.StreamResponse:
    """The events after `since` that the log still holds, then live ones, until the reader goes."""
    runtime = request.app[RUNTIME]
    response = web.StreamResponse(
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
    response.content_type = "text/event-stream"
    response.charset = "utf-8"
    await response.prepare(request)
    subscription = Subscription(runtime, type_)
    streams = request.app[STREAMS]
    streams.add(subscription)
    try:
        log = runtime.world.events
        oldest = log.items[0]["seq"] if log.items else log.seq + 1
        if 0 < since < oldest - 1:  # the bounded log has let some of them go
            let_go = {"dropped": oldest - 1 - since, "first": since + 1, "last": oldest - 1}
            await response.write(_gap_frame(let_go))
        last = since
        for event in log.since(since, type_):
            await response.write(frame(event))
            last = event["seq"]
        while True:
            live = await _next(request, response, subscription)
            if live is None:
                break
            gap = subscription.take_gap()
            if gap is not None:
                await response.write(_gap_frame(gap))
            event, data = live
            if event["seq"] > last:
                await response.write(data)
                last = event["seq"]
    except ConnectionError:
        pass  # the reader went away while we wrote (a closing transport)
    finally:
        subscription.close()
        streams.discard(subscription)
    return response


async def _next(
    request: web.Request, response: web.StreamResponse, subscription: Subscription
) -> tuple[Event, bytes] | None:
    """The next event; a keep-alive comment every KEEPALIVE s; None once the reader is gone."""
    loop = asyncio.get_running_loop()
    quiet_until = loop.time() + KEEPALIVE
    while True:
        if subscription.ended.is_set() or request.transport is None:
            return None
        wait = max(0.0, min(POLL, quiet_until - loop.time()))
        try:
            return await asyncio.wait_for(subscription.queue.get(), wait)
        except TimeoutError:
            pass
        if loop.time() >= quiet_until and request.transport is not None:
            await response.write(b": keep-alive\n\n")
            quiet_until = loop.time() + KEEPALIVE


async def _end_streams(app: web.Application) -> None:
    """Shutting down: every stream ends now, so the server need not wait for them."""
    streams = app[STREAMS]
    for subscription in streams:
        subscription.ended.set()
