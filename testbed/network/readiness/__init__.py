"""Go-live readiness (기능테스트 준비도): the testbed grades an institution's own client from
the calls it makes during a run, with drills that create the situations the checks need.

- `catalogue`: the checks, as data (ids, titles, evidence, must/should, drill);
- `exchanges`: what a run keeps of one call (secrets fingerprinted);
- `runs`: runs and drills, kept in the world's books;
- `drills`: what each drill injects and expects, as data;
- `grading`: one grader per check, the verdict, coverage and score.

The use case (start, drill, finish, report, observe) is the gateway's
(`testbed.network.gateway.readiness`).
"""

from testbed.network.readiness.catalogue import BY_ID, CHECKS, Check, DrillKind, Level
from testbed.network.readiness.drills import DRILLS, DrillSpec
from testbed.network.readiness.exchanges import Exchange, fingerprint, redacted
from testbed.network.readiness.grading import Status, Verdict
from testbed.network.readiness.runs import Drill, ReadinessBook, ReadinessRun

__all__ = [
    "BY_ID",
    "CHECKS",
    "DRILLS",
    "Check",
    "Drill",
    "DrillKind",
    "DrillSpec",
    "Exchange",
    "Level",
    "ReadinessBook",
    "ReadinessRun",
    "Status",
    "Verdict",
    "fingerprint",
    "redacted",
]
