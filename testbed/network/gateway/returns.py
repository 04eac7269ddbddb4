"""자금반환: return/claim (자금반환청구) and return/result (its state).

A claim asks for an earlier deposit of the caller to be given back (money sent to the
wrong account, the institution's own fault). It refers to a deposit whose money moved,
matched on every detail given (else A0310), one claim per deposit (a second is A0008);
it goes to the bank that received the deposit (its hours apply) and stays 접수: no money
moves — the giving back is between that bank and its customer, outside the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from testbed.network.books import ClaimTarget, ReturnClaim, TransferRecord
from testbed.network.codes import Refusal
from testbed.network.gateway.base import Caller, GatewayBase, named_by
from testbed.network.gateway.orders import ReturnClaimOrder
from testbed.network.names import Api


@dataclass(frozen=True, slots=True)
class Claimed:
    claim: ReturnClaim
    deposit: TransferRecord  # the deposit claimed back
    target: ClaimTarget  # what the claim said of it


class Returns(GatewayBase):
    async def return_claim(self, caller: Caller, order: ReturnClaimOrder) -> Claimed:
        target = self._claim_target(order)
        code = caller.client.client_use_code
        claims = self.world.return_claims
        record = claims.deposit_for(self.book, code, target)
        tran_id = order.bank_tran_id
        dps_bank = record.dps.get("bank_code_std", "")
        date = await self.through_bank(caller, tran_id, dps_bank, Api.RETURN_CLAIM)
        claim = claims.file(
            ReturnClaim(
                client_use_code=code,
                bank_tran_id=tran_id,
                bank_tran_date=date,
                time=caller.now,
                org_bank_tran_id=record.bank_tran_id,
                org_bank_tran_date=record.bank_tran_date,
                org_tran_amt=record.tran_amt,
                dps_bank_code_std=dps_bank,
                wd_bank_code_std=record.wd.get("bank_code_std", ""),
                claim_code=order.claim_code,
                claim_message=order.claim_message,
                total_return_yn="Y" if order.total_return else "N",
                return_account_num=order.return_account_num,
                use_org_contact=order.use_org_contact,
                use_org_email=order.use_org_email,
            )
        )
        return Claimed(claim, record, target)

    def return_result(self, caller: Caller, claim_date: str, claim_tran_id: str) -> ReturnClaim:
        """The caller's earlier claim; an unknown one is A0310."""
        claim = self.world.return_claims.find(
            caller.client.client_use_code, claim_date, claim_tran_id
        )
        if claim is None:
            raise Refusal("A0310")
        return claim

    def _claim_target(self, order: ReturnClaimOrder) -> ClaimTarget:
        """The deposit a claim names: its payee by bank + account or fintech_use_num, not both."""
        by_account = named_by(
            "org_dps",
            order.org_dps_bank_code,
            order.org_dps_account_num,
            order.org_dps_fintech_use_num,
            ("org_dps_bank_code_std", "org_dps_account_num"),
        )
        dps_code = (
            self.resolve("org_dps_bank_code_std", order.org_dps_bank_code).code
            if by_account
            else ""
        )
        return ClaimTarget(
            org_bank_tran_id=order.org_bank_tran_id,
            org_bank_tran_date=order.org_bank_tran_date,
            org_tran_amt=order.org_tran_amt,
            wd_bank_code_std=self.resolve("org_wd_bank_code_std", order.org_wd_bank_code).code,
            dps_bank_code_std=dps_code,
            dps_account_num=order.org_dps_account_num,
            dps_fintech_use_num=order.org_dps_fintech_use_num,
        )
