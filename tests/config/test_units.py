"""Durations, times of day, and the windows and opening hours built on them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testbed.config import (
    Centre,
    Window,
    format_duration,
    format_time_of_day,
    parse_duration,
    parse_time_of_day,
)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (0, 0.0),
        (20, 20.0),
        (1.5, 1.5),
        ("250ms", 0.25),
        ("90s", 90.0),
        ("1.5s", 1.5),
        ("10m", 600.0),
        ("1h", 3600.0),
        ("1h30m", 5400.0),
        ("2d", 172_800.0),
        ("1m30.5s", 90.5),
        ("1h 30m", 5400.0),
        ("45", 45.0),
        ("0s", 0.0),
    ],
)
def test_parse_duration_accepts(value: object, seconds: float) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("value", "phrase"),
    [
        (-1, "negative"),
        ("-5s", "negative"),
        ("", "empty"),
        ("   ", "empty"),
        ("10x", "unknown unit 'x'"),
        ("10min", "unknown unit 'min'"),
        ("1h30", "without a unit"),
        ("30m1h", "largest first"),
        ("1s1s", "largest first"),
        ("abc", "expected a number of seconds"),
        (None, "expected a number of seconds"),
        (True, "not a duration"),
        (float("nan"), "finite"),
        ([1], "expected a number of seconds"),
        # found by make soak's fuzz: "for": 1e308 overflowed the answer's timestamp (a 500)
        (1e308, "at most 36500 days"),
        ("9" * 400, "at most 36500 days"),  # float() of it is inf
        ("36501d", "at most 36500 days"),
    ],
)
def test_parse_duration_rejects(value: object, phrase: str) -> None:
    with pytest.raises(ValueError, match="bad duration") as info:
        parse_duration(value)
    assert phrase in str(info.value)


def test_parse_duration_names_where() -> None:
    with pytest.raises(ValueError, match=r"^centre\.bank_timeout: bad duration '10x'"):
        parse_duration("10x", where="centre.bank_timeout")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00", 0),
        ("00:05", 300),
        ("23:30", 84_600),
        ("23:55", 86_100),
        ("23:59:59", 86_399),
        ("7:05", 25_500),
        ("12:00:30", 43_230),
    ],
)
def test_parse_time_of_day(text: str, seconds: int) -> None:
    assert parse_time_of_day(text) == seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("24:00", 86_400), ("24:30", 88_200), ("25:30", 91_800), ("47:59:59", 172_799)],
)
def test_parse_time_of_day_past_midnight(text: str, seconds: int) -> None:
    assert parse_time_of_day(text, allow_past_midnight=True) == seconds
    with pytest.raises(ValueError, match="hours must be 0-23"):
        parse_time_of_day(text)


@pytest.mark.parametrize(
    ("value", "phrase", "past_midnight"),
    [
        ("48:00", "hours must be 0-47", True),
        ("12:60", "minutes must be 0-59", False),
        ("12:30:60", "seconds must be 0-59", False),
        ("1230", 'expected "HH:MM" or "HH:MM:SS"', False),
        ("12:3", 'expected "HH:MM" or "HH:MM:SS"', False),
        ("", 'expected "HH:MM" or "HH:MM:SS"', False),
        (None, 'expected a quoted "HH:MM"', False),
        (12.5, 'quote the time, e.g. "23:30"', False),
    ],
)
def test_parse_time_of_day_rejects(value: object, phrase: str, past_midnight: bool) -> None:
    with pytest.raises(ValueError) as info:
        parse_time_of_day(value, allow_past_midnight=past_midnight)
    assert phrase in str(info.value)


def test_unquoted_yaml_time_is_detected() -> None:
    # YAML 1.1 reads an unquoted 23:30 as 23 * 60 + 30.
    with pytest.raises(ValueError) as info:
        parse_time_of_day(1410)
    assert 'quote the time, e.g. "23:30"' in str(info.value)
    assert "1410" in str(info.value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "00:00"),
        (300, "00:05"),
        (84_600, "23:30"),
        (86_399, "23:59:59"),
        (86_400, "24:00"),
        (91_800, "25:30"),
        (43_230, "12:00:30"),
    ],
)
def test_format_time_of_day(seconds: int, text: str) -> None:
    assert format_time_of_day(seconds) == text


def test_format_time_of_day_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_time_of_day(-1)


@given(st.integers(min_value=0, max_value=47 * 3600 + 59 * 60 + 59))
def test_time_of_day_round_trip(seconds: int) -> None:
    assert parse_time_of_day(format_time_of_day(seconds), allow_past_midnight=True) == seconds


# ----------------------------------------------------------------- windows


def hms(text: str) -> int:
    return parse_time_of_day(text)


@pytest.mark.parametrize(
    ("moment", "closed"),
    [
        ("23:29:59", False),
        ("23:30:00", True),
        ("23:59:59", True),
        ("00:00:00", True),
        ("00:29:59", True),
        ("00:30:00", False),
        ("12:00:00", False),
    ],
)
def test_window_crossing_midnight(moment: str, closed: bool) -> None:
    window = Window(start=hms("23:30"), end=parse_time_of_day("24:30", allow_past_midnight=True))
    assert window.contains(hms(moment)) is closed


@pytest.mark.parametrize(
    ("moment", "closed"),
    [(84_599.999, False), (84_600.0, True), (85_199.5, True), (85_200.0, False)],
)
def test_window_same_day_with_fractions(moment: float, closed: bool) -> None:
    window = Window(start=84_600, end=85_200)  # 23:30-23:40
    assert window.contains(moment) is closed


def test_window_contains_wraps_absolute_seconds() -> None:
    window = Window(start=84_600, end=88_200)
    assert window.contains(86_400 * 3 + 600)  # 00:10 three days later
    assert not window.contains(86_400 * 3 + 43_200)


def test_window_label() -> None:
    assert Window(84_600, 88_200).label() == "23:30–00:30"
    assert Window(84_600, 85_800).label() == "23:30–23:50"
    assert Window(84_600, 86_400).label() == "23:30–24:00"
    assert Window(3_600, 3_630).label() == "01:00–01:00:30"


@pytest.mark.parametrize(("start", "end"), [(84_600, 84_600), (84_600, 1_800), (0, 86_401)])
def test_window_rejects_bad_bounds(start: int, end: int) -> None:
    with pytest.raises(ValueError):
        Window(start=start, end=end)


@given(
    start=st.integers(min_value=0, max_value=86_399),
    length=st.integers(min_value=1, max_value=86_400),
    moment=st.integers(min_value=0, max_value=86_399),
)
def test_window_contains_matches_a_clock_walk(start: int, length: int, moment: int) -> None:
    window = Window(start=start, end=start + length)
    # The moment is closed when it lies within `length` seconds after the start,
    # counting forward around the clock.
    expected = (moment - start) % 86_400 < length
    assert window.contains(moment) is expected


def test_centre_is_open() -> None:
    centre = Centre(
        code="099", name_ko="금융결제원", name_en="KFTC", open=300, close=86_100, bank_timeout=20.0
    )
    assert not centre.is_open(299)
    assert centre.is_open(300)
    assert centre.is_open(86_099.9)
    assert not centre.is_open(86_100)
    assert not centre.is_open(86_400 + 10)  # 00:00:10 the next day


def test_centre_open_until_midnight() -> None:
    centre = Centre(
        code="9998", name_ko="젠긴", name_en="Zengin", open=0, close=86_400, bank_timeout=15.0
    )
    assert centre.is_open(0)
    assert centre.is_open(86_399.5)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (-5, "0s"),
        (45, "45s"),
        (90, "1m 30s"),
        (5400, "1h 30m"),
        (86_400, "1d"),
        (2 * 86_400 + 3 * 3600 + 5 * 60 + 7, "2d 3h 5m"),
        (3600.4, "1h"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    """Simulated spans as people read them (issue 16): days, hours, minutes."""
    assert format_duration(seconds) == text


@given(st.integers(min_value=1, max_value=400 * 86_400))
def test_a_formatted_duration_reads_back_within_a_minute(seconds: int) -> None:
    text = format_duration(seconds).replace(" ", "")
    assert 0 <= seconds - parse_duration(text) < 60
