"""`POST /testbed/scenarios`: load a scenario's world and timeline into this server."""

from __future__ import annotations

import asyncio
import re

from aiohttp import web

from testbed.resources import data_path
from testbed.scenario.live import load_into
from testbed.scenario.model import ScenarioError, load_scenario, parse_scenario
from testbed.store.audit import ALL, DELETE
from testbed.web.control.common import processed, runtime_of
from testbed.web.processing import EVERY_FIELD
from testbed.web.render import json_response

#: a library scenario's name: the stem of a file of scenarios/ (checked before the file
#: system sees it: a 300-character name once raised "File name too long", a 500)
_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")


async def load(request: web.Request) -> web.Response:
    """The body is a scenario (YAML), or `?name=happy_path` loads one of the shipped library."""
    name = request.query.get("name")
    try:
        if name:
            path = data_path("scenarios") / f"{name}.yaml"
            if not _NAME.fullmatch(name) or not path.exists():
                return json_response({"error": f"no scenario {name!r} in the library"}, 404)
            scenario = load_scenario(path)
        else:
            try:
                text = await request.text()
            except UnicodeDecodeError:
                return json_response({"error": "a scenario is YAML text in UTF-8"}, 400)
            if not text.strip():
                return json_response(
                    {"error": "post a scenario (YAML) or ?name=<library file>"}, 400
                )
            # off the event loop: a scenario is checked against a schema and a network,
            # which takes a while for a long one; every other client is answered meanwhile
            scenario = await asyncio.to_thread(parse_scenario, text)
    except ScenarioError as e:
        return json_response(
            {"error": "the scenario has errors", "problems": [str(p) for p in e.problems]}, 400
        )
    loaded = await load_into(runtime_of(request), scenario)
    purpose = "시나리오 적재 (세계 교체) · a scenario replaced the world"
    processed(request, DELETE, (ALL,), EVERY_FIELD, purpose, scenario=scenario.name)
    return json_response(loaded, 201)
