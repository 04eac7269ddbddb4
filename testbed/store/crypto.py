"""Encryption at rest: the master key, the database's own keys, sealed values, pseudonyms.

The seed's 고객정보 암호화 rule (개인식별번호, 비밀번호, 계좌번호, 신용카드번호) applied to
the testbed's own file. Envelope encryption, as a key-management service would do it:

- The **master key** never touches the database: it is `TESTBED_DATA_KEY` (32 bytes in
  URL-safe base64, `testbed datakey` prints a fresh one) or, without it, a key file beside
  the database (`<db>.key`, mode 0600) made on first start.
- The database holds its **own keys**, wrapped by the master key (AES-GCM, meta `keys`):
  a *data key* that seals values (AES-256-GCM, a 96-bit nonce per value, the row's
  identity as associated data so a sealed value cannot be moved to another row; the
  nonce a random 64-bit field per process and a counter), and an
  *index key* for keyed hashes (BLAKE2b with a key, a PRF) that stand in for account
  numbers and record keys wherever the file needs to find a row by them.
- `testbed rekey` seals everything again under a new data key and wraps the keys with a
  new master key. The index key stays: pseudonyms in the processing log must still name
  the same accounts after a rotation (it never leaves the database unwrapped).

Nonces and keys come from the OS (`os.urandom`), not from the seeded source: the same seed
gives the same answers over HTTP, but the ciphertext differs from run to run.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
#: the first byte of every sealed value: the format, so a later one can be told apart
SEALED_V1 = b"\x01"
#: what a TESTBED_DATA_KEY that is not 32 bytes of URL-safe base64 is told
KEY_FORMAT = "32 random bytes in URL-safe base64 (44 characters), such as `testbed datakey` prints"
_WRAP_AAD = b"testbed/keys/v1"


class KeyProblem(RuntimeError):
    """The master key is missing, malformed, or does not open this database."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyProblem(f"{source} is not a data key: it must be {KEY_FORMAT}")
    return key


@dataclass(frozen=True)
class MasterKey:
    key: bytes
    source: str  # where it came from, for messages: never the key itself

    def __repr__(self) -> str:
        return f"MasterKey(source={self.source!r})"


def key_file_of(db_path: str) -> Path:
    """Where the key file of a database lives: beside it."""
    return Path(f"{db_path}.key")


def read_key_file(path: Path) -> MasterKey | None:
    if not path.exists():
        return None
    return MasterKey(decode_key(path.read_text(), f"the key file {path}"), f"the key file {path}")


def write_key_file(path: Path, key: bytes) -> None:
    """Write `key` to `path` (mode 0600 from the start, on disk before this returns)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    try:
        os.write(fd, (encode_key(key) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)  # an existing file keeps its mode on open


@dataclass(frozen=True)
class DatabaseKeys:
    data: bytes  # seals values
    index: bytes  # keys the pseudonyms

    @classmethod
    def new(cls) -> DatabaseKeys:
        return cls(new_key(), new_key())

    def wrap(self, master: MasterKey) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(master.key).encrypt(nonce, self.data + self.index, _WRAP_AAD)
        return encode_key(nonce + sealed)

    @classmethod
    def unwrap(cls, text: str, master: MasterKey, db_path: str) -> DatabaseKeys:
        try:
            blob = base64.urlsafe_b64decode(text.encode("ascii"))
            keys = AESGCM(master.key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _WRAP_AAD)
        except (InvalidTag, ValueError):
            raise KeyProblem(
                f"{master.source} does not open the database {db_path}: it was encrypted"
                " with another key (set TESTBED_DATA_KEY to that key, or put its key file back)"
            ) from None
        return cls(keys[:KEY_BYTES], keys[KEY_BYTES:])


def derived_key(keys: DatabaseKeys, purpose: str) -> bytes:
    """A 32-byte key for one purpose (the processing log's chain), derived from the index
    key with keyed BLAKE2b (a PRF): it stays through `testbed rekey`, as the index key
    does, and like it exists outside memory only wrapped by the master key."""
    return hashlib.blake2b(f"testbed/{purpose}".encode(), key=keys.index, digest_size=32).digest()


class Sealer:
    """Seals and opens values with the data key; makes pseudonyms with the index key."""

    def __init__(self, keys: DatabaseKeys) -> None:
        self.keys = keys
        self._aead = AESGCM(keys.data)
        self._index = keys.index
        self._new_prefix()

    def _new_prefix(self) -> None:
        # NIST SP 800-38D 8.2.1: a nonce is a fixed field and a counter. The field is 64
        # random bits drawn per Sealer (per process and key), the counter 32 bits: unique
        # nonces without a system call per value (os.urandom cost 8 µs a request)
        self._prefix = os.urandom(8)
        self._count = 0

    def seal(self, plain: bytes, row: bytes) -> bytes:
        """`plain` sealed for the row named `row` (only that row's `open` takes it)."""
        self._count += 1
        if self._count >= 1 << 32:
            self._new_prefix()
            self._count = 1
        nonce = self._prefix + self._count.to_bytes(4, "big")
        return SEALED_V1 + nonce + self._aead.encrypt(nonce, plain, row)

    def open(self, sealed: bytes, row: bytes) -> bytes:
        if sealed[:1] != SEALED_V1:
            raise InvalidTag  # not a value this version sealed
        body = memoryview(sealed)
        return self._aead.decrypt(body[1 : 1 + NONCE_BYTES], body[1 + NONCE_BYTES :], row)

    def pseudonym(self, text: str) -> str:
        """A keyed hash of `text`: the same text, the same pseudonym; nothing else tells it."""
        return hashlib.blake2b(text.encode(), key=self._index, digest_size=16).hexdigest()


def pseudonym_of_account(sealer: Sealer, bank_code: str, account_num: str) -> str:
    return sealer.pseudonym(f"account:{bank_code}:{account_num}")


def pending_key_file_of(db_path: str) -> Path:
    """Where `testbed rekey` puts the new master key until the database has taken it."""
    return Path(f"{db_path}.key.new")


def master_key_for(db_path: str, given: str | None, wrapped: str | None) -> MasterKey:
    """The master key that opens `db_path` (whose meta `keys` is `wrapped`, None if new).

    `given` is TESTBED_DATA_KEY's value. Without it, the key file beside the database, made
    now for a database that has no keys yet. A rotation that stopped half-way (a `.key.new`
    beside the key file) is finished or undone here, by whichever key opens the database.
    """
    if given:
        return MasterKey(decode_key(given, "TESTBED_DATA_KEY"), "TESTBED_DATA_KEY")
    if db_path == ":memory:":
        return MasterKey(new_key(), "a key of this process (an in-memory database)")
    path, pending = key_file_of(db_path), pending_key_file_of(db_path)
    current = read_key_file(path)
    if wrapped is None:
        if current is None:
            write_key_file(path, new_key())
            current = read_key_file(path)
            assert current is not None
        return current
    newer = read_key_file(pending)
    tried = [key for key in (current, newer) if key is not None]
    if not tried:
        raise KeyProblem(
            f"the database {db_path} is encrypted, and its key file {path} is not there: put"
            " it back, or set TESTBED_DATA_KEY to the key the database was encrypted with"
        )
    problems: list[KeyProblem] = []
    for candidate in tried:
        try:
            DatabaseKeys.unwrap(wrapped, candidate, db_path)
        except KeyProblem as e:
            problems.append(e)
            continue
        if candidate is newer:  # the rotation committed: its key is the key now
            os.replace(pending, path)
            return MasterKey(candidate.key, f"the key file {path}")
        pending.unlink(missing_ok=True)  # a rotation that did not commit
        return candidate
    raise problems[0]
