"""No unauthenticated request grows storage without bound (issue 22 §2): thousands of
consent-page loads and console configs with made-up Host headers leave the database
within a stated bound and the demo institution's redirect URIs as they were."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from testbed.config.settings import Settings
from testbed.store.audit import Query
from testbed.typedefs import RUNTIME
from testbed.web.app import init_app

#: what 5,000 authorize loads and 1,000 console configs may add to the file, in all
BOUND_KB = 64


def size(db: Path) -> int:
    return sum(
        p.stat().st_size for p in (db, Path(f"{db}-wal"), Path(f"{db}-journal")) if p.exists()
    )


async def test_public_page_floods_stay_within_a_bound(
    aiohttp_client: Any, settings: Settings, tmp_path: Path
) -> None:
    db = tmp_path / "flood.db"
    client = await aiohttp_client(init_app(dataclasses.replace(settings, db=str(db))))
    runtime = client.server.app[RUNTIME]
    demo = next(iter(runtime.world.directory.clients.values()))
    redirect_uris = list(demo.redirect_uris)
    query = {
        "response_type": "code",
        "client_id": demo.client_id,
        "redirect_uri": redirect_uris[0],
        "scope": "login inquiry transfer",
        "state": "s",
    }
    assert (await client.get("/oauth/2.0/authorize", params=query)).status == 200
    runtime.store.flush()
    before = size(db)
    for i in range(5_000):
        resp = await client.get("/oauth/2.0/authorize", params={**query, "state": f"s{i}"})
        assert resp.status == 200
        await resp.read()
    port = client.server.port
    for i in range(1_000):
        resp = await client.get("/console/config", headers={"Host": f"h{i}.localhost:{port}"})
        assert resp.status == 200
        await resp.read()
    runtime.store.flush()
    grown = size(db) - before
    assert grown < BOUND_KB * 1024, f"{grown / 1024:.1f} kB"
    assert demo.redirect_uris == redirect_uris
    found = runtime.processing_log.search(Query())
    # one record for the sign-in list and one for the console's config, for this hour
    assert found.total == 2, [(r.actor, r.path) for r in found.records]
