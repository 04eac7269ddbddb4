"""The database file on disk, beside its contents: the lock every opener holds (shared,
or exclusive for a key rotation) and the owner-only mode of the file and its side files.
"""

from __future__ import annotations

import contextlib
import os
import stat

from testbed.store.schema import StoreError

#: the files SQLite keeps beside a database (WAL, its index, a rollback journal)
SIDE_FILES = ("-wal", "-shm", "-journal")


def lock_file(db_path: str, exclusive: bool) -> int | None:
    """A lock on `<db>.lock` held while the store is open: shared, or `exclusive`."""
    if db_path == ":memory:":
        return None
    import fcntl

    try:
        fd = os.open(f"{db_path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise StoreError(f"cannot open the database {db_path}: {e}") from None
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StoreError(
            f"the database {db_path} is in use by a running testbed: stop it first"
            if exclusive
            else f"the database {db_path} is having its key rotated (testbed rekey): wait"
        ) from None
    return fd


def make_private(db_path: str) -> None:
    """The database and its side files readable by their owner only, whatever the umask:
    SQLite creates the database with 0644 less the umask, and its WAL and journal with the
    database's own mode, so a database made 0600 first keeps them 0600 too."""
    if db_path == ":memory:" or db_path.startswith("file:"):
        return
    fd = os.open(db_path, os.O_RDWR | os.O_CREAT, stat.S_IRUSR | stat.S_IWUSR)
    os.close(fd)
    for path in (db_path, *(db_path + side for side in SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the descriptor releases its lock
