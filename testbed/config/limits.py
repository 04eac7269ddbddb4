"""Limits on the shape of what clients send: how deep JSON and YAML may nest, and how many
values a YAML document may expand to through its aliases.

Python's parsers recurse: JSON nested 100,000 levels deep raised RecursionError (a 500),
and a "billion laughs" YAML (aliases of aliases) held the event loop for seconds while it
was expanded. So every parser of a client's text checks these limits while or before it
builds anything, and a refusal names the limit (400, or A0004 on the KFTC API). No real
body comes near them: a KFTC body nests 3 levels, a scenario a dozen.
"""

from __future__ import annotations

import json
from typing import Any, Final

#: containers (objects, arrays; mappings, lists) inside one another, the outermost counted
MAX_DEPTH: Final = 64
#: values a YAML document may hold once its aliases are expanded (the shipped networks and
#: scenarios hold a few thousand)
MAX_YAML_VALUES: Final = 200_000
TOO_DEEP: Final = f"nested deeper than {MAX_DEPTH} levels (the limit)"
TOO_MANY: Final = f"more than {MAX_YAML_VALUES:,} values once its aliases are expanded (the limit)"


class TooDeep(ValueError):
    """A document nested deeper than MAX_DEPTH."""

    def __init__(self) -> None:
        super().__init__(TOO_DEEP)


def too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether parsed JSON nests deeper than `limit` (a loop, not recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        stack.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return False


def could_be_deep(raw: bytes | str, limit: int = MAX_DEPTH) -> bool:
    """False when the text cannot nest deeper than `limit`: it opens no more containers
    than that (two counts in C: a normal body costs nothing more)."""
    if isinstance(raw, str):
        return raw.count("[") + raw.count("{") > limit
    return raw.count(b"[") + raw.count(b"{") > limit


def loads(raw: bytes | str, **options: Any) -> Any:
    """`json.loads` within MAX_DEPTH: TooDeep (a ValueError) beyond it, never RecursionError."""
    try:
        data = json.loads(raw, **options)
    except RecursionError:
        raise TooDeep from None
    if could_be_deep(raw) and too_deep(data):
        raise TooDeep
    return data
