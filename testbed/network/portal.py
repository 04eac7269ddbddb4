"""The developer portal's accounts (개발자 계정): who may sign in at `/portal/`, and the
rule that slows down and then locks repeated wrong passwords.

A `Developer` is a person (or a script) that will apply for an institution and make
apps; the `DeveloperBook` keeps them as records of the world, so the store writes
every change to disk like a user or a transfer, and a snapshot carries them.

The model never sees a password, only its hash: hashing needs the operating system's
randomness (salts are secrets, not simulated data) and is slow on purpose, so the web
layer does it (`testbed.web.portal.passwords`) off the event loop. What lives here is
what is decided on the simulated clock:

- sign-in attempts are counted before the password is checked (`begin_attempt`), so
  many attempts sent at once count as many, and a success (`succeeded`) clears them;
- two wrong passwords in a row cost nothing (typos); after the 2nd, 3rd and 4th the
  next attempt may come only `DELAYS` simulated seconds later (2, 4, 8): one before
  then is refused unchecked, and not counted;
- the 5th wrong password locks the account for `LOCK_SECONDS` (15 simulated minutes);
  an attempt while locked is refused unchecked, even with the right password;
- when the lock ends the count starts again from zero.

Nothing here knows HTTP: refusals are `PortalError`s that name the field and carry the
HTTP status the web layer answers with.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from email_validator import EmailNotValidError, validate_email

from testbed.network.records import Decoder, RecordBook

#: consecutive wrong passwords that lock the account
MAX_FAILURES: Final = 5
#: how long a lock lasts, in simulated seconds
LOCK_SECONDS: Final = 15 * 60.0
#: the wait before the next attempt, by wrong (or unfinished) attempts so far: two typos
#: cost nothing, then each one doubles the wait (a script guessing feels it, a person not)
DELAYS: Final = (0.0, 0.0, 2.0, 4.0, 8.0)
#: a password's length in characters: long enough to resist guessing; the upper bound
#: keeps the (deliberately slow) hash from being fed megabytes
MIN_PASSWORD: Final = 10
MAX_PASSWORD: Final = 1024
#: sessions signed in at once per developer (browsers, scripts); a new one beyond it ends
#: the oldest, so sign-ins (each a proven password) cannot grow the record without bound
MAX_SESSIONS: Final = 10
#: developers one testbed holds: sign-up needs no sign-in, so anyone could otherwise grow
#: the register without bound (a workshop or a team has far fewer)
MAX_DEVELOPERS: Final = 10_000
#: unknown addresses whose attempts are counted at once (in memory; the oldest go first)
MAX_UNKNOWN: Final = 10_000
#: RFC 5321's limit on a forward path (an address as SMTP carries it)
MAX_EMAIL: Final = 254


class PortalError(Exception):
    """A refused portal request: which field, what to do (Korean, English), and the
    HTTP status the web layer answers with."""

    def __init__(
        self, field: str, message_ko: str, message_en: str, status: int = 400, **extra: Any
    ) -> None:
        super().__init__(message_en)
        self.field = field
        self.message_ko = message_ko
        self.message_en = message_en
        self.status = status
        self.extra = extra  # e.g. retry_after, locked

    @property
    def message(self) -> str:
        return f"{self.message_ko} · {self.message_en}"


@dataclass(slots=True)
class Developer:
    id: str  # DEV + 6 digits, in order of sign-up
    email: str  # normalised: trimmed, lower-case
    password_hash: str  # argon2id, PHC string format (salt and parameters inside)
    created: float  # simulated time of sign-up
    failed_attempts: int = 0  # sign-in attempts not (yet) proven right, in a row
    last_attempt: float = 0.0  # simulated time of the latest of them
    locked_until: float = 0.0  # simulated time the lock ends; 0: not locked
    #: the sessions signed in now: digests of their ids (never the ids), newest last; a
    #: cookie whose session is not here is signed out, whatever else it holds
    sessions: list[str] = field(default_factory=list)


def normalise_email(value: Any) -> str:
    """The address as the portal keeps it (trimmed, lower-case), or a `PortalError`."""
    if not isinstance(value, str) or not value.strip():
        raise PortalError(
            "email", "이메일 주소를 입력하세요.", "email: enter an e-mail address (a string)."
        )
    email = value.strip().lower()
    try:
        # RFC 5322's syntax as mail servers take it (a kept library, not a home-made rule):
        # no quoted local part, no domain literal, no controls or spaces. The testbed sends
        # no mail, so deliverability (a DNS lookup) is not checked: no network.
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        email = ""
    if not email or len(email) > MAX_EMAIL:
        raise PortalError(
            "email",
            "올바른 이메일 주소가 아닙니다 (예: dev@example.com).",
            f"email: not an e-mail address such as dev@example.com (at most {MAX_EMAIL}"
            " characters).",
        )
    return email


def check_password(value: Any) -> str:
    """A new password the portal accepts, or a `PortalError` saying why not."""
    if not isinstance(value, str) or not MIN_PASSWORD <= len(value) <= MAX_PASSWORD:
        raise PortalError(
            "password",
            f"비밀번호는 {MIN_PASSWORD}자 이상이어야 합니다.",
            f"password: {MIN_PASSWORD} to {MAX_PASSWORD} characters.",
        )
    return value


def given_password(value: Any) -> str:
    """A password typed to sign in: any string within bounds (the hash decides)."""
    if not isinstance(value, str) or not value or len(value) > MAX_PASSWORD:
        raise PortalError(
            "password", "비밀번호를 입력하세요.", "password: enter your password (a string)."
        )
    return value


def wrong_credentials() -> PortalError:
    """One answer for an unknown address and a wrong password: which it was is not told."""
    return PortalError(
        "password",
        "이메일 또는 비밀번호가 올바르지 않습니다.",
        "The e-mail address or the password is wrong.",
        401,
    )


class DeveloperBook(RecordBook):
    """The portal's developers, by id, with an index by e-mail address."""

    KINDS: ClassVar[dict[str, Decoder]] = {"developer": lambda data: Developer(**data)}

    def __init__(self) -> None:
        super().__init__()
        self.developers: dict[str, Developer] = self.tables["developer"]
        self._by_email: dict[str, str] = {}
        #: sign-in attempts for addresses no developer has, counted as a developer's are
        #: (in memory, the most recent MAX_UNKNOWN): the delays, 429s and lock are the same,
        #: so they cannot tell a known address from an unknown one
        self._unknown: OrderedDict[str, Developer] = OrderedDict()

    @classmethod
    def attach(cls, books: list[RecordBook]) -> DeveloperBook:
        """A new book, registered with the world's books (so the store keeps it)."""
        book = cls()
        books.append(book)
        return book

    def _index(self, kind: str, key: str, obj: Any) -> None:
        self._by_email[obj.email] = key

    def get(self, developer_id: str) -> Developer | None:
        return self.developers.get(developer_id)

    def by_email(self, email: str) -> Developer | None:
        key = self._by_email.get(email)
        return None if key is None else self.developers[key]

    def attempts_of_unknown(self, email: str, now: float) -> Developer:
        """The attempt count of an address no developer has: a stand-in `Developer` that
        is never stored, for `begin_attempt` and `failed` as if it were one."""
        found = self._unknown.pop(email, None)
        if found is None:
            found = Developer(id="", email=email, password_hash="", created=now)
        self._unknown[email] = found  # the most recent last
        while len(self._unknown) > MAX_UNKNOWN:
            self._unknown.popitem(last=False)
        return found

    def _keep(self, developer: Developer) -> None:
        """A changed attempt count: on disk for a developer, in memory for a stand-in."""
        if developer.id:
            self.put("developer", developer.id, developer)

    def check_free(self, email: str) -> None:
        """409 when the (normalised) address already has an account; 503 when the
        register is full (MAX_DEVELOPERS): asked before the slow hash, and again at sign-up."""
        if email in self._by_email:
            raise PortalError(
                "email",
                "이미 가입된 이메일 주소입니다. 로그인하세요.",
                "email: this address already has an account; sign in instead.",
                409,
            )
        if len(self.developers) >= MAX_DEVELOPERS:
            raise PortalError(
                "email",
                "이 테스트베드의 개발자 계정이 가득 찼습니다. 운영자에게 문의하세요.",
                f"This testbed holds {MAX_DEVELOPERS} developer accounts, all taken: ask its"
                " operator.",
                503,
            )

    def sign_up(self, email: str, password_hash: str, now: float) -> Developer:
        """A new developer; `email` normalised, the password already checked and hashed."""
        self.check_free(email)
        developer_id = f"DEV{len(self.developers) + 1:06d}"  # none is ever deleted
        developer = Developer(developer_id, email, password_hash, now)
        self.put("developer", developer_id, developer)
        return developer

    def begin_attempt(self, developer: Developer, now: float) -> None:
        """Count a sign-in attempt before its password is checked, or refuse it (429)
        while the account is locked or the wait after the latest attempts runs."""
        if developer.locked_until and now >= developer.locked_until:
            developer.failed_attempts, developer.locked_until = 0, 0.0  # the lock is over
        if not developer.locked_until and developer.failed_attempts >= MAX_FAILURES:
            # attempts sent together: the ones counted beyond the limit lock it at once
            developer.locked_until = now + LOCK_SECONDS
            self._keep(developer)
        if developer.locked_until:
            wait = developer.locked_until - now
            raise PortalError(
                "password",
                f"비밀번호를 {MAX_FAILURES}회 잘못 입력하여 계정이 잠겼습니다."
                f" {_minutes_ko(wait)} 후에 다시 시도하세요.",
                f"Locked after {MAX_FAILURES} wrong passwords: try again in"
                f" {_duration_en(wait)} (simulated time).",
                429,
                retry_after=_whole_seconds(wait),
                locked=True,
            )
        ready = developer.last_attempt + DELAYS[developer.failed_attempts]
        if developer.failed_attempts and now < ready:
            raise PortalError(
                "password",
                f"비밀번호를 여러 번 잘못 입력했습니다. {_whole_seconds(ready - now)}초 후에"
                " 다시 시도하세요.",
                f"Several wrong passwords: wait {_whole_seconds(ready - now)} s (simulated"
                " time) before the next attempt.",
                429,
                retry_after=_whole_seconds(ready - now),
                locked=False,
            )
        developer.failed_attempts += 1
        developer.last_attempt = now
        self._keep(developer)

    def failed(self, developer: Developer, now: float) -> None:
        """The attempt's password was wrong: the 5th in a row locks the account."""
        if developer.failed_attempts >= MAX_FAILURES and not developer.locked_until:
            developer.locked_until = now + LOCK_SECONDS
            self._keep(developer)

    def open_session(self, developer: Developer, digest: str) -> None:
        """A session signed in (the web layer made its id; the model keeps its digest)."""
        developer.sessions = [*developer.sessions, digest][-MAX_SESSIONS:]
        self.put("developer", developer.id, developer)

    def close_session(self, developer: Developer, digest: str) -> None:
        """Sign-out: the session ends here, so an earlier copy of its cookie opens nothing."""
        if digest in developer.sessions:
            developer.sessions = [d for d in developer.sessions if d != digest]
            self.put("developer", developer.id, developer)

    def succeeded(self, developer: Developer, new_hash: str = "") -> None:
        """The password was right: the count starts again (and a stronger hash is kept)."""
        developer.failed_attempts, developer.locked_until = 0, 0.0
        if new_hash:
            developer.password_hash = new_hash
        self.put("developer", developer.id, developer)


def _whole_seconds(seconds: float) -> int:
    return max(1, int(-(-seconds // 1)))  # rounded up: never "retry in 0 s"


def _minutes_ko(seconds: float) -> str:
    whole = _whole_seconds(seconds)
    return f"{-(-whole // 60)}분" if whole >= 60 else f"{whole}초"


def _duration_en(seconds: float) -> str:
    whole = _whole_seconds(seconds)
    return f"{-(-whole // 60)} min" if whole >= 60 else f"{whole} s"
