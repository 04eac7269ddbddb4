"""Row codecs: the model's accounts, entries, records and snapshots as rows of the file,
sealed with one sealer (`Rows`), and back, each column read by its name; and the plain
rows of the layout before sealing, which snapshots keep (`plain_*`).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from testbed.network.ledger import (
    Account,
    AccountKey,
    AccountStatus,
    AccountType,
    Entry,
    Posting,
)
from testbed.store.crypto import Sealer, pseudonym_of_account

#: a pseudonym's cache: accounts a running testbed has written lately (cleared when full)
ACCOUNT_CACHE = 100_000


def named(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
    """`sql`'s rows, each read by column name (`row["balance"]`), not by position."""
    cursor = conn.cursor()
    cursor.row_factory = sqlite3.Row
    return cursor.execute(sql, params)


@dataclass
class Contents:
    """Everything a file holds but its meta, as plain values: what a migration or a
    rotation reads with one key (or none) and writes with another."""

    accounts: list[Account]
    entries: list[Entry]
    records: list[tuple[str, str, dict[str, Any]]]
    snapshots: list[tuple[int, str, float, bytes]]


class Rows:
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
            orjson.dumps([a.account_num, *who]), _account_row(a.bank_code, ref)
        )
        if len(self._accounts) >= ACCOUNT_CACHE:
            self._accounts.clear()
        self._accounts[a.key] = (who, ref, sealed)
        return ref, sealed

    def account(self, a: Account) -> tuple[Any, ...]:
        """The accounts row, in `schema.ACCOUNT_COLUMNS` order."""
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

    # --- and back: rows read by `named` ------------------------------------------------
    def account_from(self, r: sqlite3.Row) -> Account:
        bank_code, ref = r["bank_code"], r["account_ref"]
        account_num, holder_name, holder_info, owner = orjson.loads(
            self.sealer.open(r["sealed"], _account_row(bank_code, ref))
        )
        return Account(
            bank_code=bank_code,
            account_num=account_num,
            holder_name=holder_name,
            holder_info=holder_info,
            holder_type=r["holder_type"],
            account_type=AccountType(r["account_type"]),
            product_name=r["product_name"],
            issue_date=r["issue_date"],
            maturity_date=r["maturity_date"],
            owner=owner,
            branch_name=r["branch_name"],
            status=AccountStatus(r["status"]),
            balance=r["balance"],
            seeded=r["seeded"],
        )

    def entries_from(self, rows: Iterable[sqlite3.Row]) -> Iterable[Entry]:
        """Group posting rows (`schema.SELECT_ENTRIES`: ordered by entry, then posting)
        back into entries."""
        for _, group in itertools.groupby(rows, key=lambda r: r["id"]):
            legs = list(group)
            first = legs[0]
            opened = orjson.loads(self.sealer.open(first["sealed"], _entry_row(first["id"])))
            yield Entry(
                id=first["id"],
                time=first["time"],
                kind=first["kind"],
                ref=first["ref"],
                postings=tuple(
                    Posting((r["bank_code"], num), r["amount"], content, r["tran_type"])
                    for r, (num, content) in zip(legs, opened, strict=True)
                ),
                balances_after=tuple(r["balance_after"] for r in legs),
            )

    def record_from(self, r: sqlite3.Row) -> tuple[str, str, dict[str, Any]]:
        kind, ref = r["kind"], r["key_ref"]
        key, record = orjson.loads(self.sealer.open(r["sealed"], _record_row(kind, ref)))
        return kind, key, record

    def snapshot_from(self, snapshot_id: int, data: bytes) -> bytes:
        return self.sealer.open(data, _snapshot_row(snapshot_id))


# what each sealed value is bound to (its row): a value moved to another row does not open


def _account_row(bank_code: str, ref: str) -> bytes:
    return b"accounts/" + bank_code.encode() + ref.encode()


def _entry_row(entry_id: int) -> bytes:
    return b"entries/%d" % entry_id


def _record_row(kind: str, ref: str) -> bytes:
    return f"records/{kind}/{ref}".encode()


def _snapshot_row(snapshot_id: int) -> bytes:
    return b"snapshots/%d" % snapshot_id


# --- plain rows: the layout of snapshots, and of files from before sealing ------------------

#: an account's plain row (a snapshot's `accounts` item; the accounts table before sealing)
PLAIN_ACCOUNT_FIELDS = (
    "bank_code",
    "account_num",
    "holder_name",
    "holder_info",
    "holder_type",
    "account_type",
    "product_name",
    "issue_date",
    "maturity_date",
    "owner",
    "branch_name",
    "status",
    "balance",
    "seeded",
)
#: a posting's plain row as a snapshot's entry holds it
PLAIN_POSTING_FIELDS = (
    "bank_code",
    "account_num",
    "amount",
    "balance_after",
    "print_content",
    "tran_type",
)


def plain_account_row(a: Account) -> tuple[Any, ...]:
    """`PLAIN_ACCOUNT_FIELDS` of the account, in order."""
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


def plain_posting_rows(entry: Entry) -> list[tuple[Any, ...]]:
    """`PLAIN_POSTING_FIELDS` of each of the entry's postings, in order."""
    return [
        (leg.account[0], leg.account[1], leg.amount, after, leg.print_content, leg.tran_type)
        for leg, after in zip(entry.postings, entry.balances_after, strict=True)
    ]


def account_from_plain(r: Mapping[str, Any]) -> Account:
    """An account from its plain row by name (`by_name` of a snapshot's list)."""
    return Account(
        bank_code=r["bank_code"],
        account_num=r["account_num"],
        holder_name=r["holder_name"],
        holder_info=r["holder_info"],
        holder_type=r["holder_type"],
        account_type=AccountType(r["account_type"]),
        product_name=r["product_name"],
        issue_date=r["issue_date"],
        maturity_date=r["maturity_date"],
        owner=r["owner"],
        branch_name=r["branch_name"],
        status=AccountStatus(r["status"]),
        balance=r["balance"],
        seeded=r.get("seeded", 0),  # snapshots of format 1 have no seeded won
    )


def posting_from_plain(r: Mapping[str, Any]) -> Posting:
    return Posting(
        (r["bank_code"], r["account_num"]), r["amount"], r["print_content"], r["tran_type"]
    )


def as_dict(row: sqlite3.Row) -> dict[str, Any]:
    """A row read by `named` as a plain mapping of column name to value."""
    return dict(zip(row.keys(), row, strict=True))


def by_name(fields: Sequence[str], values: Iterable[Any]) -> dict[str, Any]:
    """A positional row (a snapshot's list, a plain table's tuple) by its fields' names;
    a shorter row (an older format) lacks the last ones."""
    return dict(zip(fields, values, strict=False))
