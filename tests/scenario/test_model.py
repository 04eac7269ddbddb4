"""What a scenario file is: the errors that name file, line and field, and say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from testbed.scenario.model import ScenarioError, load_scenario, parse_scenario

UNQUOTED = """name: quoting
fixtures:
  users:
    kim:
      name: 김민수
      birth_date: '19900101'
      accounts:
        - {bank: 020, balance: 10000}
        - bank: 088
          balance: 5000
timeline:
  - at: 23:40
    fault: {kind: bank_down, banks: ['004'], for: 10m}
steps:
  - wait: {for: 1m}
"""


@pytest.mark.parametrize("how", ["file", "text"])
def test_an_unquoted_code_or_time_says_how_yaml_read_it(tmp_path: Path, how: str) -> None:
    """YAML 1.1 reads 020 as octal (16) and 23:40 as base 60 (1420): the error says so and
    what to write (issue 16), whether the scenario comes from a file or is posted."""
    with pytest.raises(ScenarioError) as refused:
        if how == "file":
            path = tmp_path / "q.yaml"
            path.write_text(UNQUOTED, encoding="utf-8")
            load_scenario(path)
        else:
            parse_scenario(UNQUOTED, "q.yaml")
    problems = [str(p) for p in refused.value.problems]
    assert any(
        "q.yaml:8: fixtures.users.kim.accounts[0].bank: 020 is read as the number 16:"
        " write '020' (in quotes)" in p
        for p in problems
    ), problems
    # 088 is no octal number: YAML keeps it text, and nothing is said of it
    assert not any("accounts[1]" in p for p in problems), problems
    assert any(
        "q.yaml:12: timeline[0].at: 23:40 is read as the number 1420: write '23:40'" in p
        for p in problems
    ), problems
