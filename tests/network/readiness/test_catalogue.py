"""The catalogue and the graders held together: every check has its grader and every grader
its check, ids are unique and stable-looking, every drill serves a check."""

from __future__ import annotations

import re

from testbed.network.readiness import BY_ID, CHECKS, DRILLS, DrillKind, Level
from testbed.network.readiness.grading import GRADERS

#: ids are kebab-case words: a report, a JUnit testcase and a CI gate name them
ID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)+")


def test_every_check_has_a_grader_and_every_grader_a_check() -> None:
    assert set(GRADERS) == {c.id for c in CHECKS}


def test_ids_are_unique_and_stable_looking() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids)) == len(BY_ID)
    assert all(ID.fullmatch(i) and len(i) <= 40 for i in ids), ids


def test_every_check_says_what_it_rests_on_and_what_to_change() -> None:
    for check in CHECKS:
        texts = (check.title_ko, check.title_en, check.observes, check.evidence)
        assert all(t.strip() for t in texts), check.id
        assert check.advice_ko.strip() and check.advice_en.strip(), check.id
        assert re.search(r"[가-힣]", check.title_ko + check.advice_ko), check.id
        assert isinstance(check.level, Level)


def test_every_drill_kind_serves_a_check_and_is_described() -> None:
    for kind in DrillKind:
        spec = DRILLS[kind]
        assert spec.checks, f"drill {kind} serves no check"
        assert spec.injected_en and spec.injected_ko and spec.expects_en and spec.expects_ko
    assert {c.drill for c in CHECKS if c.drill} == set(DrillKind)


def test_there_are_musts_and_shoulds() -> None:
    levels = {c.level for c in CHECKS}
    assert levels == {Level.MUST, Level.SHOULD}
    assert sum(c.level is Level.MUST for c in CHECKS) >= 12
