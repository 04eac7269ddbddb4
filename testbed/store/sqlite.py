"""Durable state in SQLite (stdlib sqlite3, WAL): the ledger, the directory, the clock.

The model lives in memory; every change it makes is turned into SQL and queued here.
A single writer thread commits whatever has queued as soon as the previous commit
ends (group commit, no timer), so durability costs one fsync per batch, not per
request. A handler awaits `durable()` before it answers: a success the client sees
is on disk. On start, `load()` rebuilds the world from the file.

One kind of change does not wake the writer: the `bank_tran_id` an inquiry claims
(`LAZY_KINDS`), which no answer waits for. Those ride with the next commit, or are
committed on their own at most `LAZY_WITHIN` seconds later: an inquiry-only load costs
a commit per LAZY_WITHIN, not one per few requests. A crash can forget the last
LAZY_WITHIN of them (the id could then be used again that day); a transfer's claim is
committed with its transfer.

A world fresh from its seed is written as its seeding (meta `world` = `seeded`, and
`seeding`: the seed, start and size that make it, with its fingerprint), not as rows:
a million accounts are made again faster than they are read back. The tables then hold
what changed since (accounts as they are now, entries, records), which `load()` lays
over the world the seeding makes again. Any other world (one restored from a snapshot)
is written as rows (meta `world` = `1`), as files from before were. Either way the lines
of an account's seeded history are never stored: the seeding makes them when read.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sqlite3
import stat
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag

from testbed.network.ledger import (
    CARRY,
    Account,
    AccountKey,
    AccountStatus,
    AccountType,
    Entry,
    LedgerError,
    Posting,
)
from testbed.network.retention import PurgeReport, entry_keep_until
from testbed.network.seed import Seeding, populate
from testbed.network.world import World
from testbed.store.crypto import (
    DatabaseKeys,
    KeyProblem,
    MasterKey,
    Sealer,
    derived_key,
    master_key_for,
    pseudonym_of_account,
)

#: record kinds whose writes need not wake the writer (see the module's docstring)
LAZY_KINDS = frozenset({"tran_id"})
LAZY_WITHIN = 0.1  # wall seconds
SCHEMA_VERSION = "3"  # 3: personal values sealed; 2: accounts.seeded, seeded worlds
#: a pseudonym's cache: accounts a running testbed has written lately (cleared when full)
ACCOUNT_CACHE = 100_000

# Personal values (account numbers, names, birth dates, what records hold) are sealed
# (crypto.Sealer); what finds a row by them is a keyed hash (`*_ref`). Plain: amounts,
# balances, times, codes. Each statement runs on its own: the migration runs them in
# one transaction, which `executescript` would commit.
_SCHEMA = (
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
    # whole-world snapshots: zlib-compressed JSON (see snapshot_state), sealed
    """CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY, label TEXT NOT NULL, time REAL NOT NULL, data BLOB NOT NULL
)""",
)
#: the tables that hold the world (not meta, not snapshots): what replace_world rewrites
WORLD_TABLES = ("accounts", "entries", "postings", "records")
SNAPSHOT_FORMAT = 2  # 2: accounts with their seeded won, and the world's seeding
#: meta `world`: the tables are the world / lay over the world the seeding makes again
ROWS, SEEDED = "1", "seeded"

_ACCOUNT_COLUMNS = (
    "bank_code, account_ref, sealed, holder_type, account_type, product_name, issue_date,"
    " maturity_date, branch_name, status, balance, seeded"
)
# UPSERT, not REPLACE: an update keeps the row's rowid, hence its place in the order
_PUT_ACCOUNT = (
    f"INSERT INTO accounts ({_ACCOUNT_COLUMNS}) VALUES ({', '.join('?' * 12)})"
    " ON CONFLICT (bank_code, account_ref) DO UPDATE SET status = excluded.status,"
    " balance = excluded.balance, sealed = excluded.sealed,"
    " product_name = excluded.product_name"
)
_PUT_ENTRY = "INSERT INTO entries (id, time, kind, ref, sealed) VALUES (?, ?, ?, ?, ?)"
_PUT_POSTING = "INSERT INTO postings VALUES (?, ?, ?, ?, ?, ?, ?)"
_PUT_RECORD = (
    "INSERT INTO records (kind, key_ref, sealed) VALUES (?, ?, ?)"
    " ON CONFLICT (kind, key_ref) DO UPDATE SET sealed = excluded.sealed"
)
_DELETE_RECORD = "DELETE FROM records WHERE kind = ? AND key_ref = ?"
_DELETE_POSTINGS = "DELETE FROM postings WHERE entry_id = ?"
_DELETE_ENTRY = "DELETE FROM entries WHERE id = ?"
_PUT_SNAPSHOT = "INSERT INTO snapshots (id, label, time, data) VALUES (?, ?, ?, ?)"
_PUT_META = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"
_SELECT_ENTRIES = (
    "SELECT e.id, e.time, e.kind, e.ref, e.sealed, p.bank_code, p.amount, p.balance_after,"
    " p.tran_type FROM entries e JOIN postings p ON p.entry_id = e.id ORDER BY e.id, p.seq"
)

Statement = tuple[str, Sequence[Any], bool]  # sql, params, many


class StoreError(RuntimeError):
    pass


@dataclass
class _Contents:
    """Everything a file holds but its meta, as plain values: what a migration or a
    rotation reads with one key (or none) and writes with another."""

    accounts: list[Account]
    entries: list[Entry]
    records: list[tuple[str, str, dict[str, Any]]]
    snapshots: list[tuple[int, str, float, bytes]]


class _Rows:
    """Rows of the file from plain values, sealed with one sealer; and back."""

    def __init__(self, sealer: Sealer) -> None:
        self.sealer = sealer
        # pseudonym and sealed identity of the accounts written lately: an account written
        # again (every transfer rewrites its balance) costs neither a hash nor a seal
        self._accounts: dict[AccountKey, tuple[tuple[str, str, str], str, bytes]] = {}
        self._internal: dict[AccountKey, str] = {}

    def account_ref(self, bank_code: str, account_num: str) -> str:
        return pseudonym_of_account(self.sealer, bank_code, account_num)

    def record_ref(self, kind: str, key: str) -> str:
        return self.sealer.pseudonym(f"record:{kind}:{key}")

    def _account_identity(self, a: Account) -> tuple[str, bytes]:
        who = (a.holder_name, a.holder_info, a.owner)
        known = self._accounts.get(a.key)
        if known is not None and known[0] == who:
            return known[1], known[2]
        ref = self.account_ref(a.bank_code, a.account_num)
        sealed = self.sealer.seal(
            orjson.dumps([a.account_num, *who]), b"accounts/" + a.bank_code.encode() + ref.encode()
        )
        if len(self._accounts) >= ACCOUNT_CACHE:
            self._accounts.clear()
        self._accounts[a.key] = (who, ref, sealed)
        return ref, sealed

    def account(self, a: Account) -> tuple[Any, ...]:
        ref, sealed = self._account_identity(a)
        return (
            a.bank_code,
            ref,
            sealed,
            a.holder_type,
            a.account_type.value,
            a.product_name,
            a.issue_date,
            a.maturity_date,
            a.branch_name,
            a.status.value,
            a.balance,
            a.seeded,
        )

    def entry(self, e: Entry) -> tuple[Any, ...]:
        plain = orjson.dumps([[leg.account[1], leg.print_content] for leg in e.postings])
        return (e.id, e.time, e.kind, e.ref, self.sealer.seal(plain, _entry_row(e.id)))

    def postings(self, e: Entry) -> list[tuple[Any, ...]]:
        return [
            (
                e.id,
                seq,
                leg.account[0],
                self._account_ref_cached(leg.account),
                leg.amount,
                after,
                leg.tran_type,
            )
            for seq, (leg, after) in enumerate(zip(e.postings, e.balances_after, strict=True))
        ]

    def _account_ref_cached(self, key: AccountKey) -> str:
        known = self._accounts.get(key)
        if known is not None:
            return known[1]
        ref = self._internal.get(key)  # the centre's clearing accounts, EXTERNAL
        if ref is None:
            ref = self.account_ref(*key)
            if key[0].startswith("@"):
                self._internal[key] = ref
        return ref

    def record(self, kind: str, key: str, record: dict[str, Any]) -> tuple[str, str, bytes]:
        ref = self.record_ref(kind, key)
        return kind, ref, self.sealer.seal(orjson.dumps([key, record]), _record_row(kind, ref))

    def snapshot(self, snapshot_id: int, label: str, time: float, data: bytes) -> tuple[Any, ...]:
        return snapshot_id, label, time, self.sealer.seal(data, _snapshot_row(snapshot_id))

    # --- and back ----------------------------------------------------------------------
    def account_from(self, r: Sequence[Any]) -> Account:
        account_num, holder_name, holder_info, owner = orjson.loads(
            self.sealer.open(r[2], b"accounts/" + r[0].encode() + r[1].encode())
        )
        return Account(
            bank_code=r[0],
            account_num=account_num,
            holder_name=holder_name,
            holder_info=holder_info,
            holder_type=r[3],
            account_type=AccountType(r[4]),
            product_name=r[5],
            issue_date=r[6],
            maturity_date=r[7],
            owner=owner,
            branch_name=r[8],
            status=AccountStatus(r[9]),
            balance=r[10],
            seeded=r[11],
        )

    def entries_from(self, rows: Iterable[Sequence[Any]]) -> Iterable[Entry]:
        """Group posting rows (ordered by entry, then posting) back into entries."""
        for _, group in itertools.groupby(rows, key=lambda r: r[0]):
            legs = list(group)
            first = legs[0]
            opened = orjson.loads(self.sealer.open(first[4], _entry_row(first[0])))
            yield Entry(
                id=first[0],
                time=first[1],
                kind=first[2],
                ref=first[3],
                postings=tuple(
                    Posting((r[5], num), r[6], content, r[8])
                    for r, (num, content) in zip(legs, opened, strict=True)
                ),
                balances_after=tuple(r[7] for r in legs),
            )

    def record_from(self, r: Sequence[Any]) -> tuple[str, str, dict[str, Any]]:
        key, record = orjson.loads(self.sealer.open(r[2], _record_row(r[0], r[1])))
        return r[0], key, record

    def snapshot_from(self, snapshot_id: int, data: bytes) -> bytes:
        return self.sealer.open(data, _snapshot_row(snapshot_id))


def _entry_row(entry_id: int) -> bytes:
    return b"entries/%d" % entry_id


def _record_row(kind: str, ref: str) -> bytes:
    return f"records/{kind}/{ref}".encode()


def _snapshot_row(snapshot_id: int) -> bytes:
    return b"snapshots/%d" % snapshot_id


class Store:
    """The database file: `data_key` is TESTBED_DATA_KEY's value (None: the key file)."""

    def __init__(self, path: str, data_key: str | None = None, exclusive: bool = False) -> None:
        self.path = path
        # every opener holds a shared lock on `<db>.lock`; `testbed rekey` (exclusive=True)
        # must be alone, or a running testbed would go on sealing with the old data key
        self._lock = _lock_file(path, exclusive)
        try:
            _make_private(path)
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk (fsync) before the writer reports it durable
            self._conn.execute("PRAGMA synchronous=FULL")
            # what is deleted (a purge, a rewrite) is overwritten, not left in free pages
            self._conn.execute("PRAGMA secure_delete=ON")
            self._conn.execute(_SCHEMA[0])  # meta: where the keys are
            wrapped = self._meta_value("keys")
            self.master = master_key_for(path, data_key, wrapped)
            if wrapped is None:
                keys = DatabaseKeys.new()
                self._conn.execute(_PUT_META, ("keys", keys.wrap(self.master)))
            else:
                keys = DatabaseKeys.unwrap(wrapped, self.master, path)
            self._rows = _Rows(Sealer(keys))
            if _plain_layout(self._conn):
                self._seal_plain_file()
            for statement in _SCHEMA[1:]:
                self._conn.execute(statement)
            (self._last_snapshot,) = self._conn.execute(
                "SELECT coalesce(max(id), 0) FROM snapshots"
            ).fetchone()
        except KeyProblem as e:
            self._conn.close()
            _unlock(self._lock)
            raise StoreError(str(e)) from None
        except (sqlite3.Error, OSError) as e:
            _unlock(self._lock)
            raise StoreError(f"cannot open the database {path}: {e}") from None
        self._pending: list[Statement] = []
        #: what runs in the writer once the pending statements are committed, by name (the
        #: latest of a name wins): the processing log's anchor, written outside the file
        self._after: dict[str, Callable[[], None]] = {}
        self._urgent = False  # something pending wakes the writer (not only lazy records)
        self._cv = threading.Condition()
        self._submitted = 0
        self._committed = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False
        self._failure: BaseException | None = None
        self.commits = 0  # batches committed, for benchmarks and tests
        self._attached: dict[int, tuple[World, _Listeners]] = {}
        self._thread = threading.Thread(target=self._write_forever, name="store-writer")
        self._thread.daemon = True
        self._thread.start()

    # --- writing -----------------------------------------------------------------------
    def submit(self, sql: str, params: Sequence[Any], wake: bool = True) -> None:
        """Queue a statement; `wake=False`: it may wait up to LAZY_WITHIN for company."""
        self._queue((sql, params, False), wake)

    def submit_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._queue((sql, rows, True))

    def submit_group(
        self, statements: Sequence[Statement], after: tuple[str, Callable[[], None]]
    ) -> None:
        """Queue statements that commit together, and an action the writer runs once they
        are committed (`after`: a name and the action; a later action of the same name
        replaces one not yet run). The action runs in the writer thread: it must be short
        and must not raise."""
        with self._cv:
            if self._closing:
                raise StoreError("the store is closed")
            self._pending.extend(statements)
            self._submitted += len(statements)
            self._after[after[0]] = after[1]
            if not self._urgent:
                self._urgent = True
                self._cv.notify()

    def derived_key(self, purpose: str) -> bytes:
        """A key of this database for one purpose (see `crypto.derived_key`)."""
        return derived_key(self._rows.sealer.keys, purpose)

    def _queue(self, statement: Statement, wake: bool = True) -> None:
        with self._cv:
            if self._closing:
                raise StoreError("the store is closed")
            self._pending.append(statement)
            self._submitted += 1
            if wake and not self._urgent:
                self._urgent = True
                self._cv.notify()
            elif len(self._pending) == 1:
                self._cv.notify()  # the writer sleeps until told: now it waits LAZY_WITHIN

    def _hurry(self) -> None:
        """Wake the writer for what is pending, lazy or not (called holding `_cv`)."""
        if self._pending and not self._urgent:
            self._urgent = True
            self._cv.notify()

    async def durable(self) -> None:
        """Wait until everything submitted so far is committed to disk."""
        loop = asyncio.get_running_loop()
        with self._cv:
            if self._failure is not None:
                raise StoreError(f"the database cannot be written: {self._failure}")
            target = self._submitted
            if self._committed >= target:
                return
            self._hurry()
            self._loop = loop
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append((target, future))
        await future

    def flush(self) -> None:
        """Block until everything submitted so far is committed (start-up and shut-down)."""
        with self._cv:
            target = self._submitted
            self._hurry()
            while self._committed < target and self._failure is None:
                self._cv.wait()
            if self._failure is not None:
                raise StoreError(f"the database cannot be written: {self._failure}")

    def _write_forever(self) -> None:
        conn = self._conn
        while True:
            with self._cv:
                while not self._urgent and not self._closing:
                    # only lazy records pending: they wait LAZY_WITHIN for company, at most
                    if not self._cv.wait(LAZY_WITHIN if self._pending else None):
                        break
                if not self._pending:
                    if self._closing:
                        return
                    continue
                batch, self._pending = self._pending, []
                after, self._after = self._after, {}
                self._urgent = False
                upto = self._submitted
            failure: BaseException | None = None
            try:
                conn.execute("BEGIN")
                for sql, params, many in batch:
                    if many:
                        conn.executemany(sql, params)
                    else:
                        conn.execute(sql, params)
                conn.execute("COMMIT")
                self.commits += 1
                for action in after.values():
                    action()
            except BaseException as e:  # report to every waiter; never die silently
                failure = e
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            with self._cv:
                if failure is not None:
                    self._failure = failure
                self._committed = upto
                ready = [w for w in self._waiters if w[0] <= upto]
                self._waiters = [w for w in self._waiters if w[0] > upto]
                loop = self._loop
                self._cv.notify_all()
            if ready and loop is not None:
                loop.call_soon_threadsafe(_resolve, ready, failure)

    def close(self) -> None:
        with self._cv:
            self._closing = True
            self._cv.notify_all()
        self._thread.join()
        self._conn.close()
        _unlock(self._lock)

    # --- binding a world ---------------------------------------------------------------
    def attach(self, world: World) -> None:
        """From now on, every change of the world is queued for the disk."""

        rows = self._rows

        def entry_posted(entry: Entry, touched: list[Account]) -> None:
            # accounts first: they hash the pseudonyms the postings then find in the cache
            accounts = [rows.account(a) for a in {id(a): a for a in touched}.values()]
            self.submit(_PUT_ENTRY, rows.entry(entry))
            self.submit_many(_PUT_POSTING, rows.postings(entry))
            self.submit_many(_PUT_ACCOUNT, accounts)

        def account_changed(account: Account) -> None:
            self.submit(_PUT_ACCOUNT, rows.account(account))

        def record_changed(kind: str, key: str, record: dict[str, Any] | None) -> None:
            if record is None:  # deleted for good (retention)
                self.submit(_DELETE_RECORD, (kind, rows.record_ref(kind, key)))
                return
            self.submit(_PUT_RECORD, rows.record(kind, key, record), kind not in LAZY_KINDS)

        def entries_purged(ids: list[int]) -> None:
            self.submit_many(_DELETE_POSTINGS, [(i,) for i in ids])
            self.submit_many(_DELETE_ENTRY, [(i,) for i in ids])

        def purged(report: PurgeReport) -> None:
            # a seeded world is made again from its seeding: load() removes again what
            # the purges of up to this day removed from it
            self.put_meta("purged_through", report.date)

        world.ledger.listeners.append(entry_posted)
        world.ledger.account_listeners.append(account_changed)
        world.ledger.purge_listeners.append(entries_purged)
        world.purge_listeners.append(purged)
        for book in world.books:
            book.listeners.append(record_changed)
        self._attached[id(world)] = (
            world,
            (entry_posted, account_changed, record_changed, entries_purged, purged),
        )

    def detach(self, world: World) -> None:
        """Stop queueing `world`'s changes (a world the runtime has replaced by another)."""
        found = self._attached.pop(id(world), None)
        if found is None:
            return
        entry_posted, account_changed, record_changed, entries_purged, purged = found[1]
        _discard(world.purge_listeners, purged)
        _discard(world.ledger.listeners, entry_posted)
        _discard(world.ledger.account_listeners, account_changed)
        _discard(world.ledger.purge_listeners, entries_purged)
        for book in world.books:
            _discard(book.listeners, record_changed)

    def put_meta(self, key: str, value: str) -> None:
        self.submit(_PUT_META, (key, value))

    def save_world(self, world: World) -> None:
        """Write a freshly generated world in one transaction, and wait for it."""
        self._queue_world(world)
        self.flush()

    def replace_world(self, world: World) -> None:
        """Rewrite the world tables to hold `world` instead, in one transaction.

        Queued like any change: await `durable()` (or `flush()`) for it to be on disk.
        The clock's meta row moves to the new world's time, backwards included, so a
        restart resumes the new world where it stands. Snapshots are left alone.
        """
        with self._cv:  # held throughout: the writer takes all of it as one batch
            for table in WORLD_TABLES:
                self.submit(f"DELETE FROM {table}", ())
            self._queue_world(world)
            self.put_meta("clock", repr(world.clock.now()))

    def _queue_world(self, world: World) -> None:
        ledger = world.ledger
        seeding = ledger.seeding if isinstance(ledger.seeding, Seeding) else None
        meta = [("schema", SCHEMA_VERSION), ("seed", str(world.seed))]
        # a world written whole: no purge of another world's seeding to replay on load
        self.submit("DELETE FROM meta WHERE key = 'purged_through'", ())
        if seeding is not None:
            meta.append(("seeding", json.dumps(seeding.spec())))
        else:
            self.submit("DELETE FROM meta WHERE key = 'seeding'", ())
        if seeding is not None and ledger.pristine:
            # fresh from the seed: its seeding makes it again, but for the institutions,
            # whose secrets come from the secret source, not the seed (laid over on load)
            clients = world.directory.records()
            rows = self._rows
            self.submit_many(_PUT_RECORD, [rows.record(*r) for r in clients if r[0] == "client"])
            self.submit_many(_PUT_META, [*meta, ("world", SEEDED)])
            return
        rows = self._rows
        self.submit_many(_PUT_ACCOUNT, [rows.account(a) for a in ledger.accounts.values()])
        self.submit_many(_PUT_ENTRY, [rows.entry(e) for e in ledger.entries])
        self.submit_many(_PUT_POSTING, [row for e in ledger.entries for row in rows.postings(e)])
        self.submit_many(
            _PUT_RECORD,
            [rows.record(*record) for book in world.books for record in book.records()],
        )
        self.submit_many(_PUT_META, [*meta, ("world", ROWS)])

    # --- snapshots ---------------------------------------------------------------------
    def save_snapshot(self, label: str, time: float, data: bytes) -> int:
        """Queue a snapshot (`encode_snapshot` data); returns its id. Await `durable()`."""
        with self._cv:
            self._last_snapshot += 1
            snapshot_id: int = self._last_snapshot
            self.submit(_PUT_SNAPSHOT, self._rows.snapshot(snapshot_id, label, time, data))
        return snapshot_id

    def snapshots(self) -> list[tuple[int, str, float, int]]:
        """(id, label, simulated time, stored bytes) of every committed snapshot, oldest first."""
        with self._cv:
            rows = self._conn.execute(
                "SELECT id, label, time, length(data) FROM snapshots ORDER BY id"
            ).fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def snapshot(self, snapshot_id: int) -> tuple[str, float, bytes] | None:
        """(label, simulated time, data) of a committed snapshot, or None."""
        if not 0 < snapshot_id < 2**63:  # no row has it; SQLite refuses to look (a 500 once)
            return None
        with self._cv:
            row = self._conn.execute(
                "SELECT label, time, data FROM snapshots WHERE id = ?", (snapshot_id,)
            ).fetchone()
        if row is None:
            return None
        try:
            return row[0], row[1], self._rows.snapshot_from(snapshot_id, bytes(row[2]))
        except InvalidTag:
            raise StoreError(f"the snapshot {snapshot_id} does not open: altered on disk") from None

    # --- reading -----------------------------------------------------------------------
    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one short query (for the tables others keep here: the processing
        log). What the writer has not committed may show: await `durable()` first."""
        with self._cv:
            return self._conn.execute(sql, params).fetchall()

    def meta(self) -> dict[str, str]:
        self.flush()
        with self._cv:
            return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())

    def has_world(self) -> bool:
        return self.meta().get("world") in (ROWS, SEEDED)

    def load(self, world: World) -> None:
        """Rebuild `world` (empty) from the file; refuse a file this network cannot hold.

        A world kept as its seeding is made again from it first (and refused if it does
        not come out as it did: another network file, another generator), then what the
        tables hold is laid over it.
        """
        meta = self.meta()
        seeding = None
        if "seeding" in meta:
            try:
                seeding = Seeding.from_spec(json.loads(meta["seeding"]))
            except (ValueError, KeyError, TypeError) as e:
                raise StoreError(f"the database {self.path} was seeded otherwise: {e}") from None
        if meta.get("world") == SEEDED:
            if seeding is None or seeding.seed != world.seed:
                raise StoreError(f"the database {self.path} has no seeding for seed {world.seed}")
            made = populate(world, seeding.size, start=seeding.start)
            if made.fingerprint != seeding.fingerprint:
                raise StoreError(
                    f"the database {self.path} holds a seeded world that this testbed and"
                    " network file make otherwise (another banks file, or another version):"
                    " start with the banks file it was made with, or a fresh --db"
                )
            if "purged_through" in meta:  # what retention removed, the seeding made again
                through = meta["purged_through"]
                world.ledger.forget(
                    {
                        e.id
                        for e in world.ledger.entries
                        if e.kind != CARRY and entry_keep_until(e) < through
                    }
                )
        with self._cv:
            try:
                contents = self._contents(with_snapshots=False)
            except InvalidTag:
                raise StoreError(
                    f"the database {self.path} does not open: a sealed value was altered"
                ) from None
            accounts = contents.accounts
            unknown = sorted({a.bank_code for a in accounts} - set(world.banks))
            if unknown:
                raise StoreError(
                    f"the database {self.path} holds accounts at bank code(s) {', '.join(unknown)}"
                    " that this network file does not have: start with the banks file it was"
                    " made with, or a fresh --db"
                )
            try:
                if meta.get("world") == SEEDED:
                    world.ledger.overlay(accounts, contents.entries)
                else:
                    world.ledger.restore(accounts, contents.entries, seeding)
            except LedgerError as e:
                raise StoreError(f"the database {self.path} cannot be read back: {e}") from None
        owners = {kind: book for book in world.books for kind in book.KINDS}
        for kind, key, record in contents.records:
            owners[kind].load(kind, key, record)

    def last_time(self) -> float | None:
        """The latest moment the stored world has seen (ledger entries, clock moves)."""
        self.flush()
        with self._cv:
            (latest,) = self._conn.execute("SELECT max(time) FROM entries").fetchone()
            clock = self._conn.execute("SELECT value FROM meta WHERE key='clock'").fetchone()
        moments = [float(v) for v in (latest, clock[0] if clock else None) if v is not None]
        return max(moments) if moments else None

    # --- keys, pseudonyms, sealing what was plain, rotation ------------------------------
    def account_ref(self, bank_code: str, account_num: str) -> str:
        """The account's pseudonym (in the file and in logs): bank code and keyed hash."""
        return f"{bank_code}-{self._rows.account_ref(bank_code, account_num)}"

    def record_ref(self, kind: str, key: str) -> str:
        """The keyed hash that stands for a record's key in the file."""
        return self._rows.record_ref(kind, key)

    def stored_records(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """(key, record) of every committed record of `kind`, opened: what the file holds."""
        self.flush()
        with self._cv:
            rows = self._conn.execute(
                "SELECT kind, key_ref, sealed FROM records WHERE kind = ? ORDER BY rowid", (kind,)
            ).fetchall()
            return [self._rows.record_from(r)[1:] for r in rows]

    def _meta_value(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _contents(self, with_snapshots: bool = True) -> _Contents:
        """Everything the sealed tables hold, opened (call holding `_cv`, or before the
        writer starts). InvalidTag: a sealed value was altered, or sealed for another row."""
        conn, rows = self._conn, self._rows
        snapshots = []
        if with_snapshots:
            snapshots = [
                (r[0], r[1], r[2], rows.snapshot_from(r[0], bytes(r[3])))
                for r in conn.execute("SELECT id, label, time, data FROM snapshots ORDER BY id")
            ]
        return _Contents(
            accounts=[
                rows.account_from(r)
                for r in conn.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY rowid")
            ],
            entries=list(rows.entries_from(conn.execute(_SELECT_ENTRIES))),
            records=[
                rows.record_from(r)
                for r in conn.execute("SELECT kind, key_ref, sealed FROM records ORDER BY rowid")
            ],
            snapshots=snapshots,
        )

    def _rewrite(self, contents: _Contents, wrapped_keys: str) -> None:
        """Write `contents` sealed with `self._rows`, in place of all the file held, in one
        transaction; then leave no page of what was there (VACUUM, WAL truncated)."""
        conn, rows = self._conn, self._rows
        conn.execute("BEGIN")
        try:
            for table in (*WORLD_TABLES, "snapshots"):
                conn.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA[1:]:
                conn.execute(statement)
            conn.executemany(_PUT_ACCOUNT, [rows.account(a) for a in contents.accounts])
            conn.executemany(_PUT_ENTRY, [rows.entry(e) for e in contents.entries])
            conn.executemany(
                _PUT_POSTING, [row for e in contents.entries for row in rows.postings(e)]
            )
            conn.executemany(_PUT_RECORD, [rows.record(*r) for r in contents.records])
            conn.executemany(_PUT_SNAPSHOT, [rows.snapshot(*s) for s in contents.snapshots])
            conn.executemany(_PUT_META, [("keys", wrapped_keys), ("schema", SCHEMA_VERSION)])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if self.path != ":memory:":
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _seal_plain_file(self) -> None:
        """A file from before sealing (schema 1 or 2): read it plain, write it sealed."""
        conn = self._conn
        columns = {r[1] for r in conn.execute("PRAGMA table_info(accounts)")}
        seeded = "seeded" if "seeded" in columns else "0"
        plain_accounts = conn.execute(
            "SELECT bank_code, account_num, holder_name, holder_info, holder_type, account_type,"
            " product_name, issue_date, maturity_date, owner, branch_name, status, balance,"
            f" {seeded} FROM accounts ORDER BY rowid"
        )
        accounts = [_account_from_row(r) for r in plain_accounts]
        entries = list(
            _entries_from_rows(
                conn.execute(
                    "SELECT e.id, e.time, e.kind, e.ref, p.bank_code, p.account_num, p.amount,"
                    " p.balance_after, p.print_content, p.tran_type"
                    " FROM entries e JOIN postings p ON p.entry_id = e.id ORDER BY e.id, p.seq"
                )
            )
        )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        records = []  # schema 1 had neither records nor snapshots
        if "records" in tables:
            records = [
                (kind, key, json.loads(data))
                for kind, key, data in conn.execute(
                    "SELECT kind, key, data FROM records ORDER BY rowid"
                )
            ]
        snapshots = []
        if "snapshots" in tables:
            snapshots = [
                (r[0], r[1], r[2], bytes(r[3]))
                for r in conn.execute("SELECT id, label, time, data FROM snapshots ORDER BY id")
            ]
        wrapped = self._meta_value("keys")
        assert wrapped is not None  # written by __init__ before it calls this
        self._rewrite(_Contents(accounts, entries, records, snapshots), wrapped)

    def rekey(self, master: MasterKey) -> dict[str, int]:
        """Seal everything again under a new data key, its keys wrapped by `master`.

        The index key stays (pseudonyms in the processing log keep naming the same
        accounts). One transaction: a crash leaves the file under the old keys or the new.
        Returns how many rows of each kind were sealed again.
        """
        self.flush()
        with self._cv:
            try:
                contents = self._contents()
            except InvalidTag:
                raise StoreError(
                    f"the database {self.path} does not open: a sealed value was altered"
                ) from None
            keys = DatabaseKeys(DatabaseKeys.new().data, self._rows.sealer.keys.index)
            old, self._rows = self._rows, _Rows(Sealer(keys))
            try:
                self._rewrite(contents, keys.wrap(master))
            except BaseException:
                self._rows = old
                raise
            self.master = master
        return {
            "accounts": len(contents.accounts),
            "entries": len(contents.entries),
            "records": len(contents.records),
            "snapshots": len(contents.snapshots),
        }


def _lock_file(db_path: str, exclusive: bool) -> int | None:
    """A lock on `<db>.lock` held while the store is open: shared, or `exclusive`."""
    if db_path == ":memory:":
        return None
    import fcntl

    try:
        fd = os.open(f"{db_path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise StoreError(f"cannot open the database {db_path}: {e}") from None
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StoreError(
            f"the database {db_path} is in use by a running testbed: stop it first"
            if exclusive
            else f"the database {db_path} is having its key rotated (testbed rekey): wait"
        ) from None
    return fd


#: the files SQLite keeps beside a database (WAL, its index, a rollback journal)
SIDE_FILES = ("-wal", "-shm", "-journal")


def _make_private(db_path: str) -> None:
    """The database and its side files readable by their owner only, whatever the umask:
    SQLite creates the database with 0644 less the umask, and its WAL and journal with the
    database's own mode, so a database made 0600 first keeps them 0600 too."""
    if db_path == ":memory:" or db_path.startswith("file:"):
        return
    fd = os.open(db_path, os.O_RDWR | os.O_CREAT, stat.S_IRUSR | stat.S_IWUSR)
    os.close(fd)
    for path in (db_path, *(db_path + side for side in SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the descriptor releases its lock


def _plain_layout(conn: sqlite3.Connection) -> bool:
    """The file was written before values were sealed (its accounts have account_num)."""
    return any(r[1] == "account_num" for r in conn.execute("PRAGMA table_info(accounts)"))


_Listeners = tuple[
    Callable[[Entry, list[Account]], None],
    Callable[[Account], None],
    Callable[[str, str, dict[str, Any] | None], None],
    Callable[[list[int]], None],
    Callable[[PurgeReport], None],
]


def _discard(listeners: list[Any], listener: Any) -> None:
    for i, found in enumerate(listeners):
        if found is listener:
            del listeners[i]
            return


def _resolve(ready: list[tuple[int, asyncio.Future[None]]], failure: BaseException | None) -> None:
    for _, future in ready:
        if future.done():
            continue
        if failure is None:
            future.set_result(None)
        else:
            future.set_exception(StoreError(f"the database cannot be written: {failure}"))


# --- plain rows: the layout of snapshots, and of files from before sealing ------------------


def _account_row(a: Account) -> tuple[Any, ...]:
    return (
        a.bank_code,
        a.account_num,
        a.holder_name,
        a.holder_info,
        a.holder_type,
        a.account_type.value,
        a.product_name,
        a.issue_date,
        a.maturity_date,
        a.owner,
        a.branch_name,
        a.status.value,
        a.balance,
        a.seeded,
    )


def _posting_rows(entry: Entry) -> list[tuple[Any, ...]]:
    return [
        (
            entry.id,
            seq,
            leg.account[0],
            leg.account[1],
            leg.amount,
            after,
            leg.print_content,
            leg.tran_type,
        )
        for seq, (leg, after) in enumerate(zip(entry.postings, entry.balances_after, strict=True))
    ]


def _account_from_row(r: Sequence[Any]) -> Account:
    return Account(
        bank_code=r[0],
        account_num=r[1],
        holder_name=r[2],
        holder_info=r[3],
        holder_type=r[4],
        account_type=AccountType(r[5]),
        product_name=r[6],
        issue_date=r[7],
        maturity_date=r[8],
        owner=r[9],
        branch_name=r[10],
        status=AccountStatus(r[11]),
        balance=r[12],
        seeded=r[13] if len(r) > 13 else 0,  # snapshots of format 1 have no seeded won
    )


def _entries_from_rows(rows: Iterable[Sequence[Any]]) -> Iterable[Entry]:
    """Group posting rows (ordered by entry, then posting) back into entries."""
    for _, group in itertools.groupby(rows, key=lambda r: r[0]):
        legs = list(group)
        first = legs[0]
        yield Entry(
            id=first[0],
            time=first[1],
            kind=first[2],
            ref=first[3],
            postings=tuple(Posting((r[4], r[5]), r[6], r[8], r[9]) for r in legs),
            balances_after=tuple(r[7] for r in legs),
        )


# --- snapshots: a whole world as data -----------------------------------------------------


def snapshot_state(world: World) -> dict[str, Any]:
    """Everything the world is, as JSON-able data built from copies (safe to encode elsewhere).

    The ledger (accounts as stored, every entry with its postings; the seeding that makes
    the accounts' seeded history, which is not stored), every record of every
    record book in `world.books`, the clock (mode, time, speed, frozen) and the state of
    every stream of the seeded source, so that a restored world goes on drawing the same
    ids and latencies the original would have. Work in flight in the SimPy model (a
    transfer between its banks) is not part of it.
    """
    clock = world.clock
    ledger = world.ledger
    return {
        "format": SNAPSHOT_FORMAT,
        "seed": world.seed,
        "clock": {
            "mode": clock.mode,
            "time": clock.now(),
            "speed": clock.speed,
            "frozen": clock.frozen,
        },
        "seeding": ledger.seeding.spec() if isinstance(ledger.seeding, Seeding) else None,
        "accounts": [list(_account_row(a)) for a in ledger.accounts.values()],
        "entries": [
            [e.id, e.time, e.kind, e.ref, [list(row[2:]) for row in _posting_rows(e)]]
            for e in ledger.entries
        ],
        "records": [[k, key, r] for book in world.books for k, key, r in book.records()],
        "random": {name: _rng_state(state) for name, state in world.source.states().items()},
    }


def restore_snapshot(world: World, state: dict[str, Any]) -> None:
    """Fill `world` (new and empty, made with the snapshot's seed) from `snapshot_state` data."""
    if state.get("format") not in (1, SNAPSHOT_FORMAT):
        raise StoreError(f"a snapshot of format {state.get('format')!r} cannot be restored here")
    seeding = None
    if state.get("seeding"):
        try:
            seeding = Seeding.from_spec(state["seeding"])
        except (ValueError, KeyError, TypeError) as e:
            raise StoreError(f"the snapshot was seeded otherwise: {e}") from None
    accounts = [_account_from_row(r) for r in state["accounts"]]
    unknown = sorted({a.bank_code for a in accounts} - set(world.banks))
    if unknown:
        raise StoreError(
            f"the snapshot holds accounts at bank code(s) {', '.join(unknown)} that this"
            " network file does not have"
        )
    owners = {kind: book for book in world.books for kind in book.KINDS}
    kinds = sorted({r[0] for r in state["records"]} - set(owners))
    if kinds:
        raise StoreError(f"the snapshot holds records of unknown kind(s) {', '.join(kinds)}")
    entries = (
        Entry(
            id=e[0],
            time=e[1],
            kind=e[2],
            ref=e[3],
            postings=tuple(Posting((p[0], p[1]), p[2], p[4], p[5]) for p in e[4]),
            balances_after=tuple(p[3] for p in e[4]),
        )
        for e in state["entries"]
    )
    try:
        world.ledger.restore(accounts, entries, seeding)
    except LedgerError as e:
        raise StoreError(f"the snapshot cannot be restored: {e}") from None
    for kind, key, record in state["records"]:
        owners[kind].load(kind, key, record)
    for name, (version, internal, gauss) in state["random"].items():
        world.source.stream(name).setstate((version, tuple(internal), gauss))


def encode_snapshot(state: dict[str, Any]) -> bytes:
    text = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode(), 6)


def decode_snapshot(data: bytes) -> dict[str, Any]:
    try:
        state = json.loads(zlib.decompress(data).decode())
    except (zlib.error, UnicodeDecodeError, ValueError) as e:
        raise StoreError(f"the snapshot cannot be read: {e}") from None
    if not isinstance(state, dict):
        raise StoreError("the snapshot cannot be read: not an object")
    return state


def _rng_state(state: tuple[Any, ...]) -> list[Any]:
    version, internal, gauss = state
    return [version, list(internal), gauss]
