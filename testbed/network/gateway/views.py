"""How the gateway shows an account and a bank's answer on the wire: the masked number,
the 점별코드, the bank block, and the account block every answer builds from.

These live in the model, not the HTTP layer, because the records keep them: a transfer's
two sides are stored as the client saw them, so transfer/result can tell them again.
"""

from __future__ import annotations

import functools

from testbed.config import NetworkConfig
from testbed.network.ledger import Account
from testbed.network.parties import Registration

#: an N(8) date the bank has none of (no transaction yet, no maturity), as KFTC sends it
NO_DATE = "00000000"


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
    """The five fields that say which bank answered what (every bank-bound API has them)."""
    return {
        "bank_tran_id": bank_tran_id,
        "bank_tran_date": bank_tran_date,
        "bank_code_tran": bank_code_tran,
        "bank_rsp_code": bank_rsp_code,
        "bank_rsp_message": bank_rsp_message,
    }


def bank_names(config: NetworkConfig, code: str) -> tuple[str, str]:
    """(bank_name, savings_bank_name) of a canonical code: `bank_name` is the name the
    gateway shows today (banks.yaml's `display_name`, e.g. IBK기업은행), not the legal one."""
    institution = config.institution(code)
    savings = institution.name_ko if institution.kind == "savings" else ""
    return institution.display_name, savings


def bank_code_sub(account: Account) -> str:
    """7-digit 점별코드: the bank code and a branch number (the testbed keeps one per account)."""
    return _branch_code(account.bank_code, account.branch_name)


@functools.lru_cache(maxsize=4096)
def _branch_code(bank_code: str, branch_name: str) -> str:
    return f"{bank_code}{sum(ord(c) for c in branch_name) % 9000 + 1000:04d}"


def account_block(config: NetworkConfig, account: Account) -> dict[str, str]:
    """An account as the answers show it: every field an answer may pick from, by its
    KFTC name (answers choose which, in which order, and under which prefix)."""
    bank_name, savings = bank_names(config, account.bank_code)
    return {
        "bank_code_std": account.bank_code,
        "bank_code_sub": bank_code_sub(account),
        "bank_name": bank_name,
        "savings_bank_name": savings,
        "account_num": account.account_num,
        "account_num_masked": mask(account.account_num),
        "account_holder_name": account.holder_name,
    }


def payer_num(reg: Registration) -> str:
    """납부자번호 (user/me): 20 digits for an account the user agreed to withdraw from, the
    date of that consent then 12 digits of the registration (its fintech_use_num's last
    12, so it is stable and differs between accounts); "" without withdrawal consent."""
    if not reg.transfer_agree_dtime:
        return ""
    return reg.transfer_agree_dtime[:8] + reg.fintech_use_num[-12:]


def date_or_none(yyyymmdd: str) -> str:
    """An N(8) date as the answers send it: `00000000` when there is none."""
    return yyyymmdd or NO_DATE


def yn(flag: bool) -> str:
    return "Y" if flag else "N"
