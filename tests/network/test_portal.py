"""The portal's accounts in the model: addresses, passwords' bounds, and the lockout rule on
the simulated clock (no HTTP, no hashing: the book keeps whatever hash it is given)."""

from __future__ import annotations

import pytest

from testbed.network import portal
from testbed.network.portal import (
    DELAYS,
    LOCK_SECONDS,
    MAX_FAILURES,
    Developer,
    DeveloperBook,
    PortalError,
    check_password,
    normalise_email,
)
from testbed.network.records import plain
from tests.conftest import WorldFactory


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("dev@example.com", "dev@example.com"),
        ("  Dev.Name+tag@Example.CO.KR\n", "dev.name+tag@example.co.kr"),
        ("개발자@예시.한국", "개발자@예시.한국"),
    ],
)
def test_an_address_is_kept_trimmed_and_lower_case(given: str, kept: str) -> None:
    assert normalise_email(given) == kept


@pytest.mark.parametrize(
    "given", [None, 3, "", "   ", "no-at", "a@b", "a@@b.com", "a@b..com", "a@.b.com", "a b@c.com",
              "a@b.com\x00", "x" * 250 + "@b.com"],
)  # fmt: skip
def test_a_bad_address_is_refused_naming_the_field(given: object) -> None:
    with pytest.raises(PortalError) as refused:
        normalise_email(given)
    assert refused.value.field == "email" and refused.value.status == 400


def test_a_password_needs_ten_characters_and_at_most_1024() -> None:
    assert check_password("0123456789") == "0123456789"
    assert check_password("비밀번호열글자이상임") == "비밀번호열글자이상임"  # characters, not bytes
    for bad in ("012345678", "", None, 1234567890, "x" * 1025):
        with pytest.raises(PortalError, match="password"):
            check_password(bad)


def _book() -> tuple[DeveloperBook, Developer]:
    book = DeveloperBook()
    return book, book.sign_up("dev@example.com", "$argon2id$stand-in", 1000.0)


def _wrong(book: DeveloperBook, developer: Developer, now: float) -> None:
    book.begin_attempt(developer, now)
    book.failed(developer, now)


def test_ids_follow_sign_up_order_and_an_address_is_taken_once() -> None:
    book, first = _book()
    second = book.sign_up("other@example.com", "h", 1001.0)
    assert (first.id, second.id) == ("DEV000001", "DEV000002")
    assert book.by_email("other@example.com") is second and book.get("DEV000001") is first
    with pytest.raises(PortalError) as taken:
        book.sign_up("dev@example.com", "h", 1002.0)
    assert taken.value.status == 409 and len(book.developers) == 2


def test_wrong_passwords_slow_down_then_lock_then_the_lock_ends() -> None:
    book, dev = _book()
    t = 2000.0
    _wrong(book, dev, t)
    _wrong(book, dev, t)  # two typos cost nothing
    for n, delay in ((2, DELAYS[2]), (3, DELAYS[3]), (4, DELAYS[4])):
        assert dev.failed_attempts == n
        with pytest.raises(PortalError) as early:
            book.begin_attempt(dev, t + delay - 0.5)
        assert early.value.status == 429 and early.value.extra == {
            "retry_after": 1,
            "locked": False,
        }
        assert dev.failed_attempts == n  # an early attempt is not counted
        t += delay
        _wrong(book, dev, t)
    assert dev.failed_attempts == MAX_FAILURES and dev.locked_until == t + LOCK_SECONDS
    with pytest.raises(PortalError) as locked:
        book.begin_attempt(dev, t + LOCK_SECONDS - 1)  # even the right password waits
    assert locked.value.status == 429
    assert locked.value.extra == {"retry_after": 1, "locked": True}
    book.begin_attempt(dev, t + LOCK_SECONDS)  # over: counted afresh
    assert (dev.failed_attempts, dev.locked_until) == (1, 0.0)
    book.succeeded(dev)
    assert (dev.failed_attempts, dev.locked_until) == (0, 0.0)


def test_attempts_sent_together_are_each_counted_and_lock_at_the_limit() -> None:
    book, dev = _book()
    book.begin_attempt(dev, 10.0)
    book.begin_attempt(dev, 10.0)  # the first still being checked: counts as unproven
    with pytest.raises(PortalError):
        book.begin_attempt(dev, 10.0)  # the third in the same instant waits
    dev.failed_attempts = MAX_FAILURES  # as after five unfinished attempts (a crash)
    with pytest.raises(PortalError) as locked:
        book.begin_attempt(dev, 50.0)
    assert locked.value.extra["locked"] is True and dev.locked_until == 50.0 + LOCK_SECONDS


def test_a_right_password_clears_the_count_and_keeps_a_new_hash() -> None:
    book, dev = _book()
    _wrong(book, dev, 1.0)
    book.begin_attempt(dev, 2.0)
    book.succeeded(dev, "$argon2id$stronger")
    assert dev.failed_attempts == 0 and dev.password_hash == "$argon2id$stronger"


def test_every_change_reaches_the_store_and_a_record_loads_back(make_world: WorldFactory) -> None:
    world = make_world(users=0)
    assert world.developers in world.books
    seen: list[tuple[str, str, dict[str, object]]] = []
    world.developers.listeners.append(lambda kind, key, record: seen.append((kind, key, record)))
    dev = world.developers.sign_up("dev@example.com", "$argon2id$x", 5.0)
    _wrong(world.developers, dev, 6.0)
    assert [(kind, key) for kind, key, _ in seen] == [("developer", "DEV000001")] * 2
    assert seen[-1][2] == plain(dev) and seen[-1][2]["failed_attempts"] == 1
    other = make_world(users=0)
    other.developers.load("developer", "DEV000001", seen[-1][2])
    assert other.developers.by_email("dev@example.com") == dev


def test_the_register_of_developers_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign-up needs no sign-in: the register stops at MAX_DEVELOPERS (503), nothing kept."""
    monkeypatch.setattr(portal, "MAX_DEVELOPERS", 2)
    book = DeveloperBook()
    book.sign_up("a@example.com", "hash", 0.0)
    book.sign_up("b@example.com", "hash", 0.0)
    with pytest.raises(PortalError) as full:
        book.sign_up("c@example.com", "hash", 0.0)
    assert full.value.status == 503 and full.value.field == "email"
    assert len(book.developers) == 2
