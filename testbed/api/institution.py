"""조회(이용기관) and 자금반환: inquiry/receive (수취조회), inquiry/remit_list (송금인정보조회),
return/claim (자금반환청구), return/result (자금반환 결과조회).

Choices where KFTC's answer is not public (⚠, see the README's compatibility notes):

- receive answers the envelope, the bank block and `bank_code_std`, `bank_code_sub`,
  `bank_name`, `savings_bank_name`, `account_num`, `account_holder_name`, `print_content`,
  `tran_amt`, `cms_num` (the optional request `cms_num` echoed, "" without). It checks that
  the account can receive (exists, normal state), not the balance or the limits of a
  later deposit.
- remit_list lists the deposits (money in) into one of the caller's contract accounts, 25 a
  page, cursor as transaction_list: `tran_date`, `tran_time`, `tran_amt`, `print_content`,
  `remitter_name`, `remitter_bank_code_std`, `remitter_account_num_masked`. The remitter is
  the account the money came from in the ledger entry (its holder's name, not the text the
  payer chose to print); money with no paying account (cash) names the bank's text of the
  line and leaves the bank code and account empty.
- return/claim answers the fields of KFTC's published sample. A claim refers to a deposit of
  the caller whose money moved, matched on every detail given (else A0310); one claim per
  deposit (a second is A0008). The claim goes to the bank that received the deposit (its
  hours apply) and stays 접수: no money moves.
- return/result answers `claim_bank_tran_date`, `claim_bank_tran_id`, `org_bank_tran_date`,
  `org_bank_tran_id`, `org_tran_amt`, `dps_bank_code_std`, `wd_bank_code_std`, `claim_code`,
  `claim_state`; an unknown claim is A0310.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from testbed.api.accounts import history_page, history_window
from testbed.api.catalogue import BANK_BLOCK, ENVELOPE, Operation, Shape
from testbed.api.common import (
    account_state_refusal,
    ask_bank,
    bank_block,
    bank_code_sub,
    bank_names,
    bank_says,
    contract_account,
    empty_list_on_refusal,
    mask,
    req_client,
)
from testbed.api.context import Call, begin
from testbed.api.fields import (
    ACCOUNT_NUM,
    AH,
    AN,
    BANK_CODE_STD,
    BANK_TRAN_ID,
    TRAN_AMT,
    TRAN_DTIME,
    A,
    N,
    Spec,
    aNS,
)
from testbed.clock import date_and_time
from testbed.config import BankCodeError
from testbed.network.codes import Refusal
from testbed.network.ledger import Account, HistoryLine
from testbed.network.openbanking import ClaimTarget, ReturnClaim

CENTRE_SCOPES = ("oob", "sa")

_REQ_CLIENT = (
    AH("req_client_name", 20),
    AN("req_client_bank_code", 3, required=False),
    AN("req_client_account_num", 16, required=False),
    AN("req_client_fintech_use_num", 24, required=False),
    AN("req_client_num", 20),
)
RECEIVE = Spec(
    BANK_TRAN_ID,
    A("cntr_account_type", 1, choices=("N", "C")),
    AN("cntr_account_num", 16),
    BANK_CODE_STD,
    ACCOUNT_NUM,
    AN("account_seq", 3, required=False),
    AH("print_content", 20),
    TRAN_AMT,
    *_REQ_CLIENT,
    AN("transfer_purpose", 2, choices=("TR", "ST", "AU", "RC")),
    AN("cms_num", 32, required=False),
    TRAN_DTIME,
)
REMIT_LIST = Spec(
    BANK_TRAN_ID,
    BANK_CODE_STD,
    ACCOUNT_NUM,
    N("from_date", 8, check="date"),
    N("from_time", 6, check="time"),
    N("to_date", 8, check="date"),
    N("to_time", 6, check="time"),
    A("sort_order", 1, choices=("D", "A")),
    TRAN_DTIME,
    AN("befor_inquiry_trace_info", 20, required=False),
)
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


def _canonical(call: Call, field: str, code: str) -> str:
    try:
        return call.world.resolver.resolve(code).code
    except BankCodeError as e:
        raise Refusal("A0004", f"{field}: {e.message}") from None


# --- inquiry/receive ---------------------------------------------------------------------


async def receive(request: web.Request) -> web.Response:
    """수취조회: can this account receive a deposit from the caller, and whose is it?"""
    call = begin(request, CENTRE_SCOPES)
    data = RECEIVE.parse(await call.body(), call.warnings)
    req_client(call, data)
    assert call.client is not None
    contract_account(call, "deposit", data)
    try:
        candidates = call.world.resolver.resolve_for_deposit(data["bank_code_std"])
    except BankCodeError as e:
        raise Refusal("A0004", f"bank_code_std: {e.message}") from None
    accounts = call.world.ledger.accounts
    keys = [(inst.code, data["account_num"]) for inst in candidates]
    account = next((accounts[key] for key in keys if key in accounts), None)
    bank_tran_id = data["bank_tran_id"]
    date = call.world.openbanking.claim(call.client, bank_tran_id, "receive", call.now)
    answering = account.bank_code if account is not None else candidates[0].code
    await ask_bank(call, answering, bank_tran_id, date, "receive")
    if account is None:
        raise bank_says(call, answering, "account_not_found", bank_tran_id, date)
    account_state_refusal(call, account, bank_tran_id, date)
    bank_name, savings = bank_names(call, account.bank_code)
    return call.answer(
        {
            **call.envelope(),
            **bank_block(bank_tran_id, date, account.bank_code),
            "bank_code_std": account.bank_code,
            "bank_code_sub": bank_code_sub(account),
            "bank_name": bank_name,
            "savings_bank_name": savings,
            "account_num": account.account_num,
            "account_holder_name": account.holder_name,
            "print_content": data["print_content"],
            "tran_amt": data["tran_amt"],
            "cms_num": data.get("cms_num", ""),
        }
    )


# --- inquiry/remit_list ------------------------------------------------------------------


def _contract_account(call: Call, code: str, account_num: str) -> Account:
    """One of the caller's 약정계좌 (any purpose) at canonical bank `code`, else A0322."""
    assert call.client is not None
    for contract in call.client.contract_accounts:
        if contract.bank_code == code and contract.account_num == account_num:
            return call.world.ledger.accounts[(contract.bank_code, contract.account_num)]
    raise Refusal("A0322")


def _remitter(call: Call, account: Account, line: HistoryLine) -> tuple[str, str, str]:
    """(name, bank code, masked account number) of who paid a history line in."""
    ledger = call.world.ledger
    if 0 < line.entry_id <= len(ledger.entries):
        entry = ledger.entries[line.entry_id - 1]
        if entry.id == line.entry_id:
            for leg in entry.postings:
                payer = ledger.accounts.get(leg.account) if leg.amount < 0 else None
                if payer is not None and payer.key != account.key:
                    return payer.holder_name, payer.bank_code, mask(payer.account_num)
    return line.print_content, "", ""


def _remit_row(call: Call, account: Account, line: HistoryLine) -> dict[str, str]:
    name, bank_code, account_masked = _remitter(call, account, line)
    tran_date, tran_time = date_and_time(line.time)
    return {
        "tran_date": tran_date,
        "tran_time": tran_time,
        "tran_amt": str(line.amount),
        "print_content": line.print_content,
        "remitter_name": name,
        "remitter_bank_code_std": bank_code,
        "remitter_account_num_masked": account_masked,
    }


async def remit_list(request: web.Request) -> web.Response:
    """송금인정보조회: who paid into the caller's own account in a period."""
    call = begin(request, CENTRE_SCOPES)
    q = REMIT_LIST.parse(await call.body(), call.warnings)
    window = history_window({**q, "inquiry_base": "T"})
    code = _canonical(call, "bank_code_std", q["bank_code_std"])
    assert call.client is not None
    with empty_list_on_refusal("page_record_cnt"):
        account = _contract_account(call, code, q["account_num"])
        bank_tran_id = q["bank_tran_id"]
        date = call.world.openbanking.claim(call.client, bank_tran_id, "remit_list", call.now)
        await ask_bank(call, account.bank_code, bank_tran_id, date, "remit_list")
        account_state_refusal(call, account, bank_tran_id, date)

    lines, next_position = history_page(account.history, window, "I", q["sort_order"] == "D")
    rows = [_remit_row(call, account, line) for line in lines]
    bank_name, _ = bank_names(call, account.bank_code)
    return call.answer(
        {
            **call.envelope(),
            **bank_block(bank_tran_id, date, account.bank_code),
            "bank_name": bank_name,
            "account_num_masked": mask(account.account_num),
            "page_record_cnt": str(len(rows)),
            "next_page_yn": "Y" if next_position is not None else "N",
            "befor_inquiry_trace_info": str(next_position) if next_position is not None else "",
            "res_list": rows,
        }
    )


# --- return/claim, return/result ---------------------------------------------------------


def _claim_target(call: Call, data: dict[str, str]) -> ClaimTarget:
    """The deposit a claim names: its payee by bank + account or fintech_use_num, not both."""
    by_account = bool(data.get("org_dps_bank_code_std") or data.get("org_dps_account_num"))
    fintech = data.get("org_dps_fintech_use_num", "")
    if by_account and fintech:
        raise Refusal("A0004", "org_dps: bank+account or fintech_use_num, not both")
    if not by_account and not fintech:
        raise Refusal("A0004", "org_dps: bank+account or fintech_use_num is required")
    if by_account and not (data.get("org_dps_bank_code_std") and data.get("org_dps_account_num")):
        raise Refusal("A0004", "org_dps_bank_code_std and org_dps_account_num go together")
    dps_code = (
        _canonical(call, "org_dps_bank_code_std", data["org_dps_bank_code_std"])
        if by_account
        else ""
    )
    return ClaimTarget(
        org_bank_tran_id=data["org_bank_tran_id"],
        org_bank_tran_date=data["org_bank_tran_date"],
        org_tran_amt=int(data["org_tran_amt"]),
        wd_bank_code_std=_canonical(call, "org_wd_bank_code_std", data["org_wd_bank_code_std"]),
        dps_bank_code_std=dps_code,
        dps_account_num=data.get("org_dps_account_num", ""),
        dps_fintech_use_num=fintech,
    )


async def return_claim(request: web.Request) -> web.Response:
    """자금반환청구: recorded as 접수; no money moves."""
    call = begin(request, CENTRE_SCOPES)
    data = RETURN_CLAIM.parse(await call.body(), call.warnings)
    target = _claim_target(call, data)
    assert call.client is not None
    code = call.client.client_use_code
    claims = call.world.return_claims
    record = claims.deposit_for(call.world.openbanking, code, target)
    bank_tran_id = data["bank_tran_id"]
    date = call.world.openbanking.claim(call.client, bank_tran_id, "return_claim", call.now)
    dps_bank = record.dps.get("bank_code_std", "")
    await ask_bank(call, dps_bank, bank_tran_id, date, "return_claim")
    claims.file(
        ReturnClaim(
            client_use_code=code,
            bank_tran_id=bank_tran_id,
            bank_tran_date=date,
            time=call.now,
            org_bank_tran_id=record.bank_tran_id,
            org_bank_tran_date=record.bank_tran_date,
            org_tran_amt=record.tran_amt,
            dps_bank_code_std=dps_bank,
            wd_bank_code_std=record.wd.get("bank_code_std", ""),
            claim_code=data["claim_code"],
            claim_message=data.get("claim_message", ""),
            total_return_yn=data["total_return_yn"],
            return_account_num=data.get("return_account_num", ""),
            use_org_contact=data.get("use_org_contact", ""),
            use_org_email=data.get("use_org_email", ""),
        )
    )
    await call.runtime.store.durable()
    answer: dict[str, Any] = {
        **call.envelope(),
        "dps_bank_code_std": dps_bank,
        **bank_block(bank_tran_id, date, dps_bank),
        "wd_bank_code_std": record.wd.get("bank_code_std", ""),
        "wd_bank_code_sub": record.wd.get("bank_code_sub", ""),
        "wd_bank_name": record.wd.get("bank_name", ""),
        "org_bank_tran_date": record.bank_tran_date,
        "org_bank_tran_id": record.bank_tran_id,
        "org_dps_bank_code_std": target.dps_bank_code_std,
        "org_dps_account_num": target.dps_account_num,
        "org_dps_fintech_use_num": target.dps_fintech_use_num,
        "org_tran_amt": str(record.tran_amt),
        "return_account_num": data.get("return_account_num", ""),
    }
    return call.answer(answer)


async def return_result(request: web.Request) -> web.Response:
    """자금반환 결과조회: the state of an earlier claim of the caller."""
    call = begin(request, CENTRE_SCOPES)
    data = RETURN_RESULT.parse(await call.body(), call.warnings)
    assert call.client is not None
    claim = call.world.return_claims.find(
        call.client.client_use_code, data["claim_bank_tran_date"], data["claim_bank_tran_id"]
    )
    if claim is None:
        raise Refusal("A0310")
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
        "POST",
        "/v2.0/inquiry/receive",
        receive,
        "수취조회",
        "Payee check",
        "조회",
        CENTRE_SCOPES,
        RECEIVE,
        Shape(
            (
                *ENVELOPE,
                *BANK_BLOCK,
                "bank_code_std",
                "bank_code_sub",
                "bank_name",
                "savings_bank_name",
                "account_num",
                "account_holder_name",
                "print_content",
                "tran_amt",
                "cms_num",
            ),
        ),
    ),
    Operation(
        "POST",
        "/v2.0/inquiry/remit_list",
        remit_list,
        "송금인정보조회",
        "Remitters",
        "조회",
        CENTRE_SCOPES,
        REMIT_LIST,
        Shape(
            (
                *ENVELOPE,
                *BANK_BLOCK,
                "bank_name",
                "account_num_masked",
                "page_record_cnt",
                "next_page_yn",
                "befor_inquiry_trace_info",
                "res_list",
            ),
            items=(
                "tran_date",
                "tran_time",
                "tran_amt",
                "print_content",
                "remitter_name",
                "remitter_bank_code_std",
                "remitter_account_num_masked",
            ),
        ),
    ),
    Operation(
        "POST",
        "/v2.0/return/claim",
        return_claim,
        "자금반환청구",
        "Return claim",
        "이체",
        CENTRE_SCOPES,
        RETURN_CLAIM,
        Shape(
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
        "POST",
        "/v2.0/return/result",
        return_result,
        "자금반환청구결과조회",
        "Return claim result",
        "이체",
        CENTRE_SCOPES,
        RETURN_RESULT,
        Shape(
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
