"""The wallet's own database (SQLite): customers, their tokens, points and transfers.

A fintech keeps its own records: the centre tells it what happened once, in the
answer. What we must keep to ask again later (transfer/result) is the transfer's
bank_tran_id, its bank_tran_date and its amount: they are columns of `transfers`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY,
    member_no TEXT UNIQUE NOT NULL,   -- our member number: req_client_num in transfers
    name TEXT NOT NULL,               -- req_client_name in transfers
    password_hash TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (   -- the customer's user token (3-legged)
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id),
    user_seq_no TEXT NOT NULL,
    access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL,
    scope TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS client_token (  -- the institution's own oob token
    id INTEGER PRIMARY KEY CHECK (id = 1),
    access_token TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS oauth_states (  -- the `state` of an authorize request (CSRF)
    state TEXT PRIMARY KEY,
    customer_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS transfers (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    kind TEXT NOT NULL,               -- 'charge' (withdraw) | 'payout' (deposit)
    fintech_use_num TEXT NOT NULL,
    amount INTEGER NOT NULL,
    bank_tran_id TEXT NOT NULL,
    bank_tran_date TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,              -- 'pending' | 'done' | 'failed' | 'unknown'
    rsp_code TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Store:
    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)  # autocommit: each write lands
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def _one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        row = self.db.execute(sql, args).fetchone()
        return dict(row) if row else None

    # --- customers ------------------------------------------------------------------
    def add_customer(self, member_no: str, name: str, password: str) -> int | None:
        try:
            cursor = self.db.execute(
                "INSERT INTO customers (member_no, name, password_hash) VALUES (?, ?, ?)",
                (member_no, name, _hash(password)),
            )
        except sqlite3.IntegrityError:
            return None  # the member number is taken
        return int(cursor.lastrowid or 0)

    def check_password(self, member_no: str, password: str) -> dict[str, Any] | None:
        customer = self._one("SELECT * FROM customers WHERE member_no = ?", member_no)
        if customer and _verify(password, customer["password_hash"]):
            return customer
        return None

    def customer(self, customer_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM customers WHERE id = ?", customer_id)

    def add_points(self, customer_id: int, amount: int) -> None:
        self.db.execute(
            "UPDATE customers SET points = points + ? WHERE id = ?", (amount, customer_id)
        )

    # --- tokens ---------------------------------------------------------------------
    def token(self, customer_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM tokens WHERE customer_id = ?", customer_id)

    def save_token(self, customer_id: int, answer: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?, ?)",
            (
                customer_id,
                str(answer.get("user_seq_no", "")),
                answer["access_token"],
                answer.get("refresh_token", ""),
                answer.get("scope", ""),
            ),
        )

    def forget_token(self, customer_id: int) -> None:
        self.db.execute("DELETE FROM tokens WHERE customer_id = ?", (customer_id,))

    def client_token(self) -> str:
        row = self._one("SELECT access_token FROM client_token WHERE id = 1")
        return str(row["access_token"]) if row else ""

    def save_client_token(self, token: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO client_token VALUES (1, ?)", (token,))

    def add_state(self, state: str, customer_id: int) -> None:
        self.db.execute("INSERT INTO oauth_states VALUES (?, ?)", (state, customer_id))

    def take_state(self, state: str) -> int | None:
        row = self._one("SELECT customer_id FROM oauth_states WHERE state = ?", state)
        self.db.execute("DELETE FROM oauth_states WHERE state = ?", (state,))
        return int(row["customer_id"]) if row else None

    # --- transfers ------------------------------------------------------------------
    def next_sequence(self, name: str = "bank_tran_id") -> int:
        """The next number of a counter (atomically: one writer at a time).

        A new database starts its counter at a random number, not at 1: a second copy of
        the app (or a fresh database after a reset) then does not walk the same numbers
        as the first and meet A0326 on the same day."""
        start = secrets.randbelow(900_000_000)
        row = self.db.execute(
            "INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + 1"
            " RETURNING value",
            (name, start),
        ).fetchone()
        return int(row[0])

    def add_transfer(
        self, customer_id: int, kind: str, fintech_use_num: str, amount: int, bank_tran_id: str
    ) -> int:
        cursor = self.db.execute(
            "INSERT INTO transfers (customer_id, kind, fintech_use_num, amount, bank_tran_id,"
            " state) VALUES (?, ?, ?, ?, ?, 'pending')",
            (customer_id, kind, fintech_use_num, amount, bank_tran_id),
        )
        return int(cursor.lastrowid or 0)

    def update_transfer(self, transfer_id: int, **fields: str) -> None:
        names = ", ".join(f"{name} = ?" for name in fields)
        self.db.execute(
            f"UPDATE transfers SET {names} WHERE id = ?", (*fields.values(), transfer_id)
        )

    def transfer(self, transfer_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM transfers WHERE id = ?", transfer_id)

    def transfers(self, customer_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT * FROM transfers WHERE customer_id = ? ORDER BY id DESC LIMIT 20",
            (customer_id,),
        )
        return [dict(r) for r in rows]


def _hash(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return salt.hex() + ":" + digest.hex()


def _verify(password: str, stored: str) -> bool:
    salt, _, digest = stored.partition(":")
    again = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(again.hex(), digest)
