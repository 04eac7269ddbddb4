"""What a use case is asked, as plain values: the orders and queries the API layer builds
from a request's checked fields (`testbed.api`), so the gateway never reads a request
body and a rule's test needs none (tests/network/gateway).

Values are as the request meant them: amounts in integer won, flags as booleans, an
account as the `AccountRef` it was named by. Each field's comment gives the KFTC field it
comes from, where the name differs.
"""

from __future__ import annotations

from dataclasses import dataclass

from testbed.network.names import Consent


@dataclass(frozen=True, slots=True)
class ByFintechNum:
    """An account named by the fintech_use_num the centre gave its registration."""

    fintech_use_num: str


@dataclass(frozen=True, slots=True)
class ByAccountNum:
    """An account named by bank code and number: with its user, a registered account (the
    `sa` institutions' acnt_num variants); without one, any account (a deposit by
    account number). `field` is the request field that carried the bank code."""

    bank_code_std: str
    account_num: str
    user_seq_no: str = ""
    field: str = "bank_code_std"


AccountRef = ByFintechNum | ByAccountNum


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestingCustomer:
    """요청고객: the customer a transfer or payee check is made for (AML), named by bank +
    account or by a fintech_use_num (`base.req_client` holds it to one of the two)."""

    name: str  # req_client_name
    bank_code: str = ""  # req_client_bank_code
    account_num: str = ""  # req_client_account_num
    fintech_use_num: str = ""  # req_client_fintech_use_num
    num: str  # req_client_num: the institution's member number
    transfer_purpose: str = ""  # TR, ST, AU, RC

    def record(self) -> dict[str, str]:
        """As a transfer's record keeps it (its stored keys, unchanged since the first
        records: the disk's format)."""
        return {
            "req_client_name": self.name,
            "req_client_bank_code": self.bank_code,
            "req_client_account_num": self.account_num,
            "req_client_fintech_use_num": self.fintech_use_num,
            "req_client_num": self.num,
            "transfer_purpose": self.transfer_purpose,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractRef:
    """The institution's 약정계좌 a request names: its type (N 일반, C 모계좌) and number."""

    cntr_account_type: str
    cntr_account_num: str


# --- 이체 ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawOrder:
    """출금이체: `amount` won from the user's `account` to the caller's `contract` account."""

    bank_tran_id: str
    account: AccountRef
    contract: ContractRef
    amount: int  # tran_amt
    wd_print: str = ""  # wd_print_content: "" prints the institution's name
    dps_print: str  # dps_print_content
    customer: RequestingCustomer


@dataclass(frozen=True, slots=True, kw_only=True)
class DepositItem:
    """One deposit of a 입금이체: to a registered account (`ByFintechNum`) or to any account
    by number (`ByAccountNum`, no user), whose holder's name is then checked."""

    tran_no: str
    bank_tran_id: str
    payee: AccountRef
    holder_name: str = ""  # account_holder_name (by account number)
    print_content: str  # what the payee's statement shows
    amount: int  # tran_amt
    customer: RequestingCustomer


@dataclass(frozen=True, slots=True, kw_only=True)
class DepositOrder:
    """입금이체: from the caller's deposit 약정계좌, one item (req_cnt 1)."""

    contract: ContractRef
    pass_phrase: str  # wd_pass_phrase
    wd_print: str  # wd_print_content
    name_check: bool = True  # name_check_option "on" (off: no holder's name check)
    item: DepositItem


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultQuery:
    """One transfer asked for by transfer/result: its id, date and amount."""

    org_bank_tran_id: str
    org_bank_tran_date: str
    org_tran_amt: int


# --- 조회 ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """The window of a history: whole days, or (by_time) from and to a time of day."""

    from_date: str
    to_date: str
    by_time: bool  # inquiry_base T
    from_time: str = ""  # "" the day's start
    to_time: str = ""  # "" the day's end


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryQuery:
    """거래내역조회: one page of an account's history."""

    bank_tran_id: str
    period: Period
    inquiry_type: str  # A every line, I money in, O money out
    descending: bool  # sort_order D
    cursor: str = ""  # befor_inquiry_trace_info: where a previous page ended


@dataclass(frozen=True, slots=True, kw_only=True)
class RemitQuery:
    """송금인정보조회: one page of the deposits into one of the caller's 약정계좌."""

    bank_tran_id: str
    bank_code: str  # bank_code_std, as sent (an alias resolves)
    account_num: str
    period: Period
    descending: bool
    cursor: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RealNameQuery:
    """계좌실명조회: whose is this account? (`holder_info`: the birth date or business
    number the caller expects, "" none)."""

    bank_tran_id: str
    bank_code: str  # bank_code_std, as sent
    account_num: str
    holder_info: str = ""  # account_holder_info


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiveQuery:
    """수취조회: can this payee receive a deposit from the caller's `contract` account? The
    payee by bank + account or by fintech_use_num, as sent (`base.named_by` decides)."""

    bank_tran_id: str
    contract: ContractRef
    bank_code: str = ""  # bank_code_std
    account_num: str = ""
    fintech_use_num: str = ""
    customer: RequestingCustomer


# --- 사용자/계좌관리 (자체인증) --------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class SelfAuthRegistration:
    """사용자계좌등록: an account the institution verified itself, to register for `scopes`."""

    bank_tran_id: str
    bank_code: str  # bank_code_std, as sent
    account_num: str  # register_account_num
    user_name: str
    user_info: str  # the holder's birth date, YYYYMMDD
    user_ci: str
    scopes: tuple[Consent, ...]
    inquiry_agreed: bool = False  # info_prvd_agmt_yn Y
    transfer_agreed: bool = False  # wd_agmt_yn Y


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationQuery:
    """account/info and account/update: a registration named by account, for `scopes`;
    `email` (update_user_email) None when not sent."""

    bank_tran_id: str
    account: ByAccountNum
    scopes: tuple[Consent, ...]
    email: str | None = None


# --- 자금반환 -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnClaimOrder:
    """자금반환청구: give back an earlier deposit of the caller's. The deposit is named by
    its id, date, amount and paying bank, and its payee by bank + account or by
    fintech_use_num, as sent (`base.named_by` decides)."""

    bank_tran_id: str
    org_bank_tran_id: str
    org_bank_tran_date: str
    org_tran_amt: int
    org_wd_bank_code: str  # org_wd_bank_code_std, as sent
    org_dps_bank_code: str = ""  # org_dps_bank_code_std, as sent
    org_dps_account_num: str = ""
    org_dps_fintech_use_num: str = ""
    claim_code: str
    claim_message: str = ""
    total_return: bool  # total_return_yn Y: the whole amount
    return_account_num: str = ""
    use_org_contact: str = ""
    use_org_email: str = ""
