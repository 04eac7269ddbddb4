"""The processing log (개인정보 처리내역): `/testbed/audit` searches it, `/testbed/audit/verify`
proves its chain, `/testbed/audit/review` is the month's review (월 1회 이상 점검).

Reading the log is not logged itself: it holds no plain personal value (subjects are
user_seq_nos and account pseudonyms), and a record per look would fill the review with
the reviewer.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from aiohttp import web

from testbed.clock import iso_kst, to_kst
from testbed.config import BankCodeError
from testbed.runtime import Runtime
from testbed.store.audit import (
    ACTIONS,
    BULK_AT_ONCE,
    BULK_PER_HOUR,
    AuditError,
    MonthlyReview,
    Query,
    Record,
    Verification,
    month_bounds,
    record_body,
)
from testbed.web.control.common import BadRequest, paging, query_params, runtime_of, time_range
from testbed.web.render import json_response

#: subjects a record shows in a listing (every one is counted, and searchable)
SUBJECTS_SHOWN: Final = 20
#: the query parameters of each route (anything else is a 400 naming it)
SEARCH_PARAMS: Final = (
    "subject", "bank", "account", "actor", "action", "from", "to", "page", "size",
)  # fmt: skip
REVIEW_PARAMS: Final = ("month",)


async def search(request: web.Request) -> web.Response:
    """Records newest first; every filter given must hold (see `_query`)."""
    runtime = runtime_of(request)
    query = _query(runtime, query_params(request, SEARCH_PARAMS))
    # the log is read from disk: what the writer has queued is committed FIRST (a read,
    # not an answer to make durable: allowed by tests/web/test_durability.py)
    await runtime.store.durable()
    found = runtime.processing_log.search(query)
    return json_response(
        {
            "total": found.total,
            "page": query.page,
            "size": query.size,
            "head": runtime.processing_log.head[0],
            "records": [record_view(r, query.subject) for r in found.records],
        }
    )


async def verify(request: web.Request) -> web.Response:
    """The chain recomputed from the first record: 200 either way, `ok` says which."""
    runtime = runtime_of(request)
    query_params(request, ())
    # the log is read from disk: what the writer has queued is committed FIRST (a read,
    # not an answer to make durable: allowed by tests/web/test_durability.py)
    await runtime.store.durable()
    return json_response(verification_view(await asyncio.to_thread(runtime.processing_log.verify)))


async def review(request: web.Request) -> web.Response:
    """`?month=YYYY-MM` (default: this simulated month): counts and the auditor's flags."""
    runtime = runtime_of(request)
    query = query_params(request, REVIEW_PARAMS)
    month = query.get("month") or to_kst(runtime.clock.now()).strftime("%Y-%m")
    try:
        month_bounds(month)
    except AuditError as e:
        raise BadRequest(str(e)) from None
    # the log is read from disk: what the writer has queued is committed FIRST (a read,
    # not an answer to make durable: allowed by tests/web/test_durability.py)
    await runtime.store.durable()
    log = runtime.processing_log
    found = await asyncio.to_thread(log.review, month)
    return json_response(review_view(found, await asyncio.to_thread(log.verify)))


def _query(runtime: Runtime, query: dict[str, str]) -> Query:
    """subject= (a user_seq_no, an account pseudonym, `developer:<id>`, `client:<code>`)
    or bank= and account= (an account, named as the operator knows it); actor=, action=,
    from=, to= (simulated, KST), page=, size=."""
    subject = query.get("subject", "").strip()
    bank, account = query.get("bank", "").strip(), query.get("account", "").strip()
    if bank or account:
        if subject or not (bank and account):
            raise BadRequest("name a subject, or an account by bank and account (both)")
        try:
            subject = runtime.store.account_ref(runtime.world.resolver.resolve(bank).code, account)
        except BankCodeError as e:
            raise BadRequest(f"bank: {e.message}") from None
    action = query.get("action", "").strip()
    if action and action not in ACTIONS:
        raise BadRequest(f"action: one of {', '.join(ACTIONS)}")
    since, until = time_range(query)
    page, size = paging(query)
    actor = query.get("actor", "").strip()
    return Query(subject, actor, action, since, until, page, size)


def record_view(record: Record, subject: str = "") -> dict[str, Any]:
    """A record as the control plane shows it: its first subjects (and the one searched
    for), all of them counted."""
    subjects = list(record.subjects[:SUBJECTS_SHOWN])
    if subject in record.subjects and subject not in subjects:
        subjects.append(subject)
    return {
        **record_body(record),
        "time": iso_kst(record.time),
        "subjects": subjects,
        "subject_count": len(record.subjects),
        "hash": record.hash,
    }


def verification_view(result: Verification) -> dict[str, Any]:
    view: dict[str, Any] = {
        "ok": result.ok,
        "records": result.records,
        "head": {"seq": result.head_seq, "hash": result.head_hash},
        # records from before the chain had a key, checked as plain SHA-256
        "legacy_records": result.legacy_records,
    }
    if not result.ok:
        view.update(broken_at=result.broken_at, problem=result.problem)
    return view


def review_view(found: MonthlyReview, chain: Verification) -> dict[str, Any]:
    since, until = month_bounds(found.month)
    return {
        "month": found.month,
        "period": {"from": iso_kst(since), "to": iso_kst(until)},
        "records": found.records,
        "by_action": found.by_action,
        "by_actor": found.by_actor,
        "rules": {
            "bulk_at_once": BULK_AT_ONCE,
            "bulk_per_hour": BULK_PER_HOUR,
            "office_hours": "월–금 09:00–18:00 KST (simulated) · weekdays 9 to 6",
        },
        "counts": found.counts,
        "flags": {
            "bulk_at_once": [record_view(r) for r in found.bulk_at_once],
            "bulk_hours": [
                {
                    "actor": h.actor,
                    "hour": iso_kst(h.hour),
                    "subjects": h.subjects,
                    "records": h.records,
                }
                for h in found.bulk_hours
            ],
            "off_hours": [record_view(r) for r in found.off_hours],
            "downloads": [record_view(r) for r in found.downloads],
            "denied": [record_view(r) for r in found.denied],
        },
        "chain": verification_view(chain),
    }
