"""차등 운영: the grading table that turns an applicant's figures into a grade and its terms.

The seed document (오픈뱅킹 이용기관별 운영방식 차등 적용) says the centre grades every
institution on its financial soundness (재무건전성: 기업신용등급, 납입자본금, 회사업력,
영업이익) and its risk management (리스크 관리: AML 시스템 운영, 정보보호관리체계 인증,
전자금융배상책임보험 가입), and that the grade decides whether it may authenticate its
own users (자체인증 허용여부), its withdrawal limits and, per limit level, the guarantee it
must lodge (한도 수준별 보증수단). It shows the table only as an example (예시), so the
figures are the network file's (`grading:` in banks.yaml): `GradingTable` is that section,
validated; `DEFAULT_GRADING` is what a network file without the section gets, and equals
the section shipped in banks.yaml (a test holds them together).

How a table grades (`GradingTable.assess`): every input scores points (`Points`), the total
picks the first grade whose `min_points` it reaches (grades listed best first, the last at
0 so every total has one), and the grade's `Terms` apply. The 처리대행비용 tier an
institution starts on goes by its size: one known to exceed the 경감기준 (a 대형 사업자)
pays the basic cost from its first month (`fee_start`).

Plain data only: the parser is driven by the network file's reader (`banks_file`), whose
helpers name the file, line and key path of every bad value.

One concept over ~500 lines: the grading table (차등 운영) and its strict reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from types import MappingProxyType
from typing import Any, Protocol

from .yamlsrc import SourceError, child_path

__all__ = [
    "CREDIT_RATINGS",
    "DEFAULT_GRADING",
    "FEE_STARTS",
    "GUARANTEE_KINDS",
    "INPUT_LABELS",
    "LIMIT_KEYS",
    "NO_RATING",
    "SIZES",
    "Assessment",
    "GradeStep",
    "GradingInputs",
    "GradingTable",
    "Guarantee",
    "Points",
    "Step",
    "Terms",
    "parse_grading",
]

#: 기업신용등급, best first (the usual 회사채 scale); `NO_RATING` is a company without one
CREDIT_RATINGS: tuple[str, ...] = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D")
NO_RATING = "NR"
#: the sizes of the seed's 처리대행비용 table: 기본비용(대형), 경감비용(중소형)
SIZES: tuple[str, ...] = ("대형", "중소형")
FEE_STARTS: tuple[str, ...] = ("reduced", "basic")
#: 보증수단: the key a table writes, and its Korean name
GUARANTEE_KINDS: Mapping[str, str] = MappingProxyType(
    {"none": "없음", "surety_insurance": "이행보증보험", "deposit": "예치금"}
)
#: the limits a grade may set: the keys of `testbed.network.parties.DEFAULT_LIMITS` (a test
#: holds the two together; config sits below the network and cannot import it)
LIMIT_KEYS: tuple[str, ...] = (
    "withdraw_per_tx",
    "withdraw_day",
    "withdraw_month",
    "deposit_per_tx",
    "deposit_day",
    "deposit_month",
    "user_withdraw_per_tx",
    "user_withdraw_day",
)
#: (smaller, larger): a limit per transaction above one per day makes no sense, nor a day
#: above a month (0 is "no limit", so only two set limits are compared)
_LIMIT_ORDER: tuple[tuple[str, str], ...] = (
    ("withdraw_per_tx", "withdraw_day"),
    ("withdraw_day", "withdraw_month"),
    ("deposit_per_tx", "deposit_day"),
    ("deposit_day", "deposit_month"),
    ("user_withdraw_per_tx", "user_withdraw_day"),
)
#: every input that scores points, with the seed's name for it
INPUT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "credit_rating": "기업신용등급",
        "paid_in_capital": "납입자본금",
        "years_in_business": "회사업력",
        "operating_profit": "영업이익",
        "aml_system": "AML시스템 운영",
        "isms": "정보보호관리체계 인증",
        "liability_insurance": "전자금융배상책임보험 가입",
    }
)
_STEP_INPUTS = ("paid_in_capital", "years_in_business", "operating_profit")
_FLAG_INPUTS = ("aml_system", "isms", "liability_insurance")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Step:
    """A step of a figure's scale: a value of `at_least` or more scores `points`."""

    at_least: int
    points: int


@dataclass(frozen=True, slots=True)
class Points:
    """What each input scores. A figure scores the points of the highest step it reaches,
    0 below the first; a risk-management flag scores its points when true."""

    credit_rating: Mapping[str, int] = field(hash=False)  # every rating and NR
    paid_in_capital: tuple[Step, ...]  # 납입자본금, won
    years_in_business: tuple[Step, ...]  # 회사업력, whole years
    operating_profit: tuple[Step, ...]  # 영업이익, won (a loss is below every step)
    aml_system: int
    isms: int
    liability_insurance: int

    def steps(self, name: str) -> tuple[Step, ...]:
        steps: tuple[Step, ...] = getattr(self, name)
        return steps

    @property
    def most(self) -> int:
        """The highest total an applicant can score."""
        figures = sum(
            self.steps(name)[-1].points if self.steps(name) else 0 for name in _STEP_INPUTS
        )
        flags = self.aml_system + self.isms + self.liability_insurance
        return max(self.credit_rating.values()) + figures + flags


@dataclass(frozen=True, slots=True)
class Guarantee:
    """보증수단: what an institution lodges for its limits (`amount` in won, 0 for none)."""

    kind: str  # a key of GUARANTEE_KINDS
    amount: int = 0

    @property
    def label(self) -> str:
        return GUARANTEE_KINDS[self.kind]


@dataclass(frozen=True, slots=True)
class Terms:
    """How the centre treats an institution of one grade."""

    self_auth: bool  # 자체인증 허용
    limits: Mapping[str, int] = field(hash=False)  # won; 0: no limit; missing: the default
    guarantee: Guarantee


@dataclass(frozen=True, slots=True)
class GradeStep:
    """A total of `min_points` or more earns `grade` (unless a better grade's step is met)."""

    grade: str
    min_points: int


@dataclass(frozen=True, slots=True)
class GradingInputs:
    """An applicant's figures, as the grading table reads them."""

    credit_rating: str  # one of CREDIT_RATINGS, or NO_RATING
    paid_in_capital: int  # won
    years_in_business: int
    operating_profit: int  # won, negative for a loss
    aml_system: bool
    isms: bool
    liability_insurance: bool


@dataclass(frozen=True, slots=True)
class Assessment:
    """The grading of one applicant: its points (input by input), its grade and terms."""

    points: int
    breakdown: Mapping[str, int] = field(hash=False)  # input name -> points it scored
    grade: str
    terms: Terms
    fee_start: str  # "reduced" | "basic"


@dataclass(frozen=True, slots=True)
class GradingTable:
    """The `grading:` section of a network file."""

    points: Points
    grades: tuple[GradeStep, ...]  # best first, min_points falling, the last 0
    terms: Mapping[str, Terms] = field(hash=False)
    fee_start: Mapping[str, str] = field(hash=False)  # size -> "reduced" | "basic"

    def score(self, inputs: GradingInputs) -> dict[str, int]:
        """The points each input scores."""
        points = self.points
        out = {"credit_rating": points.credit_rating[inputs.credit_rating]}
        for name in _STEP_INPUTS:
            out[name] = _on_scale(points.steps(name), getattr(inputs, name))
        for name in _FLAG_INPUTS:
            out[name] = getattr(points, name) if getattr(inputs, name) else 0
        return out

    def grade_for(self, total: int) -> str:
        for step in self.grades:
            if total >= step.min_points:
                return step.grade
        raise AssertionError("the last grade starts at 0 points")  # pragma: no cover

    def assess(self, inputs: GradingInputs, size: str) -> Assessment:
        breakdown = self.score(inputs)
        total = sum(breakdown.values())
        grade = self.grade_for(total)
        return Assessment(
            total, MappingProxyType(breakdown), grade, self.terms[grade], self.fee_start[size]
        )


def _on_scale(steps: tuple[Step, ...], value: int) -> int:
    points = 0
    for step in steps:
        if value < step.at_least:
            break
        points = step.points
    return points


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


#: The shipped table (banks.yaml's `grading:` says the same, with its reasons): ⚠ testbed
#: figures, for the seed's table is an example without numbers.
DEFAULT_GRADING = GradingTable(
    points=Points(
        credit_rating=_frozen(
            {
                "AAA": 30,
                "AA": 30,
                "A": 25,
                "BBB": 20,
                "BB": 15,
                "B": 10,
                "CCC": 5,
                "CC": 0,
                "C": 0,
                "D": 0,
                "NR": 5,
            }
        ),
        paid_in_capital=(
            Step(300_000_000, 5),
            Step(1_000_000_000, 10),
            Step(5_000_000_000, 15),
            Step(10_000_000_000, 20),
        ),
        years_in_business=(Step(1, 3), Step(3, 6), Step(5, 10)),
        operating_profit=(Step(0, 5), Step(1_000_000_000, 10)),
        aml_system=10,
        isms=10,
        liability_insurance=10,
    ),
    grades=(GradeStep("A", 80), GradeStep("B", 50), GradeStep("C", 0)),
    terms=_frozen(
        {
            "A": Terms(
                self_auth=True,
                limits=_frozen(
                    {
                        "withdraw_per_tx": 10_000_000,
                        "withdraw_day": 5_000_000_000,
                        "user_withdraw_per_tx": 10_000_000,
                        "user_withdraw_day": 10_000_000,
                    }
                ),
                guarantee=Guarantee("none"),
            ),
            "B": Terms(
                self_auth=False,
                limits=_frozen(
                    {
                        "withdraw_per_tx": 5_000_000,
                        "withdraw_day": 1_000_000_000,
                        "user_withdraw_per_tx": 5_000_000,
                        "user_withdraw_day": 5_000_000,
                    }
                ),
                guarantee=Guarantee("surety_insurance", 1_000_000_000),
            ),
            "C": Terms(
                self_auth=False,
                limits=_frozen(
                    {
                        "withdraw_per_tx": 1_000_000,
                        "withdraw_day": 100_000_000,
                        "user_withdraw_per_tx": 1_000_000,
                        "user_withdraw_day": 1_000_000,
                    }
                ),
                guarantee=Guarantee("deposit", 100_000_000),
            ),
        }
    ),
    fee_start=_frozen({"대형": "basic", "중소형": "reduced"}),
)


# ------------------------------------------------------------------------ parsing


class Reader(Protocol):
    """What the network file's reader lends the grading parser (`banks_file._Parser`)."""

    def fail(self, path: str, problem: str) -> SourceError: ...

    def mapping(
        self,
        value: object,
        path: str,
        allowed: Iterable[str],
        required: Iterable[str] = (),
        what: str = "",
    ) -> dict[str, Any]: ...

    def integer(self, value: object, path: str, low: int, high: int | None = None) -> int: ...

    def boolean(self, value: object, path: str) -> bool: ...

    def text(self, value: object, path: str, *, allow_empty: bool = False) -> str: ...


_TOP_KEYS = ("points", "grades", "terms", "fee_start")
_POINTS_KEYS = ("credit_rating", *_STEP_INPUTS, *_FLAG_INPUTS)
_STEP_KEYS = ("at_least", "points")
_GRADE_KEYS = ("grade", "min_points")
_TERMS_KEYS = ("self_auth", "limits", "guarantee")
_GUARANTEE_KEYS = ("kind", "amount")
#: the least a figure's step may start at: a loss (negative 영업이익) may be scored too
_LEAST_FIGURE = -(10**15)


def parse_grading(value: object, reader: Reader, path: str = "grading") -> GradingTable:
    """The `grading:` section, validated; every problem a `SourceError` at its line."""
    return _GradingParser(reader, path).table(value)


class _GradingParser:
    def __init__(self, reader: Reader, path: str) -> None:
        self.r = reader
        self.path = path

    def at(self, *keys: str | int) -> str:
        path = self.path
        for key in keys:
            path = child_path(path, key)
        return path

    def table(self, value: object) -> GradingTable:
        raw = self.r.mapping(value, self.path, _TOP_KEYS, required=_TOP_KEYS, what="grading")
        points = self.points(raw["points"])
        grades = self.grades(raw["grades"], points)
        terms = self.terms(raw["terms"], grades)
        fee_start = self.fee_start(raw["fee_start"])
        return GradingTable(points, grades, _frozen(terms), _frozen(fee_start))

    # -- points

    def points(self, value: object) -> Points:
        raw = self.r.mapping(
            value, self.at("points"), _POINTS_KEYS, required=_POINTS_KEYS, what="points"
        )
        flags = {
            name: self.r.integer(raw[name], self.at("points", name), 0) for name in _FLAG_INPUTS
        }
        return Points(
            credit_rating=_frozen(self.ratings(raw["credit_rating"])),
            paid_in_capital=self.steps(raw["paid_in_capital"], "paid_in_capital", 0),
            years_in_business=self.steps(raw["years_in_business"], "years_in_business", 0),
            operating_profit=self.steps(raw["operating_profit"], "operating_profit", _LEAST_FIGURE),
            **flags,
        )

    def ratings(self, value: object) -> dict[str, int]:
        path = self.at("points", "credit_rating")
        every = (*CREDIT_RATINGS, NO_RATING)
        raw = self.r.mapping(value, path, every, required=every, what="credit_rating")
        scores = {
            rating: self.r.integer(raw[rating], child_path(path, rating), 0) for rating in every
        }
        # a worse rating never scores more than a better one (NR stands apart: no rating)
        for better, worse in pairwise(CREDIT_RATINGS):
            if scores[worse] > scores[better]:
                raise self.r.fail(
                    child_path(path, worse),
                    f"{worse} scores {scores[worse]}, more than the better rating {better}"
                    f" ({scores[better]}); points must not rise as the rating falls",
                )
        return scores

    def steps(self, value: object, name: str, least: int) -> tuple[Step, ...]:
        path = self.at("points", name)
        if not isinstance(value, list):
            raise self.r.fail(
                path,
                "expected a list of steps like [{at_least: 300_000_000, points: 5}],"
                f" lowest first; got {_kind(value)}",
            )
        steps: list[Step] = []
        for i, item in enumerate(value):
            item_path = child_path(path, i)
            raw = self.r.mapping(item, item_path, _STEP_KEYS, required=_STEP_KEYS, what="a step")
            step = Step(
                self.r.integer(raw["at_least"], child_path(item_path, "at_least"), least),
                self.r.integer(raw["points"], child_path(item_path, "points"), 0),
            )
            if steps and step.at_least <= steps[-1].at_least:
                raise self.r.fail(
                    child_path(item_path, "at_least"),
                    f"steps must rise: {step.at_least} is not above the step before"
                    f" ({steps[-1].at_least}); list them lowest first, each value once",
                )
            if steps and step.points < steps[-1].points:
                raise self.r.fail(
                    child_path(item_path, "points"),
                    f"{step.points} points is less than the lower step's {steps[-1].points};"
                    " a higher figure must not score less",
                )
            steps.append(step)
        return tuple(steps)

    # -- grades

    def grades(self, value: object, points: Points) -> tuple[GradeStep, ...]:
        path = self.at("grades")
        if not isinstance(value, list) or not value:
            raise self.r.fail(
                path,
                "expected a list of grades, best first, like [{grade: A, min_points: 80},"
                f" ..., {{grade: C, min_points: 0}}]; got {_kind(value)}",
            )
        grades: list[GradeStep] = []
        for i, item in enumerate(value):
            item_path = child_path(path, i)
            raw = self.r.mapping(item, item_path, _GRADE_KEYS, required=_GRADE_KEYS, what="a grade")
            name = self.r.text(raw["grade"], child_path(item_path, "grade"))
            least = self.r.integer(raw["min_points"], child_path(item_path, "min_points"), 0)
            if any(g.grade == name for g in grades):
                raise self.r.fail(child_path(item_path, "grade"), f"grade {name!r} is listed twice")
            if grades and least >= grades[-1].min_points:
                raise self.r.fail(
                    child_path(item_path, "min_points"),
                    f"grade {name} starts at {least} points, not below the better grade"
                    f" {grades[-1].grade} ({grades[-1].min_points}); list grades best first,"
                    " each starting lower than the one before (no two at the same points)",
                )
            if least > points.most:
                raise self.r.fail(
                    child_path(item_path, "min_points"),
                    f"grade {name} needs {least} points, but the points table gives at most"
                    f" {points.most}: no applicant could reach it",
                )
            grades.append(GradeStep(name, least))
        if grades[-1].min_points != 0:
            last = child_path(path, len(grades) - 1)
            raise self.r.fail(
                child_path(last, "min_points"),
                f"the last grade ({grades[-1].grade}) must start at 0 points, so that every"
                f" applicant has a grade; got {grades[-1].min_points}",
            )
        return tuple(grades)

    # -- terms

    def terms(self, value: object, grades: tuple[GradeStep, ...]) -> dict[str, Terms]:
        path = self.at("terms")
        names = [g.grade for g in grades]
        raw = self.r.mapping(value, path, names, required=names, what="terms (one per grade)")
        return {name: self.grade_terms(raw[name], child_path(path, name)) for name in names}

    def grade_terms(self, value: object, path: str) -> Terms:
        raw = self.r.mapping(value, path, _TERMS_KEYS, required=_TERMS_KEYS, what="terms")
        return Terms(
            self_auth=self.r.boolean(raw["self_auth"], child_path(path, "self_auth")),
            limits=_frozen(self.limits(raw["limits"], child_path(path, "limits"))),
            guarantee=self.guarantee(raw["guarantee"], child_path(path, "guarantee")),
        )

    def limits(self, value: object, path: str) -> dict[str, int]:
        raw = self.r.mapping(value, path, LIMIT_KEYS, what="limits (won; 0: no limit)")
        limits = {key: self.r.integer(raw[key], child_path(path, key), 0) for key in raw}
        for smaller, larger in _LIMIT_ORDER:
            low, high = limits.get(smaller, 0), limits.get(larger, 0)
            if low and high and low > high:
                raise self.r.fail(
                    child_path(path, smaller),
                    f"{smaller} ({low}) is above {larger} ({high})",
                )
        return limits

    def guarantee(self, value: object, path: str) -> Guarantee:
        raw = self.r.mapping(value, path, _GUARANTEE_KEYS, required=("kind",), what="guarantee")
        kind = raw["kind"]
        kind_path = child_path(path, "kind")
        if not isinstance(kind, str) or kind not in GUARANTEE_KINDS:
            choices = ", ".join(f"{k} ({v})" for k, v in GUARANTEE_KINDS.items())
            raise self.r.fail(
                kind_path, f"unknown guarantee {_kind(kind)}; expected one of: {choices}"
            )
        amount_path = child_path(path, "amount")
        if kind == "none":
            if "amount" in raw:
                raise self.r.fail(amount_path, "a guarantee of kind none has no amount")
            return Guarantee(kind)
        if "amount" not in raw:
            raise self.r.fail(
                path, f"a {kind} ({GUARANTEE_KINDS[kind]}) guarantee needs an amount in won"
            )
        return Guarantee(kind, self.r.integer(raw["amount"], amount_path, 1))

    # -- fee tier

    def fee_start(self, value: object) -> dict[str, str]:
        path = self.at("fee_start")
        raw = self.r.mapping(value, path, SIZES, required=SIZES, what="fee_start (one per size)")
        out: dict[str, str] = {}
        for size in SIZES:
            tier = raw[size]
            if tier not in FEE_STARTS:
                raise self.r.fail(
                    child_path(path, size),
                    f"expected one of: {', '.join(FEE_STARTS)}; got {_kind(tier)}",
                )
            out[size] = tier
        return out


def _kind(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing (null)" if value is None else f"{value!r}"
