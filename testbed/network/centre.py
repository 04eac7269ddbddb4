"""The KFTC centre: operating hours, routing between banks, and the transfer process.

A transfer is a SimPy process: the centre checks it is open and both banks take
business, the paying bank and then the receiving bank each spend their queue and
processing time, and the ledger posts the entry (with the centre's clearing pair when
two banks are involved) at the moment of commit. Any refusal leaves the ledger as it
was and says which bank answered and with which configured code.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Literal, cast

import simpy

from testbed.clock import second_of_day
from testbed.config import Centre as CentreConfig
from testbed.config import ResponseCode
from testbed.network.bank import Bank
from testbed.network.faults import MAGIC_AMOUNTS, BankState, Fault, FaultBook, magic
from testbed.network.ledger import (
    AccountKey,
    Entry,
    Ledger,
    LedgerError,
    Posting,
    clearing_key,
)
from testbed.network.names import Api


@dataclass(frozen=True, slots=True)
class TransferOrder:
    debit: AccountKey  # paying account (canonical bank code)
    credit: AccountKey  # receiving account (canonical bank code)
    amount: int
    debit_print: str = ""  # what the payer's statement shows
    credit_print: str = ""  # what the payee's statement shows
    ref: str = ""
    kind: str = "transfer"
    #: which API asked (faults may target one); "traffic": a scenario's background
    #: transfers (no API: a fault aimed at one leaves them be); "" none
    api: Api | Literal["traffic", ""] = ""
    client_use_code: str = ""  # which institution asked


@dataclass(frozen=True, slots=True)
class TransferOutcome:
    entry: Entry | None
    problem: str = ""  # banks.yaml `codes` key, "centre_closed" or "timeout"
    bank_code: str = ""  # the institution whose answer this is
    response: ResponseCode | None = None
    detail: str = ""
    pending: simpy.Process | None = None  # work still running after a time-out

    @property
    def ok(self) -> bool:
        return self.entry is not None


class Centre:
    def __init__(
        self,
        env: simpy.Environment,
        config: CentreConfig,
        banks: dict[str, Bank],
        ledger: Ledger,
        faults: FaultBook,
    ) -> None:
        self.env = env
        self.config = config
        self.banks = banks
        self.ledger = ledger
        self.faults = faults

    def is_open(self, t: float, api: str = "", client_use_code: str = "") -> bool:
        """Within operating hours, and no `centre_closed` fault in force."""
        return self.config.is_open(second_of_day(t)) and not self.faults.centre_closed(
            t, api, client_use_code
        )

    def refusal(self, bank: Bank, problem: str, detail: str = "") -> TransferOutcome:
        return TransferOutcome(None, problem, bank.code, bank.response(problem), detail)

    def _closed(self) -> TransferOutcome:
        return TransferOutcome(None, "centre_closed", self.config.code, None, "centre closed")

    def _timed_out(
        self, bank: Bank, fault: Fault | None, work: simpy.Process | None
    ) -> TransferOutcome:
        rsp_code = fault.params.get("rsp_code", "A0017") if fault else "A0017"
        detail = f"no answer in {self.config.bank_timeout:g}s"
        return TransferOutcome(
            None, "timeout", bank.code, ResponseCode(rsp_code, "", ""), detail, work
        )

    def _reachable(
        self, banks: tuple[Bank, ...]
    ) -> Generator[simpy.Event, Any, TransferOutcome | None]:
        """None when every bank takes business; else the refusal, after the centre's
        timeout for a bank that answers nothing."""
        now = self.env.now
        for bank in banks:
            state = bank.state_at(now)
            if state is BankState.DOWN:
                yield self.env.timeout(self.config.bank_timeout)
                return self.refusal(bank, "bank_error", f"{bank.code} answered nothing")
            if not state.takes_business:
                return self.refusal(bank, "bank_closed", f"{bank.code} {state.value}")
        return None

    def at_once(self, banks: tuple[Bank, ...]) -> bool:
        """Whether a request to these banks now can be answered without a SimPy process:
        the centre open by its hours, and every bank answering at once (`Bank.answers_at_once`).
        The process would reach the same outcome at the same moment, drawing nothing; the
        shortcut saves its events, futures and the wake-up of the stepping task."""
        now = self.env.now
        return self.config.is_open(second_of_day(now)) and all(
            bank.answers_at_once(now) for bank in banks
        )

    def inquired_at_once(self, bank_code: str) -> bool:
        """True when the bank has answered an inquiry at once (see `at_once`)."""
        return self.at_once((self.banks[bank_code],))

    def transfer_at_once(self, order: TransferOrder) -> TransferOutcome | None:
        """The outcome of a transfer that needs no waiting (see `at_once`), or None when
        it must run as a process (`transfer`)."""
        payer = self.banks[order.debit[0]]
        payee = self.banks[order.credit[0]]
        if order.amount in MAGIC_AMOUNTS or not self.at_once((payer, payee)):
            return None
        return self._commit(order, payer, payee)

    def _draw(self, kind: str, banks: tuple[Bank, ...], api: str, client: str) -> Fault | None:
        for bank in banks:
            fault = self.faults.drawn(kind, bank.code, api, client)
            if fault is not None:
                return fault
        return None

    def inquire(
        self, bank_code: str, api: str = "", client: str = ""
    ) -> Generator[simpy.Event, Any, TransferOutcome | None]:
        """An inquiry that a bank must answer (balance, history, real name): None when it did."""
        bank = self.banks[bank_code]
        if not self.is_open(self.env.now, api, client):
            return self._closed()
        refused = yield from self._reachable((bank,))
        if refused is not None:
            return refused
        if self._draw("timeout_before_commit", (bank,), api, client) or self._draw(
            "timeout_after_commit", (bank,), api, client
        ):
            yield self.env.timeout(self.config.bank_timeout)
            return self._timed_out(bank, None, None)
        yield from bank.process(api, client)
        error = self._draw("error", (bank,), api, client)
        if error is not None:
            problem = error.params.get("problem", "")
            if problem:
                return self.refusal(bank, problem, error.label)
            return TransferOutcome(None, "fault", bank.code, error.response(), error.label)
        return None

    def transfer(self, order: TransferOrder) -> Generator[simpy.Event, Any, TransferOutcome]:
        """The centre's side: checks, then the banks' work, waited for up to `bank_timeout`.

        When the banks take longer, or a timeout fault says so, the centre answers
        `timeout` and the work goes on: it may still commit (the outcome the client must
        learn from transfer/result). `TransferOutcome.pending` is then that work.
        """
        env = self.env
        payer = self.banks[order.debit[0]]
        payee = self.banks[order.credit[0]]
        banks = (payer,) if payee is payer else (payer, payee)
        api, client = order.api, order.client_use_code
        if not self.is_open(env.now, api, client):
            return self._closed()
        refused = yield from self._reachable(banks)
        if refused is not None:
            return refused
        special = magic(order.amount)
        before = special if special and special.kind == "timeout_before_commit" else None
        before = before or self._draw("timeout_before_commit", banks, api, client)
        after = special if special and special.kind == "timeout_after_commit" else None
        after = after or (
            None if before else self._draw("timeout_after_commit", banks, api, client)
        )
        error = special if special and special.kind == "error" else None
        error = error or self._draw("error", banks, api, client)
        work = env.process(self._execute(order, payer, payee, error, commit=before is None))
        deadline = env.timeout(self.config.bank_timeout)
        if before or after:
            yield deadline  # the centre hears nothing in time, whatever the banks do
            return self._timed_out(payer, before or after, work)
        yield work | deadline
        if work.triggered:
            return cast(TransferOutcome, work.value)
        return self._timed_out(payer, None, work)

    def _execute(
        self, order: TransferOrder, payer: Bank, payee: Bank, error: Fault | None, commit: bool
    ) -> Generator[simpy.Event, Any, TransferOutcome]:
        """The banks' side: queue, process, and post the entry at the moment of commit."""
        yield from payer.process(order.api, order.client_use_code)
        if payee is not payer:
            yield from payee.process(order.api, order.client_use_code)
        if not commit:
            return self.refusal(payer, "bank_error", "not committed")
        if error is not None:
            problem = error.params.get("problem", "")
            if problem:  # a magic amount: the bank that would say it
                side = payee if problem in ("account_not_found", "name_mismatch") else payer
                return self.refusal(side, problem, error.label)
            return TransferOutcome(None, "fault", payer.code, error.response(), error.label)
        return self._commit(order, payer, payee)

    def _commit(self, order: TransferOrder, payer: Bank, payee: Bank) -> TransferOutcome:
        """Post the entry now: the banks have done their work."""
        legs = [
            Posting(order.debit, -order.amount, order.debit_print, _tran_type(payer, payee)),
            Posting(order.credit, order.amount, order.credit_print, _tran_type(payer, payee)),
        ]
        if payee is not payer:
            legs += [
                Posting(clearing_key(payer.code), -order.amount),
                Posting(clearing_key(payee.code), order.amount),
            ]
        try:
            entry = self.ledger.post(self.env.now, order.kind, legs, order.ref)
        except LedgerError as refused:
            answering = payee if refused.account == order.credit else payer
            return self.refusal(answering, refused.problem, str(refused))
        return TransferOutcome(entry)


def _tran_type(payer: Bank, payee: Bank) -> str:
    return "대체" if payer is payee else "타행환"
