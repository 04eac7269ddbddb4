"""Go-live readiness as a use case: start a run for an institution, lay drills on it (its
calls only), watch its calls, finish and grade (`testbed.network.readiness`).

Who may ask is decided before: the portal passes only the developer's own institution
(`admission.institution`, the tenancy rule), the operator any.
"""

from __future__ import annotations

from typing import Any

from testbed.clock import iso_kst
from testbed.config import BankCodeError
from testbed.network.faults import Fault
from testbed.network.fixtures import active_registration
from testbed.network.gateway.base import BankAnswer, GatewayBase
from testbed.network.parties import FintechClient
from testbed.network.readiness import (
    DRILLS,
    Drill,
    DrillKind,
    Exchange,
    ReadinessRun,
    fingerprint,
    redacted,
)
from testbed.network.readiness.grading import Evidence, grade, report

#: the longest a drill may be asked to last (simulated seconds)
LONGEST_DRILL = 3600.0
#: drills a run may lay (each is a fault or a hold: bounded like everything a request grows)
MOST_DRILLS = 100


class ReadinessError(ValueError):
    """A readiness request the testbed cannot take: `status` is the HTTP status to answer,
    `field` what is wrong; the message in Korean and English."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.message = message


class Readiness(GatewayBase):
    # --- runs ----------------------------------------------------------------------------
    def watching(self, client_use_code: str) -> bool:
        """Whether the institution has a run open: the one question every call asks."""
        return client_use_code in self.world.readiness.active

    def runs(self, client: FintechClient) -> list[ReadinessRun]:
        return self.world.readiness.of(client.client_use_code)

    def current(self, client: FintechClient) -> ReadinessRun | None:
        """The open run, else the latest finished one."""
        runs = self.runs(client)
        return runs[-1] if runs else None

    def run(self, client: FintechClient, run_id: str) -> ReadinessRun | None:
        found = self.world.readiness.runs.get(run_id)
        return found if found and found.client_use_code == client.client_use_code else None

    def start(self, client: FintechClient) -> ReadinessRun:
        book = self.world.readiness
        if client.client_use_code in book.active:
            raise ReadinessError(
                409,
                "run",
                "이미 진행 중인 점검이 있습니다. 먼저 종료하세요 · A readiness run is already"
                f" open ({book.active[client.client_use_code].id}); finish it first",
            )
        run = ReadinessRun(
            id=book.next_id(),
            client_use_code=client.client_use_code,
            developer=client.developer,
            started=self.world.clock.now(),
        )
        self.world.events.emit(
            run.started, "readiness_start", client_use_code=run.client_use_code, run=run.id
        )
        return book.start(run)

    def open_run(self, client: FintechClient) -> ReadinessRun:
        run = self.world.readiness.active.get(client.client_use_code)
        if run is None:
            raise ReadinessError(
                409,
                "run",
                "진행 중인 점검이 없습니다. 먼저 시작하세요 · No readiness run is open; start one",
            )
        return run

    def finish(self, client: FintechClient) -> ReadinessRun:
        """End the open run: its drills end, its report is graded and kept."""
        run = self.open_run(client)
        now = self.world.clock.now()
        self._end_drills(run)
        run.finished = now
        run.report = self.grade(run, client)
        self.world.readiness.keep(run)
        self.world.events.emit(
            now,
            "readiness_finish",
            client_use_code=run.client_use_code,
            run=run.id,
            verdict=run.report["verdict"],
        )
        return run

    def _end_drills(self, run: ReadinessRun) -> None:
        world = self.world
        for drill in run.drills:
            if drill.fault:
                world.faults.remove(drill.fault)
        world.rate_limiter.held.pop(run.client_use_code, None)

    # --- drills --------------------------------------------------------------------------
    def drill(
        self, client: FintechClient, kind: str, api: str = "", lasts: float | None = None
    ) -> Drill:
        """Lay a drill on the institution's open run: it affects that institution's calls
        only (faults scoped to its client_use_code, its own tokens, its own calls held)."""
        run = self.open_run(client)
        try:
            drill_kind = DrillKind(kind)
        except ValueError:
            raise ReadinessError(
                400,
                "kind",
                f"드릴 종류가 아닙니다 · kind: one of {', '.join(k.value for k in DrillKind)}",
            ) from None
        spec = DRILLS[drill_kind]
        if api and api not in spec.apis:
            allowed = ", ".join(spec.apis) or "none (it applies to every API)"
            raise ReadinessError(400, "api", f"이 드릴의 API가 아닙니다 · api: {allowed}")
        if lasts is not None and not 0 < lasts <= LONGEST_DRILL:
            raise ReadinessError(
                400, "for", f"기간은 1초~1시간 · for: 1 to {LONGEST_DRILL:g} seconds"
            )
        if len(run.drills) >= MOST_DRILLS:
            raise ReadinessError(
                409,
                "kind",
                f"드릴은 점검당 {MOST_DRILLS}개까지 · at most {MOST_DRILLS} drills a run",
            )
        world = self.world
        now = world.clock.now()
        code = client.client_use_code
        api = api or (spec.apis[0] if spec.apis else "")
        duration = lasts if lasts is not None else spec.lasts
        until = now + duration if duration else None
        drill = Drill(
            id=f"{run.id}-D{len(run.drills) + 1:02d}",
            kind=drill_kind.value,
            at=now,
            until=until,
            injected_ko=spec.injected_ko,
            injected_en=spec.injected_en,
            expects_ko=spec.expects_ko,
            expects_en=spec.expects_en,
            checks=spec.checks,
        )
        if drill_kind is DrillKind.EXPIRED_TOKEN:
            self._expire_tokens(code, now)
        elif drill_kind is DrillKind.RATE_LIMIT:
            assert until is not None
            world.rate_limiter.hold(code, until)
        else:
            fault = self._fault(drill_kind, code, api, now, until)
            world.faults.add(fault)
            drill.fault = fault.id
        run.drills.append(drill)
        world.readiness.keep(run)
        world.events.emit(
            now, "readiness_drill", client_use_code=code, run=run.id, drill=drill.kind
        )
        return drill

    def _fault(
        self, kind: DrillKind, code: str, api: str, now: float, until: float | None
    ) -> Fault:
        faults = self.world.faults
        common: dict[str, Any] = {
            "id": faults.new_id(),
            "start": now,
            "end": until,
            "client_use_code": code,
            "label": f"readiness drill {kind.value} ({code})",
        }
        if kind is DrillKind.TIMEOUT_AFTER_COMMIT:
            return Fault(kind="timeout_after_commit", api=api, remaining=1, **common)
        if kind is DrillKind.DEPOSIT_FAILS:
            return Fault(
                kind="error", api="deposit", remaining=1, params={"problem": "bank_error"}, **common
            )
        if kind is DrillKind.CUTOVER:
            return Fault(kind="error", params={"problem": "bank_closed"}, **common)
        assert kind is DrillKind.BANK_REFUSAL
        return Fault(kind="error", api=api, params={"problem": "insufficient_balance"}, **common)

    def _expire_tokens(self, client_use_code: str, now: float) -> None:
        grants = self.world.auth
        for grant in list(grants.tokens.values()):
            if (
                grant.client_use_code == client_use_code
                and not grant.revoked
                and grant.expires_at > now
            ):
                grant.expires_at = now
                grants.put("token", grant.access_token, grant)

    # --- watching --------------------------------------------------------------------------
    def observe(
        self,
        client_use_code: str,
        *,
        method: str,
        path: str,
        status: int,
        rsp_code: str | None,
        request: dict[str, Any],
        answer: dict[str, Any],
        bearer: str = "",
        retry_after: float = 0.0,
        began: float,
    ) -> None:
        """Keep one call of an institution whose run is open (redacted: no secret)."""
        book = self.world.readiness
        run = book.active.get(client_use_code)
        if run is None:
            return
        exchange = Exchange(
            seq=run.exchanges_seen + 1,
            time=began,
            method=method,
            path=path[:200],
            status=status,
            rsp_code=rsp_code or "",
            request=redacted(request),
            answer=redacted(answer),
            token=fingerprint(bearer) if bearer else "",
            retry_after=retry_after,
        )
        book.observe(run, exchange)

    # --- the report ------------------------------------------------------------------------
    def grade(self, run: ReadinessRun, client: FintechClient) -> dict[str, Any]:
        world = self.world
        code = client.client_use_code
        calls = world.readiness.calls(run)

        def moved(bank_tran_id: str, date: str) -> bool | None:
            record = world.openbanking.find(code, bank_tran_id, date)
            return None if record is None else record.moved

        def registered(bank_code: str, account_num: str) -> bool:
            try:
                bank = world.resolver.resolve(bank_code).code
            except BankCodeError:
                return False
            return active_registration(world, code, (bank, account_num)) is not None

        def fintech_account(fintech_use_num: str) -> tuple[str, str] | None:
            reg = world.directory.registrations.get(fintech_use_num)
            if reg is None or reg.client_use_code != code:
                return None
            return reg.bank_code, reg.account_num

        evidence = Evidence(
            client_use_code=code,
            exchanges=calls,
            drills=run.drills,
            ends=run.finished if run.finished is not None else world.clock.now(),
            three_legged=not client.self_auth or any(ex.is_authorize for ex in calls),
            moved=moved,
            registered=registered,
            closed_codes=BankAnswer.closed_answers(world),
            fintech_account=fintech_account,
        )
        return report(evidence, grade(evidence))

    def report(self, run: ReadinessRun, client: FintechClient) -> dict[str, Any]:
        """The run as the portal, the operator and the CLI show it: while it is open, graded
        as it stands."""
        graded = run.report if run.report is not None else self.grade(run, client)
        return {
            "run": run.id,
            "client_use_code": run.client_use_code,
            "state": "open" if run.open else "finished",
            "started": iso_kst(run.started),
            "finished": iso_kst(run.finished) if run.finished is not None else None,
            "calls_seen": run.exchanges_seen,
            "calls_kept": len(self.world.readiness.calls(run)),
            "drills": [drill_view(d) for d in run.drills],
            **graded,
        }


def drill_view(drill: Drill) -> dict[str, Any]:
    return {
        "id": drill.id,
        "kind": drill.kind,
        "at": iso_kst(drill.at),
        "until": iso_kst(drill.until) if drill.until is not None else "used once",
        "injected_ko": drill.injected_ko,
        "injected_en": drill.injected_en,
        "expects_ko": drill.expects_ko,
        "expects_en": drill.expects_en,
        "checks": drill.checks,
    }
