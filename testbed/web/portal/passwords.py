"""Password hashing for the portal's developers: argon2id through argon2-cffi.

`argon2.PasswordHasher()` with its defaults (RFC 9106's second recommended option:
argon2id, 3 passes over 64 MiB, 4 lanes, a 16-byte salt, a 32-byte hash), kept in the
PHC string format, so the parameters travel with each hash and `check_needs_rehash`
can tell when a stored one is weaker than today's defaults.

Why here and not in the model: the salt comes from the operating system's randomness
(argon2-cffi reads `os.urandom`), never from the testbed's seeded source. A salt is a
secret, not simulated data: the seeded world must be the same for the same seed, a
password's hash must not be predictable from it. The model (`testbed.network.portal`)
keeps hashes and never sees a password.

A hash costs about a third of a second of CPU and 64 MiB: it runs on a pool of its
own, two threads (argon2-cffi releases the GIL), so sign-ins never stall the event loop
that serves the KFTC API, and a burst of them cannot take more than 128 MiB.
"""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()  # the library's defaults, on purpose: see the module's docstring
_POOL: Final = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")
_dummy: str = ""


async def hash_password(password: str) -> str:
    """The PHC string (`$argon2id$v=19$m=65536,t=3,p=4$salt$hash`) of a new password."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, HASHER.hash, password)


async def verify(password_hash: str, password: str) -> tuple[bool, str]:
    """Whether `password` matches, and a new hash when the stored one should be redone
    with today's parameters (empty otherwise)."""
    hasher = HASHER
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(_POOL, hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, ""
    if hasher.check_needs_rehash(password_hash):
        return True, await hash_password(password)
    return True, ""


async def spend_like_a_check(password: str) -> None:
    """Take the time a real check takes, for an address without an account: the answer
    to an unknown address then comes no sooner than to a wrong password."""
    global _dummy
    if not _dummy:
        _dummy = await hash_password(secrets.token_urlsafe(16))
    await verify(_dummy, password)
