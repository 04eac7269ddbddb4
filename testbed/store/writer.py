"""The writer: one thread that commits whatever has been queued as soon as the previous
commit ends (group commit, no timer), so durability costs one fsync per batch, not per
request; and `durable()`, which a handler's answer waits on. One concept: the queue and
its commits (`Store` is a `Writer` over its own connection).

One kind of change does not wake the writer: a record of `LAZY_KINDS` (the
`bank_tran_id` an inquiry claims), which no answer waits for. It rides with the next
commit, or is committed on its own at most `LAZY_WITHIN` seconds later.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import Any

from testbed.store.schema import Statement, StoreError

#: record kinds whose writes need not wake the writer (see the module's docstring)
LAZY_KINDS = frozenset({"tran_id"})
LAZY_WITHIN = 0.1  # wall seconds


class Writer:
    """Statements queued from the event loop, committed in batches by a writer thread on
    `conn`; `_cv` guards the queue and every use of the connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
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
        self._thread = threading.Thread(target=self._write_forever, name="store-writer")
        self._thread.daemon = True
        self._thread.start()

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
        """Commit what is queued, stop the thread, close the connection."""
        with self._cv:
            self._closing = True
            self._cv.notify_all()
        self._thread.join()
        self._conn.close()


def _resolve(ready: list[tuple[int, asyncio.Future[None]]], failure: BaseException | None) -> None:
    for _, future in ready:
        if future.done():
            continue
        if failure is None:
            future.set_result(None)
        else:
            future.set_exception(StoreError(f"the database cannot be written: {failure}"))
