"""The bank network file (banks.yaml): plain data classes and a strict loader.

Every problem in a file becomes a `SourceError` naming the file, the line, the
key path and what was expected, before anything runs. All times are seconds:
times of day are seconds after local (KST) midnight, durations are seconds.

One concept over ~500 lines: reading banks.yaml strictly.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .grading import DEFAULT_GRADING, GradingTable, parse_grading
from .spelling import nearest
from .units import DAY, format_time_of_day, parse_duration, parse_time_of_day
from .yamlsrc import SourceDoc, SourceError, child_path, load_yaml

__all__ = [
    "DISTRIBUTIONS",
    "KINDS",
    "RESPONSE_CODE_KEYS",
    "Alias",
    "Centre",
    "Institution",
    "Latency",
    "NetworkConfig",
    "ResponseCode",
    "RetiredCode",
    "Scheme",
    "Window",
    "load_network",
    "parse_network",
]

KINDS: tuple[str, ...] = ("bank", "internet_bank", "other", "securities", "savings")
DISTRIBUTIONS: tuple[str, ...] = ("fixed", "uniform", "lognormal")
# Every institution ends up with exactly these response codes (after defaults).
RESPONSE_CODE_KEYS: tuple[str, ...] = (
    "insufficient_balance",
    "bank_closed",
    "account_not_found",
    "account_closed",
    "account_suspended",
    "account_accident",
    "name_mismatch",
    "duplicate_bank_tran_id",
    "bank_error",
)
DEFAULT_RSP_CODE = "A0002"

_MIN_ACCOUNT_DIGITS = 8
_MAX_ACCOUNT_DIGITS = 16
_RSP_CODE = re.compile(r"[A-Z][0-9]{4}")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Window:
    """One closed window of a bank (공동망 미개시), in local time of day.

    ``end`` may exceed 86400: the window then ends on the next day
    (GTFS style, 23:30-24:30 is written ``end: "24:30"``).
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < DAY:
            raise ValueError(f"window start must be in [0, {DAY}), got {self.start}")
        if not self.start < self.end <= self.start + DAY:
            raise ValueError(
                f"window end must be after its start and at most 24h later, "
                f"got {self.start}..{self.end}"
            )

    def contains(self, second_of_day: int | float) -> bool:
        """Whether the bank is closed at this second of the (local) day."""
        s = second_of_day % DAY
        return self.start <= s < self.end or s < self.end - DAY

    def label(self) -> str:
        """For messages: ``"23:30–00:30"``."""
        end = self.end if self.end <= DAY else self.end - DAY
        return f"{format_time_of_day(self.start)}–{format_time_of_day(end)}"


@dataclass(frozen=True, slots=True)
class Latency:
    """Processing delay of a bank, in seconds."""

    distribution: str
    value: float = 0.0
    low: float = 0.0
    high: float = 0.0
    median: float = 0.0
    sigma: float = 0.0

    def __post_init__(self) -> None:
        if self.distribution not in DISTRIBUTIONS:
            raise ValueError(
                f"unknown latency distribution {self.distribution!r}; "
                f"expected one of {', '.join(DISTRIBUTIONS)}"
            )
        for name in ("value", "low", "high", "median", "sigma"):
            number = getattr(self, name)
            if not math.isfinite(number) or number < 0:
                raise ValueError(f"latency {name} must be a finite number >= 0, got {number}")
        if self.low > self.high:
            raise ValueError(f"latency low ({self.low}) must not exceed high ({self.high})")

    def sample(self, rng: random.Random) -> float:
        """One delay drawn from ``rng`` only (so a seeded run replays exactly); never negative."""
        if self.distribution == "fixed":
            return self.value
        if self.distribution == "uniform":
            return max(0.0, rng.uniform(self.low, self.high))
        if self.median <= 0:
            return 0.0
        return max(0.0, rng.lognormvariate(math.log(self.median), self.sigma))


@dataclass(frozen=True, slots=True)
class ResponseCode:
    """What a bank answers for a case (API ``rsp_code`` and bank-level code/message)."""

    rsp_code: str
    bank_rsp_code: str
    message: str


@dataclass(frozen=True, slots=True)
class Alias:
    """A second code of an institution (e.g. 006 for 004)."""

    code: str
    deposit: bool
    note: str
    savings_bank_name: str | None = None


@dataclass(frozen=True, slots=True)
class Institution:
    """One institution of the network, under its canonical code."""

    code: str
    name_ko: str
    name_en: str
    kind: str
    member: bool
    open_banking: bool
    aliases: tuple[Alias, ...]
    deposit_also_for: tuple[str, ...]
    cutover: tuple[Window, ...]
    latency: Latency
    capacity: int
    account_digits: int
    codes: Mapping[str, ResponseCode] = field(hash=False)
    note: str = ""
    #: the name the Open Banking gateway shows in `bank_name` (e.g. IBK기업은행 for
    #: 중소기업은행); empty: `name_ko`
    display_name: str = ""

    def __post_init__(self) -> None:
        if not self.display_name:
            object.__setattr__(self, "display_name", self.name_ko)

    def in_cutover(self, second_of_day: int | float) -> bool:
        """Whether one of the institution's closed windows covers this second of the day."""
        return any(window.contains(second_of_day) for window in self.cutover)


@dataclass(frozen=True, slots=True)
class RetiredCode:
    """A code that no longer exists (never reused)."""

    code: str
    name_ko: str
    note: str
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class Centre:
    """The clearing centre itself (금융결제원)."""

    code: str
    name_ko: str
    name_en: str
    open: int
    close: int
    bank_timeout: float

    def is_open(self, second_of_day: int | float) -> bool:
        """Whether business APIs are allowed at this second of the (local) day."""
        return self.open <= second_of_day % DAY < self.close


@dataclass(frozen=True, slots=True)
class Scheme:
    """The code scheme: its name and how many digits a code has."""

    name: str
    code_length: int


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """A whole network file, validated."""

    file: str
    scheme: Scheme
    centre: Centre
    institutions: tuple[Institution, ...]
    retired: tuple[RetiredCode, ...]
    #: 차등 운영 (config/grading.py); a file without `grading:` gets the shipped table
    grading: GradingTable = DEFAULT_GRADING
    _by_code: Mapping[str, Institution] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_code = {institution.code: institution for institution in self.institutions}
        object.__setattr__(self, "_by_code", MappingProxyType(by_code))

    def institution(self, code: str) -> Institution:
        """The institution with this canonical code (aliases are not accepted: KeyError)."""
        return self._by_code[code]

    @property
    def participants(self) -> tuple[Institution, ...]:
        """The Open Banking participants, in file order."""
        return tuple(institution for institution in self.institutions if institution.open_banking)


# ------------------------------------------------------------------------ loading


def load_network(path: str | Path) -> NetworkConfig:
    """Load and validate a network file; every problem is a `SourceError`."""
    return parse_network(load_yaml(path))


def parse_network(doc: SourceDoc) -> NetworkConfig:
    """Validate a parsed network document."""
    return _Parser(doc).network()


_TOP_KEYS = ("scheme", "centre", "defaults", "institutions", "retired", "grading")
_SCHEME_KEYS = ("name", "code_length")
_CENTRE_KEYS = ("code", "name_ko", "name_en", "operating_hours", "bank_timeout")
_HOURS_KEYS = ("open", "close")
_DEFAULT_KEYS = ("cutover", "latency", "capacity", "account_digits", "codes")
_INSTITUTION_REQUIRED = ("code", "name_ko", "name_en", "kind")
_INSTITUTION_KEYS = (
    *_INSTITUTION_REQUIRED,
    "member",
    "open_banking",
    "aliases",
    "deposit_also_for",
    "note",
    "display_name",
    *_DEFAULT_KEYS,
)
#: `bank_name` is AH(20) in every answer that carries it
_DISPLAY_NAME_MAX = 20
_ALIAS_KEYS = ("code", "deposit", "note", "savings_bank_name")
_WINDOW_KEYS = ("start", "end", "duration")
_LATENCY_FIELDS = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "lognormal": ("median", "sigma"),
}
_RESPONSE_KEYS = ("rsp_code", "bank_rsp_code", "message")
_RETIRED_KEYS = ("code", "name_ko", "name_en", "note")


def _type_name(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = nearest(word, choices)
    return f" (did you mean {close!r}?)" if close else ""


@dataclass
class _Defaults:
    cutover: tuple[Window, ...] | None = None
    latency: Latency | None = None
    capacity: int | None = None
    account_digits: int | None = None
    codes: dict[str, ResponseCode] = field(default_factory=dict)


class _Parser:
    def __init__(self, doc: SourceDoc) -> None:
        self.doc = doc
        self.code_length = 0
        # code -> (path of its "code" value, what it is), for duplicate detection
        self.seen_codes: dict[str, tuple[str, str]] = {}
        self.canonical_codes: set[str] = set()

    # -- generic helpers

    def fail(self, path: str, problem: str) -> SourceError:
        return self.doc.error(path, problem)

    def mapping(
        self,
        value: object,
        path: str,
        allowed: Iterable[str],
        required: Iterable[str] = (),
        what: str = "",
    ) -> dict[str, Any]:
        allowed = tuple(allowed)
        required = tuple(required)
        label = what or (path or "the file")
        if not isinstance(value, dict):
            raise self.fail(
                path,
                f"expected a mapping (key: value) for {label}, got {_type_name(value)}; "
                f"keys: {', '.join(allowed)}",
            )
        for key in value:
            if not isinstance(key, str):
                raise self.fail(
                    path, f"key {key!r} must be text; expected one of: {', '.join(allowed)}"
                )
            if key not in allowed:
                raise self.fail(
                    child_path(path, key),
                    f"unknown key {key!r}{_suggest(key, allowed)}; "
                    f"expected one of: {', '.join(allowed)}",
                )
        for key in required:
            if key not in value:
                raise self.fail(
                    path,
                    f"missing required key {key!r} in {label}; required: {', '.join(required)}",
                )
        return value

    def text(self, value: object, path: str, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected text, got {_type_name(value)}")
        if not allow_empty and not value.strip():
            raise self.fail(path, "must not be empty")
        return value

    def boolean(self, value: object, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, f"expected true or false, got {_type_name(value)}")
        return value

    def integer(self, value: object, path: str, low: int, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"expected a whole number, got {_type_name(value)}")
        if value < low or (high is not None and value > high):
            expected = f">= {low}" if high is None else f"from {low} to {high}"
            raise self.fail(path, f"expected a whole number {expected}, got {value}")
        return value

    def duration(self, value: object, path: str) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None

    def time_of_day(self, value: object, path: str, *, past_midnight: bool) -> int:
        try:
            return parse_time_of_day(value, allow_past_midnight=past_midnight)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None

    def code(self, value: object, path: str) -> str:
        n = self.code_length
        example = '"' + "0" * (n - 1) + "1" + '"'
        if isinstance(value, int) and not isinstance(value, bool):
            raise self.fail(
                path,
                f"a code must be quoted text of {n} digits, got the number {value} "
                "(YAML drops leading zeros and reads some 0-prefixed numbers as octal); "
                f"quote it, e.g. {example}",
            )
        if not isinstance(value, str):
            raise self.fail(
                path, f"a code must be quoted text of {n} digits, got {_type_name(value)}"
            )
        if len(value) != n or not (value.isascii() and value.isdigit()):
            raise self.fail(path, f"a code must be exactly {n} digits, got {value!r}")
        return value

    def register(self, code: str, path: str, what: str) -> None:
        previous = self.seen_codes.get(code)
        if previous is not None:
            first_path, first_what = previous
            first_line = self.doc.line_of(first_path)
            at = f" on line {first_line}" if first_line is not None else ""
            raise self.fail(
                path,
                f"duplicate code {code!r}: already used by {first_what} at {first_path}{at}; "
                "each code may appear only once across institutions, aliases and retired codes",
            )
        self.seen_codes[code] = (path, what)

    # -- sections

    def network(self) -> NetworkConfig:
        top = self.mapping(
            self.doc.data,
            "",
            _TOP_KEYS,
            required=("scheme", "centre", "institutions"),
            what="the network file",
        )
        scheme = self.scheme(top["scheme"])
        self.code_length = scheme.code_length
        centre = self.centre(top["centre"])
        defaults = self.defaults(top.get("defaults", {}))
        institutions = self.institutions(top["institutions"], defaults)
        retired = self.retired(top.get("retired", []))
        self.check_centre_code(centre)
        self.check_links(institutions)
        grading = parse_grading(top["grading"], self) if "grading" in top else DEFAULT_GRADING
        return NetworkConfig(
            file=self.doc.file,
            scheme=scheme,
            centre=centre,
            institutions=institutions,
            retired=retired,
            grading=grading,
        )

    def scheme(self, value: object) -> Scheme:
        raw = self.mapping(value, "scheme", _SCHEME_KEYS, required=_SCHEME_KEYS, what="scheme")
        return Scheme(
            name=self.text(raw["name"], "scheme.name"),
            code_length=self.integer(raw["code_length"], "scheme.code_length", 1, 12),
        )

    def centre(self, value: object) -> Centre:
        raw = self.mapping(value, "centre", _CENTRE_KEYS, required=_CENTRE_KEYS, what="centre")
        hours = self.mapping(
            raw["operating_hours"],
            "centre.operating_hours",
            _HOURS_KEYS,
            required=_HOURS_KEYS,
            what="centre.operating_hours",
        )
        opens = self.time_of_day(hours["open"], "centre.operating_hours.open", past_midnight=False)
        closes = self.time_of_day(
            hours["close"], "centre.operating_hours.close", past_midnight=True
        )
        if closes > DAY:
            raise self.fail(
                "centre.operating_hours.close",
                f"the centre must close by midnight: close is {format_time_of_day(closes)}; "
                'expected a time up to "24:00" (the centre hours cannot cross midnight)',
            )
        if closes <= opens:
            raise self.fail(
                "centre.operating_hours.close",
                f"close {format_time_of_day(closes)} is at or before open "
                f"{format_time_of_day(opens)}; expected open < close within one day "
                '(e.g. open: "00:05", close: "23:55"; "24:00" means midnight at the end)',
            )
        timeout = self.duration(raw["bank_timeout"], "centre.bank_timeout")
        if timeout <= 0:
            raise self.fail("centre.bank_timeout", "expected a duration above zero, e.g. 20s")
        return Centre(
            code=self.code(raw["code"], "centre.code"),
            name_ko=self.text(raw["name_ko"], "centre.name_ko"),
            name_en=self.text(raw["name_en"], "centre.name_en"),
            open=opens,
            close=closes,
            bank_timeout=timeout,
        )

    def defaults(self, value: object) -> _Defaults:
        if value is None:
            return _Defaults()
        raw = self.mapping(value, "defaults", _DEFAULT_KEYS, what="defaults")
        return self.overrides(raw, "defaults", _Defaults())

    def overrides(self, raw: Mapping[str, Any], path: str, base: _Defaults) -> _Defaults:
        """``base`` with the cutover/latency/capacity/account_digits/codes set in ``raw``."""
        result = _Defaults(
            cutover=base.cutover,
            latency=base.latency,
            capacity=base.capacity,
            account_digits=base.account_digits,
            codes=dict(base.codes),
        )
        if "cutover" in raw:
            result.cutover = self.cutover(raw["cutover"], child_path(path, "cutover"))
        if "latency" in raw:
            result.latency = self.latency(raw["latency"], child_path(path, "latency"))
        if "capacity" in raw:
            result.capacity = self.integer(raw["capacity"], child_path(path, "capacity"), 1)
        if "account_digits" in raw:
            result.account_digits = self.integer(
                raw["account_digits"],
                child_path(path, "account_digits"),
                _MIN_ACCOUNT_DIGITS,
                _MAX_ACCOUNT_DIGITS,
            )
        if "codes" in raw:
            result.codes.update(self.codes(raw["codes"], child_path(path, "codes")))
        return result

    def cutover(self, value: object, path: str) -> tuple[Window, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(
                path,
                f'expected a list of windows like [{{start: "23:30", duration: 10m}}], '
                f"got {_type_name(value)}; write [] for a bank that never closes",
            )
        return tuple(self.window(item, child_path(path, i)) for i, item in enumerate(value))

    def window(self, value: object, path: str) -> Window:
        raw = self.mapping(value, path, _WINDOW_KEYS, required=("start",), what="a window")
        start = self.time_of_day(raw["start"], child_path(path, "start"), past_midnight=False)
        has_end, has_duration = "end" in raw, "duration" in raw
        if has_end and has_duration:
            raise self.fail(
                child_path(path, "duration"),
                "a window takes either end or duration, not both",
            )
        if not has_end and not has_duration:
            raise self.fail(
                path,
                'a window needs an end or a duration, e.g. {start: "23:30", end: "24:30"} '
                'or {start: "23:30", duration: 1h}',
            )
        if has_end:
            end_path = child_path(path, "end")
            end = self.time_of_day(raw["end"], end_path, past_midnight=True)
            if end <= start:
                if end + DAY > start:
                    next_day = format_time_of_day(end)
                    hint = f'for {next_day} the next day write "{format_time_of_day(end + DAY)}"'
                else:
                    hint = 'e.g. "24:30" for 00:30 the next day'
                raise self.fail(
                    end_path,
                    f"window end {format_time_of_day(end)} is at or before its start "
                    f"{format_time_of_day(start)}; write a window that crosses midnight "
                    f"with hours past midnight (GTFS style): {hint}",
                )
        else:
            duration_path = child_path(path, "duration")
            seconds = self.duration(raw["duration"], duration_path)
            if seconds <= 0:
                raise self.fail(duration_path, "a window must last more than zero seconds")
            if seconds != int(seconds):
                raise self.fail(duration_path, f"a window lasts whole seconds, got {seconds}")
            end = start + int(seconds)
            end_path = duration_path
        if end - start > DAY:
            raise self.fail(
                end_path,
                f"window {format_time_of_day(start)}–{format_time_of_day(end)} is longer than "
                "24 hours; expected at most 24h",
            )
        return Window(start=start, end=end)

    def latency(self, value: object, path: str) -> Latency:
        if not isinstance(value, dict):
            raise self.fail(
                path,
                "expected a mapping like {distribution: lognormal, median: 60ms, sigma: 0.35}, "
                f"got {_type_name(value)}",
            )
        if "distribution" not in value:
            raise self.fail(
                path,
                "missing required key 'distribution'; expected one of: " + ", ".join(DISTRIBUTIONS),
            )
        distribution = value["distribution"]
        dist_path = child_path(path, "distribution")
        if not isinstance(distribution, str) or distribution not in DISTRIBUTIONS:
            if isinstance(distribution, str):
                shown = f"{distribution!r}{_suggest(distribution, DISTRIBUTIONS)}"
            else:
                shown = _type_name(distribution)
            raise self.fail(
                dist_path,
                f"unknown distribution {shown}; expected one of: " + ", ".join(DISTRIBUTIONS),
            )
        fields = _LATENCY_FIELDS[distribution]
        raw = self.mapping(
            value, path, ("distribution", *fields), required=fields, what=f"{distribution} latency"
        )
        numbers: dict[str, float] = {}
        for name in fields:
            item_path = child_path(path, name)
            if name == "sigma":
                sigma = raw[name]
                if isinstance(sigma, bool) or not isinstance(sigma, int | float):
                    raise self.fail(
                        item_path, f"expected a number (no unit), got {_type_name(sigma)}"
                    )
                if not math.isfinite(sigma) or sigma < 0:
                    raise self.fail(item_path, f"sigma must not be negative, got {sigma}")
                numbers[name] = float(sigma)
            else:
                numbers[name] = self.duration(raw[name], item_path)
        if distribution == "uniform" and numbers["low"] > numbers["high"]:
            raise self.fail(
                child_path(path, "high"),
                f"high ({numbers['high']}s) is below low ({numbers['low']}s); expected low <= high",
            )
        if distribution == "lognormal" and numbers["median"] <= 0:
            raise self.fail(
                child_path(path, "median"), "a lognormal median must be above zero, e.g. 60ms"
            )
        return Latency(distribution=distribution, **numbers)

    def codes(self, value: object, path: str) -> dict[str, ResponseCode]:
        raw = self.mapping(value, path, RESPONSE_CODE_KEYS, what="codes")
        return {key: self.response(item, child_path(path, key)) for key, item in raw.items()}

    def response(self, value: object, path: str) -> ResponseCode:
        raw = self.mapping(
            value, path, _RESPONSE_KEYS, required=("bank_rsp_code", "message"), what=path
        )
        rsp_code = raw.get("rsp_code", DEFAULT_RSP_CODE)
        rsp_path = child_path(path, "rsp_code")
        if not isinstance(rsp_code, str) or not _RSP_CODE.fullmatch(rsp_code):
            raise self.fail(
                rsp_path, f'expected an API rsp_code like "A0002", got {_type_name(rsp_code)}'
            )
        bank_code = raw["bank_rsp_code"]
        bank_path = child_path(path, "bank_rsp_code")
        if isinstance(bank_code, int) and not isinstance(bank_code, bool):
            raise self.fail(
                bank_path,
                f"bank_rsp_code must be quoted text of 3 characters, got the number {bank_code}; "
                'quote it, e.g. "412"',
            )
        if not isinstance(bank_code, str) or len(bank_code) != 3:
            raise self.fail(
                bank_path,
                f'bank_rsp_code must be exactly 3 characters, e.g. "412", '
                f"got {_type_name(bank_code)}",
            )
        return ResponseCode(
            rsp_code=rsp_code,
            bank_rsp_code=bank_code,
            message=self.text(raw["message"], child_path(path, "message")),
        )

    def institutions(self, value: object, defaults: _Defaults) -> tuple[Institution, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(
                "institutions",
                f"expected a non-empty list of institutions, got {_type_name(value)}",
            )
        return tuple(
            self.institution(item, child_path("institutions", i), defaults)
            for i, item in enumerate(value)
        )

    def institution(self, value: object, path: str, defaults: _Defaults) -> Institution:
        raw = self.mapping(
            value, path, _INSTITUTION_KEYS, required=_INSTITUTION_REQUIRED, what="an institution"
        )
        code_path = child_path(path, "code")
        code = self.code(raw["code"], code_path)
        name_ko = self.text(raw["name_ko"], child_path(path, "name_ko"))
        self.register(code, code_path, f"institution {code} {name_ko}")
        self.canonical_codes.add(code)
        kind = raw["kind"]
        if not isinstance(kind, str) or kind not in KINDS:
            if isinstance(kind, str):
                shown = f"{kind!r}{_suggest(kind, KINDS)}"
            else:
                shown = _type_name(kind)
            raise self.fail(
                child_path(path, "kind"),
                f"unknown kind {shown}; expected one of: {', '.join(KINDS)}",
            )
        member = self.boolean(raw.get("member", True), child_path(path, "member"))
        open_banking = self.boolean(
            raw.get("open_banking", False), child_path(path, "open_banking")
        )
        if open_banking and not member:
            raise self.fail(
                child_path(path, "open_banking"),
                "an Open Banking participant must take part in the 공동망: "
                "open_banking: true needs member: true",
            )
        aliases = self.aliases(raw.get("aliases", []), child_path(path, "aliases"), code, name_ko)
        also = self.deposit_also_for(
            raw.get("deposit_also_for", []), child_path(path, "deposit_also_for"), code
        )
        merged = self.overrides(raw, path, defaults)
        cutover, latency = merged.cutover, merged.latency
        capacity, account_digits = merged.capacity, merged.account_digits
        if cutover is None or latency is None or capacity is None or account_digits is None:
            absent = [
                key
                for key in ("cutover", "latency", "capacity", "account_digits")
                if getattr(merged, key) is None
            ]
            raise self.fail(
                path,
                f"missing {', '.join(repr(key) for key in absent)}: "
                "set it on the institution or under defaults",
            )
        missing = [key for key in RESPONSE_CODE_KEYS if key not in merged.codes]
        if missing:
            raise self.fail(
                path,
                f"missing response codes {', '.join(missing)} after merging defaults; "
                f"expected each of {', '.join(RESPONSE_CODE_KEYS)} under defaults.codes "
                f"or {path}.codes",
            )
        return Institution(
            code=code,
            name_ko=name_ko,
            name_en=self.text(raw["name_en"], child_path(path, "name_en")),
            kind=kind,
            member=member,
            open_banking=open_banking,
            aliases=aliases,
            deposit_also_for=also,
            cutover=cutover,
            latency=latency,
            capacity=capacity,
            account_digits=account_digits,
            codes=MappingProxyType({key: merged.codes[key] for key in RESPONSE_CODE_KEYS}),
            note=self.text(raw.get("note", ""), child_path(path, "note"), allow_empty=True),
            display_name=self.display_name(raw, path, name_ko),
        )

    def display_name(self, raw: Mapping[str, Any], path: str, name_ko: str) -> str:
        """The name answers show (`bank_name`): the file's `display_name`, or `name_ko`."""
        if "display_name" not in raw:
            return name_ko
        where = child_path(path, "display_name")
        name = self.text(raw["display_name"], where)
        if len(name) > _DISPLAY_NAME_MAX:
            raise self.fail(
                where,
                f"{name!r} has {len(name)} characters; bank_name is AH({_DISPLAY_NAME_MAX}), "
                f"so at most {_DISPLAY_NAME_MAX}",
            )
        return name

    def aliases(self, value: object, path: str, owner: str, owner_name: str) -> tuple[Alias, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(
                path,
                'expected a list of aliases like [{code: "006", deposit: false, note: "..."}], '
                f"got {_type_name(value)}",
            )
        result: list[Alias] = []
        for i, item in enumerate(value):
            item_path = child_path(path, i)
            raw = self.mapping(
                item, item_path, _ALIAS_KEYS, required=("code", "deposit"), what="an alias"
            )
            code_path = child_path(item_path, "code")
            code = self.code(raw["code"], code_path)
            if code == owner:
                raise self.fail(
                    code_path,
                    f"alias {code} points at its own institution's code; an alias must be "
                    "a different code",
                )
            self.register(code, code_path, f"alias {code} of {owner} {owner_name}")
            savings = raw.get("savings_bank_name")
            if savings is not None:
                savings = self.text(savings, child_path(item_path, "savings_bank_name"))
            result.append(
                Alias(
                    code=code,
                    deposit=self.boolean(raw["deposit"], child_path(item_path, "deposit")),
                    note=self.text(
                        raw.get("note", ""), child_path(item_path, "note"), allow_empty=True
                    ),
                    savings_bank_name=savings,
                )
            )
        return tuple(result)

    def deposit_also_for(self, value: object, path: str, owner: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(path, f'expected a list of codes like ["012"], got {_type_name(value)}')
        codes: list[str] = []
        for i, item in enumerate(value):
            item_path = child_path(path, i)
            code = self.code(item, item_path)
            if code == owner:
                raise self.fail(
                    item_path,
                    f"deposit_also_for lists the institution's own code {code}; "
                    "expected other institutions' codes",
                )
            if code in codes:
                raise self.fail(item_path, f"{code} is listed twice")
            codes.append(code)
        return tuple(codes)

    def retired(self, value: object) -> tuple[RetiredCode, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(
                "retired",
                'expected a list like [{code: "022", name_ko: 한국상업은행, note: 삭제}], '
                f"got {_type_name(value)}",
            )
        result: list[RetiredCode] = []
        for i, item in enumerate(value):
            path = child_path("retired", i)
            raw = self.mapping(
                item, path, _RETIRED_KEYS, required=("code", "name_ko"), what="a retired code"
            )
            code_path = child_path(path, "code")
            code = self.code(raw["code"], code_path)
            name_ko = self.text(raw["name_ko"], child_path(path, "name_ko"))
            self.register(code, code_path, f"retired code {code} {name_ko}")
            result.append(
                RetiredCode(
                    code=code,
                    name_ko=name_ko,
                    note=self.text(raw.get("note", ""), child_path(path, "note"), allow_empty=True),
                    name_en=self.text(
                        raw.get("name_en", ""), child_path(path, "name_en"), allow_empty=True
                    ),
                )
            )
        return tuple(result)

    # -- cross checks

    def check_centre_code(self, centre: Centre) -> None:
        previous = self.seen_codes.get(centre.code)
        if previous is None or centre.code in self.canonical_codes:
            return  # 099 금융결제원 is both the centre and a listed institution
        first_path, first_what = previous
        line = self.doc.line_of(first_path)
        at = f" on line {line}" if line is not None else ""
        raise self.fail(
            "centre.code",
            f"the centre code {centre.code!r} is also {first_what} at {first_path}{at}; "
            "the centre's code may only equal a canonical institution code",
        )

    def check_links(self, institutions: tuple[Institution, ...]) -> None:
        by_code = {institution.code: institution for institution in institutions}
        alias_owner = {
            alias.code: institution.code
            for institution in institutions
            for alias in institution.aliases
        }
        for i, institution in enumerate(institutions):
            base = child_path(child_path("institutions", i), "deposit_also_for")
            for j, code in enumerate(institution.deposit_also_for):
                item_path = child_path(base, j)
                target = by_code.get(code)
                if target is None:
                    if code in alias_owner:
                        detail = f"{code} is an alias of {alias_owner[code]}"
                    else:
                        detail = f"no institution has the code {code}"
                    raise self.fail(
                        item_path,
                        f"deposit_also_for must name canonical institution codes: {detail}",
                    )
                if not target.member:
                    raise self.fail(
                        item_path,
                        f"{code} {target.name_ko} is not a 공동망 member (member: false), "
                        "so deposits cannot reach it",
                    )
