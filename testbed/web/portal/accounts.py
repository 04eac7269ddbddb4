"""Sign-up and sign-in, the same for the forms and the JSON API: check the input, hash
or verify off the event loop, change the model; their routes write (`Writes` in the
portal's table), so the change is on disk before the answer.

Each raises the model's `PortalError` (field, message, status) for the caller to render
as a page or as JSON; nothing is stored when it does, save the count of a sign-in attempt
(the lockout rule: `testbed.network.portal`), which is on disk before the answer.

Both are in the processing log: a sign-up creates a developer's personal data (`create`,
subject `developer:<id>`); a refused sign-in is a failed authorization (`denied`, actor
`portal:<id>`, or `portal:unknown` for an address no developer has: the address itself
is not kept).
"""

from __future__ import annotations

from typing import Any, Final

from testbed.network.portal import (
    Developer,
    PortalError,
    check_password,
    given_password,
    normalise_email,
    wrong_credentials,
)
from testbed.runtime import Runtime
from testbed.store.audit import CREATE, DENIED
from testbed.web import processing
from testbed.web.portal import passwords

#: what the processing log keeps of a developer (never the e-mail itself)
DEVELOPER_FIELDS: Final = ("email", "password_hash")


async def sign_up(runtime: Runtime, email: Any, password: Any, by: processing.Who) -> Developer:
    """A new developer (on disk before the answer: its route writes), or a `PortalError`
    (400 bad field, 409 address taken)."""
    address = normalise_email(email)
    secret = check_password(password)
    runtime.world.developers.check_free(address)  # before the slow hash, not instead of it
    password_hash = await passwords.hash_password(secret)
    runtime.clock.sync()
    # the world now: a reset during the hash has replaced it (sign_up checks again)
    developer = runtime.world.developers.sign_up(address, password_hash, runtime.clock.now())
    subject = f"developer:{developer.id}"
    by = by.as_(f"portal:{developer.id}")
    processing.record(runtime, by, CREATE, [subject], DEVELOPER_FIELDS, "개발자 가입 · sign-up")
    return developer


async def sign_in(runtime: Runtime, email: Any, password: Any, by: processing.Who) -> Developer:
    """The developer whose password this is, or a `PortalError`: 400 bad field, 401 wrong
    address or password (which one is not told), 429 too soon or locked."""
    address = normalise_email(email)
    secret = given_password(password)
    book = runtime.world.developers
    runtime.clock.sync()
    known = book.by_email(address)
    # an unknown address is counted, slowed down and locked as a known one is, and its
    # check takes as long: no answer tells the two apart
    developer = known or book.attempts_of_unknown(address, runtime.clock.now())
    try:
        book.begin_attempt(developer, runtime.clock.now())  # counted before it is checked
    except PortalError as e:
        _refused(runtime, by, known, e.status)
        raise
    if known is None:
        await passwords.spend_like_a_check(secret)
        runtime.clock.sync()
        book.failed(developer, runtime.clock.now())
        _refused(runtime, by, None, 401)
        raise wrong_credentials()
    right, new_hash = await passwords.verify(developer.password_hash, secret)
    if runtime.world.developers.get(developer.id) is not developer:
        raise wrong_credentials()  # a reset or restore replaced the world meanwhile
    if not right:
        runtime.clock.sync()
        book.failed(developer, runtime.clock.now())
        _refused(runtime, by, developer, 401)
        raise wrong_credentials()
    book.succeeded(developer, new_hash)
    return developer


def _refused(
    runtime: Runtime, by: processing.Who, developer: Developer | None, status: int
) -> None:
    """A refused sign-in in the processing log (its route writes: on disk before the answer)."""
    who = f"portal:{developer.id}" if developer is not None else "portal:unknown"
    subjects = [f"developer:{developer.id}"] if developer is not None else []
    purpose = "포털 로그인 실패 · portal sign-in refused"
    processing.record(runtime, by.as_(who), DENIED, subjects, (), purpose, status=status)
