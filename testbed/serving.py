"""Running the app on several sites at once: plain HTTP and, under `serve --tls`, HTTPS.

aiohttp's `web.run_app` serves every site it opens with one `ssl_context`, so it cannot
serve HTTP and HTTPS together. `run_sites` is its loop with a site per (host, port,
context) and the same life: SIGINT and SIGTERM end it gracefully, the runner shuts the
app down (on_shutdown, on_cleanup: the store's last flush), then the remaining tasks
are cancelled and the loop is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web


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
    app: web.Application, sites: Sequence[Site], *, loop: asyncio.AbstractEventLoop
) -> None:
    """Serve `app` on every site until SIGINT or SIGTERM; SiteError if one cannot listen."""

    async def serve() -> None:
        runner = web.AppRunner(app, handle_signals=True)
        await runner.setup()
        try:
            for site in sites:
                await _start(runner, site)
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


async def _start(runner: web.AppRunner, site: Site) -> None:
    try:
        await web.TCPSite(runner, site.host, site.port, ssl_context=site.ssl_context).start()
    except OSError as e:
        hint = ""
        if e.errno == errno.EACCES and site.port < 1024:
            hint = (
                "; ports below 1024 need privileges: serve on a higher port and redirect to it,"
                " or grant the right to listen (setcap, authbind), as the README's"
                ' "Point a hard-coded client at the testbed" shows'
            )
        raise SiteError(f"cannot listen on {site.url}: {e.strerror or e}{hint}") from e
