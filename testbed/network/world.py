"""The whole simulated network in one object: banks, centre, ledger, directory, events.

`World` is what the HTTP layer talks to. It knows nothing of aiohttp; it runs model
processes on the clock and reports what happens to an in-memory event log.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from testbed.clock import SimClock, iso_kst
from testbed.config import BankCodeResolver, NetworkConfig, format_time_of_day
from testbed.network.applications import ApplicationBook
from testbed.network.auth import Grants
from testbed.network.bank import Bank
from testbed.network.books import OpenBankingBook, ReturnClaimBook
from testbed.network.centre import Centre, TransferOrder, TransferOutcome
from testbed.network.events import EventLog
from testbed.network.faults import BankState, Fault, FaultBook
from testbed.network.ledger import EXTERNAL, AccountKey, Entry, Ledger, Posting
from testbed.network.parties import Directory
from testbed.network.portal import DeveloperBook
from testbed.network.ratelimit import RateLimiter
from testbed.network.readiness.runs import ReadinessBook
from testbed.network.records import RecordBook
from testbed.network.retention import PurgeReport, purge, start_retention
from testbed.network.settlement import start_settlement
from testbed.rng import SecretSource, SeededSource


class World:
    def __init__(
        self,
        config: NetworkConfig,
        clock: SimClock,
        seed: int,
        secrets: type[SecretSource] = SecretSource,
    ) -> None:
        self.config = config
        self.clock = clock
        self.env = clock.env
        self.seed = seed
        self.source = SeededSource(seed)
        #: where what grants access comes from (never the seed under `serve`: testbed.rng)
        self.secrets = secrets(self.source)
        self.resolver = BankCodeResolver(config)
        self.ledger = Ledger()
        self.directory = Directory()
        self.auth = Grants(self.secrets.stream("tokens"), self.secrets.key("jwt"))
        self.openbanking = OpenBankingBook(clients=self.directory.clients)
        self.books: list[RecordBook] = [self.directory, self.auth, self.openbanking]
        self.return_claims = ReturnClaimBook.attach(self.books)
        self.applications = ApplicationBook.attach(self.books)  # 이용신청 (the portal's)
        self.developers = DeveloperBook.attach(self.books)  # the portal's accounts
        self.readiness = ReadinessBook.attach(self.books)  # go-live readiness runs
        self.events = EventLog()
        self.faults = FaultBook(self.env, self.source.stream("faults"))
        self.books.append(self.faults)
        self.faults.changed.append(self._faults_changed)
        self._fault_watchers: dict[str, simpy.Process] = {}
        self.rate_limiter = RateLimiter()
        self.banks: dict[str, Bank] = {
            inst.code: Bank(self.env, inst, self.source.stream(f"latency:{inst.code}"), self.faults)
            for inst in config.institutions
            if inst.member
        }
        self.centre = Centre(self.env, config.centre, self.banks, self.ledger, self.faults)
        start_settlement(self.env, config.centre.close, self.ledger, self.events)
        #: the latest retention purge, and who hears of each (the processing log)
        self.last_purge: PurgeReport | None = None
        self.purge_listeners: list[Callable[[PurgeReport], None]] = []
        start_retention(self.env, self.purge_expired)
        for bank in self.banks.values():
            bank.listeners.append(self._bank_changed)
            bank.start_watching()

    def _faults_changed(self, fault: Fault) -> None:
        """A fault came or went: the banks it touches look again at their schedule, and
        the fault's own watcher announces when it starts and ends."""
        for bank in self.banks.values():
            if not fault.banks or bank.code in fault.banks:
                bank.reschedule()
        watcher = self._fault_watchers.get(fault.id)
        if watcher is not None and watcher.is_alive:
            watcher.interrupt()
        else:
            self._fault_watchers[fault.id] = self.env.process(self._watch_fault(fault))

    def _watch_fault(self, fault: Fault) -> Generator[simpy.Event, Any, None]:
        active = False
        while True:
            now = float(self.env.now)
            if fault.active(now) != active:
                active = not active
                scope = {"client_use_code": fault.client_use_code} if fault.client_use_code else {}
                self.events.emit(
                    now,
                    "fault_start" if active else "fault_end",
                    fault=fault.id,
                    kind=fault.kind,
                    banks=fault.banks,
                    label=fault.label,
                    **scope,  # one institution's fault: its tenant's event (tenancy)
                )
            if fault.end is not None and now >= fault.end:
                return
            upcoming = [b for b in fault.boundaries(now) if b > now]
            try:
                if upcoming:
                    yield self.env.timeout(min(upcoming) - now)
                else:
                    yield self.env.event()  # until the fault changes
            except simpy.Interrupt:
                continue

    def purge_expired(self, now: float) -> PurgeReport:
        """The retention purge (testbed.network.retention), told: the `purge` event with
        its counts, `last_purge`, and the purge listeners (the processing log)."""
        report = purge(self, now)
        self.last_purge = report
        self.events.emit(
            now,
            "purge",
            date=report.date,
            removed=dict(report.removed),
            carried_accounts=report.carried_accounts,
            subjects=len(report.subjects),
        )
        for listener in self.purge_listeners:
            listener(report)
        return report

    def after_load(self) -> None:
        """State was restored into this world (store, snapshot): faults apply again."""
        for bank in self.banks.values():
            bank.reschedule()
        for fault in self.faults.faults.values():
            if fault.id not in self._fault_watchers and (
                fault.end is None or fault.end > self.env.now
            ):
                self._fault_watchers[fault.id] = self.env.process(self._watch_fault(fault))
        # a file from before tenancy: an institution an application became is its
        # developer's (testbed.network.gateway.tenancy), worked out again at each load
        for app in self.applications.applications.values():
            client = self.directory.clients.get(app.client_use_code)
            if client is not None and app.developer and not client.developer:
                client.developer = app.developer
                self.directory.put_client(client)

    def _bank_changed(self, bank: Bank, state: BankState, at: float) -> None:
        self.events.emit(at, "bank_state", bank=bank.code, state=state.value)

    @property
    def participants(self) -> list[Bank]:
        return [self.banks[i.code] for i in self.config.participants]

    def bank_states(self) -> list[dict[str, Any]]:
        now = self.clock.now()
        out = []
        for bank in self.banks.values():
            snap = bank.snapshot(now)
            if snap["next_change"] is not None:
                snap["next_change"]["at"] = iso_kst(snap["next_change"]["at"])
            out.append(snap)
        return out

    def centre_state(self) -> dict[str, Any]:
        c = self.config.centre
        return {
            "code": c.code,
            "name": c.name_ko,
            "open": self.centre.is_open(self.clock.now()),
            "operating_hours": f"{format_time_of_day(c.open)}–{format_time_of_day(c.close)}",
        }

    # money
    async def transfer(self, order: TransferOrder) -> TransferOutcome:
        """Move money through the network (queues, latency, cutover) on the clock."""
        self.clock.sync()
        outcome = self.centre.transfer_at_once(order)
        if outcome is None:
            outcome = await self.clock.run(self.centre.transfer(order))
        if outcome.entry is not None:
            self.transfer_event(outcome.entry, order)
        return outcome

    def transfer_event(self, entry: Entry, order: TransferOrder, late: bool = False) -> None:
        """The `transfer` event of money that moved (`late`: after the centre gave up)."""
        fields: dict[str, Any] = {
            "entry": entry.id,
            "amount": order.amount,
            "from_bank": order.debit[0],
            "to_bank": order.credit[0],
            "ref": order.ref,
        }
        if late:
            fields["late"] = True
        self.events.emit(entry.time, "transfer", **fields)

    async def inquire(
        self, bank_code: str, api: str = "", client: str = ""
    ) -> TransferOutcome | None:
        """Ask a bank an inquiry on the clock: None when it answered."""
        self.clock.sync()
        if self.centre.inquired_at_once(bank_code):
            return None
        return await self.clock.run(self.centre.inquire(bank_code, api, client))

    def cash(self, key: AccountKey, amount: int, memo: str = "") -> Entry:
        """Cash paid in (+) or taken out (-) at the account's own bank, at once."""
        self.clock.sync()
        label = memo or ("현금입금" if amount > 0 else "현금출금")
        entry = self.ledger.post(
            self.clock.now(),
            "cash",
            [Posting(key, amount, label, "현금"), Posting(EXTERNAL, -amount, label, "현금")],
        )
        self.events.emit(entry.time, "cash", entry=entry.id, bank=key[0], amount=amount)
        return entry
