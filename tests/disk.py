"""What a database leaves on disk: the bytes a thief of the files would have."""

from __future__ import annotations

from pathlib import Path


def bytes_on_disk(db_path: str | Path) -> bytes:
    """The database file and its WAL and rollback journal (those that exist), concatenated."""
    found = [Path(f"{db_path}{suffix}") for suffix in ("", "-wal", "-journal")]
    return b"".join(path.read_bytes() for path in found if path.exists())
