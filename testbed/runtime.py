"""Open one testbed's world: network file, clock, database, seeded or restored state.

Everything that can be wrong with the inputs (a bad banks file, a database made
for another network, a bad start time) fails here, before any server starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from testbed.clock import SimClock, iso_kst, make_clock, parse_kst
from testbed.config import NetworkConfig, load_network
from testbed.config.settings import DEFAULT_VIRTUAL_START, Settings
from testbed.network.seed import WorldSize, populate
from testbed.network.world import World
from testbed.resources import network_path
from testbed.store import Store


@dataclass
class Runtime:
    settings: Settings
    network: NetworkConfig
    world: World
    store: Store
    created: bool  # True: generated from the seed now; False: restored from the database
    notes: list[str] = field(default_factory=list)

    @property
    def clock(self) -> SimClock:
        return self.world.clock

    def close(self) -> None:
        self.store.put_meta("clock", repr(self.clock.now()))
        self.store.flush()
        self.store.close()


def open_runtime(settings: Settings) -> Runtime:
    network = load_network(network_path(settings.banks))
    requested = parse_kst(settings.start) if settings.start else None
    store = Store(settings.db)
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
            world = World(network, clock, int(stored_seed or settings.seed))
            store.load(world)
        else:
            world = World(network, clock, settings.seed)
            populate(world, WorldSize(users=settings.users, history_days=settings.history_days))
            store.save_world(world)
        store.attach(world)
        return Runtime(settings, network, world, store, created=not restoring, notes=notes)
    except BaseException:
        store.close()
        raise
