"""Running the app on its sites: plain HTTP and, under `serve --tls`, HTTPS.

aiohttp's `web.run_app` serves every site it opens with one `ssl_context`, so it cannot
serve HTTP and HTTPS together. `run_sites` is its loop with a site per (host, port,
context) and the same life: SIGINT and SIGTERM end it gracefully, the runner shuts the
app down (on_shutdown, on_cleanup: the store's last flush), then the remaining tasks
are cancelled and the loop is closed.

It also bounds what connections may cost, as a shared service must:

- An idle keep-alive connection is closed after `keepalive_timeout` seconds (15 by
  default; aiohttp's own is 75 s and more), and so is one that never sends a request.
- At most `max_connections` are open at once, over every site (`Admission`; by default
  the open-file limit less `RESERVED_FDS` kept for the database, the log and the
  recording). At the cap, a new client takes the place of the oldest idle connection;
  if every connection is busy it is answered 503 with Retry-After and closed, and the
  refusals are logged at most once a second, with their count.
- When accept() itself fails (out of file descriptors all the same), asyncio stops
  accepting for a second and reports it; those reports are logged at most once a second
  with a count (`ThrottledAcceptErrors`), not one stack trace each.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

log = logging.getLogger("testbed.serving")

#: seconds an idle keep-alive connection is kept (serve --keepalive-timeout)
DEFAULT_KEEPALIVE_TIMEOUT = 15.0
#: file descriptors kept for the rest of the process when the cap is the open-file limit
RESERVED_FDS = 128
#: how often, at most, a kind of connection trouble is logged (seconds)
LOG_EVERY = 1.0
_REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 1\r\nConnection: close\r\nContent-Length: 41\r\n\r\n"
    b"too many open connections: try again soon"
)


def default_max_connections() -> int:
    """The open-file limit less RESERVED_FDS (at least 16): past it, accept() fails."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):  # pragma: no cover - not POSIX
        return 1024
    if soft == resource.RLIM_INFINITY:
        return 10_000
    return max(16, soft - RESERVED_FDS)


class Throttled:
    """A warning logged at most once every LOG_EVERY seconds, with how many times it
    happened since the last time it was logged."""

    def __init__(self, what: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.what = what
        self.clock = clock
        self.count = 0  # since the last line
        self.total = 0
        self._last = float("-inf")

    def __call__(self, detail: str = "") -> None:
        self.count += 1
        self.total += 1
        now = self.clock()
        if now - self._last >= LOG_EVERY:
            self._last = now
            log.warning("%s: %d time(s) since the last report%s", self.what, self.count, detail)
            self.count = 0


class _Refused(asyncio.Protocol):
    """A connection over the cap: told 503 at once, and closed."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.WriteTransport):
            transport.write(_REFUSAL)
        transport.close()


def _idle(handler: RequestHandler) -> bool:
    """Waiting for a request on a kept-alive (or new) connection, none in progress.
    aiohttp keeps this in private fields (3.x): `_waiter` is the future the handler
    awaits for the next message."""
    waiter = getattr(handler, "_waiter", None)
    return waiter is not None and not waiter.done() and not handler._request_in_progress


class Admission:
    """The protocol factory of every site: counts open connections, makes room at the cap
    by closing the oldest idle one, or refuses (see the module's docstring)."""

    def __init__(self, server: web.Server, cap: int) -> None:
        self.server = server
        self.cap = cap
        self.refusals = Throttled(f"connections refused: {cap} open (the cap) and none idle")
        self.evicted = 0
        self._open: dict[RequestHandler, None] = {}  # oldest first
        lost = server.connection_lost

        def connection_lost(handler: RequestHandler, exc: BaseException | None = None) -> None:
            self._open.pop(handler, None)
            lost(handler, exc)

        server.connection_lost = connection_lost  # type: ignore[method-assign]

    @property
    def open(self) -> int:
        return len(self._open)

    def __call__(self) -> asyncio.BaseProtocol:
        if len(self._open) >= self.cap and not self._make_room():
            self.refusals()
            return _Refused()
        handler = self.server()
        self._open[handler] = None
        return handler

    def _make_room(self) -> bool:
        for handler in self._open:
            if _idle(handler):
                del self._open[handler]
                handler.force_close()
                self.evicted += 1
                return True
        return False


class ThrottledAcceptErrors:
    """The loop's exception handler: asyncio's "socket.accept() out of system resource"
    reports at most once a second, with their count; everything else as before."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.previous = loop.get_exception_handler()
        self.accept_errors = Throttled("socket.accept() failed (out of file descriptors?)")

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if str(context.get("message", "")).startswith("socket.accept()"):
            error = context.get("exception")
            self.accept_errors(f": {error}" if error else "")
            return
        if self.previous is not None:
            self.previous(loop, context)
        else:
            loop.default_exception_handler(context)


class AdmittedSite(web.TCPSite):
    """A TCP site whose connections are made by the shared `Admission`."""

    def __init__(self, runner: web.AppRunner, site: Site, admission: Admission) -> None:
        super().__init__(runner, site.host, site.port, ssl_context=site.ssl_context)
        self.admission = admission

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner
        self._server = await asyncio.get_running_loop().create_server(
            self.admission,
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
            reuse_port=self._reuse_port,
        )


@dataclass(frozen=True, slots=True)
class Site:
    host: str
    port: int
    ssl_context: ssl.SSLContext | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.host}:{self.port}"


class SiteError(Exception):
    """A site could not listen (port taken, or privileged); the message says which."""


def run_sites(
    app: web.Application,
    sites: Sequence[Site],
    *,
    loop: asyncio.AbstractEventLoop,
    keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT,
    max_connections: int | None = None,
) -> None:
    """Serve `app` on every site until SIGINT or SIGTERM; SiteError if one cannot listen."""

    async def serve() -> None:
        loop.set_exception_handler(ThrottledAcceptErrors(loop))
        runner = web.AppRunner(app, handle_signals=True, keepalive_timeout=keepalive_timeout)
        await runner.setup()
        assert runner.server is not None
        admission = Admission(runner.server, max_connections or default_max_connections())
        try:
            for site in sites:
                await _start(runner, site, admission)
            while True:
                await asyncio.sleep(3600)
        finally:
            await runner.cleanup()

    main = loop.create_task(serve())
    try:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        try:
            if not main.done():
                main.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    loop.run_until_complete(main)
        finally:
            rest = asyncio.all_tasks(loop)
            for task in rest:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            asyncio.set_event_loop(None)  # no closed loop left behind as the current one


async def _start(runner: web.AppRunner, site: Site, admission: Admission) -> None:
    try:
        await AdmittedSite(runner, site, admission).start()
    except OSError as e:
        hint = ""
        if e.errno == errno.EACCES and site.port < 1024:
            hint = (
                "; ports below 1024 need privileges: serve on a higher port and redirect to it,"
                " or grant the right to listen (setcap, authbind), as the README's"
                ' "Point a hard-coded client at the testbed" shows'
            )
        raise SiteError(f"cannot listen on {site.url}: {e.strerror or e}{hint}") from e
