"""The simulated clock: virtual (demand-driven) and realtime (speed, freeze), and KST helpers."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Generator
from typing import Any

import pytest
import simpy
from hypothesis import given
from hypothesis import strategies as st

from testbed.clock import (
    ClockError,
    RealtimeClock,
    VirtualClock,
    api_tran_dtm,
    date_and_time,
    from_compact,
    iso_kst,
    make_clock,
    parse_kst,
    second_of_day,
    to_kst,
    yyyymmdd,
    yyyymmddhhmmss,
)

T0 = parse_kst("2026-03-02T10:00:00+09:00")


def sleeper(env: simpy.Environment, seconds: float) -> Generator[simpy.Event, Any, float]:
    yield env.timeout(seconds)
    return float(env.now)


def test_kst_helpers() -> None:
    t = parse_kst("2026-12-31T23:59:58.123")  # naive means KST
    assert iso_kst(t) == "2026-12-31T23:59:58.123+09:00"
    assert yyyymmdd(t) == "20261231"
    assert yyyymmddhhmmss(t) == "20261231235958"
    assert api_tran_dtm(t) == "20261231235958123"
    assert second_of_day(t) == pytest.approx(86398.123)
    assert parse_kst("2026-12-31T14:59:58+00:00") == pytest.approx(t - 0.123)
    with pytest.raises(ClockError, match="ISO-8601"):
        parse_kst("yesterday")


def test_time_strings_agree_with_strftime_at_every_edge() -> None:
    """The f-string formatting (no strftime on the hot path) gives strftime's strings:
    random moments over decades and the instants around KST midnights."""
    rng = random.Random(20)
    midnight = parse_kst("2026-03-02T00:00:00")
    moments = [rng.uniform(0, 4e9) for _ in range(20_000)]
    moments += [midnight + day * 86400 + d for day in range(-400, 400, 7) for d in (-1e-3, 0, 1e-3)]
    for t in moments:
        dt = to_kst(t)
        assert yyyymmdd(t) == dt.strftime("%Y%m%d"), t
        assert yyyymmddhhmmss(t) == dt.strftime("%Y%m%d%H%M%S"), t
        assert api_tran_dtm(t) == dt.strftime("%Y%m%d%H%M%S") + f"{dt.microsecond // 1000:03d}", t
        assert date_and_time(t) == (dt.strftime("%Y%m%d"), dt.strftime("%H%M%S")), t
        whole = dt.replace(microsecond=0)
        assert from_compact(whole.strftime("%Y%m%d"), whole.strftime("%H%M%S")) == whole.timestamp()


async def test_virtual_time_jumps_while_a_caller_waits() -> None:
    clock = VirtualClock(T0)
    async with clock:
        ended = await clock.run(sleeper(clock.env, 3600))
    assert ended == T0 + 3600
    assert clock.now() == T0 + 3600
    assert clock.demand == 0


async def test_virtual_concurrent_callers_share_simulated_time() -> None:
    clock = VirtualClock(T0)
    async with clock:
        ends = await asyncio.gather(*(clock.run(sleeper(clock.env, s)) for s in (5, 1, 3)))
    assert ends == [T0 + 5, T0 + 1, T0 + 3]
    assert clock.now() == T0 + 5  # not 9: they ran side by side


async def test_virtual_time_does_not_overshoot_to_unrelated_events() -> None:
    clock = VirtualClock(T0)
    fired: list[float] = []

    def timeline() -> Generator[simpy.Event, Any, None]:
        yield clock.env.timeout(13.5 * 3600)  # 23:30
        fired.append(clock.now())

    clock.env.process(timeline())
    async with clock:
        await clock.run(sleeper(clock.env, 60))
        await asyncio.sleep(0.01)  # give the stepping task every chance to misbehave
    assert clock.now() == T0 + 60
    assert fired == []
    clock.set(T0 + 14 * 3600)
    assert fired == [T0 + 13.5 * 3600]


async def test_failing_process_raises_in_the_caller() -> None:
    clock = VirtualClock(T0)

    def broken() -> Generator[simpy.Event, Any, None]:
        yield clock.env.timeout(1)
        raise RuntimeError("bank exploded")

    async with clock:
        with pytest.raises(RuntimeError, match="bank exploded"):
            await clock.run(broken())
        assert await clock.run(sleeper(clock.env, 1)) == T0 + 2  # still stepping


def test_virtual_set_and_shift_run_events_in_order_and_refuse_backwards() -> None:
    clock = VirtualClock(T0)
    seen: list[tuple[str, float]] = []

    def at(label: str, delay: float) -> Generator[simpy.Event, Any, None]:
        yield clock.env.timeout(delay)
        seen.append((label, clock.now()))

    clock.env.process(at("b", 20))
    clock.env.process(at("a", 10))
    clock.shift(15)
    assert seen == [("a", T0 + 10)]
    clock.set(T0 + 30)
    assert seen == [("a", T0 + 10), ("b", T0 + 20)]
    assert clock.now() == T0 + 30
    with pytest.raises(ClockError, match="backwards"):
        clock.set(T0)
    with pytest.raises(ClockError, match="forward"):
        clock.shift(-1)
    with pytest.raises(ClockError, match="speed"):
        clock.set_speed(60)
    with pytest.raises(ClockError):
        clock.freeze()


async def test_realtime_follows_speed_and_freezes() -> None:
    clock = RealtimeClock(T0, speed=3600)  # an hour per wall second
    async with clock:
        await asyncio.sleep(0.05)
        assert clock.now() - T0 >= 0.04 * 3600
        clock.freeze()
        frozen_at = clock.now()
        await asyncio.sleep(0.05)
        assert clock.now() == frozen_at
        # frozen, a request still completes: time moves only by what it needs
        assert await clock.run(sleeper(clock.env, 2)) == pytest.approx(frozen_at + 2)
        assert clock.now() == pytest.approx(frozen_at + 2)
        clock.resume()
        clock.set_speed(1)
        resumed = clock.now()
        await asyncio.sleep(0.05)
        assert 0.03 <= clock.now() - resumed < 5
    with pytest.raises(ClockError, match="backwards"):
        clock.set(T0)
    with pytest.raises(ClockError, match="speed"):
        clock.set_speed(0)


async def test_realtime_steps_events_at_their_wall_moment() -> None:
    clock = RealtimeClock(T0, speed=100)
    async with clock:
        ended = await asyncio.wait_for(clock.run(sleeper(clock.env, 5)), timeout=5)
    assert ended == pytest.approx(T0 + 5)
    assert clock.now() >= T0 + 5


def test_set_on_realtime_runs_due_events() -> None:
    clock = RealtimeClock(T0)
    fired: list[float] = []

    def timeline() -> Generator[simpy.Event, Any, None]:
        yield clock.env.timeout(600)
        fired.append(clock.env.now)

    clock.env.process(timeline())
    clock.set(T0 + 3600)
    assert fired == [T0 + 600]
    assert clock.now() >= T0 + 3600


def test_make_clock() -> None:
    assert make_clock("virtual", T0).mode == "virtual"
    assert make_clock("realtime", None).mode == "realtime"
    with pytest.raises(ClockError):
        make_clock("virtual", None)
    with pytest.raises(ClockError):
        make_clock("sundial", T0)


@given(
    st.one_of(
        st.floats(min_value=0, max_value=4e9, allow_nan=False),
        # the microsecond's rounding edges, where the second or the millisecond carries
        st.builds(
            lambda s, f: s + f,
            st.integers(0, 4 * 10**9),
            st.sampled_from([0.0, 0.0004995, 0.0005, 0.9994995, 0.9995, 0.99999949, 0.9999995]),
        ),
    )
)
def test_the_cached_formats_are_the_datetime_formats(t: float) -> None:
    """iso_kst, api_tran_dtm and date_and_time are built from cached strings of the day and
    the second, not from a datetime: the same text as formatting `to_kst(t)`."""
    dt = to_kst(t)
    assert iso_kst(t) == dt.isoformat(timespec="milliseconds")
    assert api_tran_dtm(t) == dt.strftime("%Y%m%d%H%M%S") + f"{dt.microsecond // 1000:03d}"
    assert date_and_time(t) == (dt.strftime("%Y%m%d"), dt.strftime("%H%M%S"))
