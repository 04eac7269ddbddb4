"""Sign-up and sign-in, the same for the forms and the JSON API: check the input, hash
or verify off the event loop, change the model, wait until the change is on disk.

Each raises the model's `PortalError` (field, message, status) for the caller to render
as a page or as JSON; nothing is stored when it does, save the count of a sign-in attempt
(the lockout rule: `testbed.network.portal`), which is on disk before the answer.
"""

from __future__ import annotations

from typing import Any

from testbed.network.portal import (
    Developer,
    check_password,
    given_password,
    normalise_email,
    wrong_credentials,
)
from testbed.runtime import Runtime
from testbed.web.portal import passwords


async def sign_up(runtime: Runtime, email: Any, password: Any) -> Developer:
    """A new developer, durable, or a `PortalError` (400 bad field, 409 address taken)."""
    address = normalise_email(email)
    secret = check_password(password)
    runtime.world.developers.check_free(address)  # before the slow hash, not instead of it
    password_hash = await passwords.hash_password(secret)
    runtime.clock.sync()
    # the world now: a reset during the hash has replaced it (sign_up checks again)
    developer = runtime.world.developers.sign_up(address, password_hash, runtime.clock.now())
    await runtime.store.durable()
    return developer


async def sign_in(runtime: Runtime, email: Any, password: Any) -> Developer:
    """The developer whose password this is, or a `PortalError`: 400 bad field, 401 wrong
    address or password (which one is not told), 429 too soon or locked."""
    address = normalise_email(email)
    secret = given_password(password)
    book = runtime.world.developers
    developer = book.by_email(address)
    if developer is None:
        await passwords.spend_like_a_check(secret)
        raise wrong_credentials()
    runtime.clock.sync()
    try:
        book.begin_attempt(developer, runtime.clock.now())  # counted before it is checked
    finally:
        await runtime.store.durable()  # the count, or a lock it set, before any answer
    right, new_hash = await passwords.verify(developer.password_hash, secret)
    if runtime.world.developers.get(developer.id) is not developer:
        raise wrong_credentials()  # a reset or restore replaced the world meanwhile
    if right:
        book.succeeded(developer, new_hash)
    else:
        runtime.clock.sync()
        book.failed(developer, runtime.clock.now())
    await runtime.store.durable()
    if not right:
        raise wrong_credentials()
    return developer
