"""/v2.0/return/*: 자금반환청구 (return/claim) and its state (return/result).

Choices where KFTC's answer is not public (⚠, see the README's compatibility notes):

- return/claim answers the fields of KFTC's published sample; the rules (a deposit of
  the caller whose money moved, one claim per deposit, the receiving bank's hours, no
  money moves) are the gateway's (`testbed.network.gateway.returns`).
- return/result answers `claim_bank_tran_date`, `claim_bank_tran_id`, `org_bank_tran_date`,
  `org_bank_tran_id`, `org_tran_amt`, `dps_bank_code_std`, `wd_bank_code_std`, `claim_code`,
  `claim_state`; an unknown claim is A0310.
"""

from __future__ import annotations

from aiohttp import web

from testbed.api.catalogue import BANK_BLOCK, CENTRE_SCOPES, ENVELOPE, Operation, Shape
from testbed.api.context import begin
from testbed.api.fields import AH, AN, BANK_TRAN_ID, A, N, Spec, aNS
from testbed.network.gateway.orders import ReturnClaimOrder
from testbed.network.gateway.views import bank_block

RETURN_CLAIM = Spec(
    BANK_TRAN_ID,
    N("org_bank_tran_date", 8, check="date"),
    AN("org_bank_tran_id", 20, exact=True),
    AN("org_dps_bank_code_std", 3, required=False),
    AN("org_dps_account_num", 16, required=False),
    AN("org_dps_fintech_use_num", 24, required=False),
    N("org_tran_amt", 12, check="amount"),
    AN("org_wd_bank_code_std", 3),
    AN("claim_code", 2),  # ⚠ KFTC's sample sends "05" (시스템오류); the code list is not public
    AH("claim_message", 100, required=False),
    A("total_return_yn", 1, check="yn"),
    AN("return_account_num", 16, required=False),
    aNS("use_org_contact", 20, required=False),  # "010-1234-5678" in KFTC's sample
    aNS("use_org_email", 100, required=False),
)
RETURN_RESULT = Spec(
    N("claim_bank_tran_date", 8, check="date"),
    AN("claim_bank_tran_id", 20, exact=True),
)


async def return_claim(request: web.Request) -> web.Response:
    """자금반환청구: recorded as 접수; no money moves."""
    call = begin(request, CENTRE_SCOPES)
    data = call.parse(RETURN_CLAIM, await call.body())
    done = await call.gateway.returns.return_claim(call.caller, _claim_order(data))
    claim, deposit, target = done.claim, done.deposit, done.target
    return call.answer(
        {
            **call.envelope(),
            "dps_bank_code_std": claim.dps_bank_code_std,
            **bank_block(claim.bank_tran_id, claim.bank_tran_date, claim.dps_bank_code_std),
            "wd_bank_code_std": deposit.wd.get("bank_code_std", ""),
            "wd_bank_code_sub": deposit.wd.get("bank_code_sub", ""),
            "wd_bank_name": deposit.wd.get("bank_name", ""),
            "org_bank_tran_date": deposit.bank_tran_date,
            "org_bank_tran_id": deposit.bank_tran_id,
            "org_dps_bank_code_std": target.dps_bank_code_std,
            "org_dps_account_num": target.dps_account_num,
            "org_dps_fintech_use_num": target.dps_fintech_use_num,
            "org_tran_amt": str(deposit.tran_amt),
            "return_account_num": data.get("return_account_num", ""),
        }
    )


def _claim_order(data: dict[str, str]) -> ReturnClaimOrder:
    """The claim a request makes: the deposit it names and what it says of it."""
    return ReturnClaimOrder(
        bank_tran_id=data["bank_tran_id"],
        org_bank_tran_id=data["org_bank_tran_id"],
        org_bank_tran_date=data["org_bank_tran_date"],
        org_tran_amt=int(data["org_tran_amt"]),
        org_wd_bank_code=data["org_wd_bank_code_std"],
        org_dps_bank_code=data.get("org_dps_bank_code_std", ""),
        org_dps_account_num=data.get("org_dps_account_num", ""),
        org_dps_fintech_use_num=data.get("org_dps_fintech_use_num", ""),
        claim_code=data["claim_code"],
        claim_message=data.get("claim_message", ""),
        total_return=data["total_return_yn"] == "Y",
        return_account_num=data.get("return_account_num", ""),
        use_org_contact=data.get("use_org_contact", ""),
        use_org_email=data.get("use_org_email", ""),
    )


async def return_result(request: web.Request) -> web.Response:
    """자금반환 결과조회: the state of an earlier claim of the caller."""
    call = begin(request, CENTRE_SCOPES)
    data = call.parse(RETURN_RESULT, await call.body())
    claim = call.gateway.returns.return_result(
        call.caller, data["claim_bank_tran_date"], data["claim_bank_tran_id"]
    )
    return call.answer(
        {
            **call.envelope(),
            "claim_bank_tran_date": claim.bank_tran_date,
            "claim_bank_tran_id": claim.bank_tran_id,
            "org_bank_tran_date": claim.org_bank_tran_date,
            "org_bank_tran_id": claim.org_bank_tran_id,
            "org_tran_amt": str(claim.org_tran_amt),
            "dps_bank_code_std": claim.dps_bank_code_std,
            "wd_bank_code_std": claim.wd_bank_code_std,
            "claim_code": claim.claim_code,
            "claim_state": claim.state,
        }
    )


OPERATIONS = [
    Operation(
        method="POST",
        path="/v2.0/return/claim",
        handler=return_claim,
        writes=True,
        name_ko="자금반환청구",
        name_en="Return claim",
        group="이체",
        scopes=CENTRE_SCOPES,
        request=RETURN_CLAIM,
        response=Shape(
            (
                *ENVELOPE,
                "dps_bank_code_std",
                *BANK_BLOCK,
                "wd_bank_code_std",
                "wd_bank_code_sub",
                "wd_bank_name",
                "org_bank_tran_date",
                "org_bank_tran_id",
                "org_dps_bank_code_std",
                "org_dps_account_num",
                "org_dps_fintech_use_num",
                "org_tran_amt",
                "return_account_num",
            ),
        ),
    ),
    Operation(
        method="POST",
        path="/v2.0/return/result",
        handler=return_result,
        name_ko="자금반환청구결과조회",
        name_en="Return claim result",
        group="이체",
        scopes=CENTRE_SCOPES,
        request=RETURN_RESULT,
        response=Shape(
            (
                *ENVELOPE,
                "claim_bank_tran_date",
                "claim_bank_tran_id",
                "org_bank_tran_date",
                "org_bank_tran_id",
                "org_tran_amt",
                "dps_bank_code_std",
                "wd_bank_code_std",
                "claim_code",
                "claim_state",
            ),
        ),
    ),
]
