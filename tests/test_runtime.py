"""The runtime's hold on the garbage collector: a large world is frozen out of its sight."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from testbed import runtime as runtime_module
from testbed.config.settings import Settings
from testbed.runtime import open_runtime


async def test_a_large_world_is_frozen_and_a_new_one_again_once_the_old_is_let_go(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_module, "FREEZE_ACCOUNTS", 1)  # every world is "large"
    gc.unfreeze()
    runtime = open_runtime(settings)
    try:
        assert gc.get_freeze_count() > 1_000  # the world, made with the collector off
        old = weakref.ref(runtime.world)
        await runtime.reset()
        assert runtime.world is not old()
        await asyncio.sleep(0)
        assert gc.get_freeze_count() > 1_000  # the new world frozen...
        assert old() is None  # ...once the old one was let go and collected, not with it
        monkeypatch.setattr(runtime_module, "FREEZE_ACCOUNTS", 10**9)
        await runtime.reset()
        await asyncio.sleep(0)
        assert gc.get_freeze_count() == 0  # a small world is left to the collector
    finally:
        runtime.close()
        gc.unfreeze()


async def test_serve_freezes_every_world_once_started_and_after_each_swap(
    settings: Settings,
) -> None:
    gc.unfreeze()
    runtime = open_runtime(settings)  # a small world: left to the collector...
    try:
        assert gc.get_freeze_count() == 0
        runtime.freeze_now()  # ...until serve has started
        assert gc.get_freeze_count() > 1_000
        old = weakref.ref(runtime.world)
        await runtime.reset()
        await asyncio.sleep(0)
        assert old() is None  # the old world collected (unfrozen first)...
        assert gc.get_freeze_count() > 1_000  # ...and the new one frozen
        assert any(o is runtime.world for o in gc.get_objects(generation=2)) is False
    finally:
        runtime.close()
        gc.unfreeze()
