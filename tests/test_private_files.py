"""Every file that holds personal data, secrets or keys is its owner's only, whatever the
umask: the database and its WAL, journal and lock, the key file, the processing log's
anchor, the recording of `serve --record`, the CA's directory and keys, and the sample
fintech's own database and key (whose users' tokens are sealed, not in clear)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_serve import call, serving

pytestmark = pytest.mark.subprocess
ROOT = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_server_s_files_are_private_under_umask_000(tmp_path: Path) -> None:
    db = tmp_path / "open.db"
    recording = tmp_path / "session.yaml"
    with serving(db, "--record", str(recording), "--tls", "--tls-port", "0", umask=0) as (
        port,
        _,
    ):
        users = call(port, "GET", "/testbed/users")["users"]  # a read: the log writes
        account = users[0]["accounts"][0]
        call(
            port,
            "POST",
            f"/testbed/accounts/{account['bank_code']}/{account['account_num']}/cash",
            {"amount": 1000},
        )
        call(port, "POST", "/testbed/snapshots", {"label": "private"})
        assert (tmp_path / "open.db-wal").exists()
        files = [
            db,
            tmp_path / "open.db-wal",
            tmp_path / "open.db-shm",
            tmp_path / "open.db.key",
            tmp_path / "open.db.lock",
            tmp_path / "open.db.audit-head",
            recording,
            tmp_path / "testbed-ca" / "ca-key.pem",
        ]
        modes = {path.name: oct(mode(path)) for path in files if path.exists()}
        assert set(modes) == {path.name for path in files}, "a file was not made"
        assert set(modes.values()) == {"0o600"}, modes
        assert mode(tmp_path / "testbed-ca") == 0o700


def test_the_sample_s_database_is_private_and_its_tokens_sealed(tmp_path: Path) -> None:
    """In a child process under umask 000: the sample's database, WAL and key file 0600,
    and no token in the file's bytes; it opens them again with the key file."""
    db = tmp_path / "wallet.db"
    script = f"""
import os
os.umask(0)
from samples.fintech_web.store import Store
store = Store({str(db)!r})
store.add_customer("m1", "홍길동", "pw")
store.save_token(1, {{"user_seq_no": "1100000001", "access_token": "ACCESS-PLANTED",
                      "refresh_token": "REFRESH-PLANTED", "scope": "login inquiry"}})
store.save_client_token("CLIENT-PLANTED")
store.db.execute("PRAGMA journal_mode=WAL")
store.save_client_token("CLIENT-PLANTED")
print(oct(os.stat({str(db)!r}).st_mode & 0o777), oct(os.stat({str(db)!r} + "-wal").st_mode & 0o777),
      oct(os.stat({str(db)!r} + ".key").st_mode & 0o777))
store.close()
"""
    env = {k: v for k, v in os.environ.items() if k != "WALLET_DATA_KEY"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0o600", "0o600", "0o600"]
    for path in tmp_path.iterdir():
        for planted in (b"ACCESS-PLANTED", b"REFRESH-PLANTED", b"CLIENT-PLANTED"):
            assert planted not in path.read_bytes(), (planted, path.name)
    from samples.fintech_web.store import Store

    store = Store(str(db))
    try:
        token = store.token(1)
        assert token is not None and token["access_token"] == "ACCESS-PLANTED"
        assert token["refresh_token"] == "REFRESH-PLANTED"
        assert store.client_token() == "CLIENT-PLANTED"
    finally:
        store.close()


def test_the_sample_seals_tokens_an_older_database_kept_in_clear(tmp_path: Path) -> None:
    from samples.fintech_web.store import SCHEMA, Store

    db = tmp_path / "old.db"
    old = sqlite3.connect(db)
    old.executescript(SCHEMA)
    old.execute("INSERT INTO customers (member_no, name, password_hash) VALUES ('m', 'n', 'x')")
    old.execute("INSERT INTO tokens VALUES (1, '1100000001', 'OLD-ACCESS', 'OLD-REFRESH', 's')")
    old.execute("INSERT INTO client_token VALUES (1, 'OLD-CLIENT')")
    old.commit()
    old.close()
    store = Store(str(db))
    try:
        token = store.token(1)
        assert token is not None and token["access_token"] == "OLD-ACCESS"
        assert store.client_token() == "OLD-CLIENT"
    finally:
        store.close()
    data = db.read_bytes()
    assert b"OLD-ACCESS" not in data and b"OLD-CLIENT" not in data and b"OLD-REFRESH" not in data
