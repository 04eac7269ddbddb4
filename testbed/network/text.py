"""The one check of the free text that comes in at any door (company names, purposes,
labels, user names, redirect URIs): no control characters.

A control character in stored text would be printed raw somewhere: a terminal (the
`testbed serve` banner; ESC or CSI start an escape sequence that rewrites the screen), a
header (CR and LF end it and start another), a log line. So text is refused at input,
naming its field, and what is printed is escaped there too (defence in depth).
"""

from __future__ import annotations

import re
from typing import Final

#: C0 (with TAB, CR, LF, ESC), DEL and C1 (with CSI), the line and paragraph separators,
#: and the bidirectional embeddings, overrides and isolates (they reorder what a reader
#: sees, 'Trojan Source')
_CONTROL: Final = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def control_character(text: str) -> str | None:
    """The first control character in `text` as `U+XXXX`, or None when there is none."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def printable(text: str) -> str:
    """`text` for a terminal or a log line: each control character as its escape
    (`\\x1b`, `\\u202e`), everything else as is (Korean stays Korean)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
