"""The event-loop watch of `serve --loop-lag MS`: stalls logged, their callbacks named."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from typing import Any

import pytest

from testbed.config.settings import Settings
from testbed.web.app import init_app
from testbed.web.loop_watch import watching


async def test_a_stall_is_logged_and_the_callback_that_held_the_loop_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.get_running_loop()
    with caplog.at_level(logging.WARNING):
        async with watching(5):
            assert loop.get_debug()
            await asyncio.sleep(0.02)  # the probe is running
            loop.call_soon(time.sleep, 0.03)  # a callback that holds the loop for 30 ms
            await asyncio.sleep(0.05)
    assert not loop.get_debug()  # off again after the watch
    lags = [float(m) for m in re.findall(r"event loop lag ([\d.]+) ms", caplog.text)]
    assert lags and max(lags) >= 20, caplog.text
    assert re.search(r"Executing <Handle sleep\(0\.03\).*took 0\.0[3-9]\d* seconds", caplog.text)


async def test_off_unless_asked(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.get_running_loop()
    with caplog.at_level(logging.WARNING):
        async with watching(0):
            assert not loop.get_debug()
            assert not any(t.get_name() == "loop-lag-probe" for t in asyncio.all_tasks())
            loop.call_soon(time.sleep, 0.02)
            await asyncio.sleep(0.03)
    assert "event loop lag" not in caplog.text


async def test_serve_watches_when_settings_say_so(aiohttp_client: Any, settings: Settings) -> None:
    client = await aiohttp_client(init_app(dataclasses.replace(settings, loop_lag_ms=5.0)))
    assert any(t.get_name() == "loop-lag-probe" for t in asyncio.all_tasks())
    assert (await client.get("/testbed/clock")).status in (200, 401)
