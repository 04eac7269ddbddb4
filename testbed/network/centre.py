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
from typing import Any, cast

import simpy

from testbed.clock import second_of_day
from testbed.config import Centre as CentreConfig
from testbed.config import ResponseCode
from testbed.network.bank import Bank
from testbed.network.ledger import (
    AccountKey,
    Entry,
    Ledger,
    LedgerError,
    Posting,
    clearing_key,
)


@dataclass(frozen=True, slots=True)
class TransferOrder:
    debit: AccountKey  # paying account (canonical bank code)
    credit: AccountKey  # receiving account (canonical bank code)
    amount: int
    debit_print: str = ""  # what the payer's statement shows
    credit_print: str = ""  # what the payee's statement shows
    ref: str = ""
    kind: str = "transfer"


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
        self, env: simpy.Environment, config: CentreConfig, banks: dict[str, Bank], ledger: Ledger
    ) -> None:
        self.env = env
        self.config = config
        self.banks = banks
        self.ledger = ledger

    def is_open(self, t: float) -> bool:
        return self.config.is_open(second_of_day(t))

    def refusal(self, bank: Bank, problem: str, detail: str = "") -> TransferOutcome:
        return TransferOutcome(None, problem, bank.code, bank.response(problem), detail)

    def inquire(self, bank_code: str) -> Generator[simpy.Event, Any, TransferOutcome | None]:
        """An inquiry that a bank must answer (balance, history, real name): None when it did."""
        bank = self.banks[bank_code]
        if not self.is_open(self.env.now):
            return TransferOutcome(None, "centre_closed", self.config.code, None, "centre closed")
        if not bank.state_at(self.env.now).takes_business:
            return self.refusal(bank, "bank_closed", f"{bank.code} {bank.state_at(self.env.now)}")
        yield from bank.process()
        return None

    def transfer(self, order: TransferOrder) -> Generator[simpy.Event, Any, TransferOutcome]:
        """The centre's side: checks, then the banks' work, waited for up to `bank_timeout`.

        When the banks take longer, the centre answers `timeout` and the work goes on:
        it may still commit (the outcome the client must learn from transfer/result).
        `TransferOutcome.pending` is then the still-running work.
        """
        env = self.env
        payer = self.banks[order.debit[0]]
        payee = self.banks[order.credit[0]]
        now = env.now
        if not self.is_open(now):
            return TransferOutcome(None, "centre_closed", self.config.code, None, "centre closed")
        for bank in (payer, payee):
            if not bank.state_at(now).takes_business:
                return self.refusal(bank, "bank_closed", f"{bank.code} {bank.state_at(now)}")
        work = env.process(self._execute(order, payer, payee))
        deadline = env.timeout(self.config.bank_timeout)
        yield work | deadline
        if work.triggered:
            return cast(TransferOutcome, work.value)
        return TransferOutcome(
            None, "timeout", payer.code, None, f"no answer in {self.config.bank_timeout:g}s", work
        )

    def _execute(
        self, order: TransferOrder, payer: Bank, payee: Bank
    ) -> Generator[simpy.Event, Any, TransferOutcome]:
        """The banks' side: queue, process, and post the entry at the moment of commit."""
        yield from payer.process()
        if payee is not payer:
            yield from payee.process()
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
