"""Rewriting the whole file: a file from before sealing (schema 1 or 2) read plain
(`read_plain_file`) and written sealed, and a key rotation's rewrite of everything under
the new keys (`rewrite`, both in one transaction).
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterable

from testbed.network.ledger import Entry
from testbed.store.rows import (
    Contents,
    Rows,
    account_from_plain,
    as_dict,
    named,
    posting_from_plain,
)
from testbed.store.schema import (
    PUT_ACCOUNT,
    PUT_ENTRY,
    PUT_META,
    PUT_POSTING,
    PUT_RECORD,
    PUT_SNAPSHOT,
    SCHEMA,
    SCHEMA_VERSION,
    SELECT_SNAPSHOTS,
    WORLD_TABLES,
)


def plain_layout(conn: sqlite3.Connection) -> bool:
    """The file was written before values were sealed (its accounts have account_num)."""
    return any(r["name"] == "account_num" for r in named(conn, "PRAGMA table_info(accounts)"))


def read_plain_file(conn: sqlite3.Connection) -> Contents:
    """Everything a file from before sealing holds, read plain."""
    columns = {r["name"] for r in named(conn, "PRAGMA table_info(accounts)")}
    seeded = "seeded" if "seeded" in columns else "0 AS seeded"  # schema 1: none
    accounts = [
        account_from_plain(as_dict(r))
        for r in named(
            conn,
            "SELECT bank_code, account_num, holder_name, holder_info, holder_type, account_type,"
            " product_name, issue_date, maturity_date, owner, branch_name, status, balance,"
            f" {seeded} FROM accounts ORDER BY rowid",
        )
    ]
    entries = list(
        _entries_from_plain(
            named(
                conn,
                "SELECT e.id, e.time, e.kind, e.ref, p.bank_code, p.account_num, p.amount,"
                " p.balance_after, p.print_content, p.tran_type"
                " FROM entries e JOIN postings p ON p.entry_id = e.id ORDER BY e.id, p.seq",
            )
        )
    )
    tables = {r["name"] for r in named(conn, "SELECT name FROM sqlite_master WHERE type='table'")}
    records = []  # schema 1 had neither records nor snapshots
    if "records" in tables:
        records = [
            (r["kind"], r["key"], json.loads(r["data"]))
            for r in named(conn, "SELECT kind, key, data FROM records ORDER BY rowid")
        ]
    snapshots = []
    if "snapshots" in tables:
        snapshots = [
            (r["id"], r["label"], r["time"], bytes(r["data"]))
            for r in named(conn, SELECT_SNAPSHOTS)
        ]
    return Contents(accounts, entries, records, snapshots)


def _entries_from_plain(rows: Iterable[sqlite3.Row]) -> Iterable[Entry]:
    """Group plain posting rows (ordered by entry, then posting) back into entries."""
    for _, group in itertools.groupby(rows, key=lambda r: r["id"]):
        legs = list(group)
        first = legs[0]
        yield Entry(
            id=first["id"],
            time=first["time"],
            kind=first["kind"],
            ref=first["ref"],
            postings=tuple(posting_from_plain(as_dict(r)) for r in legs),
            balances_after=tuple(r["balance_after"] for r in legs),
        )


def rewrite(
    conn: sqlite3.Connection, rows: Rows, contents: Contents, wrapped_keys: str, path: str
) -> None:
    """Write `contents` sealed with `rows`, in place of all the file held, in one
    transaction; then leave no page of what was there (VACUUM, WAL truncated)."""
    conn.execute("BEGIN")
    try:
        for table in (*WORLD_TABLES, "snapshots"):
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in SCHEMA[1:]:
            conn.execute(statement)
        conn.executemany(PUT_ACCOUNT, [rows.account(a) for a in contents.accounts])
        conn.executemany(PUT_ENTRY, [rows.entry(e) for e in contents.entries])
        conn.executemany(PUT_POSTING, [row for e in contents.entries for row in rows.postings(e)])
        conn.executemany(PUT_RECORD, [rows.record(*r) for r in contents.records])
        conn.executemany(PUT_SNAPSHOT, [rows.snapshot(*s) for s in contents.snapshots])
        conn.executemany(PUT_META, [("keys", wrapped_keys), ("schema", SCHEMA_VERSION)])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if path != ":memory:":
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
