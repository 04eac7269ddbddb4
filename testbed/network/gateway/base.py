"""What every Open Banking use case shares: who calls (`Caller`), how the account a call
names is found for that caller, and how a bank's answer becomes a KFTC code — the one
place that mapping is written (`BankAnswer.of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from testbed.clock import yyyymmdd
from testbed.config import BankCodeError, Institution, format_time_of_day
from testbed.network.auth import Grant
from testbed.network.centre import TransferOutcome
from testbed.network.codes import Refusal
from testbed.network.fixtures import active_registration
from testbed.network.gateway import tenancy
from testbed.network.gateway.orders import (
    AccountRef,
    ByAccountNum,
    ByFintechNum,
    ContractRef,
    RequestingCustomer,
)
from testbed.network.gateway.views import account_block, bank_block
from testbed.network.ledger import Account, AccountStatus
from testbed.network.names import Api, Consent
from testbed.network.parties import FintechClient, Registration, User
from testbed.network.world import World

#: the centre's answer while it is closed (23:55-00:05): decided here, read by whoever
#: must recognise it (the readiness examiner)
CENTRE_CLOSED: Final = "A0020"


@dataclass(slots=True)
class Caller:
    """An authenticated call: the institution, its token, the (simulated) moment it came,
    and the warnings its answer will carry."""

    client: FintechClient
    grant: Grant
    now: float
    warnings: list[str]

    def warn(self, text: str) -> None:
        self.warnings.append(text)


@dataclass(frozen=True, slots=True)
class BankAnswer:
    """A bank's (or the centre's) answer to one request, as the gateway reports it."""

    rsp_code: str
    detail: str
    bank_code: str
    bank_rsp_code: str
    bank_rsp_message: str

    @classmethod
    def of(cls, world: World, outcome: TransferOutcome, bank_code: str) -> BankAnswer:
        """The KFTC answer to a model outcome (`bank_code`: who answered a success)."""
        if outcome.ok:
            return cls("A0000", "", bank_code, "000", "")
        if outcome.problem == "centre_closed":
            centre = world.config.centre
            opens, closes = format_time_of_day(centre.open), format_time_of_day(centre.close)
            hours = f"센터 운영시간 {opens}~{closes}"
            return cls(CENTRE_CLOSED, hours, centre.code, "", "")
        response = outcome.response
        if outcome.problem == "timeout":
            # the client hears "time-out"; the banks may still finish (Transfers._settle_later)
            return cls(response.rsp_code if response else "A0017", "", outcome.bank_code, "", "")
        assert response is not None
        return cls(
            response.rsp_code, "", outcome.bank_code, response.bank_rsp_code, response.message
        )

    @staticmethod
    def closed_answers(world: World) -> frozenset[tuple[str, str]]:
        """The (rsp_code, bank_rsp_code) pairs that say "closed": the centre's hours
        (A0020, as `of` answers it) and each bank's configured 공동망 미개시 answer."""
        found = {(CENTRE_CLOSED, "")}
        for bank in world.banks.values():
            answer = bank.response("bank_closed")
            found.add((answer.rsp_code, answer.bank_rsp_code))
        return frozenset(found)

    def refusal(self, bank_tran_id: str, date: str, **fields: object) -> Refusal:
        return Refusal(
            self.rsp_code,
            self.detail,
            **bank_block(
                bank_tran_id, date, self.bank_code, self.bank_rsp_code, self.bank_rsp_message
            ),
            **fields,
        )


class GatewayBase:
    """The rules the use cases share; `Gateway` composes the use cases over them."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.book = world.openbanking

    def today(self) -> str:
        """The simulated date (YYYYMMDD, KST)."""
        return yyyymmdd(self.world.clock.now())

    # --- who calls ----------------------------------------------------------------------
    def authenticate(
        self,
        access_token: str,
        scopes: tuple[str, ...],
        now: float,
        *,
        api: str,
        remote: str,
        transfer: bool,
        warnings: list[str],
    ) -> Caller:
        """The caller a bearer token stands for: O0002/O0003 (token), O0011 (none of
        `scopes`), O0006 (a transfer from outside the institution's IP allow-list),
        O0008/O0009 (its rate)."""
        world = self.world
        grant = world.auth.check(access_token, now)
        if not set(scopes) & set(grant.scopes):
            raise Refusal("O0011")
        client = world.directory.clients.get(grant.client_use_code)
        if client is None:  # pragma: no cover - a token always names a known institution
            raise Refusal("O0002")
        if transfer and client.ip_allow and remote not in client.ip_allow:
            raise Refusal("O0006", remote)
        world.rate_limiter.admit(client, api, now)
        return Caller(client, grant, now, warnings)

    # --- how accounts are named ----------------------------------------------------------
    def view(self, account: Account) -> dict[str, str]:
        return account_block(self.world.config, account)

    def resolve(self, field: str, code: str) -> Institution:
        """The institution a bank code names (aliases resolved), else A0004 naming `field`."""
        try:
            return self.world.resolver.resolve(code)
        except BankCodeError as e:
            raise Refusal("A0004", f"{field}: {e.message}") from None

    def resolve_for_deposit(self, field: str, code: str) -> tuple[Institution, ...]:
        """The institutions an account number under `code` may be at, for a deposit."""
        try:
            return self.world.resolver.resolve_for_deposit(code)
        except BankCodeError as e:
            raise Refusal("A0004", f"{field}: {e.message}") from None

    def locate(
        self, caller: Caller, ref: AccountRef, consent: Consent | None = None
    ) -> tuple[Registration, Account]:
        if isinstance(ref, ByFintechNum):
            return self.registered(caller, ref.fintech_use_num, consent)
        return self.registered_account(caller, ref, consent)

    def account_at(self, caller: Caller, bank_code: str, account_num: str) -> Account | None:
        """The account a request names by (canonical) bank code and number, or None: none
        there, or another tenant's (to whom it does not exist: tenancy)."""
        account = self.world.ledger.accounts.get((bank_code, account_num))
        tenant = tenancy.tenant_of(caller.client)
        if account is None or not tenancy.may_see_account(self.world, tenant, account):
            return None
        return account

    def registered(
        self, caller: Caller, fintech_use_num: str, consent: Consent | None = None
    ) -> tuple[Registration, Account]:
        """The account a fintech_use_num names for this caller, with the consent it needs.

        A number that is not this institution's (unknown, cancelled, or another
        institution's) is A0304 either way: the answer never says which.
        """
        world = self.world
        reg = world.directory.registrations.get(fintech_use_num)
        if reg is None or reg.cancelled or reg.client_use_code != caller.client.client_use_code:
            raise Refusal("A0304")
        if caller.grant.is_user_token and reg.user_seq_no != caller.grant.user_seq_no:
            raise Refusal("A0313")
        if consent is Consent.INQUIRY and not reg.inquiry_agree_dtime:
            raise Refusal("A0305")
        if consent is Consent.TRANSFER and not reg.transfer_agree_dtime:
            raise Refusal("A0306")
        return reg, world.ledger.accounts[(reg.bank_code, reg.account_num)]

    def registered_account(
        self, caller: Caller, ref: ByAccountNum, consent: Consent | None = None
    ) -> tuple[Registration, Account]:
        """The registration of an account named by bank code and number, for this caller.

        An account this institution has not registered (or whose registration was cancelled)
        is A0323; one registered for another user than `ref.user_seq_no` is A0313; then the
        checks of `registered` (consent A0305/A0306).
        """
        institution = self.resolve(ref.field, ref.bank_code_std)
        reg = active_registration(
            self.world, caller.client.client_use_code, (institution.code, ref.account_num)
        )
        if reg is None:
            raise Refusal("A0323")
        if reg.user_seq_no != ref.user_seq_no:
            raise Refusal("A0313")
        return self.registered(caller, reg.fintech_use_num, consent)

    def own_user(self, caller: Caller, user_seq_no: str) -> User:
        """A user token serves only its own user; an `sa` token any user of its institution."""
        if caller.grant.is_user_token and caller.grant.user_seq_no != user_seq_no:
            raise Refusal("A0313")
        user = self.world.directory.users.get(user_seq_no)
        if user is None or not self.user_registrations(caller, user_seq_no, include_cancelled=True):
            raise Refusal("A0313")
        return user

    def user_registrations(
        self, caller: Caller, user_seq_no: str, include_cancelled: bool
    ) -> list[Registration]:
        regs = self.world.directory.registrations_of(caller.client.client_use_code, user_seq_no)
        return [r for r in regs if include_cancelled or not r.cancelled]

    def contract_account(self, caller: Caller, purpose: Api, named: ContractRef) -> Account:
        """The caller's 약정계좌 for `purpose` named by cntr_account_type/num, else A0322."""
        contract = caller.client.contract_account(purpose)
        if (
            contract is None
            or contract.account_num != named.cntr_account_num
            or contract.cntr_account_type != named.cntr_account_type
        ):
            raise Refusal("A0322")
        return self.world.ledger.accounts[(contract.bank_code, contract.account_num)]

    # --- AML: the requesting customer (요청고객) -------------------------------------------
    def req_client(self, customer: RequestingCustomer) -> dict[str, str]:
        """The requesting customer (AML): bank + account, or a fintech_use_num, not both;
        as the transfer's record keeps it."""
        named_by(
            "req_client",
            customer.bank_code,
            customer.account_num,
            customer.fintech_use_num,
            ("req_client_bank_code", "req_client_account_num"),
        )
        return customer.record()

    # --- asking a bank --------------------------------------------------------------------
    def claim(self, caller: Caller, bank_tran_id: str, api: Api) -> str:
        """Take a bank_tran_id for this caller today (A0004, A0326); the bank_tran_date."""
        return self.book.claim(caller.client, bank_tran_id, api, caller.now)

    async def ask_bank(
        self, caller: Caller, bank_code: str, bank_tran_id: str, date: str, api: Api
    ) -> None:
        """A request the bank must answer: its queue, latency, hours and faults."""
        outcome = await self.world.inquire(bank_code, api, caller.client.client_use_code)
        if outcome is not None:
            raise BankAnswer.of(self.world, outcome, bank_code).refusal(bank_tran_id, date)

    async def through_bank(
        self, caller: Caller, bank_tran_id: str, bank_code: str, api: Api
    ) -> str:
        """Claim the bank_tran_id and have the bank answer; the bank_tran_date."""
        date = self.claim(caller, bank_tran_id, api)
        await self.ask_bank(caller, bank_code, bank_tran_id, date, api)
        return date

    async def inquire(self, caller: Caller, bank_tran_id: str, api: Api, account: Account) -> str:
        """An inquiry on an account: the bank_tran_id, the bank's answer, the account's
        state. Returns the bank_tran_date."""
        date = await self.through_bank(caller, bank_tran_id, account.bank_code, api)
        self.account_state(account, bank_tran_id, date)
        return date

    def bank_says(self, bank_code: str, problem: str, bank_tran_id: str, date: str) -> Refusal:
        """A bank's configured answer to `problem` (banks.yaml `codes`), relayed."""
        bank = self.world.banks[bank_code]
        response = bank.response(problem)
        answer = BankAnswer(
            response.rsp_code, "", bank.code, response.bank_rsp_code, response.message
        )
        return answer.refusal(bank_tran_id, date)

    def account_state(self, account: Account, bank_tran_id: str, date: str) -> None:
        """A closed, suspended or accident-reported account is refused by its bank."""
        if account.status is not AccountStatus.NORMAL:
            raise self.bank_says(account.bank_code, account.status.problem, bank_tran_id, date)


def named_by(
    name: str, bank_code: str, account_num: str, fintech_use_num: str, fields: tuple[str, str]
) -> bool:
    """An account a request names by bank code + number, or by its fintech_use_num, never
    both: True when by bank and number (A0004 else). `name` and `fields` (the request's
    bank code and account number fields) word the refusal."""
    bank_field, account_field = fields
    by_account = bool(bank_code or account_num)
    if by_account and fintech_use_num:
        raise Refusal("A0004", f"{name}: bank+account or fintech_use_num, not both")
    if not by_account and not fintech_use_num:
        raise Refusal("A0004", f"{name}: bank+account or fintech_use_num is required")
    if by_account and not (bank_code and account_num):
        raise Refusal("A0004", f"{bank_field} and {account_field} go together")
    return by_account
