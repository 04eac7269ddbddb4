"""A session recorded by `testbed serve --record` replays to the same answers, without secrets."""

from __future__ import annotations

import json
import signal
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from testbed.cli import main
from tests.test_serve import call, serving

pytestmark = pytest.mark.subprocess


def kftc(
    port: int,
    method: str,
    path: str,
    token: str = "",
    body: Any = None,
    form: Any = None,
    query: Any = None,
) -> Any:
    url = f"http://127.0.0.1:{port}{path}" + ("?" + urllib.parse.urlencode(query) if query else "")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    with urllib.request.urlopen(
        urllib.request.Request(url, data=data, method=method, headers=headers), timeout=10
    ) as r:
        return json.loads(r.read())


def test_a_recorded_session_replays(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    recording = tmp_path / "session.yaml"
    args = (
        "--record",
        str(recording),
        "--clock",
        "virtual",
        "--start",
        "2026-03-02T10:00:00",
        "--users",
        "5",
    )
    with serving(tmp_path / "r.db", *args) as (port, proc):
        demo = call(port, "GET", "/testbed/clients")["clients"][0]
        oob = kftc(port, "POST", "/oauth/2.0/token", form={
            "client_id": demo["client_id"], "client_secret": demo["client_secret"],
            "scope": "oob", "grant_type": "client_credentials",
        })["access_token"]  # fmt: skip
        user = call(port, "POST", "/testbed/users", {
            "name": "김녹음", "birth_date": "19910101", "scope": "login inquiry transfer",
            "accounts": [{"bank_code": "088", "balance": 50000}],
        })  # fmt: skip
        fin = user["accounts"][0]["fintech_use_num"]
        code = demo["client_use_code"]
        query = {
            "bank_tran_id": f"{code}U000000001",
            "fintech_use_num": fin,
            "tran_dtime": "20260302100000",
        }
        assert (
            kftc(port, "GET", "/v2.0/account/balance/fin_num", user["access_token"], query=query)[
                "balance_amt"
            ]
            == "50000"
        )
        withdraw = {
            "bank_tran_id": f"{code}U000000002", "cntr_account_type": "N",
            "cntr_account_num": next(a["account_num"] for a in demo["contract_accounts"] if a["purpose"] == "withdraw"),
            "dps_print_content": "충전", "fintech_use_num": fin, "tran_amt": "7000", "tran_dtime": "20260302100000",
            "req_client_name": "김녹음", "req_client_fintech_use_num": fin, "req_client_num": "R1", "transfer_purpose": "RC",
        }  # fmt: skip
        assert (
            kftc(
                port, "POST", "/v2.0/transfer/withdraw/fin_num", user["access_token"], body=withdraw
            )["rsp_code"]
            == "A0000"
        )
        call(port, "POST", "/testbed/faults", {"kind": "bank_down", "banks": ["088"], "for": "10m"})
        call(port, "POST", "/testbed/clock", {"shift": "1m"})
        again = {**withdraw, "bank_tran_id": f"{code}U000000003"}
        assert (
            kftc(port, "POST", "/v2.0/transfer/withdraw/fin_num", user["access_token"], body=again)[
                "bank_rsp_code"
            ]
            == "499"
        )
        assert kftc(port, "GET", "/v2.0/bank/status", oob)["rsp_code"] == "A0000"
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    text = recording.read_text(encoding="utf-8")
    for secret in (demo["client_secret"], demo["client_id"], oob, user["access_token"]):
        assert secret not in text  # replaced by references
    assert "{{fintech.client_secret}}" in text and "{{token_" in text
    capsys.readouterr()
    assert main(["replay", str(recording)]) == 0, capsys.readouterr().out
    assert "1 passed, 0 failed" in capsys.readouterr().out
