"""The sample fintech (samples/fintech_web) through a readiness run, as a developer would
do it: sign up on the portal, apply, configure the sample with the approved institution's
credentials, start a run, drive the sample through its flows with each drill laid,
finish, and get PASS. Against a real `testbed serve` (virtual clock), over HTTP only."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from samples.fintech_web.app import make_app
from samples.fintech_web.kftc import CLOSED_BACKOFF, Config
from tests.network.test_admission import application
from tests.test_sample_app import REDIRECT, authorize, fintech_use_num, sign_up
from tests.test_serve import call, serving

pytestmark = pytest.mark.subprocess


class SampleClock:
    """The sample's clock, moved with the testbed's simulated one (the sample waits on
    its own clock after a rate limit or a closed bank)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Developer:
    """A developer of the portal on the testbed subprocess, with their own session."""

    port: int
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def json(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, self.base + path, json=body) as resp:
            return resp.status, await resp.json(content_type=None)

    async def apply(self, company: str, number: str) -> dict[str, Any]:
        status, app = await self.json(
            "POST",
            "/portal/api/applications",
            application(company_name=company, business_number=number, redirect_uris=[REDIRECT]),
        )
        assert status == 201 and app["status"] == "approved", app
        return dict(app["credentials"])


@pytest.fixture
def testbed(tmp_path: Path) -> Iterator[int]:
    with serving(tmp_path / "t.db", "--clock", "virtual", "--start", "2026-03-02T10:00:00") as (
        port,
        _,
    ):
        yield port


@pytest.fixture
async def developer(testbed: int) -> AsyncIterator[Developer]:
    jar = aiohttp.CookieJar(unsafe=True)  # the testbed is an IP address
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        who = Developer(testbed, http)
        status, _ = await who.json(
            "POST", "/portal/api/signup", {"email": "dev@wallet.example", "password": "pw-wallet-1"}
        )
        assert status == 201
        yield who


async def test_the_sample_app_passes_a_readiness_run_with_every_drill(
    developer: Developer, tmp_path: Path
) -> None:
    port = developer.port
    credentials = await developer.apply("포인트 지갑", "104-81-37225")
    code = credentials["client_use_code"]
    _, app = await developer.json("GET", f"/portal/api/apps/{code}")
    contract = {a["purpose"]: a["account_num"] for a in app["contract_accounts"]}
    # somebody to send money to: a customer of the developer's other institution
    other = await developer.apply("다른 서비스", "120-81-47521")
    status, payee = await developer.json(
        "POST",
        f"/portal/api/apps/{other['client_use_code']}/users",
        {"name": "박철수", "birth_date": "19880505", "accounts": [{"bank_code": "004"}]},
    )
    assert status == 201, payee
    config = Config(
        base_url=developer.base,
        client_id=credentials["client_id"],
        client_secret=credentials["client_secret"],
        client_use_code=code,
        withdraw_account=contract["withdraw"],
        deposit_account=contract["deposit"],
        redirect_uri=REDIRECT,
        db=str(tmp_path / "wallet.db"),
    )
    clock = SampleClock()
    readiness = f"/portal/api/apps/{code}/readiness"

    async def drill_on(kind: str, api: str) -> None:
        asked = {"kind": kind, "api": api} if api else {"kind": kind}
        status, laid = await developer.json("POST", readiness + "/drills", asked)
        assert status in (200, 201), laid

    async def drill(kind: str) -> None:
        await drill_on(kind, "")

    def wait(seconds: float) -> None:
        call(port, "POST", "/testbed/clock", {"shift": f"{seconds:g}s"})
        clock.now += seconds

    async with TestClient(TestServer(make_app(config, clock))) as sample:

        async def page(path: str, **form: str) -> str:
            resp = await (sample.post(path, data=form) if form else sample.get(path))
            assert resp.status == 200, await resp.text()
            return await resp.text()

        def send(amount: int) -> dict[str, str]:
            account = payee["accounts"][0]
            return {
                "fintech_use_num": num,
                "bank_code": account["bank_code"],
                "account_num": account["account_num"],
                "holder_name": payee["name"],
                "amount": str(amount),
            }

        status, run = await developer.json("POST", readiness, {})
        assert status == 201, run
        await sign_up(sample, "wallet01")
        num = fintech_use_num(await authorize(sample, "088"))
        assert 'id="balance">1,000,000<' in await page(f"/accounts/{num}")
        assert "완료되었습니다" in await page("/points/charge", fintech_use_num=num, amount="30000")
        done = await page("/send", **send(7000))
        assert "완료되었습니다" in done and 'id="returned"' not in done

        await drill("timeout_after_commit")  # the next withdrawal: A0017 after it moved
        charged = await page("/points/charge", fintech_use_num=num, amount="11000")
        assert 'id="rsp-code">A0017<' in charged and "완료되었습니다" in charged

        await drill_on("timeout_after_commit", "deposit")  # the payout's deposit this time
        paid = await page("/points/payout", fintech_use_num=num, amount="6000")
        assert "transfer/result" in paid and "완료되었습니다" in paid, paid

        await drill("deposit_fails")  # the send's deposit is refused: the money comes back
        sent = await page("/send", **send(12000))
        assert "처리되지 않았습니다" in sent and "돌려드렸습니다" in sent, sent

        await drill("cutover")  # every bank closed to this institution for 120 s
        closed = await page("/points/charge", fintech_use_num=num, amount="13000")
        assert 'id="bank-rsp-code">503<' in closed
        again = await page("/points/charge", fintech_use_num=num, amount="13000")
        assert 'id="rsp-code">WAIT<' in again  # pressed again at once: not sent
        wait(CLOSED_BACKOFF + 61)
        assert "완료되었습니다" in await page("/points/charge", fintech_use_num=num, amount="13000")

        await drill("expired_token")  # refreshed (the customer's), issued again (ours)
        assert 'id="balance">' in await page(f"/accounts/{num}")
        assert "완료되었습니다" in await page("/points/payout", fintech_use_num=num, amount="5000")

        await drill("rate_limit")  # O0008 with Retry-After for 5 s
        limited = await page(f"/accounts/{num}")
        assert 'id="rsp-code">O0008<' in limited
        assert 'id="rsp-code">WAIT<' in await page(f"/accounts/{num}")  # not sent
        wait(5)
        assert 'id="balance">' in await page(f"/accounts/{num}")

        await drill("bank_refusal")  # withdrawals refused: insufficient balance (401)
        refused = await page("/points/charge", fintech_use_num=num, amount="15000")
        assert 'id="bank-rsp-code">401<' in refused and "잔액이 부족합니다" in refused
        wallet = await page("/wallet")
        assert 'id="points">' in wallet

    status, report = await developer.json("POST", readiness + "/finish", {})
    assert status == 200, report
    unmet = [(c["id"], c["status"], c.get("detail_en")) for c in report["checks"]]
    assert report["verdict"] == "PASS", [u for u in unmet if u[1] != "passed"]
    assert report["coverage"]["situations"] == dict.fromkeys(report["coverage"]["situations"], True)
    assert call(port, "GET", "/testbed/ledger/check")["ok"]
    assert re.fullmatch(r"RR\d{6}", report["run"])
