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
import itertools
import json
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson

from testbed.network.ledger import (
    Account,
    AccountStatus,
    AccountType,
    Entry,
    LedgerError,
    Posting,
)
from testbed.network.seed import Seeding, populate
from testbed.network.world import World

#: record kinds whose writes need not wake the writer (see the module's docstring)
LAZY_KINDS = frozenset({"tran_id"})
LAZY_WITHIN = 0.1  # wall seconds
SCHEMA_VERSION = "2"  # 2: accounts.seeded, worlds kept as their seeding

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS accounts (
    bank_code TEXT NOT NULL, account_num TEXT NOT NULL,
    holder_name TEXT NOT NULL, holder_info TEXT NOT NULL, holder_type TEXT NOT NULL,
    account_type TEXT NOT NULL, product_name TEXT NOT NULL, issue_date TEXT NOT NULL,
    maturity_date TEXT NOT NULL, owner TEXT NOT NULL, branch_name TEXT NOT NULL,
    status TEXT NOT NULL, balance INTEGER NOT NULL, seeded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bank_code, account_num)
);  -- rowid kept: the world comes back in the order it was made
-- the append-only transaction record: rows are inserted, never updated
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY, time REAL NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS postings (
    entry_id INTEGER NOT NULL, seq INTEGER NOT NULL,
    bank_code TEXT NOT NULL, account_num TEXT NOT NULL, amount INTEGER NOT NULL,
    balance_after INTEGER NOT NULL, print_content TEXT NOT NULL, tran_type TEXT NOT NULL,
    PRIMARY KEY (entry_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, key)
);
-- whole-world snapshots: zlib-compressed JSON (see snapshot_state); not world tables
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY, label TEXT NOT NULL, time REAL NOT NULL, data BLOB NOT NULL
);
"""
#: the tables that hold the world (not meta, not snapshots): what replace_world rewrites
WORLD_TABLES = ("accounts", "entries", "postings", "records")
SNAPSHOT_FORMAT = 2  # 2: accounts with their seeded won, and the world's seeding
#: meta `world`: the tables are the world / lay over the world the seeding makes again
ROWS, SEEDED = "1", "seeded"

_ACCOUNT_COLUMNS = (
    "bank_code, account_num, holder_name, holder_info, holder_type, account_type, product_name,"
    " issue_date, maturity_date, owner, branch_name, status, balance, seeded"
)
# UPSERT, not REPLACE: an update keeps the row's rowid, hence its place in the order
_PUT_ACCOUNT = (
    f"INSERT INTO accounts ({_ACCOUNT_COLUMNS}) VALUES ({', '.join('?' * 14)})"
    " ON CONFLICT (bank_code, account_num) DO UPDATE SET status = excluded.status,"
    " balance = excluded.balance, holder_name = excluded.holder_name,"
    " product_name = excluded.product_name, owner = excluded.owner"
)
_PUT_ENTRY = "INSERT INTO entries (id, time, kind, ref) VALUES (?, ?, ?, ?)"
_PUT_POSTING = "INSERT INTO postings VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_PUT_RECORD = (
    "INSERT INTO records (kind, key, data) VALUES (?, ?, ?)"
    " ON CONFLICT (kind, key) DO UPDATE SET data = excluded.data"
)
_PUT_META = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"

Statement = tuple[str, Sequence[Any], bool]  # sql, params, many


class StoreError(RuntimeError):
    pass


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


class Store:
    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk (fsync) before the writer reports it durable
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)
            columns = {r[1] for r in self._conn.execute("PRAGMA table_info(accounts)")}
            if "seeded" not in columns:  # a file from before seeded accounts
                self._conn.execute(
                    "ALTER TABLE accounts ADD COLUMN seeded INTEGER NOT NULL DEFAULT 0"
                )
            (self._last_snapshot,) = self._conn.execute(
                "SELECT coalesce(max(id), 0) FROM snapshots"
            ).fetchone()
        except sqlite3.Error as e:
            raise StoreError(f"cannot open the database {path}: {e}") from None
        self._pending: list[Statement] = []
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

    # --- binding a world ---------------------------------------------------------------
    def attach(self, world: World) -> None:
        """From now on, every change of the world is queued for the disk."""

        def entry_posted(entry: Entry, touched: list[Account]) -> None:
            self.submit(_PUT_ENTRY, (entry.id, entry.time, entry.kind, entry.ref))
            self.submit_many(_PUT_POSTING, _posting_rows(entry))
            self.submit_many(
                _PUT_ACCOUNT, [_account_row(a) for a in {id(a): a for a in touched}.values()]
            )

        def account_changed(account: Account) -> None:
            self.submit(_PUT_ACCOUNT, _account_row(account))

        def record_changed(kind: str, key: str, record: dict[str, Any]) -> None:
            self.submit(
                _PUT_RECORD, (kind, key, orjson.dumps(record).decode()), kind not in LAZY_KINDS
            )

        world.ledger.listeners.append(entry_posted)
        world.ledger.account_listeners.append(account_changed)
        for book in world.books:
            book.listeners.append(record_changed)
        self._attached[id(world)] = (world, (entry_posted, account_changed, record_changed))

    def detach(self, world: World) -> None:
        """Stop queueing `world`'s changes (a world the runtime has replaced by another)."""
        found = self._attached.pop(id(world), None)
        if found is None:
            return
        entry_posted, account_changed, record_changed = found[1]
        _discard(world.ledger.listeners, entry_posted)
        _discard(world.ledger.account_listeners, account_changed)
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
        if seeding is not None:
            meta.append(("seeding", json.dumps(seeding.spec())))
        else:
            self.submit("DELETE FROM meta WHERE key = 'seeding'", ())
        if seeding is not None and ledger.pristine:
            # fresh from the seed: its seeding makes it again, nothing else to write
            self.submit_many(_PUT_META, [*meta, ("world", SEEDED)])
            return
        self.submit_many(_PUT_ACCOUNT, [_account_row(a) for a in ledger.accounts.values()])
        self.submit_many(_PUT_ENTRY, [(e.id, e.time, e.kind, e.ref) for e in ledger.entries])
        self.submit_many(_PUT_POSTING, [row for e in ledger.entries for row in _posting_rows(e)])
        self.submit_many(
            _PUT_RECORD,
            [
                (k, key, json.dumps(r, ensure_ascii=False))
                for book in world.books
                for k, key, r in book.records()
            ],
        )
        self.submit_many(_PUT_META, [*meta, ("world", ROWS)])

    # --- snapshots ---------------------------------------------------------------------
    def save_snapshot(self, label: str, time: float, data: bytes) -> int:
        """Queue a snapshot (`encode_snapshot` data); returns its id. Await `durable()`."""
        with self._cv:
            self._last_snapshot += 1
            snapshot_id: int = self._last_snapshot
            self.submit(
                "INSERT INTO snapshots (id, label, time, data) VALUES (?, ?, ?, ?)",
                (snapshot_id, label, time, data),
            )
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
        return None if row is None else (row[0], row[1], bytes(row[2]))

    # --- reading -----------------------------------------------------------------------
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
        with self._cv:
            conn = self._conn
            accounts = [
                _account_from_row(r)
                for r in conn.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY rowid")
            ]
            unknown = sorted({a.bank_code for a in accounts} - set(world.banks))
            if unknown:
                raise StoreError(
                    f"the database {self.path} holds accounts at bank code(s) {', '.join(unknown)}"
                    " that this network file does not have: start with the banks file it was"
                    " made with, or a fresh --db"
                )
            records = conn.execute("SELECT kind, key, data FROM records ORDER BY rowid").fetchall()
            rows = conn.execute(
                "SELECT e.id, e.time, e.kind, e.ref, p.bank_code, p.account_num, p.amount,"
                " p.balance_after, p.print_content, p.tran_type"
                " FROM entries e JOIN postings p ON p.entry_id = e.id ORDER BY e.id, p.seq"
            )
            try:
                if meta.get("world") == SEEDED:
                    world.ledger.overlay(accounts, _entries_from_rows(rows))
                else:
                    world.ledger.restore(accounts, _entries_from_rows(rows), seeding)
            except LedgerError as e:
                raise StoreError(f"the database {self.path} cannot be read back: {e}") from None
        owners = {kind: book for book in world.books for kind in book.KINDS}
        for kind, key, data in records:
            owners[kind].load(kind, key, json.loads(data))

    def last_time(self) -> float | None:
        """The latest moment the stored world has seen (ledger entries, clock moves)."""
        self.flush()
        with self._cv:
            (latest,) = self._conn.execute("SELECT max(time) FROM entries").fetchone()
            clock = self._conn.execute("SELECT value FROM meta WHERE key='clock'").fetchone()
        moments = [float(v) for v in (latest, clock[0] if clock else None) if v is not None]
        return max(moments) if moments else None


_Listeners = tuple[
    Callable[[Entry, list[Account]], None],
    Callable[[Account], None],
    Callable[[str, str, dict[str, Any]], None],
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
