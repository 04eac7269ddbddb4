"""Downloads of personal data (개인정보 다운로드): `/testbed/users.csv` and an account's
`/testbed/accounts/{bank}/{num}/transactions.csv`.

Each needs its reason (`?reason=`, 다운로드 사유): without one the answer is a 400 that
says so, and the reason goes into the processing log with the download (the seed: 개인정보
다운로드 발견 시 반드시 사유 확인). The files are CSV in UTF-8 with a byte-order mark, so
Excel opens the Korean as Korean; a text cell that a spreadsheet would run as a formula
(=, +, -, @) is given a leading apostrophe.

What leaves is the least a tester needs: users.csv has no CI and no e-mail, and masks
phone and account numbers (the account's pseudonym, as the log names it, stands beside
it: `GET /testbed/users` shows the whole number, logged, to whoever needs one).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from aiohttp import web

from testbed.clock import iso_kst
from testbed.network.gateway.views import mask
from testbed.network.ledger import AccountKey
from testbed.network.parties import User
from testbed.runtime import Runtime
from testbed.store.audit import EXPORT, account_subjects, user_subjects
from testbed.web.control.common import (
    BadRequest,
    account_key,
    processed,
    query_params,
    registrations_by_account,
    runtime_of,
    time_range,
)

REASON_MAX: Final = 200
USERS_PARAMS: Final = ("reason",)
TRANSACTIONS_PARAMS: Final = ("reason", "from", "to")
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
USERS_HEADER: Final = (
    "user_seq_no", "성명 name", "생년월일 birth_date", "성별 gender", "휴대폰 cell_no (masked)",
    "은행 bank_code", "계좌번호 account_num (masked)", "계좌 가명 account_ref", "예금주 holder",
    "상태 status", "등록 registrations (client_use_code:fintech_use_num)",
)  # fmt: skip
USERS_FIELDS: Final = (
    "user_name", "birth_date", "gender", "cell_no_masked", "account_num_masked", "holder_name",
    "fintech_use_num",
)  # fmt: skip
TRANSACTIONS_HEADER: Final = (
    "거래일시 time", "금액 amount (+in, -out)", "거래후잔액 balance_after", "적요 print_content",
    "거래구분 tran_type", "분개 entry",
)  # fmt: skip


def reason_of(query: Mapping[str, str]) -> str:
    """The download's reason: required, not blank, at most REASON_MAX characters."""
    reason = " ".join(query.get("reason", "").split())
    if not reason:
        raise BadRequest(
            "다운로드 사유(reason)가 필요합니다 · a download needs its reason: ?reason=..."
        )
    if len(reason) > REASON_MAX:
        raise BadRequest(f"reason: at most {REASON_MAX} characters")
    return reason


async def users_csv(request: web.Request) -> web.Response:
    """Every user and account, one row per account (a user without one: one row)."""
    runtime = runtime_of(request)
    reason = reason_of(query_params(request, USERS_PARAMS))
    world, store = runtime.world, runtime.store
    registered = registrations_by_account(world)
    people = list(world.directory.users.values())
    rows = [row for user in people for row in _user_rows(runtime, registered, user)]
    subjects = (s for user in people for s in user_subjects(store, user))
    processed(request, EXPORT, subjects, USERS_FIELDS, reason, reason=reason, rows=len(rows))
    return csv_response("users.csv", USERS_HEADER, rows)


def _user_rows(
    runtime: Runtime, registered: dict[AccountKey, list[dict[str, str]]], user: User
) -> list[tuple[Any, ...]]:
    person = (user.user_seq_no, user.name, user.birth_date, user.gender, _phone(user.cell_no))
    rows = []
    for key in user.accounts:
        account = runtime.world.ledger.accounts[key]
        regs = registered.get(key, [])
        rows.append(
            (
                *person,
                account.bank_code,
                mask(account.account_num),
                runtime.store.account_ref(*key),
                account.holder_name,
                account.status.value,
                " ".join(f"{r['client_use_code']}:{r['fintech_use_num']}" for r in regs),
            )
        )
    return rows or [(*person, "", "", "", "", "", "")]


async def transactions_csv(request: web.Request) -> web.Response:
    """One account's transactions (`from`, `to`: simulated time, as `/testbed/audit`)."""
    runtime = runtime_of(request)
    query = query_params(request, TRANSACTIONS_PARAMS)
    reason = reason_of(query)
    since, until = time_range(query)
    key = account_key(runtime, request.match_info["bank"], request.match_info["num"])
    account = runtime.world.ledger.accounts[key]
    rows = [
        (iso_kst(h.time), h.amount, h.balance_after, h.print_content, h.tran_type, h.entry_id)
        for h in account.history
        if (since is None or h.time >= since) and (until is None or h.time < until)
    ]
    subjects = account_subjects(runtime.store, account)
    processed(request, EXPORT, subjects, ("transactions",), reason, reason=reason, rows=len(rows))
    return csv_response(f"transactions-{subjects[0]}.csv", TRANSACTIONS_HEADER, rows)


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> web.Response:
    """A CSV download: UTF-8 with a BOM, CRLF lines, never cached."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _cell(value: Any) -> Any:
    """A text a spreadsheet would run as a formula, defused with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _phone(cell_no: str) -> str:
    """010-****-5678: the middle digits hidden."""
    if len(cell_no) < 8:
        return "*" * len(cell_no)
    return f"{cell_no[:3]}-****-{cell_no[-4:]}"
