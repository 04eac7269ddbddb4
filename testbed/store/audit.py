"""The personal-data processing log (개인정보 처리내역): append-only and hash-chained, in
the store's SQLite file, written through its single writer. One concept over ~500 lines:
the log's records, their chain, its search and the monthly review.

Each record says who processed whose personal data, how and why: the simulated moment
and the wall time (`clock.wall_now`, the one non-deterministic value in the testbed's
files), the actor (`admin:<label>`, `console`, `portal:<developer id>`,
`system:retention`…), where from (the client's address: 접속지), the subjects, the
personal fields the processing revealed or changed, the action (`ACTIONS`), the purpose
given, the path it came through, and details (a download's reason, counts).

Subjects are never plain values: a user is its `user_seq_no`, an account its pseudonym
`Store.account_ref(bank, number)`, a developer `developer:<id>`, an institution
`client:<code>`; `*` (`ALL`) is every subject at once (a reset replaces them all). A
record that names many subjects is found by each of them (the side table
`processing_subjects`).

Tamper-evident, with a key and an anchor. A record's hash is an HMAC-SHA256 over its
canonical encoding (sorted-key compact JSON of every column but the hash, the previous
record's hash included), keyed with the log's *chain key*: a key derived from the
database's index key (`crypto.derived_key`), which exists outside memory only wrapped by
the master key, and the master key is never in the database (TESTBED_DATA_KEY, or the
key file `<db>.key`, 0600). Editing, removing or reordering a row breaks the chain from
there on, and whoever edits the file without the master key cannot compute a valid hash
again; `verify` recomputes the chain from the first record and names the first broken one.
The database refuses UPDATE and DELETE on both tables (triggers): a change needs someone
who drops a trigger first, and `verify` still finds it.

What a chain cannot show by itself is that its end is missing. So the head (last seq and
hash) is anchored outside the database: the *anchor file* `<db>.audit-head` (0600),
rewritten by the store's writer after each commit that adds records, holds the head and
an HMAC of it under the chain key. `verify` checks that the database still holds the
record the anchor names, with that hash: records cut from the end, or a whole table put
in the log's place, fail even after a restart ("the log ends at record 19; its anchor says
30"). When a process opens a log that disagrees with its anchor, it leaves the anchor
as it is, so the evidence stays until an auditor has seen it. The head is kept in memory
from the open on as well, so a cut made while the server runs is found without the file.
What stays out of reach: someone who holds the master key (or the key file), or who puts
back an older copy of both the anchor and the database; `verify` reports the head for an
auditor to note outside the system against exactly that.

Migration. A log written before the chain had a key (records hashed by plain SHA-256)
is taken over as it is, never rewritten: on the first open by this version the meta
`processing_log_keyed_from` is set to the next seq, records before it are checked as a
SHA-256 chain, and the records after it are keyed and chained onto the old head (so the
first keyed record vouches for every old one). The anchor's HMAC covers that boundary, so
moving it in the file is found; `verify` reports how many records were taken over unkeyed.

The log is not world state: reset, restore and scenario loads leave it as it is (and are
logged themselves); it is never deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from testbed.clock import KST, from_kst, second_of_day, to_kst, wall_now
from testbed.config import BankCodeError
from testbed.network.books import TransferRecord
from testbed.network.ledger import Account
from testbed.network.parties import FintechClient, User
from testbed.network.world import World
from testbed.store.schema import Statement
from testbed.store.sqlite import Store

GENESIS: Final = "0" * 64  # the previous hash of the first record
#: the purpose the chain key is derived for (crypto.derived_key)
CHAIN_KEY_PURPOSE: Final = "processing-log/chain/v1"
#: meta: the first record chained with the key (records before it: plain SHA-256, migrated)
KEYED_FROM: Final = "processing_log_keyed_from"
ANCHOR_VERSION: Final = 1
ALL: Final = "*"  # the subject of a processing of every subject (reset, restore, snapshot)

READ, EXPORT, CREATE, CHANGE, DELETE, PURGE, DENIED = (
    "read", "export", "create", "change", "delete", "purge", "denied",
)  # fmt: skip
ACTIONS: Final = (READ, EXPORT, CREATE, CHANGE, DELETE, PURGE, DENIED)

#: deletions by retention (전자금융거래기록 보관기간 경과): who and why, always the same
RETENTION_ACTOR: Final = "system:retention"
RETENTION_PURPOSE: Final = "전자금융거래기록 보관기간 경과"
#: actors that are the system's own batch work, not a person (not flagged off hours)
SYSTEM_PREFIX: Final = "system:"

DEFAULT_PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 500
VERIFY_CHUNK: Final = 1000  # rows verify reads at a time (the writer waits on none of them)

#: the monthly review's flags (월 1회 이상 점검): a read or download revealing this many
#: subjects at once; an actor reading this many distinct subjects in one simulated hour
BULK_AT_ONCE: Final = 50
BULK_PER_HOUR: Final = 100
#: office hours on the simulated clock, KST: weekdays (Mon=0 … Fri=4) 09:00–18:00
OFFICE_OPEN: Final = 9 * 3600
OFFICE_CLOSE: Final = 18 * 3600
OFFICE_DAYS: Final = range(5)
#: records each flag lists at the most (its count is always whole)
REVIEW_LIST_MAX: Final = 200

_COLUMNS: Final = (
    "seq, wall, time, actor, action, subjects, fields, purpose, path, source, detail,"
    " prev_hash, hash"
)
_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS processing_log ("
    " seq INTEGER PRIMARY KEY, wall TEXT NOT NULL, time REAL NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, subjects TEXT NOT NULL, fields TEXT NOT NULL,"
    " purpose TEXT NOT NULL, path TEXT NOT NULL, source TEXT NOT NULL, detail TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS processing_log_time ON processing_log (time)",
    "CREATE INDEX IF NOT EXISTS processing_log_actor ON processing_log (actor)",
    "CREATE TABLE IF NOT EXISTS processing_subjects ("
    " subject TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (subject, seq)) WITHOUT ROWID",
    *(
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb} BEFORE {verb.upper()} ON {table}"
        f" BEGIN SELECT RAISE(ABORT, 'the processing log is append-only'); END"
        for table in ("processing_log", "processing_subjects")
        for verb in ("update", "delete")
    ),
)
_INSERT: Final = f"INSERT INTO processing_log ({_COLUMNS}) VALUES ({', '.join('?' * 13)})"
_INSERT_SUBJECT: Final = "INSERT INTO processing_subjects (subject, seq) VALUES (?, ?)"


class AuditError(ValueError):
    """A record or a query the log refuses (an unknown action, a bad month…)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One processing of personal data, as the log keeps it."""

    seq: int
    wall: str  # wall time, KST ISO-8601
    time: float  # simulated time (epoch seconds)
    actor: str
    action: str
    subjects: tuple[str, ...]
    fields: tuple[str, ...]
    purpose: str
    path: str  # the request that did it ("GET /testbed/users"), or the job
    source: str  # where from: the client's address ("" for the system's own work)
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str

    @property
    def people(self) -> int:
        """How many subjects it names (`*` not counted: it is no one in particular)."""
        return sum(1 for s in self.subjects if s != ALL)


@dataclass(frozen=True, slots=True)
class Query:
    """A search of the log: every filter given must hold; newest first, a page at a time."""

    subject: str = ""  # records naming it (or every subject: `*`)
    actor: str = ""  # exactly, or as a prefix before ':' ("admin" finds "admin:kim")
    action: str = ""
    since: float | None = None  # simulated time, inclusive
    until: float | None = None  # simulated time, exclusive
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE


@dataclass(frozen=True, slots=True)
class Found:
    records: list[Record]
    total: int  # every record the query matches, on all pages


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    records: int  # records checked
    head_seq: int  # the last record the log wrote (0: none yet)
    head_hash: str
    broken_at: int | None = None  # the first record that fails (None: the anchor does)
    problem: str = ""
    legacy_records: int = 0  # records from before the key, taken over as SHA-256 chained


@dataclass(frozen=True, slots=True)
class BulkHour:
    """An actor who read many distinct subjects within one simulated hour."""

    actor: str
    hour: float  # the hour's start (simulated epoch seconds)
    subjects: int
    records: int


@dataclass(frozen=True, slots=True)
class MonthlyReview:
    """월 1회 점검: a month of the log (simulated time) and what an auditor looks at."""

    month: str
    records: int
    by_action: dict[str, int]
    by_actor: dict[str, int]
    bulk_at_once: list[Record]
    bulk_hours: list[BulkHour]
    off_hours: list[Record]
    downloads: list[Record]
    denied: list[Record]
    counts: dict[str, int] = field(default_factory=dict)  # every flag's whole count


def canonical(body: Mapping[str, Any]) -> bytes:
    """The encoding a record is hashed in: sorted-key compact JSON, UTF-8."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def record_hash(body: Mapping[str, Any], key: bytes) -> str:
    """A record's hash: HMAC-SHA256 under the chain key."""
    return hmac.new(key, canonical(body), hashlib.sha256).hexdigest()


def legacy_hash(body: Mapping[str, Any]) -> str:
    """The hash of a record written before the chain had a key (plain SHA-256)."""
    return hashlib.sha256(canonical(body)).hexdigest()


def anchor_file_of(db_path: str) -> Path | None:
    """Where the anchor of a database's log lives: beside it (None: an in-memory one)."""
    return None if db_path == ":memory:" else Path(f"{db_path}.audit-head")


@dataclass(frozen=True, slots=True)
class Anchor:
    """The head of the log as last committed, kept outside the database."""

    seq: int
    hash: str
    keyed_from: int

    def mac(self, key: bytes) -> str:
        text = f"anchor/v{ANCHOR_VERSION}:{self.seq}:{self.hash}:{self.keyed_from}"
        return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()

    def write(self, path: Path, key: bytes) -> None:
        """Replace the anchor file: a new file (0600) renamed over the old, so a reader
        sees the old anchor or the new, never half of one. No fsync: after a power cut
        the anchor may name an earlier record, which the log still holds."""
        body = {
            "version": ANCHOR_VERSION,
            "seq": self.seq,
            "hash": self.hash,
            "keyed_from": self.keyed_from,
            "mac": self.mac(key),
        }
        temporary = path.with_name(path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
        try:
            os.fchmod(fd, stat.S_IRUSR | stat.S_IWUSR)
            os.write(fd, canonical(body) + b"\n")
        finally:
            os.close(fd)
        os.replace(temporary, path)

    @classmethod
    def read(cls, path: Path, key: bytes) -> Anchor | str:
        """The anchor in `path`, or what is wrong with it."""
        try:
            body = json.loads(path.read_bytes())
            anchor = cls(int(body["seq"]), str(body["hash"]), int(body["keyed_from"]))
            mac = str(body["mac"])
        except FileNotFoundError:
            return f"its anchor {path} is missing: the log's length cannot be proven"
        except (OSError, ValueError, KeyError, TypeError) as e:
            return f"its anchor {path} cannot be read ({e})"
        if not hmac.compare_digest(mac, anchor.mac(key)):
            return f"its anchor {path} was not written with this database's key"
        return anchor


def record_body(record: Record) -> dict[str, Any]:
    """Every column of the record but its hash: what the hash is computed over."""
    return {
        "seq": record.seq,
        "wall": record.wall,
        "time": record.time,
        "actor": record.actor,
        "action": record.action,
        "subjects": list(record.subjects),
        "fields": list(record.fields),
        "purpose": record.purpose,
        "path": record.path,
        "source": record.source,
        "detail": dict(record.detail),
        "prev_hash": record.prev_hash,
    }


def _row(record: Record) -> tuple[Any, ...]:
    def text(value: Any) -> str:
        return canonical(value).decode()

    return (
        record.seq, record.wall, record.time, record.actor, record.action,
        text(list(record.subjects)), text(list(record.fields)), record.purpose, record.path,
        record.source, text(dict(record.detail)), record.prev_hash, record.hash,
    )  # fmt: skip


def _from_row(row: Sequence[Any]) -> Record:
    return Record(
        seq=row[0],
        wall=row[1],
        time=row[2],
        actor=row[3],
        action=row[4],
        subjects=tuple(json.loads(row[5])),
        fields=tuple(json.loads(row[6])),
        purpose=row[7],
        path=row[8],
        source=row[9],
        detail=json.loads(row[10]),
        prev_hash=row[11],
        hash=row[12],
    )


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


# --- subjects: how the log names people and accounts -------------------------------------


def account_subjects(store: Store, account: Account) -> list[str]:
    """An account's pseudonym, and its owner's subject (a user's user_seq_no, or
    `client:<code>`): a search for the person finds what was read of their accounts."""
    owner_kind, _, owner = account.owner.partition(":")
    subjects = [store.account_ref(account.bank_code, account.account_num)]
    if owner and owner_kind == "user":
        subjects.append(owner)
    elif owner:
        subjects.append(account.owner)
    return subjects


def user_subjects(store: Store, user: User) -> list[str]:
    """A user (its user_seq_no) and the pseudonyms of its accounts."""
    return [user.user_seq_no, *(store.account_ref(bank, num) for bank, num in user.accounts)]


def institution_subjects(store: Store, client: FintechClient) -> list[str]:
    """An institution (`client:<code>`) and the pseudonyms of its 약정계좌: an account
    number is 고객정보 whoever holds it, so showing one is logged too."""
    return [
        f"client:{client.client_use_code}",
        *(store.account_ref(a.bank_code, a.account_num) for a in client.contract_accounts),
    ]


def transfer_subjects(store: Store, world: World, record: TransferRecord) -> list[str]:
    """The people and accounts a transfer record names: both sides (and their owners), the
    user it was made for, and the requesting customer's account (by number or through
    the fintech_use_num's registration)."""
    subjects = [record.user_seq_no]
    keys = [
        (side.get("bank_code_std", ""), side.get("account_num", ""))
        for side in (record.wd, record.dps)
    ]
    req = record.req_client
    registration = world.directory.registrations.get(req.get("req_client_fintech_use_num", ""))
    if registration is not None:
        subjects.append(registration.user_seq_no)
        keys.append((registration.bank_code, registration.account_num))
    if req.get("req_client_bank_code") and req.get("req_client_account_num"):
        try:
            bank = world.resolver.resolve(req["req_client_bank_code"]).code
        except BankCodeError:
            bank = req["req_client_bank_code"]
        keys.append((bank, req["req_client_account_num"]))
    for key in keys:
        account = world.ledger.accounts.get(key)
        if account is not None:
            subjects += account_subjects(store, account)
        elif all(key):
            subjects.append(store.account_ref(*key))
    return list(_unique(subjects))


def in_office_hours(t: float) -> bool:
    """Weekdays 09:00–18:00 KST, simulated (the testbed knows no public holidays)."""
    return to_kst(t).weekday() in OFFICE_DAYS and OFFICE_OPEN <= second_of_day(t) < OFFICE_CLOSE


def month_bounds(month: str) -> tuple[float, float]:
    """The simulated start and end (exclusive) of a KST month `YYYY-MM`."""
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month) or not "1970-01" <= month < "9999-12":
        raise AuditError(f"month takes YYYY-MM (1970-01 on), e.g. 2026-03, not {month!r}")
    year, mon = int(month[:4]), int(month[5:])
    start = datetime(year, mon, 1, tzinfo=KST)
    end = datetime(year + 1, 1, 1, tzinfo=KST) if mon == 12 else start.replace(month=mon + 1)
    return from_kst(start), from_kst(end)


# --- the log ----------------------------------------------------------------------------


class ProcessingLog:
    """The processing log of one database (see the module's docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        for statement in _DDL:
            store.submit(statement, ())
        store.flush()
        last = store.read("SELECT seq, hash FROM processing_log ORDER BY seq DESC LIMIT 1")
        self._seq, self._hash = (int(last[0][0]), str(last[0][1])) if last else (0, GENESIS)
        self._lock = threading.Lock()  # one record at a time: seq and chain in order
        self._key = store.derived_key(CHAIN_KEY_PURPOSE)
        self.anchor_path = anchor_file_of(store.path)
        marked = store.read("SELECT value FROM meta WHERE key = ?", (KEYED_FROM,))
        if marked:
            self.keyed_from = int(marked[0][0])
        else:  # a new log, or one from before the key (see the module's docstring)
            self.keyed_from = self._seq + 1
            store.put_meta(KEYED_FROM, str(self.keyed_from))
            store.flush()
        #: why the anchor is not being kept up to date ("": it is): it disagrees with the
        #: database, so it stays as it is for `verify` to report
        self.anchor_problem = ""
        if self.anchor_path is not None:
            self.anchor_problem = self._anchor_disagreement(new=not marked)
            if not self.anchor_problem:
                self._anchor(self._seq, self._hash)()

    def _anchor(self, seq: int, head: str) -> Callable[[], None]:
        """The action that writes the anchor for the head (seq, head), run once committed."""
        path, key, keyed_from = self.anchor_path, self._key, self.keyed_from

        def write() -> None:
            if path is None or self.anchor_problem:
                return
            try:
                Anchor(seq, head, keyed_from).write(path, key)
            except OSError as e:  # the log goes on; verify reports the anchor behind
                self.anchor_problem = f"its anchor {path} could not be written ({e})"

        return write

    def _anchor_disagreement(self, new: bool = False) -> str:
        """What is wrong between the anchor and the log in the database ("" if nothing).
        `new`: the log is opened for the first time by this version (no meta mark): it
        has no anchor yet, or, if it has no records either, an anchor left from another
        database at this path (its HMAC under another key), which is replaced."""
        if self.anchor_path is None:
            return ""
        anchor = Anchor.read(self.anchor_path, self._key)
        if isinstance(anchor, str):
            missing = not self.anchor_path.exists()
            return "" if new and (missing or not self._seq) else anchor
        if anchor.keyed_from != self.keyed_from:
            return (
                f"the log's meta says records are keyed from {self.keyed_from}, its anchor"
                f" {self.anchor_path} says from {anchor.keyed_from}"
            )
        if anchor.seq == 0:
            return ""
        found = self.store.read("SELECT hash FROM processing_log WHERE seq = ?", (anchor.seq,))
        if not found:
            ((last,),) = self.store.read("SELECT coalesce(max(seq), 0) FROM processing_log")
            return (
                f"the log is shorter than its anchor: it ends at record {last}, its anchor"
                f" {self.anchor_path} says {anchor.seq} (records {last + 1}–{anchor.seq}"
                " were removed)"
            )
        if found[0][0] != anchor.hash:
            return (
                f"record {anchor.seq} is not the one its anchor {self.anchor_path} names:"
                " the log was replaced"
            )
        return ""

    @property
    def head(self) -> tuple[int, str]:
        """The last record written: its seq and hash ((0, GENESIS) when there is none)."""
        with self._lock:
            return self._seq, self._hash

    def append(
        self,
        *,
        actor: str,
        action: str,
        subjects: Iterable[str],
        fields: Iterable[str],
        purpose: str,
        time: float,
        path: str = "",
        source: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> Record:
        """Log one processing, chained to the last record and queued to the store's writer:
        the caller awaits `store.durable()` before the personal data leaves."""
        if action not in ACTIONS:
            raise AuditError(f"action: one of {', '.join(ACTIONS)}, not {action!r}")
        with self._lock:
            unsigned = Record(
                seq=self._seq + 1,
                wall=wall_now(),
                time=float(time),
                actor=actor,
                action=action,
                subjects=_unique(subjects),
                fields=_unique(fields),
                purpose=purpose,
                path=path,
                source=source,
                detail=dict(detail or {}),
                prev_hash=self._hash,
                hash="",
            )
            record = replace(unsigned, hash=record_hash(record_body(unsigned), self._key))
            statements: list[Statement] = [(_INSERT, _row(record), False)]
            if record.subjects:
                index = [(s, record.seq) for s in record.subjects]
                statements.append((_INSERT_SUBJECT, index, True))
            # the record, its index and then the anchor naming it: together
            anchor = self._anchor(record.seq, record.hash)
            self.store.submit_group(statements, after=(f"anchor:{id(self)}", anchor))
            self._seq, self._hash = record.seq, record.hash
        return record

    def purged(
        self,
        *,
        time: float,
        subjects: Iterable[str],
        fields: Iterable[str],
        counts: Mapping[str, int],
    ) -> Record:
        """Deletions by retention (보관기간 경과): what the retention job calls, once a run."""
        return self.append(
            actor=RETENTION_ACTOR,
            action=PURGE,
            subjects=subjects,
            fields=fields,
            purpose=RETENTION_PURPOSE,
            time=time,
            path="retention",
            detail={"counts": dict(counts)},
        )

    # --- reading ----------------------------------------------------------------------
    def search(self, query: Query) -> Found:
        """The records a query matches, newest first (await `store.durable()` first)."""
        where, params = _conditions(query)
        size = max(1, min(query.size, MAX_PAGE_SIZE))
        offset = (max(query.page, 1) - 1) * size
        rows = self.store.read(
            f"SELECT {_COLUMNS} FROM processing_log{where} ORDER BY seq DESC LIMIT ? OFFSET ?",
            [*params, size, offset],
        )
        ((total,),) = self.store.read(f"SELECT count(*) FROM processing_log{where}", params)
        return Found([_from_row(r) for r in rows], int(total))

    def records(self, since: float, until: float) -> list[Record]:
        """Every record of a simulated period, oldest first (blocking: off the event loop)."""
        return [
            record
            for rows in self._chunks("time >= ? AND time < ?", (since, until), self.head[0])
            for record in map(_from_row, rows)
        ]

    def _chunks(
        self, where: str, params: Sequence[Any], upto: int
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The rows up to seq `upto` that match, oldest first, VERIFY_CHUNK at a time: each
        read is short, so the writer and the event loop never wait long on the store."""
        last = 0
        while last < upto:
            rows = self.store.read(
                f"SELECT {_COLUMNS} FROM processing_log WHERE seq > ? AND seq <= ?"
                f" AND ({where}) ORDER BY seq LIMIT ?",
                (last, upto, *params, VERIFY_CHUNK),
            )
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    def verify(self) -> Verification:
        """Recompute the chain from the first record to the head (records written while it
        runs are left for the next time), then hold the log against its anchor; the first
        broken record, if any. Blocking: run it off the event loop."""
        head_seq, head_hash = self.head
        legacy = self.keyed_from - 1

        def failed(at: int | None, problem: str) -> Verification:
            return Verification(False, checked, head_seq, head_hash, at, problem, legacy)

        expected_prev, checked, last = GENESIS, 0, 0
        for rows in self._chunks("1", (), head_seq):
            index = self._index(rows[0][0], rows[-1][0])
            for row in rows:
                record = _from_row(row)
                key = self._key if record.seq >= self.keyed_from else None
                problem = _broken(
                    record, last + 1, expected_prev, index.get(record.seq, set()), key
                )
                if problem:
                    return failed(min(record.seq, last + 1), problem)  # a gap: the first missing
                expected_prev, last, checked = record.hash, record.seq, checked + 1
        if last < head_seq:
            return failed(last + 1, f"records {last + 1}–{head_seq} are missing from the end")
        if expected_prev != head_hash:
            return failed(head_seq, "the last record is not the one the log wrote")
        problem = self.anchor_problem or self._anchor_disagreement()
        if problem:
            return failed(None, problem)
        return Verification(True, checked, head_seq, head_hash, legacy_records=legacy)

    def _index(self, first: int, last: int) -> dict[int, set[str]]:
        found: dict[int, set[str]] = defaultdict(set)
        for subject, seq in self.store.read(
            "SELECT subject, seq FROM processing_subjects WHERE seq BETWEEN ? AND ?",
            (first, last),
        ):
            found[seq].add(subject)
        return found

    def review(self, month: str) -> MonthlyReview:
        """The month's records (simulated time) summed up, and flagged: bulk reads, access
        outside office hours, downloads, failed authorizations."""
        records = self.records(*month_bounds(month))
        at_once = [r for r in records if r.action in (READ, EXPORT) and r.people >= BULK_AT_ONCE]
        off_hours = [
            r
            for r in records
            if not r.actor.startswith(SYSTEM_PREFIX) and not in_office_hours(r.time)
        ]
        downloads = [r for r in records if r.action == EXPORT]
        denied = [r for r in records if r.action == DENIED]
        hours = _bulk_hours(records)
        flags = {
            "bulk_at_once": at_once,
            "off_hours": off_hours,
            "downloads": downloads,
            "denied": denied,
        }
        return MonthlyReview(
            month=month,
            records=len(records),
            by_action=dict(Counter(r.action for r in records)),
            by_actor=dict(Counter(r.actor for r in records)),
            bulk_at_once=at_once[:REVIEW_LIST_MAX],
            bulk_hours=hours[:REVIEW_LIST_MAX],
            off_hours=off_hours[:REVIEW_LIST_MAX],
            downloads=downloads[:REVIEW_LIST_MAX],
            denied=denied[:REVIEW_LIST_MAX],
            counts={**{k: len(v) for k, v in flags.items()}, "bulk_hours": len(hours)},
        )


def _conditions(query: Query) -> tuple[str, list[Any]]:
    conditions: list[str] = []
    params: list[Any] = []
    if query.subject:
        conditions.append(
            "seq IN (SELECT seq FROM processing_subjects WHERE subject = ? OR subject = ?)"
        )
        params += [query.subject, ALL]
    if query.actor:
        conditions.append("(actor = ? OR substr(actor, 1, ?) = ?)")
        prefix = query.actor + ":"
        params += [query.actor, len(prefix), prefix]
    if query.action:
        conditions.append("action = ?")
        params.append(query.action)
    if query.since is not None:
        conditions.append("time >= ?")
        params.append(query.since)
    if query.until is not None:
        conditions.append("time < ?")
        params.append(query.until)
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), params


def _broken(record: Record, seq: int, prev: str, indexed: set[str], key: bytes | None) -> str:
    """What is wrong with a record read back where `seq` was expected ("" if nothing);
    `key`: the chain key, None for a record from before it (plain SHA-256)."""
    if record.seq != seq:
        return f"records {seq}–{record.seq - 1} are missing"
    if record.prev_hash != prev:
        return "its prev_hash is not the previous record's hash"
    body = record_body(record)
    expected = legacy_hash(body) if key is None else record_hash(body, key)
    if not hmac.compare_digest(record.hash, expected):
        return "its hash does not match its content: the record was changed"
    if indexed != set(record.subjects):
        return "the subject index does not list the record's subjects"
    return ""


def _bulk_hours(records: Iterable[Record]) -> list[BulkHour]:
    """Actors who read BULK_PER_HOUR or more distinct subjects within one simulated hour."""
    seen: dict[tuple[str, float], set[str]] = defaultdict(set)
    count: Counter[tuple[str, float]] = Counter()
    for r in records:
        if r.action in (READ, EXPORT) and r.people:
            hour = r.time - r.time % 3600  # KST is a whole number of hours from UTC
            seen[(r.actor, hour)].update(s for s in r.subjects if s != ALL)
            count[(r.actor, hour)] += 1
    return [
        BulkHour(actor, hour, len(subjects), count[(actor, hour)])
        for (actor, hour), subjects in seen.items()
        if len(subjects) >= BULK_PER_HOUR
    ]
