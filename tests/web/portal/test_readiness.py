"""Readiness over HTTP, with Alice and Bob on one testbed: a developer's run of their own
institution keeps only its calls, drills touch only it, the report comes as JSON and JUnit,
nobody sees another's run, and the operator sees any."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest

from tests.api.conftest import Api
from tests.tenants import Tenant

READINESS = "/portal/api/apps/{code}/readiness"


def url(who: Tenant, tail: str = "") -> str:
    return READINESS.format(code=who.code) + tail


async def contract(who: Tenant, purpose: str) -> str:
    _, page = await who.json("GET", f"/portal/api/apps/{who.code}")
    return str(next(c for c in page["contract_accounts"] if c["purpose"] == purpose)["account_num"])


class Client:
    """A tenant's fintech server calling the KFTC API (over the same test server)."""

    def __init__(self, api: Api, who: Tenant) -> None:
        self.api, self.who = api, who
        self.serial = 0

    def tran_id(self) -> str:
        self.serial += 1
        return f"{self.who.code}U{self.serial:09d}"

    async def withdraw(self, amount: int = 1000) -> dict[str, Any]:
        account = self.who.user["accounts"][0]
        return await self.api.post(
            "/v2.0/transfer/withdraw/fin_num",
            self.who.user["access_token"],
            {
                "bank_tran_id": self.tran_id(),
                "cntr_account_type": "N",
                "cntr_account_num": await contract(self.who, "withdraw"),
                "dps_print_content": "충전",
                "fintech_use_num": account["fintech_use_num"],
                "tran_amt": str(amount),
                "tran_dtime": "20260302100000",
                "req_client_name": self.who.user["name"],
                "req_client_fintech_use_num": account["fintech_use_num"],
                "req_client_num": "CUST0001",
                "transfer_purpose": "TR",
            },
        )

    async def deposit(self, token: str, amount: int = 1000) -> dict[str, Any]:
        account = self.who.user["accounts"][0]
        return await self.api.post(
            "/v2.0/transfer/deposit/fin_num",
            token,
            {
                "cntr_account_type": "N",
                "cntr_account_num": await contract(self.who, "deposit"),
                "wd_pass_phrase": "NONE",
                "wd_print_content": "지급",
                "name_check_option": "on",
                "tran_dtime": "20260302100000",
                "req_cnt": "1",
                "req_list": [
                    {
                        "tran_no": "1",
                        "bank_tran_id": self.tran_id(),
                        "fintech_use_num": account["fintech_use_num"],
                        "print_content": "지급",
                        "tran_amt": str(amount),
                        "req_client_name": self.who.user["name"],
                        "req_client_fintech_use_num": account["fintech_use_num"],
                        "req_client_num": "CUST0001",
                        "transfer_purpose": "TR",
                    }
                ],
            },
        )

    async def balance(self) -> dict[str, Any]:
        account = self.who.user["accounts"][0]
        return await self.api.get(
            "/v2.0/account/balance/fin_num",
            self.who.user["access_token"],
            bank_tran_id=self.tran_id(),
            fintech_use_num=account["fintech_use_num"],
            tran_dtime="20260302100000",
        )

    async def bank_status(self, token: str) -> dict[str, Any]:
        return await self.api.get("/v2.0/bank/status", token)


async def test_a_run_keeps_only_its_institutions_calls(
    api: Api, alice: Tenant, bob: Tenant
) -> None:
    status, run = await alice.json("POST", url(alice), json={})
    assert status == 201 and run["state"] == "open" and run["calls_seen"] == 0
    alices, bobs = Client(api, alice), Client(api, bob)
    assert (await alices.withdraw())["rsp_code"] == "A0000"
    assert (await bobs.withdraw())["rsp_code"] == "A0000"
    assert (await bobs.balance())["rsp_code"] == "A0000"
    _, report = await alice.json("GET", url(alice))
    assert report["calls_seen"] == report["calls_kept"] == 1
    # a second run while one is open is refused, and changes nothing
    status, refused = await alice.json("POST", url(alice), json={})
    assert status == 409 and refused["field"] == "run"
    assert len((await alice.json("GET", url(alice, "/runs")))[1]["runs"]) == 1


async def test_nobody_sees_or_drives_another_developers_run(alice: Tenant, bob: Tenant) -> None:
    await alice.json("POST", url(alice), json={})
    for method, tail, body in (
        ("GET", "", None),
        ("GET", "/runs", None),
        ("GET", "/junit", None),
        ("POST", "", {}),
        ("POST", "/finish", {}),
        ("POST", "/drills", {"kind": "cutover"}),
    ):
        status, answer = await bob.json(method, url(alice, tail), json=body)
        assert status == 404, (method, tail, answer)
    _, report = await alice.json("GET", url(alice))
    assert report["state"] == "open" and report["drills"] == []
    status, _ = await bob.json("GET", url(bob))
    assert status == 404  # Bob has no run of his own either


async def test_drills_affect_only_the_institution_that_asked(
    api: Api, alice: Tenant, bob: Tenant
) -> None:
    alices, bobs = Client(api, alice), Client(api, bob)
    alice_oob, bob_oob = await alice.token(), await bob.token()
    await alice.json("POST", url(alice), json={})
    await bob.json("POST", url(bob), json={})  # Bob watches his own calls: none may change

    status, drill = await alice.json("POST", url(alice, "/drills"), json={"kind": "cutover"})
    assert status == 201 and drill["kind"] == "cutover" and drill["expects_en"]
    closed = await alices.withdraw()
    assert (closed["rsp_code"], closed["bank_rsp_code"]) == ("A0002", "503")
    assert {b["bank_status"] for b in (await alices.bank_status(alice_oob))["res_list"]} == {"N"}
    assert (await bobs.withdraw())["rsp_code"] == "A0000"
    assert {b["bank_status"] for b in (await bobs.bank_status(bob_oob))["res_list"]} == {"Y"}
    _, network = await bob.json("GET", "/portal/api/network")
    # every bank open: nobody sees Alice's drill
    assert {b["state"] for b in network["banks"]} == {"open"}
    _, events = await bob.json("GET", "/portal/api/events")
    assert not [e for e in events["events"] if e["type"].startswith("fault")]
    assert alice.code not in str(events)
    await api.advance(shift="3m")  # the drill lasted 2 minutes

    await alice.json("POST", url(alice, "/drills"), json={"kind": "bank_refusal", "for": "1m"})
    assert (await alices.withdraw())["bank_rsp_code"] == "401"
    assert (await bobs.withdraw())["rsp_code"] == "A0000"
    await api.advance(shift="2m")

    await alice.json("POST", url(alice, "/drills"), json={"kind": "timeout_after_commit"})
    assert (await bobs.withdraw())["rsp_code"] == "A0000"  # not Bob's: Alice's still waits
    assert (await alices.withdraw())["rsp_code"] == "A0017"
    assert (await alices.withdraw())["rsp_code"] == "A0000"  # a one-shot: used up

    await alice.json("POST", url(alice, "/drills"), json={"kind": "deposit_fails"})
    assert (await bobs.deposit(bob_oob))["rsp_code"] == "A0000"
    assert (await alices.deposit(alice_oob))["rsp_code"] == "A0009"
    assert (await alices.deposit(alice_oob))["rsp_code"] == "A0000"

    await alice.json("POST", url(alice, "/drills"), json={"kind": "rate_limit"})
    limited = await api.http.get(
        "/v2.0/bank/status", headers={"Authorization": f"Bearer {alice_oob}"}
    )
    body = await limited.json()
    assert body["rsp_code"] == "O0008" and limited.headers["Retry-After"] == "5"
    assert (await bobs.bank_status(bob_oob))["rsp_code"] == "A0000"
    await api.advance(shift="6s")
    assert (await alices.bank_status(alice_oob))["rsp_code"] == "A0000"

    await alice.json("POST", url(alice, "/drills"), json={"kind": "expired_token"})
    assert (await alices.bank_status(alice_oob))["rsp_code"] == "O0003"
    assert (await bobs.bank_status(bob_oob))["rsp_code"] == "A0000"
    assert (await bobs.balance())["rsp_code"] == "A0000"

    _, bobs_report = await bob.json("GET", url(bob))
    assert bobs_report["counts"]["failed"] == 0  # nothing of Alice's drills reached Bob
    assert bobs_report["coverage"]["situations"] == {
        kind: False for kind in bobs_report["coverage"]["situations"]
    }
    _, alices_report = await alice.json("GET", url(alice))
    assert [d["kind"] for d in alices_report["drills"]] == [
        "cutover", "bank_refusal", "timeout_after_commit", "deposit_fails", "rate_limit",
        "expired_token",
    ]  # fmt: skip
    assert all(alices_report["coverage"]["situations"].values())


async def test_drills_are_refused_clearly_and_change_nothing(alice: Tenant) -> None:
    status, answer = await alice.json("POST", url(alice, "/drills"), json={"kind": "cutover"})
    assert status == 409 and "start" in answer["error"]  # no run open
    await alice.json("POST", url(alice), json={})
    for body, field in (
        ({"kind": "meteor"}, "kind"),
        ({}, "kind"),
        ({"kind": "cutover", "for": "forever"}, "for"),
        ({"kind": "cutover", "for": "2h"}, "for"),
        ({"kind": "deposit_fails", "api": "balance"}, "api"),
        ({"kind": "cutover", "bank": "088"}, "bank"),
    ):
        status, answer = await alice.json("POST", url(alice, "/drills"), json=body)
        assert (status, answer["field"]) == (400, field), (body, answer)
        assert " · " in answer["error"]  # Korean, then English
    _, report = await alice.json("GET", url(alice))
    assert report["drills"] == []


async def test_finishing_grades_the_run_and_ends_its_drills(api: Api, alice: Tenant) -> None:
    alices = Client(api, alice)
    await alice.json("POST", url(alice), json={})
    await alice.json("POST", url(alice, "/drills"), json={"kind": "cutover", "for": "10m"})
    assert (await alices.withdraw())["rsp_code"] == "A0002"
    await api.advance(shift="1m")
    assert (await alices.withdraw())["rsp_code"] == "A0002"  # backed off a minute: fine
    status, report = await alice.json("POST", url(alice, "/finish"), json={})
    assert status == 200 and report["state"] == "finished" and report["finished"]
    assert (await alices.withdraw())["rsp_code"] == "A0000"  # the drill ended with the run
    checks = {c["id"]: c for c in report["checks"]}
    assert checks["backoff-when-closed"]["status"] == "passed"
    assert checks["uncertain-outcome-asks-result"]["status"] == "not_exercised"
    assert report["verdict"] == "INCOMPLETE"
    # a finished run's report is kept as it was graded: later calls do not change it
    _, again = await alice.json("GET", url(alice))
    assert again["checks"] == report["checks"] and again["calls_seen"] == 2
    status, _ = await alice.json("POST", url(alice, "/finish"), json={})
    assert status == 409


async def test_a_failure_shows_the_calls_that_show_it_without_secrets(
    api: Api, alice: Tenant
) -> None:
    alices = Client(api, alice)
    await alice.json("POST", url(alice), json={})
    token = await alice.token()
    await alice.json("POST", url(alice, "/drills"), json={"kind": "cutover"})
    for _ in range(2):  # at once, without bank/status: no back-off
        await alices.withdraw()
    status, report = await alice.json("POST", url(alice, "/finish"), json={})
    assert status == 200
    failed = next(c for c in report["checks"] if c["id"] == "backoff-when-closed")
    assert failed["status"] == "failed" and failed["advice_en"] and failed["advice_ko"]
    assert [c["path"] for c in failed["calls"]] == ["/v2.0/transfer/withdraw/fin_num"] * 2
    assert failed["calls"][0]["answer"]["bank_rsp_code"] == "503"
    assert report["verdict"] == "FAIL"
    text = str(report)
    assert token not in text and alice.client_secret not in text
    assert alice.user["access_token"] not in text
    token_call = next(
        e
        for e in api.runtime.world.readiness.calls(api.runtime.world.readiness.runs[report["run"]])
        if e.path == "/oauth/2.0/token"
    )
    assert token_call.request["client_secret"].startswith("fp:")
    assert token_call.answer["access_token"].startswith("fp:")


async def test_the_report_as_junit(api: Api, alice: Tenant) -> None:
    await alice.json("POST", url(alice), json={})
    await Client(api, alice).withdraw()
    await alice.json("POST", url(alice, "/finish"), json={})
    resp = await alice.http.get(alice.url(url(alice, "/junit")))
    assert resp.status == 200 and resp.content_type == "application/xml"
    suite = ElementTree.fromstring(await resp.read())
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests", "0")) == 18
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert int(suite.get("skipped", "0")) == len(skipped) > 0
    assert int(suite.get("failures", "-1")) == 0
    verdict = suite.find("properties/property[@name='verdict']")
    assert verdict is not None and verdict.get("value") == "INCOMPLETE"


@pytest.mark.parametrize("tail", ["", "/runs", "/junit"])
async def test_the_operator_reads_any_institutions_run(api: Api, alice: Tenant, tail: str) -> None:
    await alice.json("POST", url(alice), json={})
    resp = await api.http.get(f"/testbed/readiness/{alice.code}{tail}", headers=api.admin)
    assert resp.status == 200
    unauthorised = await api.http.get(f"/testbed/readiness/{alice.code}{tail}")
    assert unauthorised.status == 401


async def test_the_operator_runs_a_drill_and_finishes(api: Api, alice: Tenant) -> None:
    base = f"/testbed/readiness/{alice.code}"
    assert (await api.http.post(base, headers=api.admin)).status == 201
    resp = await api.http.post(f"{base}/drills", json={"kind": "rate_limit"}, headers=api.admin)
    assert resp.status == 201
    resp = await api.http.post(f"{base}/drills", json={"kind": "x"}, headers=api.admin)
    assert resp.status == 400 and (await resp.json())["field"] == "kind"
    resp = await api.http.post(f"{base}/finish", headers=api.admin)
    assert resp.status == 200 and (await resp.json())["state"] == "finished"
    assert (await api.http.get("/testbed/readiness/Z999999999", headers=api.admin)).status == 404
