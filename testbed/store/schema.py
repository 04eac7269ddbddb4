"""The database file's format: its tables, the statements that write them, the meta rows
that say what the file holds, and the error of a file that cannot be opened, read or
written. One concept: the layout `SCHEMA_VERSION` names (the codecs of its rows are
`rows.py`; reading a file of an older layout is `migration.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class StoreError(RuntimeError):
    pass


SCHEMA_VERSION = "3"  # 3: personal values sealed; 2: accounts.seeded, seeded worlds

# Personal values (account numbers, names, birth dates, what records hold) are sealed
# (crypto.Sealer); what finds a row by them is a keyed hash (`*_ref`). Plain: amounts,
# balances, times, codes. Each statement runs on its own: the migration runs them in
# one transaction, which `executescript` would commit.
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    # rowid kept: the world comes back in the order it was made
    """CREATE TABLE IF NOT EXISTS accounts (
    bank_code TEXT NOT NULL, account_ref TEXT NOT NULL,
    sealed BLOB NOT NULL,  -- [account_num, holder_name, holder_info, owner]
    holder_type TEXT NOT NULL, account_type TEXT NOT NULL, product_name TEXT NOT NULL,
    issue_date TEXT NOT NULL, maturity_date TEXT NOT NULL, branch_name TEXT NOT NULL,
    status TEXT NOT NULL, balance INTEGER NOT NULL, seeded INTEGER NOT NULL,
    PRIMARY KEY (bank_code, account_ref)
)""",
    # the append-only transaction record: rows are inserted, never updated
    """CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY, time REAL NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL,
    sealed BLOB NOT NULL  -- [[account_num, print_content] of each posting]
)""",
    """CREATE TABLE IF NOT EXISTS postings (
    entry_id INTEGER NOT NULL, seq INTEGER NOT NULL,
    bank_code TEXT NOT NULL, account_ref TEXT NOT NULL, amount INTEGER NOT NULL,
    balance_after INTEGER NOT NULL, tran_type TEXT NOT NULL,
    PRIMARY KEY (entry_id, seq)
) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, key_ref TEXT NOT NULL,
    sealed BLOB NOT NULL,  -- [key, record]
    PRIMARY KEY (kind, key_ref)
)""",
    # whole-world snapshots: zlib-compressed JSON (see snapshots.snapshot_state), sealed
    """CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY, label TEXT NOT NULL, time REAL NOT NULL, data BLOB NOT NULL
)""",
)
#: the tables that hold the world (not meta, not snapshots): what replace_world rewrites
WORLD_TABLES = ("accounts", "entries", "postings", "records")
#: meta `world`: the tables are the world / lay over the world the seeding makes again
ROWS, SEEDED = "1", "seeded"

#: the accounts table's columns, in the order `rows.Rows.account` gives them
ACCOUNT_COLUMNS = (
    "bank_code",
    "account_ref",
    "sealed",
    "holder_type",
    "account_type",
    "product_name",
    "issue_date",
    "maturity_date",
    "branch_name",
    "status",
    "balance",
    "seeded",
)
_ACCOUNT_LIST = ", ".join(ACCOUNT_COLUMNS)
SELECT_ACCOUNTS = f"SELECT {_ACCOUNT_LIST} FROM accounts ORDER BY rowid"
# UPSERT, not REPLACE: an update keeps the row's rowid, hence its place in the order
PUT_ACCOUNT = (
    f"INSERT INTO accounts ({_ACCOUNT_LIST}) VALUES ({', '.join('?' * len(ACCOUNT_COLUMNS))})"
    " ON CONFLICT (bank_code, account_ref) DO UPDATE SET status = excluded.status,"
    " balance = excluded.balance, sealed = excluded.sealed,"
    " product_name = excluded.product_name"
)
PUT_ENTRY = "INSERT INTO entries (id, time, kind, ref, sealed) VALUES (?, ?, ?, ?, ?)"
PUT_POSTING = "INSERT INTO postings VALUES (?, ?, ?, ?, ?, ?, ?)"
PUT_RECORD = (
    "INSERT INTO records (kind, key_ref, sealed) VALUES (?, ?, ?)"
    " ON CONFLICT (kind, key_ref) DO UPDATE SET sealed = excluded.sealed"
)
DELETE_RECORD = "DELETE FROM records WHERE kind = ? AND key_ref = ?"
DELETE_POSTINGS = "DELETE FROM postings WHERE entry_id = ?"
DELETE_ENTRY = "DELETE FROM entries WHERE id = ?"
PUT_SNAPSHOT = "INSERT INTO snapshots (id, label, time, data) VALUES (?, ?, ?, ?)"
PUT_META = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"
#: every posting with its entry, in order (the columns `rows.Rows.entries_from` reads)
SELECT_ENTRIES = (
    "SELECT e.id, e.time, e.kind, e.ref, e.sealed, p.bank_code, p.amount, p.balance_after,"
    " p.tran_type FROM entries e JOIN postings p ON p.entry_id = e.id ORDER BY e.id, p.seq"
)
SELECT_RECORDS = "SELECT kind, key_ref, sealed FROM records ORDER BY rowid"
SELECT_SNAPSHOTS = "SELECT id, label, time, data FROM snapshots ORDER BY id"

Statement = tuple[str, Sequence[Any], bool]  # sql, params, many
