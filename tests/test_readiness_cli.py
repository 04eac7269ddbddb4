"""`testbed readiness` and `testbed wait` against a real `testbed serve`: a run started,
drilled and finished from the command line, its summary, JUnit XML and HTML files, and the
exit codes a CI gates on (3 for an unreachable or refusing testbed, never read as a verdict)."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from testbed.cli import READINESS_EXIT, READINESS_UNREACHED, main
from testbed.network.readiness.catalogue import CHECKS
from testbed.network.readiness.grading import Verdict
from tests.test_serve import ADMIN, call, free_port, serving

pytestmark = pytest.mark.subprocess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    db = tmp_path_factory.mktemp("readiness-cli") / "cli.db"
    with serving(db, "--start", "2026-03-02T10:00:00") as (port, _):
        yield port


@pytest.fixture
def token_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESTBED_ADMIN_TOKEN", ADMIN)


def _readiness(port: int, *args: str) -> int:
    return main(["readiness", "--url", f"http://127.0.0.1:{port}", *args])


def _short_tran_id_withdrawal(port: int) -> dict[str, Any]:
    """A withdrawal of the first demo institution's new customer whose bank_tran_id is too
    short (A0004): bank-tran-id-format fails on it. Returns the institution."""
    demo: dict[str, Any] = call(port, "GET", "/testbed/clients")["clients"][0]
    contract = next(a for a in demo["contract_accounts"] if a["purpose"] == "withdraw")
    user = call(
        port,
        "POST",
        "/testbed/users",
        {
            "name": "명령줄고객",
            "birth_date": "19900101",
            "accounts": [{"bank_code": "088", "balance": 100_000}],
            "client_use_code": demo["client_use_code"],
            "scope": "login inquiry transfer",
        },
    )
    fin = user["accounts"][0]["fintech_use_num"]
    now = call(port, "GET", "/testbed/clock")["now"]
    body = {
        "bank_tran_id": f"{demo['client_use_code']}U12",
        "cntr_account_type": "N",
        "cntr_account_num": contract["account_num"],
        "dps_print_content": "포인트충전",
        "fintech_use_num": fin,
        "tran_amt": "1000",
        "tran_dtime": re.sub(r"\D", "", now[:19]),
        "req_client_name": user["name"],
        "req_client_fintech_use_num": fin,
        "req_client_num": "MEMBER0001",
        "transfer_purpose": "RC",
    }
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v2.0/transfer/withdraw/fin_num",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {user['access_token']}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        answer = json.loads(resp.read())
    assert answer["rsp_code"] == "A0004", answer
    return demo


def test_every_verdict_has_its_exit_code_and_none_is_the_unreached_one() -> None:
    assert set(READINESS_EXIT) == {v.value for v in Verdict}
    assert READINESS_EXIT["PASS"] == 0 and READINESS_EXIT["CONDITIONAL PASS"] == 2
    assert READINESS_EXIT["FAIL"] == READINESS_EXIT["INCOMPLETE"] == 1
    assert READINESS_UNREACHED not in READINESS_EXIT.values()


def test_a_run_from_the_command_line_reports_and_writes_junit_and_html(
    server: int,
    token_env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = call(server, "GET", "/testbed/clients")["clients"][0]["client_use_code"]
    assert _readiness(server, "--client", code) == READINESS_UNREACHED  # no run yet
    assert "No readiness run yet" in capsys.readouterr().err

    assert _readiness(server, "--client", code, "--start") == 0
    assert "started readiness run RR" in capsys.readouterr().out
    assert _readiness(server, "--client", code, "--start") == READINESS_UNREACHED  # one open
    assert "already open" in capsys.readouterr().err
    assert _readiness(server, "--client", code, "--drill", "no_such_drill") == READINESS_UNREACHED
    assert "kind: one of" in capsys.readouterr().err
    assert _readiness(server, "--client", code, "--drill", "deposit_fails") == 0
    assert "drill RR" in capsys.readouterr().out

    _short_tran_id_withdrawal(server)
    # --no-finish reads the open run as it stands, and leaves it open
    assert _readiness(server, "--client", code, "--no-finish") == 1
    out = capsys.readouterr().out
    assert "(open): FAIL" in out and "finished" not in out

    junit, page = tmp_path / "readiness.xml", tmp_path / "readiness.html"
    status = _readiness(server, "--client", code, "--junit", str(junit), "--html", str(page))
    out = capsys.readouterr().out
    assert status == 1
    assert "finished the open run RR" in out and "(finished): FAIL" in out
    assert "must FAILED        bank-tran-id-format:" in out
    assert "score " in out and "coverage index " in out
    suite = ElementTree.parse(junit).getroot()
    assert suite.tag == "testsuite" and suite.get("tests") == str(len(CHECKS))
    failed = [c.get("name", "") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert any(name.startswith("bank-tran-id-format:") for name in failed)
    html = page.read_text(encoding="utf-8")
    assert "<style>" in html and "부적합" in html and 'id="failure-bank-tran-id-format"' in html
    assert "<form" not in html

    # the run is finished and kept: read again by its id, nothing more to finish
    run = re.search(r"readiness run (RR\d+)", out)
    assert run
    assert _readiness(server, "--client", code, "--run", run.group(1)) == 1
    assert "finished the open run" not in capsys.readouterr().out
    assert _readiness(server, "--client", code, "--finish") == READINESS_UNREACHED


def test_refusals_and_an_unreachable_testbed_are_exit_3(
    server: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = call(server, "GET", "/testbed/clients")["clients"][0]["client_use_code"]
    monkeypatch.delenv("TESTBED_ADMIN_TOKEN", raising=False)
    assert _readiness(server, "--client", code) == READINESS_UNREACHED  # no token
    monkeypatch.setenv("TESTBED_ADMIN_TOKEN", "not-the-token")
    assert _readiness(server, "--client", code) == READINESS_UNREACHED
    assert "401" in capsys.readouterr().err
    monkeypatch.setenv("TESTBED_ADMIN_TOKEN", ADMIN)
    assert _readiness(server, "--client", "T000000000") == READINESS_UNREACHED
    assert _readiness(free_port(), "--client", code) == READINESS_UNREACHED
    assert "cannot reach" in capsys.readouterr().err
    # a usage error is 3 too, not argparse's 2 (which a CI would read as CONDITIONAL PASS)
    assert main(["readiness", "--no-such-option"]) == READINESS_UNREACHED
    assert main(["readiness", "--client", code, "--api", "deposit"]) == READINESS_UNREACHED


def test_wait_returns_once_the_server_answers_and_gives_up_when_it_does_not(
    server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["wait", f"http://127.0.0.1:{server}/testbed/clock"]) == 0  # a 401 answers
    began = time.monotonic()
    assert main(["wait", f"http://127.0.0.1:{free_port()}/", "--timeout", "0.6"]) == 1
    assert 0.5 < time.monotonic() - began < 5
    assert "did not answer in 0.6 s" in capsys.readouterr().err
