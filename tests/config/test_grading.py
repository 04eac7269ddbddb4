"""The grading table (차등 운영): the shipped one, every threshold's edge, and bad tables
refused at their line like any bad network file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from testbed.config import load_network
from testbed.config.grading import (
    CREDIT_RATINGS,
    DEFAULT_GRADING,
    LIMIT_KEYS,
    GradingInputs,
    Guarantee,
)
from testbed.network.parties import DEFAULT_LIMITS

from .conftest import BANKS_YAML, ZENGIN_YAML
from .test_network_file import VALID, edit, error_of, line_no, load_text

#: an applicant that scores nothing at all: graded by the one input a test changes
NOTHING = GradingInputs(
    credit_rating="D",
    paid_in_capital=0,
    years_in_business=0,
    operating_profit=-1,
    aml_system=False,
    isms=False,
    liability_insurance=False,
)

# ------------------------------------------------------------ the shipped table


def test_banks_yaml_ships_the_default_table() -> None:
    assert load_network(BANKS_YAML).grading == DEFAULT_GRADING


def test_a_file_without_grading_gets_the_shipped_table(tmp_path: Path) -> None:
    assert "grading" not in VALID
    assert load_text(tmp_path, VALID).grading is DEFAULT_GRADING
    assert load_network(ZENGIN_YAML).grading is DEFAULT_GRADING


def test_a_grade_sets_only_limits_the_institutions_know() -> None:
    assert set(LIMIT_KEYS) == set(DEFAULT_LIMITS)


def test_the_seeds_example_reads_in_the_table() -> None:
    table = DEFAULT_GRADING
    assert [(g.grade, g.min_points) for g in table.grades] == [("A", 80), ("B", 50), ("C", 0)]
    assert table.points.most == 100
    a, b, c = (table.terms[g] for g in "ABC")
    assert (a.self_auth, b.self_auth, c.self_auth) == (True, False, False)  # 자체인증 허용여부
    assert a.guarantee == Guarantee("none")  # 한도 수준별 보증수단
    assert (b.guarantee.label, b.guarantee.amount) == ("이행보증보험", 1_000_000_000)
    assert (c.guarantee.label, c.guarantee.amount) == ("예치금", 100_000_000)
    # 출금한도: a lower grade never may withdraw more
    for key in ("withdraw_per_tx", "withdraw_day", "user_withdraw_per_tx", "user_withdraw_day"):
        assert a.limits[key] >= b.limits[key] >= c.limits[key] > 0
    assert dict(table.fee_start) == {"대형": "basic", "중소형": "reduced"}


def test_a_strong_company_is_a_and_a_young_one_c() -> None:
    strong = GradingInputs("AA", 10_000_000_000, 12, 3_000_000_000, True, True, True)
    young = GradingInputs("NR", 300_000_000, 1, -50_000_000, True, False, True)
    middle = GradingInputs("BBB", 1_000_000_000, 3, 0, True, True, False)
    assert (DEFAULT_GRADING.assess(strong, "대형").grade, DEFAULT_GRADING.score(strong)) == (
        "A",
        {
            "credit_rating": 30,
            "paid_in_capital": 20,
            "years_in_business": 10,
            "operating_profit": 10,
            "aml_system": 10,
            "isms": 10,
            "liability_insurance": 10,
        },
    )
    assessed = DEFAULT_GRADING.assess(young, "중소형")
    assert (assessed.points, assessed.grade, assessed.fee_start) == (33, "C", "reduced")
    assert DEFAULT_GRADING.assess(middle, "중소형").points == 20 + 10 + 6 + 5 + 20
    assert DEFAULT_GRADING.assess(middle, "중소형").grade == "B"
    assert DEFAULT_GRADING.assess(middle, "대형").fee_start == "basic"


# ------------------------------------------------------------ every edge


@pytest.mark.parametrize(
    ("name", "value", "points"),
    [
        ("paid_in_capital", 0, 0),
        ("paid_in_capital", 299_999_999, 0),
        ("paid_in_capital", 300_000_000, 5),
        ("paid_in_capital", 999_999_999, 5),
        ("paid_in_capital", 1_000_000_000, 10),
        ("paid_in_capital", 4_999_999_999, 10),
        ("paid_in_capital", 5_000_000_000, 15),
        ("paid_in_capital", 9_999_999_999, 15),
        ("paid_in_capital", 10_000_000_000, 20),
        ("paid_in_capital", 10**15, 20),
        ("years_in_business", 0, 0),
        ("years_in_business", 1, 3),
        ("years_in_business", 2, 3),
        ("years_in_business", 3, 6),
        ("years_in_business", 4, 6),
        ("years_in_business", 5, 10),
        ("years_in_business", 40, 10),
        ("operating_profit", -1, 0),
        ("operating_profit", -(10**12), 0),
        ("operating_profit", 0, 5),
        ("operating_profit", 999_999_999, 5),
        ("operating_profit", 1_000_000_000, 10),
    ],
)
def test_each_step_of_a_figure(name: str, value: int, points: int) -> None:
    scored = DEFAULT_GRADING.score(replace(NOTHING, **{name: value}))
    assert scored[name] == points
    assert sum(scored.values()) == points  # nothing else scored


@pytest.mark.parametrize(
    ("rating", "points"),
    [
        *[("AAA", 30), ("AA", 30), ("A", 25), ("BBB", 20), ("BB", 15), ("B", 10)],
        *[("CCC", 5), ("CC", 0), ("C", 0), ("D", 0), ("NR", 5)],
    ],
)
def test_each_credit_rating(rating: str, points: int) -> None:
    assert DEFAULT_GRADING.score(replace(NOTHING, credit_rating=rating))["credit_rating"] == points


@pytest.mark.parametrize("flag", ["aml_system", "isms", "liability_insurance"])
def test_each_risk_management_flag(flag: str) -> None:
    assert sum(DEFAULT_GRADING.score(replace(NOTHING, **{flag: True})).values()) == 10


@pytest.mark.parametrize(
    ("total", "grade"),
    [(0, "C"), (49, "C"), (50, "B"), (79, "B"), (80, "A"), (100, "A")],
)
def test_each_grade_boundary(total: int, grade: str) -> None:
    assert DEFAULT_GRADING.grade_for(total) == grade


def test_grade_boundaries_through_the_inputs() -> None:
    # 30 + 20 + 10 + 10 + 10 = 80: A; one year less in business (6 instead of 10): 76, B
    eighty = GradingInputs("AAA", 10_000_000_000, 5, 1_000_000_000, True, False, False)
    assert DEFAULT_GRADING.assess(eighty, "중소형").points == 80
    assert DEFAULT_GRADING.assess(eighty, "중소형").grade == "A"
    assert DEFAULT_GRADING.assess(replace(eighty, years_in_business=4), "중소형").grade == "B"
    # 20 + 10 + 0 + 0 + 20 = 50: B; one rating lower (15): 45, C
    fifty = GradingInputs("BBB", 1_000_000_000, 0, -1, True, True, False)
    assert DEFAULT_GRADING.assess(fifty, "중소형").points == 50
    assert DEFAULT_GRADING.assess(fifty, "중소형").grade == "B"
    assert DEFAULT_GRADING.assess(replace(fifty, credit_rating="BB"), "중소형").grade == "C"


# ------------------------------------------------------------ a small table, and bad ones

GRADING = """\
grading:
  points:
    credit_rating: {AAA: 30, AA: 30, A: 25, BBB: 20, BB: 15, B: 10, CCC: 5, CC: 0, C: 0, D: 0, NR: 5}
    paid_in_capital:
      - {at_least: 300_000_000, points: 5}
      - {at_least: 1_000_000_000, points: 10}
    years_in_business:
      - {at_least: 3, points: 10}
    operating_profit:
      - {at_least: 0, points: 10}
    aml_system: 10
    isms: 10
    liability_insurance: 10
  grades:
    - {grade: 우수, min_points: 60}
    - {grade: 보통, min_points: 0}
  terms:
    우수:
      self_auth: true
      limits: {withdraw_per_tx: 10_000_000, withdraw_day: 50_000_000}
      guarantee: {kind: none}
    보통:
      self_auth: false
      limits: {withdraw_per_tx: 1_000_000, user_withdraw_day: 2_000_000}
      guarantee: {kind: deposit, amount: 50_000_000}
  fee_start: {대형: basic, 중소형: reduced}
"""
WITH_GRADING = VALID + GRADING


def test_a_file_may_write_its_own_table(tmp_path: Path) -> None:
    table = load_text(tmp_path, WITH_GRADING).grading
    assert [g.grade for g in table.grades] == ["우수", "보통"]
    assert table.points.most == 30 + 10 + 10 + 10 + 30
    assert dict(table.terms["보통"].limits) == {
        "withdraw_per_tx": 1_000_000,
        "user_withdraw_day": 2_000_000,
    }
    assert table.terms["보통"].guarantee == Guarantee("deposit", 50_000_000)
    top = GradingInputs("AAA", 1_000_000_000, 3, 1, False, False, False)
    assert table.assess(top, "중소형").grade == "우수"  # 30 + 10 + 10 + 10 = 60
    assert table.assess(replace(top, credit_rating="A"), "중소형").grade == "보통"


RATINGS = "{AAA: 30, AA: 30, A: 25, BBB: 20, BB: 15, B: 10, CCC: 5, CC: 0, C: 0, D: 0, NR: 5}"


@pytest.mark.parametrize(
    ("old", "new", "path", "needle", "phrase"),
    [
        (
            "    isms: 10\n",
            "    isms: 10\n    ismss: 1\n",
            "grading.points.ismss",
            "ismss",
            "did you mean 'isms'?",
        ),
        (
            "  fee_start: {대형: basic, 중소형: reduced}\n",
            "  fee_start: {대형: basic, 중소형: reduced}\n  grade_names: []\n",
            "grading.grade_names",
            "grade_names",
            "unknown key 'grade_names'",
        ),
        (
            "    isms: 10\n",
            "",
            "grading.points",
            "  points:",
            "missing required key 'isms'",
        ),
        (
            "    aml_system: 10",
            "    aml_system: -10",
            "grading.points.aml_system",
            "aml_system",
            ">= 0",
        ),
        (
            RATINGS,
            RATINGS.replace("CCC: 5", "CCC: 15"),
            "grading.points.credit_rating.CCC",
            "credit_rating",
            "must not rise as the rating falls",
        ),
        (
            RATINGS,
            RATINGS.replace(", NR: 5", ""),
            "grading.points.credit_rating",
            "credit_rating",
            "missing required key 'NR'",
        ),
        (
            RATINGS,
            RATINGS.replace(" AA: 30", " AA+: 30"),
            "grading.points.credit_rating.AA+",
            "credit_rating",
            "unknown key 'AA+'",
        ),
        (
            "      - {at_least: 1_000_000_000, points: 10}",
            "      - {at_least: 100_000_000, points: 10}",
            "grading.points.paid_in_capital[1].at_least",
            "at_least: 100_000_000",
            "steps must rise",
        ),
        (
            "      - {at_least: 1_000_000_000, points: 10}",
            "      - {at_least: 300_000_000, points: 10}",
            "grading.points.paid_in_capital[1].at_least",
            "points: 10}",
            "each value once",
        ),
        (
            "      - {at_least: 1_000_000_000, points: 10}",
            "      - {at_least: 1_000_000_000, points: 1}",
            "grading.points.paid_in_capital[1].points",
            "points: 1}",
            "must not score less",
        ),
        (
            "      - {at_least: 300_000_000, points: 5}",
            "      - {at_least: -1, points: 5}",
            "grading.points.paid_in_capital[0].at_least",
            "at_least: -1",
            ">= 0",
        ),
        (
            "    years_in_business:\n      - {at_least: 3, points: 10}",
            "    years_in_business: {at_least: 3, points: 10}",
            "grading.points.years_in_business",
            "years_in_business",
            "expected a list of steps",
        ),
        (
            "    - {grade: 보통, min_points: 0}",
            "    - {grade: 보통, min_points: 60}",
            "grading.grades[1].min_points",
            "grade: 보통, min_points: 60",
            "no two at the same points",
        ),
        (
            "    - {grade: 보통, min_points: 0}",
            "    - {grade: 보통, min_points: 70}",
            "grading.grades[1].min_points",
            "grade: 보통",
            "list grades best first",
        ),
        (
            "    - {grade: 보통, min_points: 0}",
            "    - {grade: 보통, min_points: 10}",
            "grading.grades[1].min_points",
            "grade: 보통",
            "must start at 0 points",
        ),
        (
            "    - {grade: 우수, min_points: 60}",
            "    - {grade: 우수, min_points: 101}",
            "grading.grades[0].min_points",
            "grade: 우수",
            "at most 90",
        ),
        (
            "    - {grade: 보통, min_points: 0}",
            "    - {grade: 우수, min_points: 0}",
            "grading.grades[1].grade",
            "grade: 우수, min_points: 0",
            "listed twice",
        ),
        (
            "  grades:\n    - {grade: 우수, min_points: 60}\n    - {grade: 보통, min_points: 0}\n",
            "  grades: []\n",
            "grading.grades",
            "grades: []",
            "expected a list of grades",
        ),
        (
            "    보통:\n      self_auth: false",
            "    특별:\n      self_auth: false",
            "grading.terms.특별",
            "특별:",
            "unknown key '특별'",
        ),
        (
            "      self_auth: false\n",
            "      self_auth: no way\n",
            "grading.terms.보통.self_auth",
            "no way",
            "expected true or false",
        ),
        (
            "{withdraw_per_tx: 1_000_000, user_withdraw_day: 2_000_000}",
            "{withdraw_per_tx: -1_000_000}",
            "grading.terms.보통.limits.withdraw_per_tx",
            "withdraw_per_tx: -1_000_000",
            ">= 0",
        ),
        (
            "{withdraw_per_tx: 1_000_000, user_withdraw_day: 2_000_000}",
            "{withdraw_per_tx: 1_000_000, user_withdraw_a_day: 2_000_000}",
            "grading.terms.보통.limits.user_withdraw_a_day",
            "user_withdraw_a_day",
            "did you mean 'user_withdraw_day'?",
        ),
        (
            "{withdraw_per_tx: 10_000_000, withdraw_day: 50_000_000}",
            "{withdraw_per_tx: 100_000_000, withdraw_day: 50_000_000}",
            "grading.terms.우수.limits.withdraw_per_tx",
            "withdraw_per_tx: 100_000_000",
            "is above withdraw_day",
        ),
        (
            "      guarantee: {kind: none}",
            "      guarantee: {kind: cash}",
            "grading.terms.우수.guarantee.kind",
            "kind: cash",
            "unknown guarantee 'cash'",
        ),
        (
            "      guarantee: {kind: none}",
            "      guarantee: {kind: none, amount: 5}",
            "grading.terms.우수.guarantee.amount",
            "kind: none, amount: 5",
            "has no amount",
        ),
        (
            "      guarantee: {kind: deposit, amount: 50_000_000}",
            "      guarantee: {kind: deposit}",
            "grading.terms.보통.guarantee",
            "kind: deposit",
            "needs an amount",
        ),
        (
            "      guarantee: {kind: deposit, amount: 50_000_000}",
            "      guarantee: {kind: deposit, amount: 0}",
            "grading.terms.보통.guarantee.amount",
            "kind: deposit",
            ">= 1",
        ),
        (
            "  fee_start: {대형: basic, 중소형: reduced}",
            "  fee_start: {대형: basic, 중소형: cheap}",
            "grading.fee_start.중소형",
            "fee_start",
            "expected one of: reduced, basic; got 'cheap'",
        ),
        (
            "  fee_start: {대형: basic, 중소형: reduced}",
            "  fee_start: {대형: basic}",
            "grading.fee_start",
            "fee_start",
            "missing required key '중소형'",
        ),
    ],
)
def test_a_bad_table_is_refused_at_its_line(
    tmp_path: Path, old: str, new: str, path: str, needle: str, phrase: str
) -> None:
    text = edit(old, new, WITH_GRADING)
    error = error_of(tmp_path, text)
    assert error.path == path
    assert error.line == line_no(text, needle)
    assert phrase in error.problem


def test_a_grade_without_terms_is_refused(tmp_path: Path) -> None:
    text = edit(
        "    보통:\n      self_auth: false\n"
        "      limits: {withdraw_per_tx: 1_000_000, user_withdraw_day: 2_000_000}\n"
        "      guarantee: {kind: deposit, amount: 50_000_000}\n",
        "",
        WITH_GRADING,
    )
    error = error_of(tmp_path, text)
    assert (error.path, error.line) == ("grading.terms", line_no(text, "  terms:"))
    assert "missing required key '보통'" in error.problem


def test_grading_must_be_a_mapping(tmp_path: Path) -> None:
    error = error_of(tmp_path, VALID + "grading: [A, B, C]\n")
    assert (error.path, error.line) == ("grading", line_no(VALID + "grading:", "grading:"))
    assert "expected a mapping" in error.problem


def test_ratings_are_best_first() -> None:
    assert CREDIT_RATINGS[0] == "AAA" and CREDIT_RATINGS[-1] == "D"
