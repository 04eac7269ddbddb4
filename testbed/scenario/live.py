"""A scenario loaded into a running testbed: its world and timeline, not its steps.

`testbed serve --scenario FILE` and `POST /testbed/scenarios` both come here, so a
developer's own client meets the scripted conditions (in real time, or at the
scenario's speed) exactly as a replay would set them up.
"""

from __future__ import annotations

import logging
from typing import Any

from testbed.clock import iso_kst, make_clock, parse_kst
from testbed.network.seed import WorldSize, populate
from testbed.network.world import World
from testbed.runtime import Runtime, secrets_of
from testbed.scenario.loader import Loader
from testbed.scenario.model import Scenario

log = logging.getLogger("testbed.scenario")


async def load_into(runtime: Runtime, scenario: Scenario) -> dict[str, Any]:
    """Replace the running world with the scenario's; returns what it made, by name, and
    what it replaced (said in the log and the event log too: a workshop running on the
    old world's institutions and clock is not to be surprised)."""
    replaced = _what_runs(runtime.world)
    settings = runtime.settings
    data = scenario.data
    start = parse_kst(scenario.start) if "start" in data else runtime.clock.now()
    mode = data.get("clock", settings.clock) if settings.clock == "virtual" else settings.clock
    clock = make_clock(mode, start, float(data.get("speed", settings.speed)))
    world = World(scenario.network, clock, scenario.seed, secrets_of(settings))
    size = data.get("world", {})
    populate(
        world, WorldSize(users=size.get("users", 10), history_days=size.get("history_days", 30))
    )
    await runtime.replace_world(world)
    loader = Loader(world, scenario)
    values = loader.apply_fixtures()
    loader.schedule_timeline(origin=world.clock.now())
    world.clock.sync()
    world.events.emit(
        world.clock.now(), "scenario_loaded", scenario=scenario.name, replaced=replaced
    )
    log.warning(
        "scenario %r replaced the world: institutions %s, %d users, seed %d, clock %s"
        " -> institutions %s, clock %s",
        scenario.name,
        ", ".join(replaced["institutions"]) or "none",
        replaced["users"],
        replaced["seed"],
        replaced["now"],
        ", ".join(sorted(world.directory.clients)) or "none",
        iso_kst(world.clock.now()),
    )
    await runtime.store.durable()
    return {
        "scenario": scenario.name,
        "replaced": replaced,
        "now": iso_kst(world.clock.now()),
        "clock": world.clock.state(),
        "timeline": len(data.get("timeline", [])),
        "fixtures": values,
    }


def _what_runs(world: World) -> dict[str, Any]:
    """What a running world is, as a workshop knows it: its institutions, users, seed, clock."""
    return {
        "institutions": sorted(world.directory.clients),
        "users": len(world.directory.users),
        "seed": world.seed,
        "now": iso_kst(world.clock.now()),
        "clock": world.clock.state()["mode"],
    }
