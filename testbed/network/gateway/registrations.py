"""사용자/계좌관리: the life of a registration — user/unlink and user/close, account/cancel
and account/update_info, and the self-auth (`sa`) institutions' user/register,
account/info and account/update.

Calls with a bank block (register, cancel, update, info) go through the account's bank:
they are refused while it is closed, as inquiries are.
"""

from __future__ import annotations

from testbed.network.codes import Refusal
from testbed.network.fixtures import (
    CONSENTS,  # the API's too: the consents a scope may name
    active_registration,
    cancel_consent,
    cancel_user,
    reconsent,
    register,
    set_alias,
    set_email,
)
from testbed.network.gateway.base import Caller, GatewayBase
from testbed.network.gateway.inquiries import Inquired
from testbed.network.gateway.orders import RegistrationQuery, SelfAuthRegistration
from testbed.network.gateway.views import bank_block
from testbed.network.ledger import Account
from testbed.network.names import Api, Consent
from testbed.network.parties import FintechClient, Registration, User
from testbed.network.world import World

__all__ = ["CONSENTS", "Registrations", "register_account", "scopes_of"]

#: a consent that is already gone, as the account's bank answers account/cancel for it
ALREADY_CANCELLED = ("551", "기 해지 사용자")


def scopes_of(text: str) -> tuple[Consent, ...]:
    """`scope`: inquiry, transfer or both, separated by one space (in the order sent)."""
    words = text.split(" ")
    if any(w not in CONSENTS for w in words) or len(set(words)) != len(words):
        raise Refusal("A0004", "scope: inquiry, transfer or both separated by one space")
    return tuple(Consent(w) for w in words)


def register_account(
    world: World,
    client: FintechClient,
    user: User,
    account: Account,
    inquiry: bool,
    transfer: bool,
    alias: str = "",
) -> Registration:
    """The one door every registration goes through — the consent pages, the control
    plane and My Page (`population`), scenario fixtures, and, after its own checks,
    user/register and account/update: the account with the consents asked for, but
    출금(transfer) consent only on an account that takes it (수시입출금: `AccountType.
    transferable`; the seeded world holds to the same). An API door that asks for it on
    another account is refused first (`Registrations._transfer_consent`)."""
    return register(
        world, client, user, account, inquiry, transfer and account.account_type.transferable, alias
    )


class Registrations(GatewayBase):
    def end_user(self, caller: Caller, client_use_code: str, user_seq_no: str) -> None:
        """로그인연결 동의해제 / 사용자탈퇴: every registration of the user with the caller ends
        (the user's tokens stay valid until they expire or are revoked). A user with
        nothing left to end is answered again: the call is idempotent."""
        self._own_code(caller, client_use_code)
        self.own_user(caller, user_seq_no)
        cancel_user(self.world, client_use_code, user_seq_no)

    def update_info(self, caller: Caller, fintech_use_num: str, alias: str) -> Registration:
        """계좌정보변경: the account's alias."""
        reg, _ = self.registered(caller, fintech_use_num)
        return set_alias(self.world, reg, alias)

    async def cancel(
        self, caller: Caller, bank_tran_id: str, scope: Consent, fintech_use_num: str
    ) -> tuple[Registration, str]:
        """계좌해지: withdraw one consent; with none left the registration ends. A consent
        that is already gone is the bank's 551 기 해지 사용자 (A0002). Returns the date."""
        reg = self.world.directory.registrations.get(fintech_use_num)
        if reg is None or reg.client_use_code != caller.client.client_use_code:
            raise Refusal("A0304")
        if caller.grant.is_user_token and reg.user_seq_no != caller.grant.user_seq_no:
            raise Refusal("A0313")
        date = await self.through_bank(caller, bank_tran_id, reg.bank_code, Api.CANCEL)
        consent = reg.inquiry_agree_dtime if scope is Consent.INQUIRY else reg.transfer_agree_dtime
        if reg.cancelled or not consent:
            raise Refusal(
                "A0002", "", **bank_block(bank_tran_id, date, reg.bank_code, *ALREADY_CANCELLED)
            )
        cancel_consent(self.world, reg, scope)
        return reg, date

    async def user_register(self, caller: Caller, order: SelfAuthRegistration) -> Inquired:
        """사용자계좌등록 (자체인증): register an account the institution verified itself.

        The holder's name must be `user_name` (A0312), the birth date `user_info` (the
        bank's name-mismatch code), and the account a centre user's whose `user_ci`
        matches (A0313); inquiry needs info_prvd_agmt_yn Y (A0305), transfer wd_agmt_yn
        Y (A0306); a service already registered is A0324/A0325."""
        scopes = order.scopes
        if Consent.INQUIRY in scopes and not order.inquiry_agreed:
            raise Refusal("A0305", "info_prvd_agmt_yn: Y to register for inquiry")
        if Consent.TRANSFER in scopes and not order.transfer_agreed:
            raise Refusal("A0306", "wd_agmt_yn: Y to register for transfer")
        world, client = self.world, caller.client
        institution = self.resolve("bank_code_std", order.bank_code)
        key = (institution.code, order.account_num)
        existing = active_registration(world, client.client_use_code, key)
        if existing is not None:
            if Consent.INQUIRY in scopes and existing.inquiry_agree_dtime:
                raise Refusal("A0324")
            if Consent.TRANSFER in scopes and existing.transfer_agree_dtime:
                raise Refusal("A0325")
        tran_id = order.bank_tran_id
        date = await self.through_bank(caller, tran_id, institution.code, Api.REGISTER)
        account = self.account_at(caller, *key)
        if account is None:
            raise self.bank_says(institution.code, "account_not_found", tran_id, date)
        self.account_state(account, tran_id, date)
        if account.holder_name != order.user_name:
            raise Refusal("A0312", "user_name: the account holder's name")
        if account.holder_info != order.user_info[2:]:
            raise self.bank_says(institution.code, "name_mismatch", tran_id, date)
        user = world.directory.users.get(account.owner.removeprefix("user:"))
        if not account.owner.startswith("user:") or user is None:
            raise Refusal("A0313", "the account does not belong to a user")
        if user.user_ci != order.user_ci:
            raise Refusal("A0313", "user_ci: not the account holder's")
        self._transfer_consent(caller, account, scopes, tran_id, date)
        reg = register_account(
            world, client, user, account, Consent.INQUIRY in scopes, Consent.TRANSFER in scopes
        )
        return Inquired(reg, account, date)

    async def account_info(self, caller: Caller, q: RegistrationQuery) -> Inquired:
        """계좌정보조회 (sa): the registration of an account; one not registered for every
        service in `scope` is A0323."""
        scopes = q.scopes
        reg, account = self.registered_account(caller, q.account)
        if (Consent.INQUIRY in scopes and not reg.inquiry_agree_dtime) or (
            Consent.TRANSFER in scopes and not reg.transfer_agree_dtime
        ):
            raise Refusal("A0323", f"not registered for {' '.join(scopes)}")
        date = await self.through_bank(caller, q.bank_tran_id, account.bank_code, Api.ACCOUNT_INFO)
        return Inquired(reg, account, date)

    async def account_update(self, caller: Caller, q: RegistrationQuery) -> Inquired:
        """계좌정보변경 (sa): give (or renew) the consents in `scope` as of now, and change
        the user's email when one is sent."""
        reg, account = self.registered_account(caller, q.account)
        date = await self.through_bank(
            caller, q.bank_tran_id, account.bank_code, Api.ACCOUNT_UPDATE
        )
        self._transfer_consent(caller, account, q.scopes, q.bank_tran_id, date)
        reconsent(self.world, reg, set(q.scopes))
        if q.email is not None:
            user = self.world.directory.users[reg.user_seq_no]
            set_email(self.world, user, q.email)
        return Inquired(reg, account, date)

    def _transfer_consent(
        self, caller: Caller, account: Account, scopes: tuple[Consent, ...], tran_id: str, date: str
    ) -> None:
        """출금 consent asked for on an account that takes none (not 수시입출금): its bank
        refuses the registration (기타 처리불가), and the warning says why."""
        if Consent.TRANSFER in scopes and not account.account_type.transferable:
            caller.warn(
                f"scope transfer: 출금이체 applies to 수시입출금 (demand) accounts only; this is"
                f" a {account.account_type.label} account (register it for inquiry)"
            )
            raise self.bank_says(account.bank_code, "bank_error", tran_id, date)

    def _own_code(self, caller: Caller, client_use_code: str) -> None:
        if client_use_code != caller.client.client_use_code:
            raise Refusal(
                "A0004", f"client_use_code: the caller's, {caller.client.client_use_code}"
            )
