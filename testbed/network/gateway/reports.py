"""관리: what the centre reports to an institution — bank/status (참가은행 상태), manage/fee
(처리대행비용), manage/count (이용건수), manage/wd_limit (한도) and inquiry/fds_detect.
"""

from __future__ import annotations

from testbed.clock import yyyymmdd
from testbed.network.bank import Bank
from testbed.network.books import ApiCount, DailyFee, LimitUse, api_counts, daily_fees, limit_use
from testbed.network.codes import Refusal
from testbed.network.gateway.base import Caller, GatewayBase


class Reports(GatewayBase):
    def bank_status(self, caller: Caller) -> list[tuple[Bank, bool]]:
        """Every Open Banking participant, and whether it takes business now for this
        caller (the centre open, the bank neither in its cutover nor down, nor closed to
        this institution by a readiness drill)."""
        now = caller.now
        centre_open = self.world.centre.is_open(now)
        faults, code = self.world.faults, caller.client.client_use_code
        return [
            (
                bank,
                centre_open
                and bank.state_at(now).takes_business
                and not faults.closed_to(bank.code, now, code),
            )
            for bank in self.world.participants
        ]

    def fees(self, caller: Caller, from_date: str, to_date: str) -> list[DailyFee]:
        """처리대행비용 per day, API and rate: only transfers whose money moved are charged."""
        if from_date > to_date:
            raise Refusal("A0004", "from_date must not be after to_date")
        return daily_fees(self.book, caller.client.client_use_code, from_date, to_date)

    def counts(self, caller: Caller, date: str) -> list[ApiCount]:
        """The institution's API calls (those that took a bank_tran_id) and transfers of
        one day, by API."""
        return api_counts(self.book, caller.client.client_use_code, date)

    def limits(self, caller: Caller) -> list[LimitUse]:
        """The institution's withdraw and deposit limits and what it used today and this month."""
        return limit_use(self.book, caller.client, yyyymmdd(caller.now))

    def fds_detect(self, caller: Caller, from_time: str, to_time: str) -> list[object]:
        """이상거래 탐지: the testbed has no fraud engine; it checks the inputs, finds nothing."""
        if from_time > to_time:
            raise Refusal("A0004", "from_time must not be after to_time")
        return []
