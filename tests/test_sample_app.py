"""The sample fintech (samples/fintech_web) against a real `testbed serve`, over HTTP only.

The testbed runs as a child process (virtual clock: a time-out costs no wall time);
the sample runs in-process on aiohttp's test server, pointed at it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from samples.fintech_web.app import make_app
from samples.fintech_web.kftc import Config, bank_tran_id, explain
from tests.test_serve import ADMIN, call, free_port, serving

pytestmark = pytest.mark.subprocess
REDIRECT = "http://sample.test/callback"
SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "fintech_web"


@pytest.fixture(scope="module")
def testbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("sample") / "t.db"
    with serving(db, "--clock", "virtual", "--start", "2026-03-02T10:00:00") as (port, _):
        client = next(c for c in call(port, "GET", "/testbed/clients")["clients"])
        assert not client["self_auth"]
        uris = [*client["redirect_uris"], REDIRECT]
        call(port, "POST", f"/testbed/clients/{client['client_use_code']}", {"redirect_uris": uris})
        yield {"port": port, "base": f"http://127.0.0.1:{port}", "client": client}


@pytest.fixture
async def sample(testbed: dict[str, Any], tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    client = testbed["client"]
    contract = {a["purpose"]: a["account_num"] for a in client["contract_accounts"]}
    config = Config(
        base_url=testbed["base"],
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        client_use_code=client["client_use_code"],
        withdraw_account=contract["withdraw"],
        deposit_account=contract["deposit"],
        redirect_uri=REDIRECT,
        db=str(tmp_path / "wallet.db"),
    )
    async with TestClient(TestServer(make_app(config))) as test_client:
        yield test_client


async def sign_up(sample: TestClient[Any, Any], member_no: str) -> None:
    resp = await sample.post(
        "/signup", data={"member_no": member_no, "name": "김영희", "password": "password123"}
    )
    assert resp.status == 200 and resp.url.path == "/wallet"
    assert "계좌 연결하기" in await resp.text()


async def authorize(sample: TestClient[Any, Any], bank_code: str = "004") -> str:
    """Walk the testbed's consent pages as a browser would (a new user with one account
    at `bank_code`), then hand the code back to the sample's /callback. The wallet page."""
    resp = await sample.get("/connect", allow_redirects=False)
    assert resp.status == 302
    authorize_url = resp.headers["Location"]
    async with aiohttp.ClientSession() as browser:
        async with browser.get(authorize_url) as page:
            html = await page.text()
        flow = re.search(r'name="flow" value="([^"]+)"', html)
        assert flow, html
        form = {
            "flow": flow.group(1),
            "mode": "new",
            "name": "김영희",
            "birth_date": "19900101",
            "cell_no": "01012345678",
            "gender": "F",
            "bank_code": bank_code,
            "balance": "1000000",
        }
        base = authorize_url.split("/oauth/")[0]
        async with browser.post(f"{base}/oauth/2.0/authorize/signin", data=form) as page:
            html = await page.text()
        code = re.search(r'id="sms-code">(\d{6})<', html)
        assert code, html
        verify = {"flow": flow.group(1), "code": code.group(1)}
        async with browser.post(f"{base}/oauth/2.0/authorize/verify", data=verify) as page:
            html = await page.text()
        consent = {"flow": flow.group(1), "account": "0", "agree_inquiry": "Y"}
        consent["agree_transfer"] = "Y"
        async with browser.post(
            f"{base}/oauth/2.0/authorize/consent", data=consent, allow_redirects=False
        ) as page:
            assert page.status in (302, 303), await page.text()
            back = page.headers["Location"]
    assert back.startswith(REDIRECT)
    query = parse_qs(urlsplit(back).query)
    resp = await sample.get("/callback", params={k: v[0] for k, v in query.items()})
    assert resp.url.path == "/wallet", await resp.text()
    return await resp.text()


def fintech_use_num(wallet: str) -> str:
    found = re.search(r'href="/accounts/(\d{24})"', wallet)
    assert found, wallet
    return found.group(1)


async def test_the_whole_story_over_http(
    sample: TestClient[Any, Any], testbed: dict[str, Any]
) -> None:
    await sign_up(sample, "story01")
    wallet = await authorize(sample)
    num = fintech_use_num(wallet)
    page = await (await sample.get(f"/accounts/{num}")).text()
    assert 'id="balance">1,000,000<' in page
    resp = await sample.post("/points/charge", data={"fintech_use_num": num, "amount": "30000"})
    page = await resp.text()
    assert resp.status == 200 and "완료되었습니다" in page, page
    assert 'id="wd-limit">' in page  # wd_limit_remain_amt shown
    wallet = await (await sample.get("/wallet")).text()
    assert 'id="points">30,000<' in wallet
    resp = await sample.post("/points/payout", data={"fintech_use_num": num, "amount": "10000"})
    assert "완료되었습니다" in await resp.text()
    wallet = await (await sample.get("/wallet")).text()
    assert 'id="points">20,000<' in wallet
    page = await (await sample.get(f"/accounts/{num}")).text()
    assert 'id="balance">980,000<' in page
    assert "포인트지갑" in page  # the withdrawal in the account's history
    # more than the points held: refused by the sample itself, nothing sent
    resp = await sample.post("/points/payout", data={"fintech_use_num": num, "amount": "99999"})
    assert "포인트가 부족합니다" in await resp.text()
    # the money is conserved on the testbed's side
    assert call(testbed["port"], "GET", "/testbed/ledger/check")["ok"]


async def test_a_time_out_is_resolved_with_transfer_result(
    sample: TestClient[Any, Any], testbed: dict[str, Any]
) -> None:
    await sign_up(sample, "timeout01")
    num = fintech_use_num(await authorize(sample, "088"))
    fault = call(
        testbed["port"],
        "POST",
        "/testbed/faults",
        {"kind": "timeout_after_commit", "banks": ["088"], "api": "withdraw"},
    )
    try:
        resp = await sample.post("/points/charge", data={"fintech_use_num": num, "amount": "5000"})
        page = await resp.text()
    finally:
        call(testbed["port"], "DELETE", f"/testbed/faults/{fault['id']}")
    assert resp.status == 200
    assert 'id="rsp-code">A0017<' in page, page  # what the centre said first
    assert "완료되었습니다" in page  # and what transfer/result told
    assert "transfer/result" in page
    wallet = await (await sample.get("/wallet")).text()
    assert 'id="points">5,000<' in wallet  # the money moved: the points are given


async def test_an_expired_token_is_refreshed_then_consent_is_asked_again(
    sample: TestClient[Any, Any], testbed: dict[str, Any]
) -> None:
    await sign_up(sample, "expiry01")
    num = fintech_use_num(await authorize(sample))
    call(testbed["port"], "POST", "/testbed/clock", {"shift": "90d"})
    # the access token has expired (90 days), the refresh token not (100): refreshed
    page = await (await sample.get(f"/accounts/{num}")).text()
    assert 'id="balance">' in page, page
    call(testbed["port"], "POST", "/testbed/clock", {"shift": "101d"})
    # both expired: the customer is asked to consent again, not shown an error
    resp = await sample.get(f"/accounts/{num}")
    page = await resp.text()
    assert resp.status == 200 and "계좌 다시 연결하기" in page, page
    wallet = await (await sample.get("/wallet")).text()
    assert "계좌 연결하기" in wallet
    # and connecting again works
    assert fintech_use_num(await authorize(sample))


async def test_refusals_are_explained_to_the_customer(sample: TestClient[Any, Any]) -> None:
    await sign_up(sample, "refused01")
    num = fintech_use_num(await authorize(sample))
    # a magic amount: insufficient balance at the bank (A0002 / 401)
    resp = await sample.post("/points/charge", data={"fintech_use_num": num, "amount": "4040401"})
    page = await resp.text()
    assert resp.status == 200
    assert 'id="rsp-code">A0002<' in page and 'id="bank-rsp-code">401<' in page
    assert "잔액이 부족합니다" in page
    # bad input never reaches the centre, and never a 500
    resp = await sample.post("/points/charge", data={"fintech_use_num": num, "amount": "-5"})
    assert resp.status == 400 and "입력을 확인하세요" in await resp.text()
    resp = await sample.get("/accounts/" + "9" * 24)
    assert resp.status == 200 and 'id="rsp-code">A0304<' in await resp.text()


def test_bank_tran_id_shape_and_explanations() -> None:
    assert bank_tran_id("T991599190", 42) == "T991599190U000000042"
    assert "공동망 미개시" in explain("A0002", "503")
    assert "23:55" in explain("A0020")


def test_the_sample_imports_nothing_from_testbed() -> None:
    for path in SAMPLE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n == "testbed" or n.startswith("testbed.") for n in names), path


@contextmanager
def running_sample(testbed_base: str, db: Path) -> Iterator[str]:
    """`testbed sample` as a real process against a running testbed; its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "testbed",
            "sample",
            "--port",
            str(port),
            "--testbed",
            testbed_base,
            "--admin-token",
            ADMIN,
            "--db",
            str(db),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read() if proc.stdout else ""
                    raise AssertionError(f"the sample did not start:\n{out}") from None
                time.sleep(0.1)
        yield url
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


def test_testbed_sample_registers_its_callback_and_the_pages_link_it(
    testbed: dict[str, Any], tmp_path: Path
) -> None:
    with urllib.request.urlopen(testbed["base"] + "/sample", timeout=10) as resp:
        assert "testbed sample --testbed" in resp.read().decode()
    with running_sample(testbed["base"], tmp_path / "w.db") as url:
        clients = call(testbed["port"], "GET", "/testbed/clients")["clients"]
        uris = clients[0]["redirect_uris"]
        assert f"{url}/callback" in uris and REDIRECT in uris  # added, not replaced
        with urllib.request.urlopen(testbed["base"] + "/sample", timeout=10) as resp:
            assert f'href="{url}/"' in resp.read().decode()
        with urllib.request.urlopen(url + "/", timeout=10) as resp:
            assert "포인트 지갑" in resp.read().decode()
    for page in ("/", "/console"):
        with urllib.request.urlopen(testbed["base"] + page, timeout=10) as resp:
            assert 'href="/sample"' in resp.read().decode()


def test_testbed_sample_without_a_testbed_says_so(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "testbed",
            "sample",
            "--testbed",
            f"http://127.0.0.1:{free_port()}",
            "--admin-token",
            "x",
            "--db",
            str(tmp_path / "w.db"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "cannot configure" in done.stderr
