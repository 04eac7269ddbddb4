"""The examiner proven on clients: a well-behaved client passes a run with every drill; each
misbehaving one fails exactly its own check."""

from __future__ import annotations

import pytest

from testbed.network.readiness import CHECKS
from tests.api.conftest import Api
from tests.readiness.conftest import MISBEHAVING, Fintech, Payee
from tests.tenants import Tenant

MUSTS = {c.id for c in CHECKS if c.level == "must"}


async def test_a_well_behaved_client_passes_a_run_with_every_drill(
    api: Api, developer: Tenant, outside: Payee
) -> None:
    report = await Fintech(api, developer, outside).run()
    shown = {c["id"]: (c["status"], c.get("detail_en", "")) for c in report["checks"]}
    assert report["verdict"] == "PASS", [(k, v) for k, v in shown.items() if v[0] != "passed"]


def test_every_check_has_its_misbehaving_client() -> None:
    assert set(MISBEHAVING) == {c.id for c in CHECKS}
    assert all(issubclass(c, Fintech) and c is not Fintech for c in MISBEHAVING.values())


@pytest.mark.parametrize("check_id", [c.id for c in CHECKS])
async def test_a_client_wrong_in_one_way_fails_exactly_that_check(
    api: Api, developer: Tenant, outside: Payee, check_id: str
) -> None:
    report = await MISBEHAVING[check_id](api, developer, outside).run()
    failed = {c["id"] for c in report["checks"] if c["status"] == "failed"}
    assert failed == {check_id}, [
        (c["id"], c.get("detail_en"), c.get("calls")) for c in report["checks"] if c["id"] in failed
    ]
    assert report["verdict"] == ("FAIL" if check_id in MUSTS else "CONDITIONAL PASS")
