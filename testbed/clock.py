"""Simulated KST time, coupled to asyncio: one clock, two speeds.

SimPy time is seconds since the Unix epoch; KST (UTC+9) is derived from it.

- `RealtimeClock` (default for `serve`): simulated time follows the wall clock at a
  speed factor, and can be set forward, shifted, sped up or frozen at run time.
- `VirtualClock` (default for `replay`): no sleeping at all. Time is demand-driven:
  it moves only while some request waits on the model, or up to a target that the
  control plane sets (`advance`), so a timeline event at 23:30 never fires just
  because it is next in the queue while the world is still at 10:00.

In both, an asyncio task owns the SimPy environment and steps it; requests become
SimPy processes whose end resolves an asyncio future. Nothing blocks the event loop
and nothing else in the testbed reads the wall clock (`wall_now` gives the processing log
its wall time).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Generator
from datetime import date, datetime, timedelta, timezone
from typing import Any, Final, TypeVar

import simpy

KST: Final = timezone(timedelta(hours=9), "KST")
DAY: Final = 86400.0
_EPOCH_DAY: Final = date(1970, 1, 1)
_INF = float("inf")

T = TypeVar("T")

#: A model process: a SimPy generator that yields events and returns a value.
ModelProcess = Generator[simpy.Event, Any, T]


class ClockError(ValueError):
    """A clock change the testbed refuses (moving backwards, speed on a virtual clock...)."""


# --- KST helpers: pure functions of simulated time -------------------------------------


def to_kst(t: float) -> datetime:
    return datetime.fromtimestamp(t, KST)


def from_kst(dt: datetime) -> float:
    """Epoch seconds of a datetime; a naive one is read as KST."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=KST)
    return dt.timestamp()


def parse_kst(text: str) -> float:
    """An ISO-8601 moment (`2026-11-23T23:29:30`, offset optional, KST if absent)."""
    try:
        return from_kst(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise ClockError(
            f"'{text}' is not an ISO-8601 time; expected e.g. 2026-11-23T23:29:30+09:00"
        ) from None


def iso_kst(t: float) -> str:
    """`2026-03-02T10:00:00.123+09:00`: `to_kst(t).isoformat(timespec="milliseconds")`
    (every event's time), from cached strings of the day and the second (see `_split`)."""
    if t < 0:
        return to_kst(t).isoformat(timespec="milliseconds")
    day, of_day, micro = _split(t)
    return f"{_iso_day(day)}T{_iso_time(of_day)}.{micro // 1000:03d}+09:00"


def wall_now() -> str:
    """The wall clock now, in KST (ISO-8601, milliseconds): when a person did something, as
    the processing log keeps it beside the simulated time. The one wall-clock reading a
    record may carry (nothing else outside this module reads the wall clock)."""
    return datetime.fromtimestamp(time.time(), KST).isoformat(timespec="milliseconds")


def second_of_day(t: float) -> float:
    """Seconds since KST midnight."""
    return (t + 9 * 3600) % DAY


def kst_midnight(t: float) -> float:
    """The epoch time of the KST midnight that starts t's day."""
    return t - second_of_day(t)


def next_time_of_day(t: float, seconds: int) -> float:
    """The first moment at or after `t` whose KST time of day is `seconds` after midnight:
    today's if it has not passed, else tomorrow's (so a README can say "the next 23:29:30"
    whatever day it is)."""
    moment = kst_midnight(t) + seconds
    return moment if moment >= t else moment + DAY


# Formatted with f-strings, not strftime (which asks the locale each time): these run
# several times for every API answer.


def yyyymmdd(t: float) -> str:
    return _day_string(int((t + 9 * 3600) // DAY))


@functools.lru_cache(maxsize=1024)
def _day_string(kst_day: int) -> str:
    """`YYYYMMDD` of a KST day (days since 1970-01-01 KST)."""
    d = _EPOCH_DAY + timedelta(days=kst_day)
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _split(t: float) -> tuple[int, int, int]:
    """(KST day since 1970-01-01, second of that day, microsecond) of `t` >= 0, as
    `datetime.fromtimestamp` has them: its microsecond is the fraction rounded half to
    even, so it carries into the next second from .9999995 up; half up here differs
    from half to even only at an exact half between an even and an odd microsecond,
    never at a millisecond's edge (x999.5 rounds up both ways), and only the
    millisecond is ever shown. Formatting a datetime cost ~2 µs a time; with the day's
    and the second's strings cached, a fraction of that (every answer formats the time
    twice, a transaction list once a row)."""
    whole = int(t)
    micro = int((t - whole) * 1e6 + 0.5)
    if micro >= 1_000_000:
        whole += 1
        micro -= 1_000_000
    day, of_day = divmod(whole + 9 * 3600, 86_400)
    return day, of_day, micro


@functools.cache  # at most 86,400 keys: one a second of the day
def _hhmmss(of_day: int) -> str:
    return f"{of_day // 3600:02d}{of_day // 60 % 60:02d}{of_day % 60:02d}"


@functools.cache  # at most 86,400 keys
def _iso_time(of_day: int) -> str:
    return f"{of_day // 3600:02d}:{of_day // 60 % 60:02d}:{of_day % 60:02d}"


@functools.lru_cache(maxsize=1024)
def _iso_day(kst_day: int) -> str:
    """`YYYY-MM-DD` of a KST day (days since 1970-01-01 KST)."""
    d = _EPOCH_DAY + timedelta(days=kst_day)
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def yyyymmddhhmmss(t: float) -> str:
    date, time_of_day = date_and_time(t)
    return date + time_of_day


def date_and_time(t: float) -> tuple[str, str]:
    """(`YYYYMMDD`, `HHMMSS`) in KST: a transaction row's tran_date and tran_time."""
    if t < 0:
        dt = to_kst(t)
        return (
            f"{dt.year:04d}{dt.month:02d}{dt.day:02d}",
            f"{dt.hour:02d}{dt.minute:02d}{dt.second:02d}",
        )
    day, of_day, _micro = _split(t)
    return _day_string(day), _hhmmss(of_day)


@functools.lru_cache(maxsize=4096)  # a transaction list's window: the same days over and over
def from_compact(date: str, time_of_day: str = "000000") -> float:
    """The moment of a KST `YYYYMMDD` and `HHMMSS` (ValueError when there is none)."""
    return datetime(
        int(date[:4]),
        int(date[4:6]),
        int(date[6:8]),
        int(time_of_day[:2]),
        int(time_of_day[2:4]),
        int(time_of_day[4:6]),
        tzinfo=KST,
    ).timestamp()


def api_tran_dtm(t: float) -> str:
    """`YYYYMMDDHHMMSSsss`, the envelope's api_tran_dtm (see `_split`)."""
    if t < 0:
        dt = to_kst(t)
        return (
            f"{dt.year:04d}{dt.month:02d}{dt.day:02d}{dt.hour:02d}{dt.minute:02d}"
            f"{dt.second:02d}{dt.microsecond // 1000:03d}"
        )
    day, of_day, micro = _split(t)
    return f"{_day_string(day)}{_hhmmss(of_day)}{micro // 1000:03d}"


# --- the SimPy environment --------------------------------------------------------------


class NetworkEnvironment(simpy.Environment):
    """A SimPy environment that can stand at any moment, not only at event times."""

    def advance_to(self, t: float) -> None:
        """Run every event scheduled at or before `t`, in order, then stand at `t`."""
        while self.peek() <= t:
            self.step()
        if t > self._now:
            self._now = t


# --- the clocks -------------------------------------------------------------------------


class SimClock:
    """What both clocks share: the environment, demand counting, the stepping task."""

    mode: str = ""

    def __init__(self, start: float) -> None:
        self.env = NetworkEnvironment(initial_time=start)
        self.demand = 0  # model processes started and not yet ended
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # reading
    def now(self) -> float:
        raise NotImplementedError

    def kst(self) -> datetime:
        return to_kst(self.now())

    def state(self) -> dict[str, Any]:
        now = self.now()
        return {
            "mode": self.mode,
            "now": iso_kst(now),
            "epoch": round(now, 3),
            "speed": self.speed,
            "frozen": self.frozen,
        }

    @property
    def speed(self) -> float:
        return 0.0

    @property
    def frozen(self) -> bool:
        return False

    # moving
    def set(self, t: float) -> None:
        """Move to `t`, running every scheduled event in between, in order."""
        raise NotImplementedError

    def shift(self, seconds: float) -> None:
        if seconds < 0:
            raise ClockError("the clock only moves forward: shift by a positive duration")
        self.set(self.now() + seconds)

    def set_speed(self, factor: float) -> None:
        raise ClockError(f"a {self.mode} clock has no speed factor; use a realtime clock")

    def freeze(self) -> None:
        raise ClockError(f"a {self.mode} clock only moves when asked; there is nothing to freeze")

    def resume(self) -> None:
        raise ClockError(f"a {self.mode} clock only moves when asked; there is nothing to resume")

    def _refuse_backwards(self, t: float) -> None:
        now = self.now()
        if t < now:
            raise ClockError(
                f"the clock cannot move backwards (now {iso_kst(now)}, asked for {iso_kst(t)}):"
                " the ledger's history must stay in order"
            )

    def sync(self) -> None:
        """Bring the model up to the current simulated time (run the due events)."""
        self.env.advance_to(self.now())

    # requests
    def start(self, process: ModelProcess[T]) -> asyncio.Future[T]:
        """Start a model process now; the future resolves when it ends."""
        self.sync()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        proc = self.env.process(process)
        self.demand += 1

        def ended(event: simpy.Event) -> None:
            # Demand drops here, inside the SimPy step, not when the handler resumes:
            # otherwise virtual time could overshoot by one event.
            self.demand -= 1
            if future.done():
                return
            value: Any = event.value
            if not event.ok:
                event.defused = True
                future.set_exception(value)
            else:
                future.set_result(value)

        proc.callbacks.append(ended)
        self._after_start()
        return future

    async def run(self, process: ModelProcess[T]) -> T:
        return await self.start(process)

    def _after_start(self) -> None:
        self._wake.set()

    # the stepping task
    async def _step_forever(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> SimClock:
        self._task = asyncio.create_task(self._step_forever(), name=f"{self.mode}-clock")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _wait_for_wake(self, timeout: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()


class VirtualClock(SimClock):
    """As fast as possible and deterministic: time jumps to the next event while callers wait."""

    mode = "virtual"
    #: steps between yields to the event loop, so a long run never starves the server
    BATCH = 512

    def now(self) -> float:
        return float(self.env.now)

    def set(self, t: float) -> None:
        self._refuse_backwards(t)
        self.env.advance_to(t)

    async def _step_forever(self) -> None:
        while True:
            await self._wait_for_wake(None)
            steps = 0
            while self.demand > 0 and self.env.peek() < _INF:
                self.env.step()
                steps += 1
                if steps % self.BATCH == 0:
                    await asyncio.sleep(0)


class RealtimeClock(SimClock):
    """Simulated time follows the wall clock at `speed`; it can be set forward or frozen.

    While frozen, time moves only as far as in-flight requests need (their latency), so
    a tester can hold the network at 23:29:50 and still get answers.
    """

    mode = "realtime"

    def __init__(self, start: float | None = None, speed: float = 1.0) -> None:
        wall = time.time()
        super().__init__(wall if start is None else start)
        self._anchor_sim = float(self.env.now)
        self._anchor_wall = time.monotonic()
        self._speed = 1.0
        self._frozen = False
        self.set_speed(speed)

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def frozen(self) -> bool:
        return self._frozen

    def now(self) -> float:
        if self._frozen:
            return max(self._anchor_sim, float(self.env.now))
        return self._anchor_sim + (time.monotonic() - self._anchor_wall) * self._speed

    def _anchor(self, t: float) -> None:
        self._anchor_sim = t
        self._anchor_wall = time.monotonic()

    def set(self, t: float) -> None:
        self._refuse_backwards(t)
        self._anchor(t)
        self.sync()
        self._wake.set()

    def set_speed(self, factor: float) -> None:
        if not factor > 0 or factor > 1_000_000:
            raise ClockError(f"speed must be above 0 and at most 1000000, not {factor}")
        self._anchor(self.now())
        self._speed = float(factor)
        self._wake.set()

    def freeze(self) -> None:
        self._anchor(self.now())
        self._frozen = True
        self._wake.set()

    def resume(self) -> None:
        self._anchor(self.now())
        self._frozen = False
        self._wake.set()

    def _after_start(self) -> None:
        # Run what is due now at once (a zero-latency process ends here), then let the
        # stepping task sleep until the next event's wall-clock moment.
        self.sync()
        self._wake.set()

    async def _step_forever(self) -> None:
        while True:
            self.sync()
            nxt = self.env.peek()
            if nxt == _INF:
                await self._wait_for_wake(None)
            elif self._frozen:
                if self.demand > 0:
                    self.env.step()  # frozen: only in-flight requests move time
                    self._anchor_sim = max(self._anchor_sim, float(self.env.now))
                    await asyncio.sleep(0)
                else:
                    await self._wait_for_wake(None)
            else:
                delay = max(0.0, (nxt - self.now()) / self._speed)
                await self._wait_for_wake(delay)


def make_clock(mode: str, start: float | None, speed: float = 1.0) -> SimClock:
    if mode == "realtime":
        return RealtimeClock(start, speed)
    if mode == "virtual":
        if start is None:
            raise ClockError("a virtual clock needs a start time")
        return VirtualClock(start)
    raise ClockError(f"unknown clock mode '{mode}'; expected realtime or virtual")
