"""Readiness runs: an institution's window of traffic that the testbed grades, with the
drills asked for during it; kept in the world's books (so on disk, sealed as every record).

At most one run is open per institution (`ReadinessBook.active`, the one lookup an API call
pays while nobody has a run open). A run keeps at most `MAX_EXCHANGES` calls; an
institution keeps its latest `MAX_RUNS` runs (the oldest goes, with its calls).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from testbed.network.readiness.exchanges import Exchange
from testbed.network.records import Decoder, RecordBook

MAX_EXCHANGES: Final = 5_000
#: of which calls that carried no token (the consent pages, the token endpoint): anyone
#: can make those naming the institution's public client_id, so they get a share only
MAX_TOKENLESS: Final = 1_000
MAX_RUNS: Final = 20
ID_PREFIX: Final = "RR"


@dataclass(slots=True, kw_only=True)
class Drill:
    """A situation injected for one institution during a run, and what it expects."""

    id: str
    kind: str  # a DrillKind
    at: float
    until: float | None  # None: until used (a one-shot)
    fault: str = ""  # the injected fault's id, when it is one
    injected_ko: str = ""
    injected_en: str = ""
    expects_ko: str = ""
    expects_en: str = ""
    checks: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class ReadinessRun:
    id: str
    client_use_code: str
    developer: str  # the tenant who may see it ("" for the operator's demo institutions)
    started: float
    finished: float | None = None
    drills: list[Drill] = field(default_factory=list)
    exchanges_seen: int = 0  # calls observed, kept or not (beyond MAX_EXCHANGES)
    report: dict[str, Any] | None = None  # graded when finished

    @property
    def open(self) -> bool:
        return self.finished is None


def _run(data: dict[str, Any]) -> ReadinessRun:
    data = dict(data)
    data["drills"] = [Drill(**d) for d in data.get("drills", [])]
    return ReadinessRun(**data)


class ReadinessBook(RecordBook):
    KINDS: ClassVar[dict[str, Decoder]] = {
        "readiness_run": _run,
        "readiness_exchange": lambda data: Exchange(**data),
    }

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[str, ReadinessRun] = self.tables["readiness_run"]
        #: the open run of each institution: what an API call looks up
        self.active: dict[str, ReadinessRun] = {}
        self.exchanges: dict[str, list[Exchange]] = {}
        self.tokenless: dict[str, int] = {}  # each run's kept calls without a token

    @classmethod
    def attach(cls, books: list[RecordBook]) -> ReadinessBook:
        book = cls()
        books.append(book)
        return book

    def _index(self, kind: str, key: str, obj: Any) -> None:
        if kind == "readiness_run":
            run: ReadinessRun = obj
            if run.open:
                self.active[run.client_use_code] = run
            elif self.active.get(run.client_use_code) is run:
                del self.active[run.client_use_code]
            kept = self.exchanges.setdefault(obj.id, [])
            if kept:  # loaded after its calls: count on from the last kept
                obj.exchanges_seen = max(obj.exchanges_seen, kept[-1].seq)
        else:
            run_id = key.partition(":")[0]
            kept = self.exchanges.setdefault(run_id, [])
            kept.append(obj)
            if not obj.token:
                self.tokenless[run_id] = self.tokenless.get(run_id, 0) + 1
            if len(kept) > 1 and kept[-2].seq > obj.seq:  # loaded out of order
                kept.sort(key=lambda e: e.seq)
            owner = self.runs.get(run_id)
            if owner is not None and obj.seq > owner.exchanges_seen:
                owner.exchanges_seen = obj.seq

    def _unindex(self, kind: str, key: str, obj: Any) -> None:
        if kind == "readiness_run":
            gone: ReadinessRun = obj
            self.exchanges.pop(gone.id, None)
            self.tokenless.pop(gone.id, None)
            if self.active.get(gone.client_use_code) is gone:
                del self.active[gone.client_use_code]

    def next_id(self) -> str:
        highest = max((int(key[len(ID_PREFIX) :]) for key in self.runs), default=0)
        return f"{ID_PREFIX}{highest + 1:06d}"

    def of(self, client_use_code: str) -> list[ReadinessRun]:
        """The institution's runs, oldest first."""
        return [r for r in self.runs.values() if r.client_use_code == client_use_code]

    def start(self, run: ReadinessRun) -> ReadinessRun:
        for old in self.of(run.client_use_code)[: -(MAX_RUNS - 1) or None]:
            self.forget(old)
        self.put("readiness_run", run.id, run)
        return run

    def forget(self, run: ReadinessRun) -> None:
        for exchange in list(self.exchanges.get(run.id, [])):
            self.delete("readiness_exchange", f"{run.id}:{exchange.seq:06d}")
        self.delete("readiness_run", run.id)

    def keep(self, run: ReadinessRun) -> None:
        """The run changed (a drill, its end): write it again."""
        self.put("readiness_run", run.id, run)

    def observe(self, run: ReadinessRun, exchange: Exchange) -> None:
        run.exchanges_seen += 1
        if exchange.seq > MAX_EXCHANGES:
            return
        if not exchange.token and self.tokenless.get(run.id, 0) >= MAX_TOKENLESS:
            return
        self.put("readiness_exchange", f"{run.id}:{exchange.seq:06d}", exchange)

    def calls(self, run: ReadinessRun) -> list[Exchange]:
        return self.exchanges.get(run.id, [])
