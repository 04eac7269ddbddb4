"""YAML loading that remembers source lines."""

from __future__ import annotations

import pickle
import re
import time
from pathlib import Path

import pytest
import yaml

from testbed.config import SourceDoc, SourceError, load_yaml, parse_yaml
from testbed.config.limits import MAX_DEPTH, TOO_DEEP, TOO_MANY
from testbed.config.yamlsrc import child_path, parent_path

SAMPLE = """\
# a comment
name: test
institutions:
  - code: "004"
    cutover:
      - {start: "23:30", end: "24:30"}
      - start: "01:00"
        duration: 10m
  - code: "088"
    aliases: []
"""


def test_records_the_line_of_every_key_and_item() -> None:
    doc = parse_yaml(SAMPLE, "sample.yaml")
    assert doc.file == "sample.yaml"
    assert doc.lines[""] == 2
    assert doc.lines["name"] == 2
    assert doc.lines["institutions"] == 3
    assert doc.lines["institutions[0]"] == 4
    assert doc.lines["institutions[0].code"] == 4
    assert doc.lines["institutions[0].cutover"] == 5
    assert doc.lines["institutions[0].cutover[0]"] == 6
    assert doc.lines["institutions[0].cutover[0].end"] == 6
    assert doc.lines["institutions[0].cutover[1]"] == 7
    assert doc.lines["institutions[0].cutover[1].duration"] == 8
    assert doc.lines["institutions[1]"] == 9
    assert doc.lines["institutions[1].aliases"] == 10


def test_line_of_falls_back_to_the_nearest_parent() -> None:
    doc = parse_yaml(SAMPLE)
    assert doc.line_of("institutions[0].cutover[1].duration") == 8
    assert doc.line_of("institutions[0].cutover[1].end") == 7  # missing key: its mapping
    assert doc.line_of("institutions[1].latency.median") == 9
    assert doc.line_of("institutions[5]") == 3
    assert doc.line_of("nothing.here") == 2  # the root


def test_path_helpers() -> None:
    assert child_path("", "centre") == "centre"
    assert child_path("centre", "code") == "centre.code"
    assert child_path("institutions", 3) == "institutions[3]"
    assert parent_path("institutions[3].cutover[0].end") == "institutions[3].cutover[0]"
    assert parent_path("institutions[3].cutover[0]") == "institutions[3].cutover"
    assert parent_path("institutions[3].cutover") == "institutions[3]"
    assert parent_path("institutions[3]") == "institutions"
    assert parent_path("institutions") == ""


def test_values_are_typed_like_safe_load() -> None:
    text = """\
octal: 004
not_octal: 009
quoted: "004"
sexagesimal: 23:30
quoted_time: "23:30"
yes_word: yes
off_word: off
nothing: ~
empty:
float: 1.5e3
inf: .inf
date: 2024-01-31
list: [1, "2", three]
nested: {a: {b: [true, null]}}
"""
    doc = parse_yaml(text)
    assert doc.data == yaml.safe_load(text)
    assert doc.data["octal"] == 4
    assert doc.data["not_octal"] == "009"
    assert doc.data["sexagesimal"] == 1410
    assert doc.data["yes_word"] is True


def test_anchors_and_merge_keys() -> None:
    text = """\
base: &base
  capacity: 8
  latency: {distribution: fixed, value: 0}
bank:
  <<: *base
  capacity: 16
"""
    doc = parse_yaml(text)
    assert doc.data == yaml.safe_load(text)
    assert doc.data["bank"]["capacity"] == 16
    assert doc.lines["bank.capacity"] == 6
    assert doc.lines["bank.latency"] == 3  # merged: where it was written


def test_duplicate_key_names_both_lines() -> None:
    text = "centre:\n  code: '099'\n  name_ko: a\n  code: '098'\n"
    with pytest.raises(SourceError) as info:
        parse_yaml(text, "dup.yaml")
    error = info.value
    assert (error.file, error.line, error.path) == ("dup.yaml", 4, "centre.code")
    assert "duplicate key 'code'" in error.problem
    assert "line 2" in error.problem and "line 4" in error.problem
    assert str(error).startswith("dup.yaml:4: centre.code: duplicate key 'code'")


def test_same_key_in_different_mappings_is_fine() -> None:
    doc = parse_yaml("a: {code: 1}\nb: {code: 2}\n")
    assert doc.data == {"a": {"code": 1}, "b": {"code": 2}}


def test_syntax_error_has_the_line() -> None:
    text = "a: 1\nb: [1, 2\nc: 3\n"
    with pytest.raises(SourceError) as info:
        parse_yaml(text, "broken.yaml")
    assert info.value.file == "broken.yaml"
    assert info.value.line == 3
    assert info.value.path == ""
    assert "YAML syntax error" in info.value.problem
    assert str(info.value).startswith("broken.yaml:3: YAML syntax error")


def test_bad_indentation_is_a_syntax_error() -> None:
    with pytest.raises(SourceError, match="YAML syntax error") as info:
        parse_yaml("a:\n  b: 1\n c: 2\n", "indent.yaml")
    assert info.value.line == 3


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("- 1\n- 2\n", "got a list"),
        ("just text\n", "got a single value"),
        ("", "empty"),
        ("# only a comment\n", "empty"),
    ],
)
def test_top_level_must_be_a_mapping(text: str, phrase: str) -> None:
    with pytest.raises(SourceError) as info:
        parse_yaml(text, "top.yaml")
    assert info.value.path == ""
    assert "mapping" in info.value.problem
    assert phrase in info.value.problem


def test_unknown_tag_is_reported_at_its_value() -> None:
    with pytest.raises(SourceError) as info:
        parse_yaml("a: 1\nb: !python/object x\n", "tag.yaml")
    assert (info.value.line, info.value.path) == (2, "b")


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(SourceError, match="recursion"):
        parse_yaml("a: &x [1, *x]\n")


def test_nesting_past_the_limit_is_refused_naming_it() -> None:
    """PyYAML's composer recurses a level at a time: 100,000 levels were a RecursionError."""
    for text in (
        "a: " + "[" * 100_000 + "]" * 100_000,
        "a:\n" + "".join("  " * i + "- \n" for i in range(1, MAX_DEPTH + 5)),
    ):
        with pytest.raises(SourceError, match=re.escape(TOO_DEEP)):
            parse_yaml(text)
    parse_yaml("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))  # at the limit


def test_aliases_are_measured_before_they_are_expanded() -> None:
    """A billion laughs (9**10 values in a few hundred bytes) is refused without one
    alias expanded, as is an alias that nests a deep value deeper still."""
    text = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in range(1, 11):
        text += f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]\n"
    started = time.perf_counter()
    with pytest.raises(SourceError, match=re.escape(TOO_MANY)):
        parse_yaml(text)
    assert time.perf_counter() - started < 0.5  # expanding took 11 s
    deep = "[" * 40 + "1" + "]" * 40
    with pytest.raises(SourceError, match=re.escape(TOO_DEEP)):
        parse_yaml(f"a: &d {deep}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[*d]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n")


def test_load_yaml_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("\ufeffname: 금융결제원\n", encoding="utf-8")  # a BOM is fine
    doc = load_yaml(path)
    assert isinstance(doc, SourceDoc)
    assert doc.file == str(path)
    assert doc.data == {"name": "금융결제원"}


def test_load_yaml_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(SourceError) as info:
        load_yaml(path)
    assert info.value.problem == "file not found"
    assert info.value.line is None
    assert str(info.value) == f"{path}: file not found"


def test_load_yaml_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(SourceError, match="UTF-8"):
        load_yaml(path)


def test_source_error_format() -> None:
    assert str(SourceError("f.yaml", 3, "a.b[1]", "bad")) == "f.yaml:3: a.b[1]: bad"
    assert str(SourceError("f.yaml", None, "a", "bad")) == "f.yaml: a: bad"
    assert str(SourceError("f.yaml", 7, "", "bad")) == "f.yaml:7: bad"
    assert isinstance(SourceError("f", 1, "", "x"), ValueError)


def test_source_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(SourceError("f.yaml", 3, "a", "bad")))
    assert (error.file, error.line, error.path, error.problem) == ("f.yaml", 3, "a", "bad")


def test_doc_error_uses_the_line_of_the_path() -> None:
    doc = parse_yaml(SAMPLE, "sample.yaml")
    error = doc.error("institutions[1].aliases", "something is wrong")
    assert str(error) == "sample.yaml:10: institutions[1].aliases: something is wrong"
