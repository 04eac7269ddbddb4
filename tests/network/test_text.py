"""The one check of free text: which characters are control characters, and how a
printed one looks."""

from __future__ import annotations

import pytest

from testbed.network.text import control_character, printable


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a\x00b", "U+0000"),
        ("tab\there", "U+0009"),
        ("line\r\nbreak", "U+000D"),
        ("\x1b[2J", "U+001B"),
        ("del\x7f", "U+007F"),
        ("csi\x9b31m", "U+009B"),
        ("sep\u2028", "U+2028"),
        ("rtl\u202eltr", "U+202E"),
        ("isolate\u2066", "U+2066"),
    ],
)
def test_control_characters_are_found_and_named(text: str, found: str) -> None:
    assert control_character(text) == found


@pytest.mark.parametrize(
    "text", ["주식회사 테스트페이", "Test Pay, Inc. (주)", "emoji 👩‍💻 with a joiner", "a·b—c"]
)
def test_names_people_write_pass(text: str) -> None:
    assert control_character(text) is None
    assert printable(text) == text


def test_printable_escapes_each_control_character_and_keeps_the_rest() -> None:
    assert printable("주식회사\x1b[31m빨강\r\n\u202e") == "주식회사\\x1b[31m빨강\\r\\n\\u202e"
