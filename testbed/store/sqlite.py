"""Durable state in SQLite (stdlib sqlite3, WAL): the ledger, the directory, the clock.
`Store` opens the file and binds a world to it; the rest is one concern a module:
`schema.py` (the tables and statements), `rows.py` (row codecs, by column name),
`writer.py` (the writer thread and `durable()`), `snapshots.py` (a world as data),
`migration.py` (rewriting a file: sealing an old one, rotating keys), `files.py` (the
lock and the file's mode). Their public names are importable from here as before.

The model lives in memory; every change it makes is turned into SQL and queued here.
A single writer thread commits whatever has queued as soon as the previous commit
ends (group commit, no timer), so durability costs one fsync per batch, not per
request. A writing route's answer waits on `durable()` (declared, not called by hand:
`Operation(writes=True)`, `Writes` in the web's tables): a success the client sees is
on disk. On start, `load()` rebuilds the world from the file.

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

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag

from testbed.network.ledger import CARRY, Account, Entry, LedgerError
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
)
from testbed.store.files import SIDE_FILES, lock_file, make_private, unlock
from testbed.store.migration import plain_layout, read_plain_file, rewrite
from testbed.store.rows import ACCOUNT_CACHE, Contents, Rows, named
from testbed.store.schema import (
    DELETE_ENTRY,
    DELETE_POSTINGS,
    DELETE_RECORD,
    PUT_ACCOUNT,
    PUT_ENTRY,
    PUT_META,
    PUT_POSTING,
    PUT_RECORD,
    PUT_SNAPSHOT,
    ROWS,
    SCHEMA,
    SCHEMA_VERSION,
    SEEDED,
    SELECT_ACCOUNTS,
    SELECT_ENTRIES,
    SELECT_RECORDS,
    SELECT_SNAPSHOTS,
    WORLD_TABLES,
    Statement,
    StoreError,
)
from testbed.store.snapshots import (
    SNAPSHOT_FORMAT,
    decode_snapshot,
    encode_snapshot,
    restore_snapshot,
    snapshot_state,
)
from testbed.store.writer import LAZY_KINDS, LAZY_WITHIN, Writer

#: the public names of the store's modules, importable from here as before the split
__all__ = [
    "ACCOUNT_CACHE",
    "LAZY_KINDS",
    "LAZY_WITHIN",
    "ROWS",
    "SCHEMA_VERSION",
    "SEEDED",
    "SIDE_FILES",
    "SNAPSHOT_FORMAT",
    "WORLD_TABLES",
    "Statement",
    "Store",
    "StoreError",
    "decode_snapshot",
    "encode_snapshot",
    "restore_snapshot",
    "snapshot_state",
]


class Store(Writer):
    """The database file: `data_key` is TESTBED_DATA_KEY's value (None: the key file)."""

    def __init__(self, path: str, data_key: str | None = None, exclusive: bool = False) -> None:
        self.path = path
        # every opener holds a shared lock on `<db>.lock`; `testbed rekey` (exclusive=True)
        # must be alone, or a running testbed would go on sealing with the old data key
        self._lock = lock_file(path, exclusive)
        try:
            make_private(path)
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            if path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk (fsync) before the writer reports it durable
            self._conn.execute("PRAGMA synchronous=FULL")
            # what is deleted (a purge, a rewrite) is overwritten, not left in free pages
            self._conn.execute("PRAGMA secure_delete=ON")
            self._conn.execute(SCHEMA[0])  # meta: where the keys are
            wrapped = self._meta_value("keys")
            self.master = master_key_for(path, data_key, wrapped)
            if wrapped is None:
                keys = DatabaseKeys.new()
                self._conn.execute(PUT_META, ("keys", keys.wrap(self.master)))
            else:
                keys = DatabaseKeys.unwrap(wrapped, self.master, path)
            self._rows = Rows(Sealer(keys))
            if plain_layout(self._conn):
                self._seal_plain_file()
            for statement in SCHEMA[1:]:
                self._conn.execute(statement)
            (self._last_snapshot,) = self._conn.execute(
                "SELECT coalesce(max(id), 0) FROM snapshots"
            ).fetchone()
        except KeyProblem as e:
            self._conn.close()
            unlock(self._lock)
            raise StoreError(str(e)) from None
        except (sqlite3.Error, OSError) as e:
            unlock(self._lock)
            raise StoreError(f"cannot open the database {path}: {e}") from None
        self._attached: dict[int, tuple[World, _Listeners]] = {}
        super().__init__(self._conn)  # the writer thread starts

    def close(self) -> None:
        super().close()
        unlock(self._lock)

    def derived_key(self, purpose: str) -> bytes:
        """A key of this database for one purpose (see `crypto.derived_key`)."""
        return derived_key(self._rows.sealer.keys, purpose)

    # --- binding a world ---------------------------------------------------------------
    def attach(self, world: World) -> None:
        """From now on, every change of the world is queued for the disk."""

        rows = self._rows

        def entry_posted(entry: Entry, touched: list[Account]) -> None:
            # accounts first: they hash the pseudonyms the postings then find in the cache
            accounts = [rows.account(a) for a in {id(a): a for a in touched}.values()]
            self.submit(PUT_ENTRY, rows.entry(entry))
            self.submit_many(PUT_POSTING, rows.postings(entry))
            self.submit_many(PUT_ACCOUNT, accounts)

        def account_changed(account: Account) -> None:
            self.submit(PUT_ACCOUNT, rows.account(account))

        def record_changed(kind: str, key: str, record: dict[str, Any] | None) -> None:
            if record is None:  # deleted for good (retention)
                self.submit(DELETE_RECORD, (kind, rows.record_ref(kind, key)))
                return
            self.submit(PUT_RECORD, rows.record(kind, key, record), kind not in LAZY_KINDS)

        def entries_purged(ids: list[int]) -> None:
            self.submit_many(DELETE_POSTINGS, [(i,) for i in ids])
            self.submit_many(DELETE_ENTRY, [(i,) for i in ids])

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
        self.submit(PUT_META, (key, value))

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
            self.submit_many(
                PUT_RECORD,
                [rows.record(kind, key, r) for kind, key, r in clients if kind == "client"],
            )
            self.submit_many(PUT_META, [*meta, ("world", SEEDED)])
            return
        rows = self._rows
        self.submit_many(PUT_ACCOUNT, [rows.account(a) for a in ledger.accounts.values()])
        self.submit_many(PUT_ENTRY, [rows.entry(e) for e in ledger.entries])
        self.submit_many(PUT_POSTING, [row for e in ledger.entries for row in rows.postings(e)])
        self.submit_many(
            PUT_RECORD,
            [rows.record(*record) for book in world.books for record in book.records()],
        )
        self.submit_many(PUT_META, [*meta, ("world", ROWS)])

    # --- snapshots ---------------------------------------------------------------------
    def save_snapshot(self, label: str, time: float, data: bytes) -> int:
        """Queue a snapshot (`encode_snapshot` data); returns its id. Await `durable()`."""
        with self._cv:
            self._last_snapshot += 1
            snapshot_id: int = self._last_snapshot
            self.submit(PUT_SNAPSHOT, self._rows.snapshot(snapshot_id, label, time, data))
        return snapshot_id

    def snapshots(self) -> list[tuple[int, str, float, int]]:
        """(id, label, simulated time, stored bytes) of every committed snapshot, oldest first."""
        with self._cv:
            rows = named(
                self._conn,
                "SELECT id, label, time, length(data) AS bytes FROM snapshots ORDER BY id",
            ).fetchall()
        return [(r["id"], r["label"], r["time"], r["bytes"]) for r in rows]

    def snapshot(self, snapshot_id: int) -> tuple[str, float, bytes] | None:
        """(label, simulated time, data) of a committed snapshot, or None."""
        if not 0 < snapshot_id < 2**63:  # no row has it; SQLite refuses to look (a 500 once)
            return None
        with self._cv:
            row = named(
                self._conn, "SELECT label, time, data FROM snapshots WHERE id = ?", (snapshot_id,)
            ).fetchone()
        if row is None:
            return None
        try:
            data = self._rows.snapshot_from(snapshot_id, bytes(row["data"]))
            return row["label"], row["time"], data
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
            rows = named(
                self._conn,
                "SELECT kind, key_ref, sealed FROM records WHERE kind = ? ORDER BY rowid",
                (kind,),
            ).fetchall()
            return [self._rows.record_from(r)[1:] for r in rows]

    def _meta_value(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _contents(self, with_snapshots: bool = True) -> Contents:
        """Everything the sealed tables hold, opened (call holding `_cv`, or before the
        writer starts). InvalidTag: a sealed value was altered, or sealed for another row."""
        conn, rows = self._conn, self._rows
        snapshots = []
        if with_snapshots:
            snapshots = [
                (r["id"], r["label"], r["time"], rows.snapshot_from(r["id"], bytes(r["data"])))
                for r in named(conn, SELECT_SNAPSHOTS)
            ]
        return Contents(
            accounts=[rows.account_from(r) for r in named(conn, SELECT_ACCOUNTS)],
            entries=list(rows.entries_from(named(conn, SELECT_ENTRIES))),
            records=[rows.record_from(r) for r in named(conn, SELECT_RECORDS)],
            snapshots=snapshots,
        )

    def _seal_plain_file(self) -> None:
        """A file from before sealing (schema 1 or 2): read it plain, write it sealed."""
        wrapped = self._meta_value("keys")
        assert wrapped is not None  # written by __init__ before it calls this
        rewrite(self._conn, self._rows, read_plain_file(self._conn), wrapped, self.path)

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
            old, self._rows = self._rows, Rows(Sealer(keys))
            try:
                rewrite(self._conn, self._rows, contents, keys.wrap(master), self.path)
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
