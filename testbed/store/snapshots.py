"""Snapshots: a whole world as data (`snapshot_state`), that data as bytes
(`encode_snapshot`: zlib-compressed JSON, which the store seals into its snapshots
table), and back (`decode_snapshot`, `restore_snapshot`). One concept: the snapshot
format, `SNAPSHOT_FORMAT`.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from testbed.network.ledger import Entry, LedgerError
from testbed.network.seed import Seeding
from testbed.network.world import World
from testbed.store.rows import (
    PLAIN_ACCOUNT_FIELDS,
    PLAIN_POSTING_FIELDS,
    account_from_plain,
    by_name,
    plain_account_row,
    plain_posting_rows,
    posting_from_plain,
)
from testbed.store.schema import StoreError

SNAPSHOT_FORMAT = 2  # 2: accounts with their seeded won, and the world's seeding


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
        "accounts": [list(plain_account_row(a)) for a in ledger.accounts.values()],
        "entries": [
            [e.id, e.time, e.kind, e.ref, [list(row) for row in plain_posting_rows(e)]]
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
    accounts = [account_from_plain(by_name(PLAIN_ACCOUNT_FIELDS, r)) for r in state["accounts"]]
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
    entries = (_entry(e) for e in state["entries"])
    try:
        world.ledger.restore(accounts, entries, seeding)
    except LedgerError as e:
        raise StoreError(f"the snapshot cannot be restored: {e}") from None
    for kind, key, record in state["records"]:
        owners[kind].load(kind, key, record)
    for name, (version, internal, gauss) in state["random"].items():
        world.source.stream(name).setstate((version, tuple(internal), gauss))


def _entry(e: list[Any]) -> Entry:
    """An entry of a snapshot: [id, time, kind, ref, [posting, ...]]."""
    entry_id, time, kind, ref, plain = e
    postings = [by_name(PLAIN_POSTING_FIELDS, p) for p in plain]
    return Entry(
        id=entry_id,
        time=time,
        kind=kind,
        ref=ref,
        postings=tuple(posting_from_plain(p) for p in postings),
        balances_after=tuple(p["balance_after"] for p in postings),
    )


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
