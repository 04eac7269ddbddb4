"""Open one testbed's world: network file, clock, database, seeded or restored state.

Everything that can be wrong with the inputs (a bad banks file, a database made
for another network, a bad start time) fails here, before any server starts.

A running testbed can swap its world for another (`reset` to the seeded world,
`restore` a snapshot): `Runtime.replace_world` rewrites the database to the new world,
moves the clock's stepping task over and tells `world_listeners`. The event log goes on
across worlds: the new log takes over the old one's events and sequence numbers, so a
reader following `since` or `Last-Event-ID` never sees a number twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from testbed.clock import RealtimeClock, SimClock, iso_kst, make_clock, parse_kst
from testbed.config import NetworkConfig, load_network
from testbed.config.settings import DEFAULT_VIRTUAL_START, Settings
from testbed.network.events import EventLog
from testbed.network.gateway import Gateway
from testbed.network.retention import PurgeReport
from testbed.network.seed import WorldSize, populate
from testbed.network.world import World
from testbed.resources import network_path
from testbed.rng import SECRET_SOURCES, SecretSource
from testbed.store import Store
from testbed.store.audit import ProcessingLog
from testbed.store.snapshots import (
    decode_snapshot,
    encode_snapshot,
    restore_snapshot,
    snapshot_state,
)

#: what a retention purge removes of people's data (transfer records with their 요청고객,
#: ledger lines): the fields the processing log names
PURGED_FIELDS = (
    "account_num",
    "holder_name",
    "print_content",
    "tran_amt",
    "req_client_name",
    "req_client_account_num",
    "req_client_fintech_use_num",
    "req_client_num",
)
#: called with (old, new) once a new world has taken over
WorldListener = Callable[[World, World], None]
#: a world of at least this many accounts is frozen out of the garbage collector's sight
#: (gc.freeze) once made: a full collection would walk millions of objects that live as
#: long as the world (about a second a million accounts), in the middle of a request
FREEZE_ACCOUNTS = 100_000
#: wall seconds a replaced world's clock keeps stepping for requests that began on it:
#: at least RETIRE_GRACE (a handler may start its model call a moment after the swap),
#: then while any is still waiting on it, up to RETIRE_WITHIN in all
RETIRE_GRACE = 5.0
RETIRE_WITHIN = 60.0


@dataclass
class Runtime:
    settings: Settings
    network: NetworkConfig
    world: World
    store: Store
    created: bool  # True: generated from the seed now; False: restored from the database
    notes: list[str] = field(default_factory=list)
    world_listeners: list[WorldListener] = field(default_factory=list, compare=False, repr=False)
    _stepping: bool = field(default=False, init=False, compare=False, repr=False)
    #: `serve` freezes every world, whatever its size (`freeze_now`): what lives as long as
    #: the world is out of the collector's sight, so its passes walk only what requests make
    freeze_every_world: bool = field(default=False, init=False, compare=False, repr=False)
    _swap: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, compare=False, repr=False)
    _retiring: set[asyncio.Task[None]] = field(
        default_factory=set, init=False, compare=False, repr=False
    )
    _gateway: Gateway | None = field(default=None, init=False, compare=False, repr=False)
    #: the personal-data processing log (개인정보 처리내역): in the store's file, not world
    #: state (reset and restore leave it), opened with the store
    processing_log: ProcessingLog = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.processing_log = ProcessingLog(self.store)
        self.world.purge_listeners.append(self._log_purge)

    def _log_purge(self, report: PurgeReport) -> None:
        """A retention purge is a deletion of personal data: the processing log has it."""
        if not report.total:
            return
        self.processing_log.purged(
            time=report.time,
            subjects=[
                *report.subjects,
                *(self.store.account_ref(bank, num) for bank, num in report.accounts),
            ],
            fields=PURGED_FIELDS,
            counts=report.removed,
        )

    @property
    def clock(self) -> SimClock:
        return self.world.clock

    @property
    def gateway(self) -> Gateway:
        """The Open Banking use cases over the current world (made anew when it changes)."""
        gateway = self._gateway
        if gateway is None or gateway.world is not self.world:
            gateway = self._gateway = Gateway(self.world)
        return gateway

    @contextlib.asynccontextmanager
    async def stepping(self) -> AsyncIterator[None]:
        """Run the current world's clock; on the way out, stop whichever clock is current then."""
        await self.clock.__aenter__()
        self._stepping = True
        try:
            yield
        finally:
            self._stepping = False
            for task in list(self._retiring):
                task.cancel()
            await asyncio.gather(*self._retiring, return_exceptions=True)
            await self.clock.__aexit__(None, None, None)

    async def replace_world(self, world: World) -> None:
        """Make `world` (new, not yet stepped) the testbed's world, on disk and in memory.

        The database's world tables are rewritten to it in one transaction and the store
        follows its changes from now on; the old world is detached first, so nothing it
        still does reaches the disk. If the clock is stepping, the new clock starts before
        `self.world` changes, and the old one stops in the background once the requests
        still waiting on it have their answers (see `_retire`), so no handler that began
        on the old world waits forever on a clock that no longer moves.
        """
        async with self._swap:
            gc.unfreeze()  # the old world may go now; the collector sees all again
            old = self.world
            _continue_log(old.events, world.events)
            self.store.detach(old)
            self.store.replace_world(world)
            self.store.attach(world)
            if self._log_purge in old.purge_listeners:
                old.purge_listeners.remove(self._log_purge)
            world.purge_listeners.append(self._log_purge)
            if self._stepping:
                await world.clock.__aenter__()
                retire = asyncio.create_task(_retire(old.clock), name="retire-clock")
                self._retiring.add(retire)
                retire.add_done_callback(self._retiring.discard)
                # once the old world is let go, not before (frozen, it would never be)
                retire.add_done_callback(lambda _: self._freeze_if_large(world))
            self.world = world
            for listener in list(self.world_listeners):
                listener(old, world)
            del old
            await self.store.durable()
            if not self._stepping:  # after this frame lets the old world go
                asyncio.get_running_loop().call_soon(self._freeze_if_large, world)

    def _freeze_if_large(self, world: World) -> None:
        """A large world (see FREEZE_ACCOUNTS), or any under `serve`, still the current one,
        out of the collector's sight; what the old one left is collected first."""
        if world is not self.world:
            return
        if self.freeze_every_world or len(world.ledger.accounts) >= FREEZE_ACCOUNTS:
            _freeze()

    def freeze_now(self) -> None:
        """Collect what is garbage, then freeze every object alive (`gc.freeze`): `serve`
        calls it once started, and every world swap (reset, restore, a scenario) again.
        In paired in-process runs this took 20 µs of a request's collector work (docs/
        benchmarks.md, round 2); a full pass over a world costs ~1 s a million accounts."""
        self.freeze_every_world = True
        _freeze()

    async def reset(self) -> World:
        """Back to the world the seed makes, the clock at the settings' start."""
        seed = self.world.seed
        world = await asyncio.to_thread(seeded_world, self.settings, self.network, seed)
        await self.replace_world(world)
        world.events.emit(world.clock.now(), "reset", seed=seed)
        return world

    async def snapshot(self, label: str) -> tuple[int, float]:
        """Save the whole world as it is now; returns the snapshot's id and simulated time."""
        self.clock.sync()
        state = snapshot_state(self.world)
        data = await asyncio.to_thread(encode_snapshot, state)
        time = float(state["clock"]["time"])
        snapshot_id = self.store.save_snapshot(label, time, data)
        await self.store.durable()
        return snapshot_id, time

    async def restore(self, snapshot_id: int) -> tuple[World, str, float] | None:
        """The world of a snapshot, clock included, with the snapshot's label and time;
        None if there is no such snapshot."""
        await self.store.durable()
        found = self.store.snapshot(snapshot_id)
        if found is None:
            return None
        label, time, data = found
        world = await asyncio.to_thread(
            world_from_snapshot, self.network, data, secrets_of(self.settings)
        )
        await self.replace_world(world)
        world.events.emit(world.clock.now(), "restore", snapshot=snapshot_id, label=label)
        return world, label, time

    def close(self) -> None:
        self.store.put_meta("clock", repr(self.clock.now()))
        self.store.flush()
        self.store.close()
        gc.unfreeze()


def _freeze() -> None:
    gc.unfreeze()  # what an old world left, frozen with it, can be collected now
    gc.collect()
    gc.freeze()


def open_runtime(settings: Settings, network: NetworkConfig | None = None) -> Runtime:
    """`network`: a network already loaded (a scenario's, with its overrides)."""
    network = network or load_network(network_path(settings.banks))
    requested = parse_kst(settings.start) if settings.start else None
    store = Store(settings.db, settings.data_key or None)
    collecting = gc.isenabled()
    gc.disable()  # what is made now lives as long as the world: nothing to collect yet
    try:
        notes: list[str] = []
        restoring = store.has_world()
        latest = store.last_time() if restoring else None
        if settings.clock == "virtual" and requested is None:
            requested = latest if latest is not None else parse_kst(DEFAULT_VIRTUAL_START)
        clock = make_clock(settings.clock, requested, settings.speed)
        if latest is not None and clock.now() < latest:
            # The ledger's history must stay in order: never resume before what it has seen.
            notes.append(f"the database has already seen {iso_kst(latest)}; the clock starts there")
            clock.set(latest)
        if restoring:
            stored_seed = store.meta().get("seed")
            if stored_seed is not None and stored_seed != str(settings.seed):
                notes.append(f"the database was seeded with {stored_seed}; --seed is ignored")
            world = World(network, clock, int(stored_seed or settings.seed), secrets_of(settings))
            store.load(world)
            world.after_load()
        else:
            world = World(network, clock, settings.seed, secrets_of(settings))
            populate(world, WorldSize(users=settings.users, history_days=settings.history_days))
            store.save_world(world)
        store.attach(world)
        if len(world.ledger.accounts) >= FREEZE_ACCOUNTS:
            gc.freeze()
        return Runtime(settings, network, world, store, created=not restoring, notes=notes)
    except BaseException:
        store.close()
        raise
    finally:
        if collecting:
            gc.enable()


def seeded_world(settings: Settings, network: NetworkConfig, seed: int) -> World:
    """The world `seed` makes at the settings' start (a realtime clock without one: now)."""
    if settings.start:
        start: float | None = parse_kst(settings.start)
    elif settings.clock == "virtual":
        start = parse_kst(DEFAULT_VIRTUAL_START)
    else:
        start = None
    clock = make_clock(settings.clock, start, settings.speed)
    world = World(network, clock, seed, secrets_of(settings))
    populate(world, WorldSize(users=settings.users, history_days=settings.history_days))
    return world


def secrets_of(settings: Settings) -> type[SecretSource]:
    """The secret source the settings name (testbed.rng): the OS's, or a replay's. A
    replay's secrets follow the seed (a public value), so they are refused for a world kept
    in a database file, which a server would go on serving: `testbed replay` keeps its
    worlds in memory, for the run only."""
    if settings.secrets != SecretSource.mode and settings.db != ":memory:":
        raise ValueError(
            f"secrets={settings.secrets!r} is for testbed replay's in-memory worlds only;"
            f" a world kept in {settings.db} takes its secrets from the OS"
        )
    return SECRET_SOURCES[settings.secrets]


def world_from_snapshot(
    network: NetworkConfig, data: bytes, secrets: type[SecretSource] = SecretSource
) -> World:
    """A new world holding a snapshot (`Store.snapshot` data), on a clock like the one it had."""
    state = decode_snapshot(data)
    saved = state["clock"]
    at = float(saved["time"])
    if saved["mode"] == "realtime" and saved["frozen"]:
        # all but still until frozen, so it freezes at the very moment it was saved at
        clock: SimClock = RealtimeClock(at, speed=1e-9)
        clock.freeze()
        clock.set_speed(float(saved["speed"]))
    elif saved["mode"] == "realtime":
        clock = RealtimeClock(at, float(saved["speed"]))
    else:
        clock = make_clock(saved["mode"], at)
    world = World(network, clock, int(state["seed"]), secrets)
    restore_snapshot(world, state)
    world.after_load()
    return world


def _continue_log(old: EventLog, new: EventLog) -> None:
    """The new world's log carries on the old one: its events first, then the numbers go on."""
    fresh = list(new.items)  # a world that has not run yet has none; renumber any it has
    new.items.clear()
    new.items.extend(old.items)
    for seq, event in enumerate(fresh, start=old.seq + 1):
        event["seq"] = seq
        new.items.append(event)
    new.seq = old.seq + len(fresh)
    new.reindex()


async def _retire(clock: SimClock) -> None:
    """Keep a replaced world's clock stepping while requests may still wait on it, then stop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RETIRE_WITHIN
    try:
        await asyncio.sleep(RETIRE_GRACE)
        while clock.demand > 0 and loop.time() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await clock.__aexit__(None, None, None)
