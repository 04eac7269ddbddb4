"""Durations ("250ms", "1h30m") and times of day ("23:30", GTFS-style "24:30")."""

from __future__ import annotations

import math
import re

__all__ = ["format_time_of_day", "parse_duration", "parse_time_of_day"]

DAY = 86_400
#: the longest duration anything takes (100 years): a moment now + a duration must stay a
#: date ("for": 1e308 once overflowed the answer's timestamp), and "9" * 400 seconds is
#: no duration at all
MAX_DURATION = 36_500 * DAY

# Largest unit first: a compound duration must list its units in this order.
_UNITS: dict[str, float] = {"d": 86_400.0, "h": 3_600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_UNIT_ORDER = list(_UNITS)
_PART = re.compile(r"(\d+(?:\.\d+)?|\.\d+)([a-zA-Z]*)")
_DURATION_HELP = (
    "expected a number of seconds or a string like '250ms', '90s', '10m', '1h', '1h30m', '2d'"
)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def _prefix(where: str) -> str:
    return f"{where}: " if where else ""


def parse_duration(value: object, *, where: str = "") -> float:
    """Seconds from a non-negative number of seconds or a string with units.

    Units: ``ms``, ``s``, ``m`` (minutes), ``h``, ``d``; they may be combined
    from the largest to the smallest ("1h30m", "1m30.5s"). A bare number in a
    string ("90") is seconds. At most `MAX_DURATION`. Raises `ValueError` naming
    ``where`` if given.
    """
    seconds = _duration(value, where)
    if seconds > MAX_DURATION:
        raise ValueError(
            f"{_prefix(where)}bad duration {value!r}: at most {MAX_DURATION // DAY} days"
        )
    return seconds


def _duration(value: object, where: str) -> float:
    pre = _prefix(where)
    if isinstance(value, bool):
        raise ValueError(
            f"{pre}bad duration {value!r}: a true/false is not a duration; {_DURATION_HELP}"
        )
    if isinstance(value, int | float):
        seconds = float(value)
        if not math.isfinite(seconds):
            raise ValueError(f"{pre}bad duration {value!r}: must be a finite number of seconds")
        if seconds < 0:
            raise ValueError(f"{pre}bad duration {value!r}: must not be negative")
        return seconds
    if not isinstance(value, str):
        raise ValueError(f"{pre}bad duration {value!r}: {_DURATION_HELP}")
    text = value.strip()
    if not text:
        raise ValueError(f"{pre}bad duration: empty; {_DURATION_HELP}")
    if text.startswith("-"):
        raise ValueError(f"{pre}bad duration {value!r}: must not be negative")
    if text.startswith("+"):
        text = text[1:]
    total = 0.0
    position = 0
    last_rank = -1
    compact = text.replace(" ", "")
    while position < len(compact):
        match = _PART.match(compact, position)
        if match is None:
            raise ValueError(f"{pre}bad duration {value!r}: {_DURATION_HELP}")
        number, unit = match.group(1), match.group(2).lower()
        if unit == "":
            if position == 0 and match.end() == len(compact):
                return float(number)  # "90" -> 90 seconds
            raise ValueError(
                f"{pre}bad duration {value!r}: a number without a unit; {_DURATION_HELP}"
            )
        if unit not in _UNITS:
            raise ValueError(
                f"{pre}bad duration {value!r}: unknown unit {match.group(2)!r} "
                f"(known: ms, s, m, h, d); {_DURATION_HELP}"
            )
        rank = _UNIT_ORDER.index(unit)
        if rank <= last_rank:
            raise ValueError(
                f"{pre}bad duration {value!r}: write each unit once, largest first (e.g. '1h30m')"
            )
        last_rank = rank
        total += float(number) * _UNITS[unit]
        position = match.end()
    return total


def parse_time_of_day(value: object, *, allow_past_midnight: bool = False) -> int:
    """Seconds after local midnight from ``"HH:MM"`` or ``"HH:MM:SS"``.

    Hours are 0-23, or 0-47 with ``allow_past_midnight`` (GTFS style: "24:30"
    is 00:30 of the next day). Only strings are accepted: YAML 1.1 reads an
    unquoted ``23:30`` as the base-60 number 1410, which is refused with a hint.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            f"a time of day must be a quoted string, got the number {value} "
            "(YAML reads an unquoted time such as 23:30 as the base-60 number 1410); "
            'quote the time, e.g. "23:30"'
        )
    if not isinstance(value, str):
        raise ValueError(
            f'bad time of day {value!r}: expected a quoted "HH:MM" or "HH:MM:SS", e.g. "23:30"'
        )
    match = _TIME.fullmatch(value.strip())
    if match is None:
        raise ValueError(f'bad time of day {value!r}: expected "HH:MM" or "HH:MM:SS", e.g. "23:30"')
    hours = int(match.group(1))
    minutes = int(match.group(2))
    seconds = int(match.group(3) or 0)
    max_hours = 47 if allow_past_midnight else 23
    if hours > max_hours:
        if allow_past_midnight:
            detail = 'hours must be 0-47 (24-47 mean the next day, e.g. "24:30")'
        else:
            detail = "hours must be 0-23"
        raise ValueError(f"bad time of day {value!r}: {detail}")
    if minutes > 59:
        raise ValueError(f"bad time of day {value!r}: minutes must be 0-59")
    if seconds > 59:
        raise ValueError(f"bad time of day {value!r}: seconds must be 0-59")
    return hours * 3600 + minutes * 60 + seconds


def format_time_of_day(seconds: int) -> str:
    """``"HH:MM"``, or ``"HH:MM:SS"`` when the seconds are not zero; hours may exceed 23."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError(f"seconds must be an int, got {type(seconds).__name__}")
    if seconds < 0:
        raise ValueError(f"seconds must not be negative, got {seconds}")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if secs:
        return f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{hours:02d}:{minutes:02d}"


def format_duration(seconds: float) -> str:
    """A span of simulated time as people read it: ``"2d 3h 5m"``, ``"1h 30m"``, ``"45s"``,
    ``"0s"`` (whole seconds; the largest three units that are not zero)."""
    left = round(seconds)
    if left <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts[:3])
