"""`testbed rekey`: rotate the key that protects a database, without losing a row.

Everything sealed is sealed again under a new data key, and the database's keys are
wrapped by a new master key, in one transaction. With a key file, the new master key is
written beside it first (`<db>.key.new`) and takes the old one's place once the
transaction has committed; a crash in between is finished (or undone) by the next open,
by whichever key opens the database (crypto.master_key_for). With TESTBED_DATA_KEY, the
new key comes from TESTBED_NEW_DATA_KEY, and the operator moves it over afterwards.
"""

from __future__ import annotations

import os

from testbed.store.crypto import (
    KeyProblem,
    MasterKey,
    decode_key,
    key_file_of,
    new_key,
    pending_key_file_of,
    write_key_file,
)
from testbed.store.sqlite import Store, StoreError


def rotate(db_path: str, given: str | None, new_given: str | None) -> list[str]:
    """Rotate `db_path`'s keys; what was done, as lines for the operator. StoreError: not."""
    if db_path == ":memory:" or not os.path.exists(db_path):
        raise StoreError(f"there is no database at {db_path}")
    if given and not new_given:
        raise StoreError(
            "TESTBED_DATA_KEY is set: give the new key in TESTBED_NEW_DATA_KEY"
            " (`testbed datakey` prints one)"
        )
    try:
        new = decode_key(new_given, "TESTBED_NEW_DATA_KEY") if new_given else new_key()
    except KeyProblem as e:
        raise StoreError(str(e)) from None
    key_file, pending = key_file_of(db_path), pending_key_file_of(db_path)
    store = Store(db_path, given or None, exclusive=True)
    try:
        if new_given:
            counts = store.rekey(MasterKey(new, "TESTBED_NEW_DATA_KEY"))
        else:
            write_key_file(pending, new)  # on disk before the database depends on it
            counts = store.rekey(MasterKey(new, f"the key file {key_file}"))
            os.replace(pending, key_file)
    finally:
        store.close()
    sealed = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    lines = [f"rotated the keys of {db_path}: sealed again {sealed}"]
    if new_given:
        if not given and key_file.exists():
            key_file.unlink()  # the database no longer opens with it
            lines.append(f"removed {key_file}: the database now opens with the new key only")
        lines.append("before the next start, set TESTBED_DATA_KEY to TESTBED_NEW_DATA_KEY's value")
    else:
        lines.append(f"the new key is in {key_file} (mode 0600); keep a copy of it safe")
    return lines
