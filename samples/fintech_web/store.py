"""The wallet's own database (SQLite): customers, their tokens, points and transfers.

A fintech keeps its own records: the centre tells it what happened once, in the
answer. What we must keep to ask again later (transfer/result) is the transfer's
bank_tran_id, its bank_tran_date and its amount: they are columns of `transfers`.

The tokens are the customers' keys to their bank accounts: a copy of this file must not
be a copy of them. So they are sealed (AES-256-GCM from `cryptography`, the token's row
as associated data so a sealed token cannot be moved to another customer) with a key
kept outside the database: `WALLET_DATA_KEY` (32 bytes, URL-safe base64), or a key file
beside it (`<db>.key`, 0600) made on first start. The database, its WAL and journal and
the key file are readable by their owner only, whatever the umask. A database from
before (tokens in clear) has its tokens sealed when it is opened.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sqlite3
import stat
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_ENV = "WALLET_DATA_KEY"
PRIVATE = stat.S_IRUSR | stat.S_IWUSR  # 0600
_NONCE = 12

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
    access_token BLOB NOT NULL,       -- sealed (see the module's docstring)
    refresh_token BLOB NOT NULL,      -- sealed
    scope TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS client_token (  -- the institution's own oob token
    id INTEGER PRIMARY KEY CHECK (id = 1),
    access_token BLOB NOT NULL        -- sealed
);
CREATE TABLE IF NOT EXISTS oauth_states (  -- the `state` of an authorize request (CSRF)
    state TEXT PRIMARY KEY,
    customer_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS transfers (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    kind TEXT NOT NULL,               -- withdrawals: 'charge' | 'send';
                                      -- deposits: 'payout' | 'send_deposit' | 'return'
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
        _make_private(path)
        self.db = sqlite3.connect(path, isolation_level=None)  # autocommit: each write lands
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)
        self._aead = AESGCM(_key_for(path))
        self._seal_plain_tokens()

    # --- sealing --------------------------------------------------------------------
    def _seal(self, text: str, row: str) -> bytes:
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, text.encode(), row.encode())

    def _open(self, sealed: bytes | str, row: str) -> str:
        if isinstance(sealed, str):  # written before tokens were sealed, not yet migrated
            return sealed
        return self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], row.encode()).decode()

    def _seal_plain_tokens(self) -> None:
        """Tokens a database from before holds in clear, sealed in one transaction."""
        plain = self.db.execute(
            "SELECT customer_id, access_token, refresh_token FROM tokens"
            " WHERE typeof(access_token) = 'text' OR typeof(refresh_token) = 'text'"
        ).fetchall()
        client = self.db.execute(
            "SELECT access_token FROM client_token WHERE typeof(access_token) = 'text'"
        ).fetchone()
        if not plain and client is None:
            return
        self.db.execute("BEGIN")
        for row in plain:
            cid = row["customer_id"]
            access, refresh = _token_row(cid, "access"), _token_row(cid, "refresh")
            self.db.execute(
                "UPDATE tokens SET access_token = ?, refresh_token = ? WHERE customer_id = ?",
                (
                    self._seal(self._open(row["access_token"], access), access),
                    self._seal(self._open(row["refresh_token"], refresh), refresh),
                    cid,
                ),
            )
        if client is not None:
            self.db.execute(
                "UPDATE client_token SET access_token = ? WHERE id = 1",
                (self._seal(client["access_token"], "client_token"),),
            )
        self.db.execute("COMMIT")
        self.db.execute("VACUUM")  # the clear text is not left behind in free pages

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
        token = self._one("SELECT * FROM tokens WHERE customer_id = ?", customer_id)
        if token is not None:
            for name in ("access", "refresh"):
                field = f"{name}_token"
                token[field] = self._open(token[field], _token_row(customer_id, name))
        return token

    def save_token(self, customer_id: int, answer: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?, ?, ?)",
            (
                customer_id,
                str(answer.get("user_seq_no", "")),
                self._seal(answer["access_token"], _token_row(customer_id, "access")),
                self._seal(answer.get("refresh_token", ""), _token_row(customer_id, "refresh")),
                answer.get("scope", ""),
            ),
        )

    def forget_token(self, customer_id: int) -> None:
        self.db.execute("DELETE FROM tokens WHERE customer_id = ?", (customer_id,))

    def client_token(self) -> str:
        row = self._one("SELECT access_token FROM client_token WHERE id = 1")
        return self._open(row["access_token"], "client_token") if row else ""

    def save_client_token(self, token: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO client_token VALUES (1, ?)",
            (self._seal(token, "client_token"),),
        )

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


def _token_row(customer_id: int, name: str) -> str:
    """The associated data a customer's token is sealed with: it opens in that row only."""
    return f"tokens/{customer_id}/{name}"


def _make_private(path: str) -> None:
    """The database made 0600 before SQLite opens it (SQLite creates it 0644 less the
    umask, and its WAL and journal with the database's mode), and kept 0600."""
    if path == ":memory:":
        return
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE))
    for name in (path, path + "-wal", path + "-shm", path + "-journal"):
        if os.path.exists(name):
            os.chmod(name, PRIVATE)


def _key_for(path: str) -> bytes:
    """The key that seals the tokens: WALLET_DATA_KEY, or the key file beside the database
    (made now, 0600 from its first byte, if there is none)."""
    given = os.environ.get(KEY_ENV, "")
    if given:
        return _decode_key(given, KEY_ENV)
    if path == ":memory:":
        return AESGCM.generate_key(bit_length=256)
    key_file = Path(path + ".key")
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
        try:
            os.write(fd, base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
    os.chmod(key_file, PRIVATE)
    return _decode_key(key_file.read_text(), str(key_file))


def _decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ValueError(f"{source}: 32 random bytes in URL-safe base64 are needed")
    return key
