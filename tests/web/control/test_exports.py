"""Downloads of personal data: a reason is required (400 saying so), the reason is logged,
the files open in Excel as Korean (UTF-8 with a BOM), and they hold the least they can."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.api.conftest import Api

JSON = dict[str, Any]
USERS = "/testbed/users.csv"


def rows(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())  # Excel reads UTF-8 by its BOM
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def last_record(api: Api) -> JSON:
    resp = await api.http.get("/testbed/audit", params={"size": "1"}, headers=api.admin)
    record: JSON = (await resp.json())["records"][0]
    return record


async def transactions_path(api: Api) -> tuple[str, JSON]:
    user = await api.user([{"bank_code": "004", "balance": 50_000}])
    account = user["accounts"][0]
    path = f"/testbed/accounts/004/{account['account_num']}/transactions.csv"
    return path, user


@pytest.mark.parametrize("query", ["", "?reason=", "?reason=%20%20", "?reason=x" + "y" * 200])
@pytest.mark.parametrize("which", ["users", "transactions"])
async def test_a_download_without_its_reason_is_a_400_saying_so(
    api: Api, query: str, which: str
) -> None:
    path = USERS if which == "users" else (await transactions_path(api))[0]
    resp = await api.http.get(path + query, headers=api.admin)
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert ("다운로드 사유" in error and "reason" in error) or "at most 200" in error
    after = await api.http.get("/testbed/audit", params={"action": "export"}, headers=api.admin)
    assert (await after.json())["total"] == 0  # nothing left, nothing logged as a download


async def test_users_csv_is_excel_ready_masked_and_logged_with_its_reason(api: Api) -> None:
    user = await api.user([{"bank_code": "004", "balance": 1000}], name="=HYPERLINK(1)")
    resp = await api.http.get(USERS + "?reason=분기별%20테스트%20데이터%20점검", headers=api.admin)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="users.csv"'
    assert resp.headers["Cache-Control"] == "no-store"
    table = rows(await resp.read())
    assert table[0][0] == "user_seq_no" and table[0][1] == "성명 name"
    mine = [r for r in table if r[0] == user["user_seq_no"]]
    account = user["accounts"][0]
    ref = api.runtime.store.account_ref("004", account["account_num"])
    assert mine[0][1] == "'=HYPERLINK(1)"  # a formula is defused
    assert mine[0][6] == f"{account['account_num'][:3]}-{account['account_num'][3:-3]}-***"
    assert mine[0][7] == ref and account["fintech_use_num"] in mine[0][10]
    text = "\n".join(",".join(r) for r in table)
    person = api.runtime.world.directory.users[user["user_seq_no"]]
    assert person.user_ci not in text and account["account_num"] not in text
    record = await last_record(api)
    assert (record["action"], record["purpose"]) == ("export", "분기별 테스트 데이터 점검")
    assert record["detail"] == {"reason": "분기별 테스트 데이터 점검", "rows": len(table) - 1}
    assert record["subject_count"] >= len(api.runtime.world.directory.users)
    found = await api.http.get(
        "/testbed/audit", params={"subject": user["user_seq_no"]}, headers=api.admin
    )
    assert [r["action"] for r in (await found.json())["records"]] == ["export", "create"]


async def test_transactions_csv_by_period_logged_under_the_account(api: Api) -> None:
    path, user = await transactions_path(api)
    num = user["accounts"][0]["account_num"]
    cash = f"/testbed/accounts/004/{num}/cash"
    await api.http.post(cash, json={"amount": -2000, "memo": "-1+1"}, headers=api.admin)
    await api.advance(shift="1d")
    await api.http.post(cash, json={"amount": 3000}, headers=api.admin)
    resp = await api.http.get(path + "?reason=민원%20확인", headers=api.admin)
    table = rows(await resp.read())
    assert table[0][1] == "금액 amount (+in, -out)"
    assert [r[1] for r in table[1:]][-2:] == ["-2000", "3000"]
    assert "'-1+1" in [r[3] for r in table]  # the memo, defused
    ref = api.runtime.store.account_ref("004", num)
    assert resp.headers["Content-Disposition"] == f'attachment; filename="transactions-{ref}.csv"'
    day = await api.http.get(
        path, params={"reason": "x", "from": "2026-03-03", "to": "2026-03-03"}, headers=api.admin
    )
    assert [r[1] for r in rows(await day.read())[1:]] == ["3000"]
    record = await last_record(api)
    assert record["subjects"] == [ref, user["user_seq_no"]] and record["fields"] == ["transactions"]
    assert record["detail"] == {"reason": "x", "rows": 1}


async def test_an_unknown_account_is_a_404(api: Api) -> None:
    resp = await api.http.get(
        "/testbed/accounts/004/000000/transactions.csv?reason=x", headers=api.admin
    )
    assert resp.status == 404
