"""The nearest known name to a misspelt one: the "did you mean …?" of every error and
warning that names an unknown key (network file, scenario files, KFTC request fields)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def nearest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The known name closest to `word`, or None when none is close enough."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None
