"""Request field specs in KFTC's own notation, compiled once, checked on every call.

`N(n)` digits, `AN(n)` letters and digits, `aN(n)` the same in mixed case, `A(n)`
letters, `AH(n)` Korean or any text, `aNS(n)` printable ASCII (n = maximum length in
characters). A missing, malformed or over-long field is refused with A0004 naming the
field. A JSON number where KFTC sends a string, and a field the API does not know,
are accepted with a warning (the client should be fixed; the gateway's Java parser
most likely coerces numbers, see the README's compatibility notes).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from testbed.config.spelling import nearest
from testbed.network.codes import format_error

_PATTERNS = {
    "N": re.compile(r"[0-9]*"),
    "AN": re.compile(r"[0-9A-Za-z]*"),
    "aN": re.compile(r"[0-9A-Za-z]*"),
    "A": re.compile(r"[A-Za-z]*"),
    "aNS": re.compile(r"[\x20-\x7e]*"),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@functools.lru_cache(maxsize=4096)  # clients send the same few dates and times over and over
def _date(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


#: semantic checks beyond the character class: name -> (test, what is expected)
CHECKS: dict[str, tuple[Callable[[str], bool], str]] = {
    "date": (lambda v: len(v) == 8 and _date(v, "%Y%m%d"), "a date YYYYMMDD"),
    "dtime": (lambda v: len(v) == 14 and _date(v, "%Y%m%d%H%M%S"), "a time YYYYMMDDHHMMSS"),
    "time": (lambda v: len(v) == 6 and _date(v, "%H%M%S"), "a time of day HHMMSS"),
    "amount": (
        lambda v: v.isascii() and v.isdigit() and int(v) > 0,
        "a positive whole amount of won",
    ),
    "yn": (lambda v: v in ("Y", "N"), "Y or N"),
}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: str  # N, AN, aN, A, AH, aNS
    size: int
    required: bool = True
    choices: tuple[str, ...] = ()
    check: str = ""  # a key of CHECKS
    exact: bool = False  # length must be exactly `size`

    @property
    def notation(self) -> str:
        return f"{self.kind}({self.size})"

    def parse(self, raw: Any, warnings: list[str]) -> str | None:
        if raw is None or raw == "":
            if self.required:
                raise format_error(self.name, f"required, {self.notation}")
            return None
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise format_error(self.name, f"expected a string {self.notation}")
        if isinstance(raw, int):
            warnings.append(
                f"{self.name} was sent as a JSON number; KFTC sends every value as a string"
            )
            raw = str(raw)
        value: str = raw
        if len(value) > self.size or (self.exact and len(value) != self.size):
            size = f"exactly {self.size}" if self.exact else f"at most {self.size}"
            raise format_error(self.name, f"{size} characters, {self.notation}")
        pattern = _PATTERNS.get(self.kind)
        if pattern is not None and not pattern.fullmatch(value):
            raise format_error(self.name, f"expected {self.notation}")
        if pattern is None and _CONTROL.search(value):
            raise format_error(self.name, "control characters are not allowed")
        if self.choices and value not in self.choices:
            raise format_error(self.name, f"one of {', '.join(self.choices)}")
        if self.check:
            test, expected = CHECKS[self.check]
            if not test(value):
                raise format_error(self.name, f"expected {expected}")
        return value


def N(name: str, size: int, **kw: Any) -> Field:
    return Field(name, "N", size, **kw)


def AN(name: str, size: int, **kw: Any) -> Field:
    return Field(name, "AN", size, **kw)


def AH(name: str, size: int, **kw: Any) -> Field:
    return Field(name, "AH", size, **kw)


def A(name: str, size: int, **kw: Any) -> Field:
    return Field(name, "A", size, **kw)


def aN(name: str, size: int, **kw: Any) -> Field:
    return Field(name, "aN", size, **kw)


def aNS(name: str, size: int, **kw: Any) -> Field:
    return Field(name, "aNS", size, **kw)


# fields many APIs share
BANK_TRAN_ID = AN("bank_tran_id", 20, exact=True)
TRAN_DTIME = N("tran_dtime", 14, check="dtime")
FINTECH_USE_NUM = AN("fintech_use_num", 24)
USER_SEQ_NO = AN("user_seq_no", 10)
BANK_CODE_STD = AN("bank_code_std", 3)
ACCOUNT_NUM = AN("account_num", 16)
TRAN_AMT = N("tran_amt", 12, check="amount")
#: the sub-merchant (하위가맹점) a transfer or payee check is for
SUB_FRNC = (
    AH("sub_frnc_name", 40, required=False),
    AN("sub_frnc_num", 20, required=False),
    N("sub_frnc_business_num", 10, required=False),
    # KFTC's own sample spells it with a double s; the gateway takes it, so do we
    N("sub_frnc_bussiness_num", 10, required=False),
)
#: the requesting customer (요청고객) of a transfer or payee check, for AML
REQ_CLIENT = (
    AH("req_client_name", 20),
    AN("req_client_bank_code", 3, required=False),
    AN("req_client_account_num", 16, required=False),
    AN("req_client_fintech_use_num", 24, required=False),
    AN("req_client_num", 20),
)


@dataclass(frozen=True, slots=True)
class Spec:
    """The fields of one API's request."""

    fields: tuple[Field, ...]

    def __init__(self, *fields: Field) -> None:
        object.__setattr__(self, "fields", fields)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    def instead_of(self, name: str, *fields: Field) -> Spec:
        """These fields, with `fields` where the field `name` was (an acnt_num variant)."""
        out: list[Field] = []
        for field in self.fields:
            out.extend(fields if field.name == name else (field,))
        return Spec(*out)

    def parse(
        self, data: Mapping[str, Any], warnings: list[str], where: str = ""
    ) -> dict[str, str]:
        """The fields of `data` checked; `where` names an item of a list ("req_list[0].")."""
        unknown = sorted(set(data) - self.names)
        if unknown:  # first: a misspelt required field is refused below, hint included
            self._unknown(unknown, data, warnings, where)
        out: dict[str, str] = {}
        for field in self.fields:
            value = field.parse(data.get(field.name), warnings)
            if value is not None:
                out[field.name] = value
        return out

    def _unknown(
        self, unknown: list[str], data: Mapping[str, Any], warnings: list[str], where: str
    ) -> None:
        """A field the API does not have is ignored, with a warning; one that looks like a
        misspelt field of this API (and is not sent besides) names it:
        `req_client_nmae: did you mean req_client_name?`."""
        ignored = []
        for name in unknown:
            close = nearest(name, self.names, cutoff=0.75)
            if close is None or close in data:
                ignored.append(name)
            else:
                warnings.append(f"{where}{name}: did you mean {close}?")
        if ignored:
            warnings.append(f"unknown field(s) ignored: {', '.join(where + n for n in ignored)}")


def parse_list(
    spec: Spec, items: Any, name: str, warnings: list[str], limit: int
) -> list[dict[str, str]]:
    """A `req_list`: a JSON array of 1..limit objects, each checked against `spec`."""
    if not isinstance(items, Sequence) or isinstance(items, str) or not items:
        raise format_error(name, "a non-empty array")
    if len(items) > limit:
        raise format_error(name, f"at most {limit} items")
    parsed = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise format_error(name, "an array of objects")
        parsed.append(spec.parse(item, warnings, f"{name}[{i}]."))
    return parsed
