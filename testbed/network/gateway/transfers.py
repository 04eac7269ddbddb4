"""이체: 출금이체 (withdraw), 입금이체 (deposit) and 이체결과조회 (transfer/result).

Money moves through the network model (the banks' opening hours, queues and latency),
and every attempt is kept as a `TransferRecord` — succeeded or not, with the requesting
customer for AML and its retention class — so transfer/result tells the truth from the
ledger later, whatever the client was told at the time. A transfer the centre gave up
on (time-out) may still end at the banks: `_settle_later` keeps what really happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import simpy

from testbed.clock import yyyymmdd
from testbed.network.books import Total, TransferRecord
from testbed.network.centre import TransferOrder, TransferOutcome
from testbed.network.codes import Refusal, empty_list_on_refusal
from testbed.network.gateway.base import BankAnswer, Caller, GatewayBase
from testbed.network.gateway.orders import (
    ByAccountNum,
    ByFintechNum,
    DepositItem,
    DepositOrder,
    ResultQuery,
    WithdrawOrder,
)
from testbed.network.ledger import Account
from testbed.network.names import Api, Consent
from testbed.network.parties import FintechClient

#: what wd_limit_remain_amt says when the user has no daily limit (N(12)'s largest)
NO_LIMIT = 999_999_999_999


@dataclass(frozen=True, slots=True)
class Withdrawal:
    record: TransferRecord
    account_alias: str
    remaining: int  # what is left of the user's daily withdraw limit (wd_limit_remain_amt)


@dataclass(frozen=True, slots=True)
class Deposit:
    record: TransferRecord
    account_alias: str


@dataclass(frozen=True, slots=True)
class TransferResults:
    """transfer/result: each asked-for transfer's record (None: the centre has none)."""

    records: list[TransferRecord | None]
    rsp_code: str
    rsp_message: str


@dataclass(frozen=True, slots=True)
class _Move:
    """One transfer to make and record: who pays, who receives, and what the client sent."""

    api: Api  # Api.WITHDRAW or Api.DEPOSIT
    bank_tran_id: str
    date: str
    payer: Account
    payee: Account
    amount: int
    wd_print: str
    dps_print: str
    req_client: dict[str, str]
    wd_fintech: str = ""
    dps_fintech: str = ""
    user_seq_no: str = ""


class Transfers(GatewayBase):
    async def withdraw(self, caller: Caller, order: WithdrawOrder) -> Withdrawal:
        """출금이체: from the user's registered account to the caller's withdraw 약정계좌."""
        req_client = self.req_client(order.customer)
        reg, account = self.locate(caller, order.account, consent=Consent.TRANSFER)
        contract = self.contract_account(caller, Api.WITHDRAW, order.contract)
        client, book = caller.client, self.book
        amount = order.amount
        date = self.claim(caller, order.bank_tran_id, Api.WITHDRAW)
        book.check_limits(client, Api.WITHDRAW, reg.user_seq_no, amount, date)
        record = await self._move(
            caller,
            _Move(
                Api.WITHDRAW,
                order.bank_tran_id,
                date,
                account,
                contract,
                amount,
                order.wd_print or client.name,
                order.dps_print,
                req_client,
                wd_fintech=reg.fintech_use_num,
                user_seq_no=reg.user_seq_no,
            ),
        )
        used = book.moved[Total(reg.client_use_code, Api.WITHDRAW, date, reg.user_seq_no)]
        return Withdrawal(record, reg.account_alias, _user_remaining(client, used))

    async def deposit(self, caller: Caller, order: DepositOrder) -> Deposit:
        """입금이체: from the caller's deposit 약정계좌 to a registered account (by
        fintech_use_num) or any account (by number, with the holder's name checked unless
        the order says not to)."""
        item = order.item
        req_client = self.req_client(item.customer)
        client = caller.client
        with empty_list_on_refusal():
            payer = self.contract_account(caller, Api.DEPOSIT, order.contract)
            if order.pass_phrase != client.wd_pass_phrase:
                raise Refusal("A0307")
            payee, fintech_use_num, alias = self._deposit_target(caller, item)
            if (
                isinstance(item.payee, ByAccountNum)
                and order.name_check
                and item.holder_name != payee.holder_name
            ):
                raise Refusal("A0312")
            amount = item.amount
            date = self.claim(caller, item.bank_tran_id, Api.DEPOSIT)
            self.book.check_limits(client, Api.DEPOSIT, "", amount, date)
            move = _Move(
                Api.DEPOSIT,
                item.bank_tran_id,
                date,
                payer,
                payee,
                amount,
                order.wd_print,
                item.print_content,
                req_client,
                dps_fintech=fintech_use_num,
            )
            try:
                record = await self._move(caller, move)
            except Refusal as refused:
                # a list API: the bank's answer goes in the item, the top says "see the items"
                raise _item_refusal(item.tran_no, refused) from None
        return Deposit(record, alias)

    def transfer_result(
        self, caller: Caller, api: Api, queries: list[ResultQuery]
    ) -> TransferResults:
        """이체결과조회: the true outcome of earlier transfers (withdrawals or deposits, as
        `api` says), matched on id, date and amount. One transfer asked for and none found
        is A0310; some of several missing is A0009 with each missing one marked."""
        code = caller.client.client_use_code
        records: list[TransferRecord | None] = []
        for query in queries:
            record = self.book.find(code, query.org_bank_tran_id, query.org_bank_tran_date)
            if record is None or record.api != api or record.tran_amt != query.org_tran_amt:
                record = None
                self._hint_other_dates(caller, query)
            records.append(record)
        missing = records.count(None)
        if missing == len(queries) == 1:
            raise Refusal("A0310", res_cnt="0", res_list=[])
        if missing:
            return TransferResults(records, "A0009", "처리 실패 건 존재")
        return TransferResults(records, "A0000", "")

    def _hint_other_dates(self, caller: Caller, query: ResultQuery) -> None:
        """A transfer not found on the date asked but made on another: say which. (A
        client that takes org_bank_tran_date from its own clock misses every transfer
        made while the testbed's clock runs elsewhere, e.g. on --start.)"""
        tran_id, asked = query.org_bank_tran_id, query.org_bank_tran_date
        others = [
            d for d in self.book.dates_of(caller.client.client_use_code, tran_id) if d != asked
        ]
        if others:
            caller.warn(
                f"{tran_id}: no transfer on {asked}; the testbed has it on {', '.join(others)}"
                f" (org_bank_tran_date is the bank_tran_date the transfer's answer gave,"
                f" on the testbed's clock: today is {yyyymmdd(caller.now)})"
            )

    # --- the money --------------------------------------------------------------------------
    def _deposit_target(self, caller: Caller, item: DepositItem) -> tuple[Account, str, str]:
        """(account, fintech_use_num, account_alias) of a deposit item."""
        payee = item.payee
        if isinstance(payee, ByFintechNum):
            reg, account = self.registered(caller, payee.fintech_use_num)
            return account, reg.fintech_use_num, reg.account_alias
        candidates = self.resolve_for_deposit(payee.field, payee.bank_code_std)
        for institution in candidates:
            found = self.account_at(caller, institution.code, payee.account_num)
            if found is not None:
                return found, "", ""
        missing = self.bank_says(candidates[0].code, "account_not_found", item.bank_tran_id, "")
        raise _item_refusal(item.tran_no, missing)

    def _side(self, account: Account, print_content: str, fintech_use_num: str) -> dict[str, str]:
        """One side of a transfer as its record keeps it (and transfer/result shows it)."""
        view = self.view(account)
        return {
            "bank_code_std": view["bank_code_std"],
            "bank_code_sub": view["bank_code_sub"],
            "bank_name": view["bank_name"],
            "savings_bank_name": view["savings_bank_name"],
            "fintech_use_num": fintech_use_num,
            "account_num": view["account_num"],
            "account_num_masked": view["account_num_masked"],
            "print_content": print_content,
            "account_holder_name": view["account_holder_name"],
        }

    async def _move(self, caller: Caller, move: _Move) -> TransferRecord:
        """Move the money through the network and keep the record, whatever the outcome;
        a refusal (the bank's answer, the centre's hours, a time-out) is raised after."""
        world = self.world
        client = caller.client
        order = TransferOrder(
            move.payer.key,
            move.payee.key,
            move.amount,
            move.wd_print,
            move.dps_print,
            ref=move.bank_tran_id,
            api=move.api,
            client_use_code=client.client_use_code,
        )
        outcome = await world.transfer(order)
        answer = BankAnswer.of(world, outcome, move.payer.bank_code)
        record = self.book.record(
            TransferRecord(
                client_use_code=client.client_use_code,
                bank_tran_id=move.bank_tran_id,
                bank_tran_date=move.date,
                api=move.api,
                tran_amt=move.amount,
                time=world.clock.now(),
                rsp_code=answer.rsp_code,
                bank_code_tran=answer.bank_code,
                bank_rsp_code=answer.bank_rsp_code,
                bank_rsp_message=answer.bank_rsp_message,
                moved=outcome.ok,
                entry_id=outcome.entry.id if outcome.entry else 0,
                user_seq_no=move.user_seq_no,
                wd=self._side(move.payer, move.wd_print, move.wd_fintech),
                dps=self._side(move.payee, move.dps_print, move.dps_fintech),
                req_client=move.req_client,
            )
        )
        if outcome.pending is not None:
            self._settle_later(record, order, outcome.pending)
        if not outcome.ok:
            raise answer.refusal(move.bank_tran_id, move.date)
        return record

    def _settle_later(
        self, record: TransferRecord, order: TransferOrder, work: simpy.Process
    ) -> None:
        """When timed-out work ends at the banks, keep what really happened."""
        world = self.world

        def ended(event: simpy.Event) -> None:
            outcome = cast(TransferOutcome, event.value)
            if outcome.entry is not None:
                self.book.settle(record, outcome.entry.id, record.wd["bank_code_std"], "000", "")
                world.transfer_event(outcome.entry, order, late=True)
            elif outcome.response is not None:
                self.book.settle(
                    record,
                    0,
                    outcome.bank_code,
                    outcome.response.bank_rsp_code,
                    outcome.response.message,
                )

        if work.processed:  # already over (the bank finished before the centre gave up)
            ended(work)
        else:
            work.callbacks.append(ended)


def _user_remaining(client: FintechClient, used_today: int) -> int:
    limit = client.limit("user_withdraw_day")
    return max(limit - used_today, 0) if limit else NO_LIMIT


_BANK_FIELDS = ("bank_tran_id", "bank_tran_date", "bank_code_tran", "bank_rsp_code")


def _item_refusal(tran_no: str, refused: Refusal) -> Refusal:
    """A0009 for a list API's one item: the bank's answer in the item, not at the top."""
    fields: dict[str, Any] = {k: refused.fields.get(k, "") for k in _BANK_FIELDS}
    fields["bank_rsp_message"] = refused.fields.get("bank_rsp_message") or refused.rsp_message
    return Refusal("A0009", "", res_cnt="1", res_list=[{"tran_no": tran_no, **fields}])
