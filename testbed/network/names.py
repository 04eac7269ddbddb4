"""The names the model gives what it is asked: which API (`Api`) and which consent
(`Consent`). `StrEnum`s, so a typo is a type error, while each value is the very string
the records on disk, the faults' `api` field and the events have always held (a member
equals and hashes as its text: stored records load unchanged)."""

from __future__ import annotations

from enum import StrEnum


class Api(StrEnum):
    """An Open Banking API that takes a bank_tran_id and goes to a bank: the name its
    bank_tran_id is claimed under, faults target (faults' `api`) and limits, fees and
    counts are kept by."""

    WITHDRAW = "withdraw"
    DEPOSIT = "deposit"
    BALANCE = "balance"
    TRANSACTIONS = "transactions"
    REAL_NAME = "real_name"
    RECEIVE = "receive"
    REMIT_LIST = "remit_list"
    RETURN_CLAIM = "return_claim"
    REGISTER = "register"
    CANCEL = "cancel"
    ACCOUNT_INFO = "account_info"
    ACCOUNT_UPDATE = "account_update"


#: the APIs that move money (limits, fees, transfer/result's check_type)
TRANSFER_APIS = (Api.WITHDRAW, Api.DEPOSIT)


class Consent(StrEnum):
    """What a user agreed to share with an institution for one account: 조회 (inquiry) or
    출금 (transfer); a `scope` names one or both."""

    INQUIRY = "inquiry"
    TRANSFER = "transfer"
