"""`/testbed/audit`: every control-plane processing of personal data is logged (who, when,
whose, which fields, why), searchable, verifiable over HTTP and reviewed by month."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from testbed.config.settings import Settings
from testbed.store import audit as audit_model
from testbed.web.app import init_app
from tests.api.conftest import Api, Client

JSON = dict[str, Any]


async def search(api: Api, status: int = 200, **params: str) -> JSON:
    resp = await api.http.get("/testbed/audit", params=params, headers=api.admin)
    body: JSON = await resp.json()
    assert resp.status == status, body
    return body


async def last(api: Api, **params: str) -> JSON:
    found = (await search(api, **params))["records"]
    assert found, params
    record: JSON = found[0]
    return record


async def account_of(api: Api) -> tuple[JSON, JSON]:
    """A user made now, and its account."""
    user = await api.user([{"bank_code": "004", "balance": 50_000}])
    return user, user["accounts"][0]


async def test_reading_the_users_is_logged_with_everyone_read(api: Api) -> None:
    resp = await api.http.get("/testbed/users", headers=api.admin)
    people = (await resp.json())["users"]
    record = await last(api, action="read")
    assert record["actor"] == "admin:admin" and record["path"] == "GET /testbed/users"
    assert record["source"] == "127.0.0.1"
    accounts = sum(len(u["accounts"]) for u in people)
    assert record["subject_count"] == len(people) + accounts
    assert {"user_name", "birth_date", "cell_no", "account_num"} <= set(record["fields"])
    assert record["purpose"].startswith("테스트 사용자 목록 조회")
    assert record["time"] == "2026-03-02T10:00:00.000+09:00"  # simulated
    assert record["wall"].endswith("+09:00") and record["wall"] != record["time"]
    # never a plain value: no name, no account number in the record
    text = str(record)
    assert people[0]["name"] not in text
    assert people[0]["accounts"][0]["account_num"] not in text


async def test_the_operator_and_the_purpose_come_from_the_headers(api: Api) -> None:
    headers = {
        **api.admin,
        "X-Testbed-Operator": quote("김감사"),
        "X-Testbed-Purpose": quote("민원 확인 #42"),
    }
    await api.http.get("/testbed/users", headers=headers)
    record = await last(api)
    assert (record["actor"], record["purpose"]) == ("admin:김감사", "민원 확인 #42")
    assert (await search(api, actor="admin:김감사"))["total"] == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "action", "fields"),
    [
        ("GET", "/testbed/accounts/{bank}/{num}", None, "read", {"holder_name", "transactions"}),
        ("GET", "/testbed/accounts/{bank}/{num}?history=0", None, "read", {"balance"}),
        ("POST", "/testbed/accounts/{bank}/{num}/cash", {"amount": 5000}, "change", {"balance"}),
        ("POST", "/testbed/accounts/{bank}/{num}/status", {"status": "suspended"}, "change",
         {"status"}),
    ],
)  # fmt: skip
async def test_each_account_path_is_logged_under_the_account_and_its_owner(
    api: Api, method: str, path: str, body: Any, action: str, fields: set[str]
) -> None:
    user, account = await account_of(api)
    url = path.format(bank=account["bank_code"], num=account["account_num"])
    resp = await api.http.request(method, url, json=body, headers=api.admin)
    assert resp.status == 200, await resp.text()
    ref = api.runtime.store.account_ref(account["bank_code"], account["account_num"])
    record = await last(api)
    assert record["action"] == action and fields <= set(record["fields"])
    assert record["subjects"] == [ref, user["user_seq_no"]]
    assert record["path"] == f"{method} {url.split('?')[0]}"


async def test_making_a_user_is_logged_as_a_creation(api: Api) -> None:
    user, account = await account_of(api)
    record = await last(api, action="create")
    ref = api.runtime.store.account_ref(account["bank_code"], account["account_num"])
    assert record["subjects"] == [user["user_seq_no"], ref]
    assert "user_ci" in record["fields"] and record["detail"]["client_use_code"]


async def test_the_institutions_contract_accounts_are_logged(api: Api) -> None:
    demo = await api.demo()
    record = await last(api)
    assert record["path"] == "GET /testbed/clients"
    contract = demo["contract_accounts"][0]
    ref = api.runtime.store.account_ref(contract["bank_code"], contract["account_num"])
    assert f"client:{demo['client_use_code']}" in record["subjects"] and ref in record["subjects"]


async def test_a_refused_admin_token_is_logged_as_denied(api: Api) -> None:
    headers = {"Authorization": "Bearer wrong", "X-Testbed-Operator": "mallory"}
    assert (await api.http.get("/testbed/users", headers=headers)).status == 401
    record = await last(api, action="denied")
    assert (record["actor"], record["path"], record["subjects"]) == (
        "admin:mallory",
        "GET /testbed/users",
        [],
    )


async def test_a_user_is_traced_across_every_path(api: Api) -> None:
    """Search by user_seq_no, or by the account as the operator knows it (bank + number)."""
    user, account = await account_of(api)
    bank, num = account["bank_code"], account["account_num"]
    await api.http.get("/testbed/users", headers=api.admin)
    await api.http.get(f"/testbed/accounts/{bank}/{num}", headers=api.admin)
    await api.http.get(
        f"/testbed/accounts/{bank}/{num}/transactions.csv?reason=audit", headers=api.admin
    )
    await api.http.get("/testbed/users", headers=api.admin)  # another person's? no: everyone
    paths = [r["path"] for r in (await search(api, subject=user["user_seq_no"]))["records"]]
    assert paths == [
        "GET /testbed/users",
        f"GET /testbed/accounts/{bank}/{num}/transactions.csv",
        f"GET /testbed/accounts/{bank}/{num}",
        "GET /testbed/users",
        "POST /testbed/users",
    ]
    by_account = await search(api, bank=bank, account=num)
    assert [r["path"] for r in by_account["records"]] == paths
    # the searched subject is shown, even in a record of many
    ref = api.runtime.store.account_ref(bank, num)
    assert all(ref in r["subjects"] for r in by_account["records"])
    # an alias of the bank (006: 004's) names the same account
    assert (await search(api, bank="006", account=num))["total"] == len(paths)


async def test_search_pages_newest_first(api: Api) -> None:
    for _ in range(3):
        await api.http.get("/testbed/users", headers=api.admin)
    first = await search(api, size="2")
    second = await search(api, size="2", page="2")
    assert first["total"] == second["total"] == 3 and first["head"] == 3
    assert [r["seq"] for r in first["records"]] == [3, 2]
    assert [r["seq"] for r in second["records"]] == [1]


async def test_search_by_simulated_period(api: Api) -> None:
    await api.http.get("/testbed/users", headers=api.admin)
    await api.advance(shift="2h")
    await api.http.get("/testbed/users", headers=api.admin)
    assert (await search(api, **{"from": "2026-03-02T11:00:00"}))["total"] == 1
    assert (await search(api, to="2026-03-02T11:00:00"))["total"] == 1
    assert (await search(api, to="2026-03-02"))["total"] == 2  # a date: the whole day
    assert (await search(api, **{"from": "2026-03-03"}))["total"] == 0


@pytest.mark.parametrize(
    ("path", "unknown"),
    [
        ("/testbed/audit?user=1100000001", "user"),
        ("/testbed/audit/verify?all=1", "all"),
        ("/testbed/audit/review?month=2026-03&flags=1", "flags"),
        ("/testbed/transfers?req_client=1", "req_client"),
        ("/testbed/users.csv?reason=x&full=1", "full"),
    ],
)
async def test_an_unknown_parameter_is_a_400_naming_it(api: Api, path: str, unknown: str) -> None:
    resp = await api.http.get(path, headers=api.admin)
    assert resp.status == 400
    assert f"unknown query parameter(s) {unknown}" in (await resp.json())["error"]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"action": "peek"}, "action"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"page": "0"}, "page"),
        ({"size": "501"}, "size"),
        ({"size": "1e3"}, "size"),
        ({"bank": "004"}, "both"),
        ({"bank": "004", "account": "1", "subject": "1100000001"}, "subject"),
        ({"bank": "999", "account": "1"}, "bank"),
    ],
)
async def test_a_bad_filter_is_a_400_saying_what(api: Api, params: JSON, says: str) -> None:
    body = await search(api, 400, **params)
    assert says in body["error"]


async def test_verify_proves_the_chain_over_http(api: Api) -> None:
    await api.http.get("/testbed/users", headers=api.admin)
    resp = await api.http.get("/testbed/audit/verify", headers=api.admin)
    body = await resp.json()
    assert resp.status == 200 and body["ok"] and body["records"] == 1
    assert body["head"]["seq"] == 1 and len(body["head"]["hash"]) == 64


async def test_a_row_edited_in_the_database_fails_verify_naming_it(
    aiohttp_client: Any, settings: Settings, tmp_path: Path, auth: dict[str, str]
) -> None:
    db = tmp_path / "audit.db"
    client: Client = await aiohttp_client(init_app(dataclasses.replace(settings, db=str(db))))
    for _ in range(3):
        await client.get("/testbed/users", headers=auth)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE processing_log SET actor = 'admin:nobody' WHERE seq = 2")
        conn.execute("DROP TRIGGER processing_log_no_update")  # as someone with the file would
        conn.execute("UPDATE processing_log SET actor = 'admin:nobody' WHERE seq = 2")
    finally:
        conn.close()
    body = await (await client.get("/testbed/audit/verify", headers=auth)).json()
    assert body["ok"] is False and body["broken_at"] == 2 and "changed" in body["problem"]
    review = await (await client.get("/testbed/audit/review", headers=auth)).json()
    assert review["chain"]["ok"] is False


async def test_the_log_outlives_reset_restore_and_scenarios_which_it_records(api: Api) -> None:
    await api.http.get("/testbed/users", headers=api.admin)
    snap = await (await api.http.post("/testbed/snapshots", json={}, headers=api.admin)).json()
    assert (await api.http.post("/testbed/reset", headers=api.admin)).status == 200
    restore = f"/testbed/snapshots/{snap['id']}/restore"
    assert (await api.http.post(restore, headers=api.admin)).status == 200
    resp = await api.http.post("/testbed/scenarios?name=happy_path", headers=api.admin)
    assert resp.status == 201
    records = (await search(api))["records"]
    assert [(r["action"], r["path"]) for r in records] == [
        ("delete", "POST /testbed/scenarios"),
        ("change", f"POST {restore}"),
        ("delete", "POST /testbed/reset"),
        ("create", "POST /testbed/snapshots"),
        ("read", "GET /testbed/users"),
    ]
    assert all(r["subjects"] == ["*"] and r["fields"] == ["*"] for r in records[:4])
    # a search for anyone finds what was done to everyone
    someone = api.runtime.world.directory.users
    assert (await search(api, subject=next(iter(someone))))["total"] == 4
    assert (await (await api.http.get("/testbed/audit/verify", headers=api.admin)).json())["ok"]


async def test_the_event_log_carries_no_personal_value_and_is_not_logged(api: Api) -> None:
    """Checked, not assumed: after a user, a cash movement and a status change, the event
    log names banks, entries and amounts, never a name, account number, CI or phone; the
    dashboard's other calls (clock, banks, faults, settlement) carry none either."""
    user, account = await account_of(api)
    url = f"/testbed/accounts/{account['bank_code']}/{account['account_num']}"
    await api.http.post(url + "/cash", json={"amount": 1000}, headers=api.admin)
    await api.http.post(url + "/status", json={"status": "suspended"}, headers=api.admin)
    before = (await search(api))["total"]
    person = api.runtime.world.directory.users[user["user_seq_no"]]
    for path in ("/testbed/events", "/testbed/clock", "/testbed/banks", "/testbed/faults",
                 "/testbed/settlement"):  # fmt: skip
        text = await (await api.http.get(path, headers=api.admin)).text()
        for value in (person.name, account["account_num"], person.user_ci, person.cell_no):
            assert value not in text, (path, value)
    assert (await search(api))["total"] == before


async def test_the_monthly_review_over_http(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_model, "BULK_AT_ONCE", 10)
    await api.http.get("/testbed/users", headers=api.admin)  # Monday 10:00: a bulk read
    await api.http.get("/testbed/users.csv?reason=분기%20점검", headers=api.admin)
    await api.http.get("/testbed/users", headers={"Authorization": "Bearer wrong"})
    await api.advance(set="2026-03-07T22:00:00+09:00")  # a Saturday night, simulated
    await api.http.get("/testbed/clients", headers=api.admin)
    resp = await api.http.get("/testbed/audit/review?month=2026-03", headers=api.admin)
    review = await resp.json()
    # the nights in between purged what the seeded world held past its retention
    purges = review["by_action"].pop("purge", 0)
    assert resp.status == 200 and review["records"] == 4 + purges
    assert review["by_action"] == {"read": 2, "export": 1, "denied": 1}
    assert review["counts"]["off_hours"] == 1
    assert review["flags"]["off_hours"][0]["path"] == "GET /testbed/clients"
    assert [r["detail"]["reason"] for r in review["flags"]["downloads"]] == ["분기 점검"]
    assert [r["actor"] for r in review["flags"]["denied"]] == ["admin:admin"]
    assert review["counts"]["bulk_at_once"] == 2  # the list and the download
    assert review["chain"]["ok"] and review["period"]["from"].startswith("2026-03-01T00:00")
    default = await (await api.http.get("/testbed/audit/review", headers=api.admin)).json()
    assert default["month"] == "2026-03"  # this simulated month


@pytest.mark.parametrize("month", ["2026-3", "march", "2026-00", "9999-12"])
async def test_a_bad_month_is_a_400(api: Api, month: str) -> None:
    resp = await api.http.get(f"/testbed/audit/review?month={month}", headers=api.admin)
    assert resp.status == 400 and "YYYY-MM" in (await resp.json())["error"]


def test_the_wall_clock_is_read_in_clock_py_only() -> None:
    """The log's wall time comes from clock.wall_now: nothing else reads the wall clock."""
    root = Path(audit_model.__file__).resolve().parents[1]
    readers = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "time.time()" in p.read_text(encoding="utf-8")
        or "datetime.now(" in p.read_text(encoding="utf-8")
    )
    assert readers == ["clock.py", "tls.py"]  # tls: a certificate's validity, not a record
