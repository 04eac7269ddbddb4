"""The examiner proven on clients: a well-behaved client passes a run with every drill; each
misbehaving one fails exactly its own check."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.readiness.conftest import Fintech, Payee
from tests.tenants import Tenant


async def test_a_well_behaved_client_passes_a_run_with_every_drill(
    api: Api, developer: Tenant, outside: Payee
) -> None:
    report = await Fintech(api, developer, outside).run()
    shown = {c["id"]: (c["status"], c.get("detail_en", "")) for c in report["checks"]}
    assert report["verdict"] == "PASS", [(k, v) for k, v in shown.items() if v[0] != "passed"]
