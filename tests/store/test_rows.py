"""Row codecs (`testbed.store.rows`): a value written as a row comes back the same, each
column read by its name, so a column's place in a SELECT or in a snapshot's list is not
what the codec relies on."""

from __future__ import annotations

import sqlite3

from testbed.network.ledger import Account, AccountStatus, AccountType
from testbed.network.world import World
from testbed.store.crypto import DatabaseKeys, Sealer
from testbed.store.rows import (
    PLAIN_ACCOUNT_FIELDS,
    Rows,
    account_from_plain,
    by_name,
    named,
    plain_account_row,
)
from testbed.store.schema import ACCOUNT_COLUMNS, PUT_ACCOUNT, SCHEMA
from tests.conftest import WorldFactory


def _account() -> Account:
    return Account(
        bank_code="004",
        account_num="12345678901234",
        holder_name="홍길동",
        holder_info="900101",
        holder_type="P",
        account_type=AccountType.DEMAND,
        product_name="입출금통장",
        issue_date="20200101",
        maturity_date="",
        owner="user:1",
        branch_name="본점",
        status=AccountStatus.SUSPENDED,
        balance=1_234_567,
        seeded=1_000_000,
    )


def test_an_account_reads_back_by_name_whatever_the_order_of_the_columns() -> None:
    conn = sqlite3.connect(":memory:")
    for statement in SCHEMA:
        conn.execute(statement)
    rows = Rows(Sealer(DatabaseKeys.new()))
    account = _account()
    conn.execute(PUT_ACCOUNT, rows.account(account))
    backwards = ", ".join(reversed(ACCOUNT_COLUMNS))
    (row,) = named(conn, f"SELECT {backwards} FROM accounts").fetchall()
    assert row[0] == account.seeded  # the first column is now the last one written
    assert rows.account_from(row) == account


def test_a_snapshots_plain_account_round_trips_and_format_1_has_no_seeded_won() -> None:
    account = _account()
    plain = plain_account_row(account)
    assert account_from_plain(by_name(PLAIN_ACCOUNT_FIELDS, plain)) == account
    older = account_from_plain(by_name(PLAIN_ACCOUNT_FIELDS, plain[:-1]))  # format 1
    assert older.seeded == 0 and older.balance == account.balance


def test_every_entry_of_a_world_reads_back(make_world: WorldFactory) -> None:
    world: World = make_world(seed=7, users=3)
    conn = sqlite3.connect(":memory:")
    for statement in SCHEMA:
        conn.execute(statement)
    rows = Rows(Sealer(DatabaseKeys.new()))
    entries = world.ledger.entries[:50]
    assert entries
    for entry in entries:
        conn.execute("INSERT INTO entries (id, time, kind, ref, sealed) VALUES (?, ?, ?, ?, ?)",
                     rows.entry(entry))  # fmt: skip
        conn.executemany("INSERT INTO postings VALUES (?, ?, ?, ?, ?, ?, ?)", rows.postings(entry))
    select = (
        "SELECT p.tran_type, p.balance_after, p.amount, p.bank_code, e.sealed, e.ref, e.kind,"
        " e.time, e.id FROM entries e JOIN postings p ON p.entry_id = e.id ORDER BY e.id, p.seq"
    )
    assert list(rows.entries_from(named(conn, select))) == entries
