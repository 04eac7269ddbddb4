"""What several business APIs share: registered accounts, bank answers, KFTC shapes."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from testbed.api.context import Call
from testbed.config import BankCodeError
from testbed.network.centre import TransferOutcome
from testbed.network.codes import Refusal
from testbed.network.fixtures import active_registration
from testbed.network.ledger import Account, AccountStatus
from testbed.network.parties import Registration


def mask(account_num: str) -> str:
    """`account_num_masked`: the last three digits hidden, as the API shows it (000-1230000-***)."""
    if len(account_num) <= 6:
        return account_num[:-3] + "***"
    return f"{account_num[:3]}-{account_num[3:-3]}-***"


def bank_block(
    bank_tran_id: str,
    bank_tran_date: str,
    bank_code_tran: str,
    bank_rsp_code: str = "000",
    bank_rsp_message: str = "",
) -> dict[str, str]:
    return {
        "bank_tran_id": bank_tran_id,
        "bank_tran_date": bank_tran_date,
        "bank_code_tran": bank_code_tran,
        "bank_rsp_code": bank_rsp_code,
        "bank_rsp_message": bank_rsp_message,
    }


def bank_names(call: Call, code: str) -> tuple[str, str]:
    """(bank_name, savings_bank_name) of a canonical code."""
    institution = call.world.config.institution(code)
    savings = institution.name_ko if institution.kind == "savings" else ""
    return institution.name_ko, savings


def bank_code_sub(account: Account) -> str:
    """7-digit 점별코드: the bank code and a branch number (the testbed keeps one per account)."""
    return _branch_code(account.bank_code, account.branch_name)


@functools.lru_cache(maxsize=4096)
def _branch_code(bank_code: str, branch_name: str) -> str:
    return f"{bank_code}{sum(ord(c) for c in branch_name) % 9000 + 1000:04d}"


def registered(call: Call, fintech_use_num: str, consent: str = "") -> tuple[Registration, Account]:
    """The account a fintech_use_num names for this caller, with the consent it needs.

    A number that is not this institution's (unknown, cancelled, or another
    institution's) is A0304 either way: the answer never says which.
    """
    assert call.client is not None and call.grant is not None
    reg = call.world.directory.registrations.get(fintech_use_num)
    if reg is None or reg.cancelled or reg.client_use_code != call.client.client_use_code:
        raise Refusal("A0304")
    if call.grant.is_user_token and reg.user_seq_no != call.grant.user_seq_no:
        raise Refusal("A0313")
    if consent == "inquiry" and not reg.inquiry_agree_dtime:
        raise Refusal("A0305")
    if consent == "transfer" and not reg.transfer_agree_dtime:
        raise Refusal("A0306")
    return reg, call.world.ledger.accounts[(reg.bank_code, reg.account_num)]


def refusal_from_bank(
    call: Call, outcome: TransferOutcome, bank_tran_id: str, date: str, **fields: Any
) -> Refusal:
    """How the gateway reports a bank that did not answer yes."""
    if outcome.problem == "centre_closed":
        centre = call.world.config.centre
        return Refusal(
            "A0020",
            f"센터 운영시간 {_hhmm(centre.open)}~{_hhmm(centre.close)}",
            **bank_block(bank_tran_id, date, centre.code, "", ""),
            **fields,
        )
    response = outcome.response
    assert response is not None
    return Refusal(
        response.rsp_code,
        "",
        **bank_block(
            bank_tran_id, date, outcome.bank_code, response.bank_rsp_code, response.message
        ),
        **fields,
    )


async def ask_bank(call: Call, bank_code: str, bank_tran_id: str, date: str, api: str = "") -> None:
    """An inquiry the account's bank must answer: its queue, latency, hours and faults."""
    client = call.client.client_use_code if call.client else ""
    outcome = await call.world.inquire(bank_code, api, client)
    if outcome is not None:
        raise refusal_from_bank(call, outcome, bank_tran_id, date)


def bank_says(call: Call, bank_code: str, problem: str, bank_tran_id: str, date: str) -> Refusal:
    """A bank's configured answer to `problem` (banks.yaml `codes`), as the gateway relays it."""
    bank = call.world.banks[bank_code]
    response = bank.response(problem)
    return Refusal(
        response.rsp_code,
        "",
        **bank_block(bank_tran_id, date, bank.code, response.bank_rsp_code, response.message),
    )


def account_state_refusal(call: Call, account: Account, bank_tran_id: str, date: str) -> None:
    """An inquiry on a closed, suspended or accident-reported account is refused by its bank."""
    if account.status is not AccountStatus.NORMAL:
        raise bank_says(call, account.bank_code, account.status.problem, bank_tran_id, date)


def req_client(call: Call, data: dict[str, str]) -> dict[str, str]:
    """The requesting customer (AML): bank + account, or a fintech_use_num, not both."""
    by_account = bool(data.get("req_client_bank_code") or data.get("req_client_account_num"))
    by_fintech = bool(data.get("req_client_fintech_use_num"))
    if by_account and by_fintech:
        raise Refusal("A0004", "req_client: bank+account or fintech_use_num, not both")
    if not by_account and not by_fintech:
        raise Refusal("A0004", "req_client: bank+account or fintech_use_num is required")
    if by_account and not (data.get("req_client_bank_code") and data.get("req_client_account_num")):
        raise Refusal("A0004", "req_client_bank_code and req_client_account_num go together")
    if data.get("sub_frnc_bussiness_num"):
        call.warn("sub_frnc_bussiness_num (KFTC's sample spelling) read as sub_frnc_business_num")
    return {
        k: data.get(k, "")
        for k in (
            "req_client_name",
            "req_client_bank_code",
            "req_client_account_num",
            "req_client_fintech_use_num",
            "req_client_num",
            "transfer_purpose",
        )
    }


def contract_account(call: Call, purpose: str, data: dict[str, str]) -> Account:
    """The caller's 약정계좌 for `purpose` named by cntr_account_type/num, else A0322."""
    assert call.client is not None
    contract = call.client.contract_account(purpose)
    if (
        contract is None
        or contract.account_num != data["cntr_account_num"]
        or contract.cntr_account_type != data["cntr_account_type"]
    ):
        raise Refusal("A0322")
    return call.world.ledger.accounts[(contract.bank_code, contract.account_num)]


@contextmanager
def empty_list_on_refusal(count_field: str = "res_cnt") -> Iterator[None]:
    """List APIs answer `res_list: []` when they fail after validation: some clients read
    `res_list[0]` even on errors."""
    try:
        yield
    except Refusal as refusal:
        refusal.fields.setdefault(count_field, "0")
        refusal.fields.setdefault("res_list", [])
        raise


def yn(flag: bool) -> str:
    return "Y" if flag else "N"


def account_object(call: Call, reg: Registration, *, for_list: bool) -> dict[str, Any]:
    """An account as user/me (for_list False) or account/list (for_list True) shows it."""
    account = call.world.ledger.accounts[(reg.bank_code, reg.account_num)]
    bank_name, savings = bank_names(call, reg.bank_code)
    item: dict[str, Any] = {
        "fintech_use_num": reg.fintech_use_num,
        "account_alias": reg.account_alias,
        "bank_code_std": reg.bank_code,
        "bank_code_sub": bank_code_sub(account),
        "bank_name": bank_name,
        "savings_bank_name": savings,
        "account_num_masked": mask(account.account_num),
        "account_seq": "",
        "account_holder_name": account.holder_name,
        "account_holder_type": account.holder_type,
        "account_type": account.account_type.value,
        "inquiry_agree_yn": yn(bool(reg.inquiry_agree_dtime)),
        "inquiry_agree_dtime": reg.inquiry_agree_dtime,
        "transfer_agree_yn": yn(bool(reg.transfer_agree_dtime)),
        "transfer_agree_dtime": reg.transfer_agree_dtime,
    }
    if for_list:
        item["account_state"] = "09" if reg.cancelled else "01"
    else:
        item["payer_num"] = ""
    return item


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


# --- shared by the fin_num and acnt_num variants (self-auth institutions address accounts by
# bank code and number); the fin_num handlers render the same fields inline today.


def registered_account(
    call: Call,
    bank_code_std: str,
    account_num: str,
    user_seq_no: str,
    consent: str = "",
    field: str = "bank_code_std",
) -> tuple[Registration, Account]:
    """The registration of an account named by bank code and number, for this caller.

    An account this institution has not registered (or whose registration was cancelled)
    is A0323; one registered for another user than `user_seq_no` is A0313; then the
    checks of `registered` (consent A0305/A0306).
    """
    assert call.client is not None
    try:
        institution = call.world.resolver.resolve(bank_code_std)
    except BankCodeError as e:
        raise Refusal("A0004", f"{field}: {e.message}") from None
    reg = active_registration(
        call.world, call.client.client_use_code, (institution.code, account_num)
    )
    if reg is None:
        raise Refusal("A0323")
    if reg.user_seq_no != user_seq_no:
        raise Refusal("A0313")
    return registered(call, reg.fintech_use_num, consent)


async def inquire(call: Call, bank_tran_id: str, api: str, account: Account) -> str:
    """An inquiry on a registered account: the bank_tran_id, the bank's answer, the
    account's state. Returns the bank_tran_date."""
    assert call.client is not None
    date = call.world.openbanking.claim(call.client, bank_tran_id, api, call.now)
    await ask_bank(call, account.bank_code, bank_tran_id, date, api)
    account_state_refusal(call, account, bank_tran_id, date)
    return date
