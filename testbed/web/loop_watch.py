"""Watching the event loop for stalls (issue 17): a lag probe, and asyncio's own naming of
slow callbacks. Both are off unless `serve --loop-lag MS` turns them on, for benchmarks
and investigations: every request waits behind whatever holds the loop, so a callback
that runs for 30 ms is 30 ms added to every answer due meanwhile.

- The probe sleeps `PROBE_INTERVAL` again and again and logs each wake-up later than
  `threshold` ("event loop lag 12.3 ms"): how long the loop was held, whatever held it.
- asyncio's debug mode logs each callback that ran longer than `threshold` with its name
  ("Executing <Task ...> took 0.031 seconds"): what held it. Debug mode costs CPU itself,
  so its figures are an upper bound; the names are what it is for.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

log = logging.getLogger("testbed.loop")

#: how often the probe looks: short enough to see a 5 ms stall, cheap enough not to cause one
PROBE_INTERVAL = 0.002


async def _probe(threshold: float) -> None:
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(PROBE_INTERVAL)
        lag = loop.time() - before - PROBE_INTERVAL
        if lag >= threshold:
            log.warning("event loop lag %.1f ms", lag * 1000)


@contextlib.asynccontextmanager
async def watching(threshold_ms: float) -> AsyncIterator[None]:
    """Watch the running loop while the context lasts (nothing when `threshold_ms` <= 0)."""
    if threshold_ms <= 0:
        yield
        return
    loop = asyncio.get_running_loop()
    threshold = threshold_ms / 1000
    loop.set_debug(True)
    loop.slow_callback_duration = threshold
    logging.getLogger("asyncio").setLevel(logging.WARNING)
    task = asyncio.create_task(_probe(threshold), name="loop-lag-probe")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        loop.set_debug(False)
