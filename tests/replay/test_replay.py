"""Scenario files: the library passes, failures are readable, replays are byte-identical."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from testbed.cli import main
from testbed.replay.runner import run_scenario
from testbed.scenario.model import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
def test_every_library_scenario_checks_and_passes(path: Path) -> None:
    scenario = load_scenario(path)
    result = asyncio.run(run_scenario(scenario))
    assert result.passed, "\n".join(result.failures)
    assert result.steps or result.assertions  # a scenario that checks nothing is no scenario
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#"), "each library file is documented at its top"


def test_the_library_has_what_the_issue_asks() -> None:
    assert len(LIBRARY) >= 15
    names = {p.stem for p in LIBRARY}
    assert {
        "happy_path",
        "busy_day",
        "cutover_notorious_banks",
        "timeout_after_commit",
        "fee_tier",
    } <= names


WRONG = """\
# a scenario that must fail: the balance is not what it says
name: wrong on purpose
seed: 1
fixtures:
  users:
    bob:
      name: 박철수
      birth_date: "19800505"
      accounts: [{bank: "004", balance: 500}]
steps:
  - name: a balance that is not there
    call: account/balance/fin_num
    as: bob
    query: {bank_tran_id: "{{bank_tran_id}}", fintech_use_num: "{{bob.fintech_use_num}}", tran_dtime: "{{now}}"}
    expect:
      rsp_code: A0000
      balance_amt: "999"
      bank_name: {matches: "^KB"}
      missing_field: {absent: true}
assert:
  balances: {bob.0: 400}
"""


def test_a_wrong_scenario_fails_with_a_readable_diff_and_a_junit_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "wrong.yaml"
    scenario.write_text(WRONG, encoding="utf-8")
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    code = main(
        [
            "replay",
            str(scenario),
            "--junit",
            str(junit),
            "--json",
            str(report),
            "--html",
            str(tmp_path / "r.html"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "step 1: a balance that is not there" in out
    assert 'balance_amt: expected "999", got "500"' in out
    assert '"path": "/v2.0/account/balance/fin_num"' in out  # the request is shown
    assert '"rsp_code": "A0000"' in out  # and the response
    assert "assert balance bob.0: expected 400, got 500" in out
    assert "0 passed, 1 failed" in out
    suites = ET.parse(junit).getroot()
    failing = [c for c in suites.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failing] == [
        "1 a balance that is not there",
        "assert balance bob.0",
    ]
    assert "balance_amt" in (failing[0].find("failure").get("message") or "")  # type: ignore[union-attr]
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["scenarios"][0]["passed"] is False
    assert "wrong on purpose" in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("name: x\nstart: yesterday\n", "x.yaml:2: start:"),
        (
            "name: x\nsteps:\n  - call: account/balance/fin_num\n    expct: {rsp_code: A0000}\n",
            "x.yaml:4: steps[0].expct: unknown field; did you mean 'expect'?",
        ),
        (
            "name: x\nfixtures:\n  users:\n    a:\n      name: 김\n      birth_date: 1990\n",
            "x.yaml:6: fixtures.users.a.birth_date:",
        ),
        (
            "name: x\nfixtures:\n  users:\n    a: {name: 김, birth_date: '19900101', accounts: [{bank: '123'}]}\n",
            "fixtures.users.a.accounts[0].bank",
        ),
        ("name: x\nsteps:\n  - call: balance\n    as: mallory\n", "x.yaml:4: steps[0].as:"),
        (
            "name: x\ntimeline:\n  - at: '+1h'\n    fault: {kind: bank_down}\n    bank: {code: '004'}\n",
            "x.yaml:3: timeline[0]:",
        ),
        ("name: x\nsteps:\n  - wait: {for: soon}\n", "x.yaml:3: steps[0].wait.for:"),
        ("name: x\nassert:\n  balances: {nobody.0: 1}\n", "x.yaml:3: assert.balances.nobody.0:"),
        ("name: x\nname: y\n", "duplicate key"),
        ("steps: []\n", "'name' is a required property"),
    ],
)
def test_check_names_the_file_the_line_and_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    assert any(where in str(p) for p in refused.value.problems), str(refused.value)
    assert main(["check", str(path)]) == 1
    assert where in capsys.readouterr().err


def test_a_scenario_with_an_error_runs_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("name: fine\nsteps:\n  - wait: {for: 1m}\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: broken\nsteps:\n  - wait: {for: soon}\n", encoding="utf-8")
    out = tmp_path / "transcripts"
    assert main(["replay", str(good), str(bad), "--transcript", str(out)]) == 2
    assert not out.exists()


def test_same_file_same_seed_same_transcript_byte_for_byte(tmp_path: Path) -> None:
    path = ROOT / "scenarios" / "happy_path.yaml"
    first = asyncio.run(run_scenario(load_scenario(path))).transcript()
    second = asyncio.run(run_scenario(load_scenario(path))).transcript()
    assert first == second
    assert '"api_tran_id"' in first  # the answers themselves are in it


def test_templates_saves_repeat_timeline_and_waits(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        """\
name: machinery
seed: 3
start: "2026-03-02T23:00:00+09:00"
fixtures:
  users:
    eve: {name: 이브, birth_date: "19950505", accounts: [{name: pay, bank: "011", balance: 50000}]}
timeline:
  - {at: "23:10", cash: {account: eve.pay, amount: 1000}}
  - {at: "+20m", fault: {kind: maintenance, banks: ["090"], for: 5m}}
steps:
  - wait: {until: "23:15"}
  - repeat: 3
    steps:
      - do: {cash: {account: eve.pay, amount: 100}}
  - name: balance includes the timeline's cash and three of ours
    call: account/balance/fin_num
    as: eve
    query: {bank_tran_id: "{{bank_tran_id}}", fintech_use_num: "{{eve.pay.fintech_use_num}}", tran_dtime: "{{now}}"}
    expect: {balance_amt: {eq: 51300, gt: 51299}, bank_tran_id: {matches: "U000000001$"}}
    save: {seen: balance_amt}
  - wait: {event: bank_state, where: {bank: "011", state: cutover}}
  - name: the saved value comes back
    method: GET
    path: /testbed/clock
    as: admin
    expect: {now: {contains: "23:30:00"}}
assert:
  ledger: balanced
  balances: {eve.pay: 51300}
  records: {faults: 1}
""",
        encoding="utf-8",
    )
    result = asyncio.run(run_scenario(load_scenario(path)))
    assert result.passed, "\n".join(result.failures)
    assert [s.index for s in result.steps] == ["1", "2.1.1", "2.2.1", "2.3.1", "3", "4", "5"]
    assert result.steps[-2].time == "2026-03-02T23:30:00.000+09:00"


def test_unknown_template_names_say_what_is_known(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        'name: typo\nsteps:\n  - call: bank/status\n    query: {x: "{{fintehc.token}}"}\n',
        encoding="utf-8",
    )
    result = asyncio.run(run_scenario(load_scenario(path)))
    assert not result.passed
    assert "{{fintehc.token}}: unknown" in result.failures[0] and "fintech" in result.failures[0]


def test_a_token_refresh_step_sends_no_institution_scope(tmp_path: Path) -> None:
    path = tmp_path / "refresh.yaml"
    path.write_text(
        """\
name: refresh
fixtures:
  users:
    amy: {name: 에이미, birth_date: "19930303", accounts: [{bank: "004"}]}
steps:
  - call: token
    as: fintech
    form: {grant_type: refresh_token, refresh_token: "{{amy.refresh_token}}"}
    expect: {scope: login inquiry transfer, user_seq_no: "{{amy.user_seq_no}}"}
  - call: token
    as: fintech
    expect: {scope: oob, client_use_code: "{{fintech.client_use_code}}"}
""",
        encoding="utf-8",
    )
    result = asyncio.run(run_scenario(load_scenario(path)))
    assert result.passed, "\n".join(result.failures)
    assert "scope" not in result.steps[0].request["form"]  # type: ignore[index]


def test_two_replays_of_the_busy_day_are_identical() -> None:
    path = ROOT / "scenarios" / "busy_day.yaml"
    first = asyncio.run(run_scenario(load_scenario(path)))
    second = asyncio.run(run_scenario(load_scenario(path)))
    assert first.passed and first.transcript() == second.transcript()
