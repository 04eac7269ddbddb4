"""docs/readiness.md held to the code: its catalogue names every check and drill of
`testbed.network.readiness` (and nothing that looks like one and is not), and its CI
recipes — the GitHub Actions job and the GitLab CI job — run as written against a real
`testbed serve`, with the world file and the stand-in client taken from the page itself."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml

from testbed.network.readiness.catalogue import CHECKS, DrillKind
from tests.test_serve import free_port

DOC = Path(__file__).resolve().parent.parent / "docs" / "readiness.md"
#: a check id's shape: lower-case words joined by hyphens
CHECK_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _section(title: str) -> str:
    return _text().split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _first_cells(section: str) -> list[str]:
    """The first column of the section's table (its code spans), header rows left out."""
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.M)


def blocks() -> dict[str, str]:
    """The fenced blocks marked `<!-- ci: NAME -->`, by name."""
    found = re.findall(r"<!-- ci: (\S+) -->\n```[^\n]*\n(.*?)```", _text(), flags=re.S)
    return dict(found)


def test_the_catalogue_and_the_drills_are_the_codes() -> None:
    assert sorted(_first_cells(_section("The catalogue"))) == sorted(c.id for c in CHECKS)
    assert sorted(_first_cells(_section("Drills"))) == sorted(k.value for k in DrillKind)
    prose = re.sub(r"```.*?```", "", _text(), flags=re.S)
    spans = set(re.findall(r"`([^`\n]+)`", prose))
    looks_like_a_check = {s for s in spans if CHECK_ID.match(s)}
    assert looks_like_a_check <= {c.id for c in CHECKS}, looks_like_a_check - {c.id for c in CHECKS}
    for check in CHECKS:  # each with its level and evidence as the catalogue says
        row = next(r for r in _text().splitlines() if r.startswith(f"| `{check.id}` |"))
        assert f"| {check.level.value} |" in row and check.evidence in row


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A fintech's checkout: the world file and the stand-in client from the page."""
    found = blocks()
    for name in ("readiness/world.yaml", "readiness/client_tests.py"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(found[name], encoding="utf-8")
    return tmp_path


def _environment(variables: dict[str, Any]) -> dict[str, str]:
    """The job's variables, on a free loopback port, with this checkout's `testbed` and
    `python` first on PATH (the install step's work, done here by the test's own venv)."""
    env = {**os.environ, **{k: str(v) for k, v in variables.items()}, "PORT": str(free_port())}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _stop(repository: Path) -> None:
    """The testbed the recipe started in the background: its own pid file says which."""
    pid_file = repository / "testbed.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError):  # it may have stopped already
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


def _held_to_the_verdict(repository: Path, output: str) -> None:
    """What the stand-in earns: its drilled time-out handled, the run INCOMPLETE (exit 1)
    with nothing failed, the JUnit and HTML files written."""
    assert "transfer/result A0000 000" in output, output
    assert "finished the open run RR" in output and "(finished): INCOMPLETE" in output
    suite = ElementTree.parse(repository / "readiness.xml").getroot()
    assert suite.get("failures") == "0" and int(suite.get("skipped", "0")) > 0
    assert "점검 미완료" in (repository / "readiness.html").read_text(encoding="utf-8")


def _is_install(command: str) -> bool:
    return command.strip().startswith("pip install ")


@pytest.mark.subprocess
def test_the_github_actions_job_runs_as_written(repository: Path) -> None:
    job = yaml.safe_load(blocks()["github"])["jobs"]["readiness"]
    env = _environment(job["env"])
    steps = [s for s in job["steps"] if "run" in s]
    assert [s["name"] for s in steps if _is_install(s["run"])] == ["Install the testbed"]
    output, codes = "", []
    try:
        for step in steps:
            if _is_install(step["run"]):
                continue
            done = subprocess.run(  # GitHub's `run` shell: bash -e {0}
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=repository,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=120,
            )
            output += done.stdout + done.stderr
            codes.append(done.returncode)
    finally:
        _stop(repository)
    assert codes == [0, 0, 0, 1], output  # serve+wait, start+drill, client tests, verdict
    _held_to_the_verdict(repository, output)


@pytest.mark.subprocess
def test_the_gitlab_ci_job_runs_as_written(repository: Path) -> None:
    job = yaml.safe_load(blocks()["gitlab"])["readiness"]
    assert all(_is_install(line) for line in job["before_script"])
    assert job["artifacts"]["reports"]["junit"] == "readiness.xml"
    # GitLab runs the script's lines in one shell and stops at the first that fails
    script = "\n".join(job["script"])
    try:
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-e", "-c", script],
            cwd=repository,
            env=_environment(job["variables"]),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        _stop(repository)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # the last line's verdict: INCOMPLETE
    _held_to_the_verdict(repository, output)
