"""A session recorded by `testbed serve --record` replays to the same answers, without secrets."""

from __future__ import annotations

import json
import signal
import stat
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


def portal_institution(port: int) -> dict[str, str]:
    """An institution made on the developer portal: its credentials, shown once."""
    from tests.network.test_admission import application

    def post(path: str, body: Any, cookie: str = "") -> tuple[Any, str]:
        headers = {"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})}
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", json.dumps(body).encode(), headers
        )
        with urllib.request.urlopen(request, timeout=10) as r:
            return json.loads(r.read()), (r.headers["Set-Cookie"] or "").split(";", 1)[0]

    _, cookie = post("/portal/api/signup", {"email": "rec@example.com", "password": "rec rec rec"})
    created, _ = post("/portal/api/applications", application(), cookie)
    credentials: dict[str, str] = created["credentials"]
    return credentials


def test_a_recording_keeps_no_secret_and_no_personal_value(tmp_path: Path) -> None:
    """Each kind of value planted in a session: a portal institution's client_secret, the
    seeded institution's credentials, tokens, a name, a birth date, an account number (in
    a body and in a path), a phone number and an e-mail address. None is in the file's
    bytes; the file and its key are 0600; the session replays with the key beside it."""
    recording = tmp_path / "planted.yaml"
    args = ("--record", str(recording), "--clock", "virtual", "--start", "2026-03-02T10:00:00")
    with serving(tmp_path / "p.db", *args, "--users", "5") as (port, proc):
        demo = call(port, "GET", "/testbed/clients")["clients"][0]
        oob = kftc(port, "POST", "/oauth/2.0/token", form={
            "client_id": demo["client_id"], "client_secret": demo["client_secret"],
            "scope": "oob", "grant_type": "client_credentials",
        })["access_token"]  # fmt: skip
        user = call(port, "POST", "/testbed/users", {
            "name": "배봉인", "birth_date": "19770707", "cell_no": "01098765432",
            "email": "planted@example.com", "scope": "login inquiry transfer",
            "accounts": [{"bank_code": "088", "balance": 50000}],
        })  # fmt: skip
        account = user["accounts"][0]
        call(port, "POST", f"/testbed/accounts/088/{account['account_num']}/cash", {"amount": 5})
        code = demo["client_use_code"]
        contract = next(a for a in demo["contract_accounts"] if a["purpose"] == "withdraw")
        withdraw = {
            "bank_tran_id": f"{code}U000000001", "cntr_account_type": "N",
            "cntr_account_num": contract["account_num"], "dps_print_content": "봉인충전",
            "fintech_use_num": account["fintech_use_num"], "tran_amt": "7000",
            "tran_dtime": "20260302100000", "req_client_name": "배봉인",
            "req_client_fintech_use_num": account["fintech_use_num"], "req_client_num": "R1",
            "transfer_purpose": "RC",
        }  # fmt: skip
        answer = kftc(port, "POST", "/v2.0/transfer/withdraw/fin_num", user["access_token"],
                      body=withdraw)  # fmt: skip
        assert answer["rsp_code"] == "A0000", answer
        # last: making an institution on the portal (not recorded) changes the world
        portal = portal_institution(port)
        kftc(port, "POST", "/oauth/2.0/token", form={
            "client_id": portal["client_id"], "client_secret": portal["client_secret"],
            "scope": "oob", "grant_type": "client_credentials",
        })  # fmt: skip
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    data = recording.read_bytes()
    planted = {
        "portal client_secret": portal["client_secret"],
        "client_secret": demo["client_secret"],
        "client_id": demo["client_id"],
        "oob token": oob,
        "user token": user["access_token"],
        "refresh token": user["refresh_token"],
        "name": "배봉인",
        "birth date": "19770707",
        "phone": "01098765432",
        "e-mail": "planted@example.com",
        "account number": account["account_num"],
        "contract account number": contract["account_num"],
        "print content": "봉인충전",
    }
    for kind, value in planted.items():
        assert value.encode() not in data, f"the recording holds the {kind}"
    text = data.decode()
    assert "{{sealed." in text and "1 call(s) left out" in text
    key = tmp_path / "planted.yaml.key"
    assert stat.S_IMODE(recording.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert main(["replay", str(recording)]) == 0
    key.rename(tmp_path / "elsewhere.key")  # without its key, the replay says what it needs
    assert main(["replay", str(recording)]) == 1
