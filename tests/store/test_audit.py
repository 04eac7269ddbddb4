"""The processing log: chained, append-only, tamper-evident, searchable, reviewed monthly."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from testbed.clock import parse_kst
from testbed.store import Store
from testbed.store.audit import (
    ALL,
    BULK_AT_ONCE,
    BULK_PER_HOUR,
    CHAIN_KEY_PURPOSE,
    GENESIS,
    KEYED_FROM,
    RETENTION_ACTOR,
    RETENTION_PURPOSE,
    AuditError,
    ProcessingLog,
    Query,
    anchor_file_of,
    in_office_hours,
    legacy_hash,
    month_bounds,
    record_body,
    record_hash,
)

MONDAY_10 = parse_kst("2026-03-02T10:00:00")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "audit.db"


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    store = Store(str(db))
    yield store
    store.close()


@pytest.fixture
def log(store: Store) -> ProcessingLog:
    return ProcessingLog(store)


def write(log: ProcessingLog, n: int = 1, **change: Any) -> None:
    for i in range(n):
        values: dict[str, Any] = {
            "actor": "admin:kim",
            "action": "read",
            "subjects": [f"11000000{i:02d}"],
            "fields": ["user_name"],
            "purpose": "test",
            "time": MONDAY_10 + i,
            "path": "GET /testbed/users",
            "source": "127.0.0.1",
        }
        log.append(**{**values, **change})
    log.store.flush()


def tamper(db: Path, sql: str, *params: Any) -> None:
    """What someone with the file does: drop the triggers, change a row."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for table in ("processing_log", "processing_subjects"):
            for verb in ("update", "delete"):
                conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        conn.execute(sql, params)
    finally:
        conn.close()


def test_each_record_is_chained_to_the_one_before(log: ProcessingLog) -> None:
    write(log, 3)
    records = list(reversed(log.search(Query()).records))
    assert [r.seq for r in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS
    assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
    verified = log.verify()
    assert verified.ok and verified.records == 3
    assert (verified.head_seq, verified.head_hash) == (3, records[-1].hash)


def test_the_database_refuses_changes_and_deletions(log: ProcessingLog, db: Path) -> None:
    write(log, 2)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        for sql in (
            "UPDATE processing_log SET actor = 'nobody'",
            "DELETE FROM processing_log WHERE seq = 1",
            "DELETE FROM processing_subjects",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    finally:
        conn.close()
    assert log.verify().ok


def test_an_edited_row_breaks_the_chain_there(log: ProcessingLog, db: Path) -> None:
    write(log, 5)
    tamper(db, "UPDATE processing_log SET purpose = 'nothing to see' WHERE seq = 3")
    verified = log.verify()
    assert not verified.ok
    assert verified.broken_at == 3 and "changed" in verified.problem
    assert verified.records == 2


def test_a_rehashed_row_breaks_the_next_link(log: ProcessingLog, db: Path) -> None:
    """Even with the chain key, recomputing the edited row's own hash is not enough: the
    next one points at the old."""
    write(log, 4)
    edited = next(r for r in log.search(Query()).records if r.seq == 2)
    forged = replace(edited, actor="admin:someone-else")
    key = log.store.derived_key(CHAIN_KEY_PURPOSE)
    tamper(
        db,
        "UPDATE processing_log SET actor = ?, hash = ? WHERE seq = 2",
        forged.actor,
        record_hash(record_body(forged), key),
    )
    verified = log.verify()
    assert (verified.ok, verified.broken_at) == (False, 3)
    assert "prev_hash" in verified.problem


def test_a_row_rehashed_without_the_key_fails_itself(log: ProcessingLog, db: Path) -> None:
    """Whoever has the file but not the master key cannot make a valid hash: SHA-256 of the
    edited content is not the record's HMAC."""
    write(log, 4)
    edited = next(r for r in log.search(Query()).records if r.seq == 2)
    forged = replace(edited, actor="admin:someone-else")
    tamper(
        db,
        "UPDATE processing_log SET actor = ?, hash = ? WHERE seq = 2",
        forged.actor,
        legacy_hash(record_body(forged)),
    )
    verified = log.verify()
    assert (verified.ok, verified.broken_at) == (False, 2)
    assert "changed" in verified.problem


def test_a_removed_row_or_a_cut_end_is_found(log: ProcessingLog, db: Path) -> None:
    write(log, 5)
    tamper(db, "DELETE FROM processing_log WHERE seq = 5")
    verified = log.verify()
    assert (verified.ok, verified.broken_at) == (False, 5)
    assert "missing from the end" in verified.problem
    tamper(db, "DELETE FROM processing_log WHERE seq = 2")
    verified = log.verify()
    assert (verified.ok, verified.broken_at) == (False, 2)


def test_a_changed_subject_index_is_found(log: ProcessingLog, db: Path) -> None:
    """The side table that makes a record findable by subject is checked too: removing a
    subject would hide the record from a search for that person."""
    write(log, 3)
    tamper(db, "DELETE FROM processing_subjects WHERE seq = 2")
    verified = log.verify()
    assert (verified.ok, verified.broken_at) == (False, 2)
    assert "subject index" in verified.problem


def test_the_chain_goes_on_after_a_restart(db: Path) -> None:
    store = Store(str(db))
    write(ProcessingLog(store), 2)
    store.close()
    store = Store(str(db))
    try:
        log = ProcessingLog(store)
        assert log.head[0] == 2
        write(log, 1)
        assert log.verify().ok and log.verify().records == 3
    finally:
        store.close()


def test_an_unknown_action_is_refused(log: ProcessingLog) -> None:
    with pytest.raises(AuditError, match="action"):
        write(log, action="peek")
    assert log.head == (0, GENESIS)


def test_search_filters_and_pages_newest_first(log: ProcessingLog) -> None:
    write(log, 3)
    write(log, 2, actor="portal:DEV000001", action="change", subjects=["097-abc"])
    write(log, 1, actor="admin:lee", action="delete", subjects=[ALL])
    assert log.search(Query(actor="admin")).total == 4  # admin:kim and admin:lee
    assert log.search(Query(actor="admin:kim")).total == 3
    assert log.search(Query(actor="admin:ki")).total == 0  # no partial names
    assert [r.seq for r in log.search(Query(action="change")).records] == [5, 4]
    # a subject's records, and those of every subject (the reset)
    assert [r.seq for r in log.search(Query(subject="097-abc")).records] == [6, 5, 4]
    assert [r.seq for r in log.search(Query(subject="1100000001")).records] == [6, 2]
    found = log.search(Query(since=MONDAY_10 + 1, until=MONDAY_10 + 2))
    assert sorted(r.seq for r in found.records) == [2, 5]
    page = log.search(Query(page=2, size=4))
    assert ([r.seq for r in page.records], page.total) == ([2, 1], 6)


def test_deletions_by_retention_are_logged_as_purges(log: ProcessingLog) -> None:
    record = log.purged(
        time=MONDAY_10, subjects=["097-abc"], fields=["transactions"], counts={"transfers": 3}
    )
    log.store.flush()
    assert (record.actor, record.action, record.purpose) == (
        RETENTION_ACTOR,
        "purge",
        RETENTION_PURPOSE,
    )
    assert record.detail == {"counts": {"transfers": 3}}
    assert log.search(Query(action="purge")).records == [record]


@pytest.mark.parametrize(
    ("at", "inside"),
    [
        ("2026-03-02T09:00:00", True),  # Monday
        ("2026-03-02T17:59:59", True),
        ("2026-03-02T18:00:00", False),
        ("2026-03-02T08:59:59", False),
        ("2026-03-06T12:00:00", True),  # Friday
        ("2026-03-07T12:00:00", False),  # Saturday
        ("2026-03-08T12:00:00", False),  # Sunday
    ],
)
def test_office_hours_are_weekdays_nine_to_six_kst(at: str, inside: bool) -> None:
    assert in_office_hours(parse_kst(at)) is inside


@pytest.mark.parametrize("month", ["2026-3", "2026-13", "26-03", "２０２６-03", "1969-12", ""])
def test_a_bad_month_is_refused(month: str) -> None:
    with pytest.raises(AuditError, match="YYYY-MM"):
        month_bounds(month)


def test_a_month_is_its_kst_days() -> None:
    start, end = month_bounds("2026-12")
    assert (start, end) == (parse_kst("2026-12-01T00:00:00"), parse_kst("2027-01-01T00:00:00"))


def test_the_monthly_review_flags_what_an_auditor_looks_for(log: ProcessingLog) -> None:
    saturday = parse_kst("2026-03-07T11:00:00")
    write(log, 1)  # Monday 10:00: nothing to flag
    write(log, 1, time=parse_kst("2026-03-03T20:30:00"), actor="admin:night")  # after hours
    write(log, 1, time=saturday, actor="admin:weekend")
    write(log, 1, time=saturday, actor=RETENTION_ACTOR, action="purge")  # a batch job
    many = [f"1100{i:06d}" for i in range(BULK_AT_ONCE)]
    write(log, 1, subjects=many)  # one read of many people at once
    for i in range(3):  # many people within an hour, a few at a time
        subjects = [f"12{i}{j:07d}" for j in range(BULK_PER_HOUR // 3 + 1)]
        write(log, 1, actor="admin:lee", subjects=subjects, time=MONDAY_10 + 60 * i)
    write(log, 1, action="export", detail={"reason": "감사 자료"})
    write(log, 1, action="denied", actor="admin:intruder", subjects=[])
    write(log, 1, time=parse_kst("2026-04-01T10:00:00"))  # another month
    review = log.review("2026-03")
    assert review.records == 10
    assert review.by_action == {"read": 7, "purge": 1, "export": 1, "denied": 1}
    assert review.by_actor["admin:lee"] == 3
    assert {r.actor for r in review.off_hours} == {"admin:night", "admin:weekend"}
    assert [r.people for r in review.bulk_at_once] == [BULK_AT_ONCE]
    assert [(h.actor, h.records) for h in review.bulk_hours] == [("admin:lee", 3)]
    assert review.bulk_hours[0].subjects >= BULK_PER_HOUR
    assert [r.detail["reason"] for r in review.downloads] == ["감사 자료"]
    assert [r.actor for r in review.denied] == ["admin:intruder"]
    assert review.counts == {
        "bulk_at_once": 1,
        "bulk_hours": 1,
        "off_hours": 2,
        "downloads": 1,
        "denied": 1,
    }
    assert log.review("2026-05").records == 0


# --- offline: the server stopped, the file in someone's hands ------------------------------


def rechain(db: Path, since: int) -> None:
    """What a forger without the key does after editing: recompute the SHA-256 chain from
    record `since` on, each hash over the row with the previous hash, so every link holds."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        columns = "seq, wall, time, actor, action, subjects, fields, purpose, path, source, detail"
        rows = conn.execute(
            f"SELECT {columns}, prev_hash FROM processing_log ORDER BY seq"
        ).fetchall()
        prev = next(r[11] for r in rows if r[0] == since)
        for row in rows:
            if row[0] < since:
                continue
            body = dict(zip([c.strip() for c in columns.split(",")], row, strict=False))
            for name in ("subjects", "fields", "detail"):
                body[name] = json.loads(body[name])
            body["prev_hash"] = prev
            prev = legacy_hash(body)
            conn.execute(
                "UPDATE processing_log SET prev_hash = ?, hash = ? WHERE seq = ?",
                (body["prev_hash"], prev, row[0]),
            )
    finally:
        conn.close()


def reopened(db: Path) -> tuple[Store, ProcessingLog]:
    store = Store(str(db))
    return store, ProcessingLog(store)


def logged(db: Path, n: int) -> None:
    store, log = reopened(db)
    try:
        write(log, n)
    finally:
        store.close()


def test_an_offline_rewrite_is_found_after_a_restart(db: Path) -> None:
    """The attack of issue 22: stop, drop the triggers, change record 10's actor, delete
    every record from 20 on, recompute the SHA-256 chain, start again."""
    logged(db, 30)
    tamper(db, "UPDATE processing_log SET actor = 'admin:nobody' WHERE seq = 10")
    tamper(db, "DELETE FROM processing_subjects WHERE seq >= 20")
    tamper(db, "DELETE FROM processing_log WHERE seq >= 20")
    rechain(db, 10)
    store, log = reopened(db)
    try:
        verified = log.verify()
        assert (verified.ok, verified.broken_at) == (False, 10)
        assert "changed" in verified.problem
        assert log.head[0] == 19
    finally:
        store.close()


def test_a_cut_end_is_found_after_a_restart(db: Path) -> None:
    """Records deleted from the end leave a valid chain: the anchor outside the file says
    how long it was, and a restart that appends does not overwrite that evidence."""
    logged(db, 30)
    tamper(db, "DELETE FROM processing_subjects WHERE seq >= 20")
    tamper(db, "DELETE FROM processing_log WHERE seq >= 20")
    store, log = reopened(db)
    try:
        verified = log.verify()
        assert not verified.ok and verified.records == 19 and verified.broken_at is None
        assert "shorter than its anchor" in verified.problem
        assert "ends at record 19" in verified.problem and "says 30" in verified.problem
        write(log, 3)
        assert "shorter than its anchor" in log.verify().problem
    finally:
        store.close()
    store, log = reopened(db)
    try:
        assert not log.verify().ok  # still, after yet another restart
    finally:
        store.close()


def test_a_log_emptied_or_replaced_is_found(db: Path, tmp_path: Path) -> None:
    """The whole table replaced: by nothing, or by another database's log (valid under
    that database's key) with the anchor left as it was."""
    other = tmp_path / "other.db"
    logged(other, 12)
    logged(db, 12)
    tamper(db, "DROP TABLE processing_log")
    tamper(db, "DROP TABLE processing_subjects")
    store, log = reopened(db)
    try:
        verified = log.verify()
        assert not verified.ok and "shorter than its anchor" in verified.problem
    finally:
        store.close()
    tamper(db, "DROP TABLE processing_log")
    tamper(db, "DROP TABLE processing_subjects")
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute(f"ATTACH '{other}' AS other")
        conn.execute("CREATE TABLE processing_log AS SELECT * FROM other.processing_log")
        conn.execute("CREATE TABLE processing_subjects AS SELECT * FROM other.processing_subjects")
    finally:
        conn.close()
    store, log = reopened(db)
    try:
        verified = log.verify()
        assert (verified.ok, verified.broken_at) == (False, 1)
    finally:
        store.close()


def test_the_anchor_is_private_and_must_be_there(db: Path) -> None:
    logged(db, 3)
    anchor = anchor_file_of(str(db))
    assert anchor is not None and anchor.stat().st_mode & 0o777 == 0o600
    assert json.loads(anchor.read_text())["seq"] == 3
    anchor.unlink()
    store, log = reopened(db)
    try:
        verified = log.verify()
        assert not verified.ok and "missing" in verified.problem
    finally:
        store.close()


def test_the_anchor_s_boundary_cannot_be_moved(db: Path) -> None:
    """Moving the keyed-from mark past the head (to pass a SHA-256 chain as old) is found:
    the anchor's HMAC covers the mark."""
    logged(db, 3)
    tamper(db, "UPDATE meta SET value = '100' WHERE key = ?", KEYED_FROM)
    rechain(db, 1)  # every record now a valid SHA-256 chain: "old", were it not for the anchor
    store, log = reopened(db)
    try:
        verified = log.verify()
        assert not verified.ok and "keyed from" in verified.problem
    finally:
        store.close()


def test_a_new_database_replaces_a_stale_anchor(db: Path) -> None:
    """A database deleted and made again at the same path: the anchor left beside it is
    another database's (its HMAC is under another key), not evidence against the new one."""
    logged(db, 3)
    for path in db.parent.glob(db.name + "*"):
        if not path.name.endswith(".audit-head"):
            path.unlink()
    logged(db, 1)
    store, log = reopened(db)
    try:
        assert log.verify().ok
    finally:
        store.close()


def test_a_log_from_before_the_key_is_taken_over(tmp_path: Path) -> None:
    """`data/v3-log.db` holds 5 records chained by SHA-256 alone (written before the key):
    they are kept as they are, checked as SHA-256, and the keyed chain goes on from them."""
    db = tmp_path / "v3-log.db"
    db.write_bytes((Path(__file__).parent / "data" / "v3-log.db").read_bytes())
    key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # the key it was written with
    store = Store(str(db), data_key=key)
    try:
        log = ProcessingLog(store)
        assert log.keyed_from == 6
        write(log, 2)
        verified = log.verify()
        assert verified.ok and verified.records == 7 and verified.legacy_records == 5
        sixth = next(r for r in log.search(Query()).records if r.seq == 6)
        assert sixth.hash == record_hash(record_body(sixth), store.derived_key(CHAIN_KEY_PURPOSE))
    finally:
        store.close()
    tamper(db, "UPDATE processing_log SET actor = 'admin:nobody' WHERE seq = 2")
    rechain(db, 2)  # the old records rehashed: the first keyed record no longer follows
    store = Store(str(db), data_key=key)
    try:
        verified = ProcessingLog(store).verify()
        assert (verified.ok, verified.broken_at) == (False, 6)
    finally:
        store.close()
