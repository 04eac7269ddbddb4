"""Making test data on a running world: users, accounts, registrations to an institution.

The control plane (`POST /testbed/users`), the consent pages and scenario fixtures
all come here, so a user made by any of them looks the same. Numbers are drawn from
the world's seeded source; money for a new account arrives as cash (so the ledger
check still balances).
"""

from __future__ import annotations

import base64
from collections.abc import Collection
from dataclasses import dataclass, field

from testbed.clock import yyyymmdd, yyyymmddhhmmss
from testbed.config import Institution
from testbed.network.ledger import (
    EXTERNAL,
    MAX_BALANCE,
    Account,
    AccountStatus,
    AccountType,
    Posting,
)
from testbed.network.names import Consent
from testbed.network.parties import FintechClient, Registration, User
from testbed.network.text import control_character
from testbed.network.world import World


class FixtureError(ValueError):
    """Test data that cannot be made as asked."""


@dataclass(frozen=True, slots=True)
class AccountSpec:
    bank_code: str  # any code the resolver accepts (canonical afterwards)
    balance: int = 0
    account_type: AccountType = AccountType.DEMAND
    product_name: str = ""
    status: AccountStatus = AccountStatus.NORMAL
    account_num: str = ""  # drawn when empty
    inquiry: bool = True  # consent given when registered
    transfer: bool = True
    alias: str = ""


@dataclass(frozen=True, slots=True)
class UserSpec:
    name: str
    birth_date: str  # YYYYMMDD
    gender: str = "M"
    cell_no: str = ""
    email: str = ""
    accounts: tuple[AccountSpec, ...] = field(default_factory=tuple)
    #: the tenant the user belongs to (testbed.network.gateway.tenancy): "" shared
    developer: str = ""


def _digits(world: World, n: int) -> str:
    rng = world.source.stream("fixtures")
    return "".join(str(rng.randrange(10)) for _ in range(n))


def new_user_seq_no(world: World) -> str:
    while True:
        candidate = "11" + _digits(world, 8)
        if candidate not in world.directory.users:
            return candidate


def new_fintech_use_num(world: World, client: FintechClient) -> str:
    while True:
        candidate = "1" + client.client_use_code[1:] + _digits(world, 14)
        if candidate not in world.directory.registrations:
            return candidate


def check_account(world: World, spec: AccountSpec) -> str:
    """Refuse an account that cannot be opened; returns its canonical bank code."""
    try:
        institution = world.resolver.resolve(spec.bank_code)
    except ValueError as e:
        raise FixtureError(str(e)) from None
    if institution.code not in world.banks:
        raise FixtureError(f"{institution.code} is not a member of the network")
    if not 0 <= spec.balance <= MAX_BALANCE:
        raise FixtureError(f"an account opens with a balance of 0 to {MAX_BALANCE:,} won")
    number = spec.account_num
    if number:
        if not number.isdigit() or len(number) > 16:
            raise FixtureError(f"account_num {number!r}: up to 16 digits")
        if (institution.code, number) in world.ledger.accounts:
            raise FixtureError(f"account {institution.code}-{number} already exists")
    return institution.code


def _new_account_num(world: World, institution: Institution) -> str:
    """A number no account at the institution has yet (no leading 0, its length)."""
    while True:
        number = str(1 + int(_digits(world, 1)) % 9) + _digits(
            world, institution.account_digits - 1
        )
        if (institution.code, number) not in world.ledger.accounts:
            return number


def open_account(world: World, user: User, spec: AccountSpec) -> Account:
    institution = world.config.institution(check_account(world, spec))
    number = spec.account_num or _new_account_num(world, institution)
    now = world.clock.now()
    account = world.ledger.open_account(
        Account(
            bank_code=institution.code,
            account_num=number,
            holder_name=user.name,
            holder_info=user.birth_date[2:],
            holder_type="P",
            account_type=spec.account_type,
            product_name=spec.product_name or spec.account_type.label,
            issue_date=yyyymmdd(now),
            owner=f"user:{user.user_seq_no}",
            branch_name="본점영업부",
        )
    )
    if spec.balance:
        world.ledger.post(
            now,
            "cash",
            [Posting(account.key, spec.balance, "신규", "현금"), Posting(EXTERNAL, -spec.balance)],
        )
    if spec.status is not AccountStatus.NORMAL:
        world.ledger.set_status(account.key, spec.status)
    user.accounts.append(account.key)
    world.directory.put_user(user)
    return account


def open_contract_account(
    world: World, client: FintechClient, bank_code: str, holder_info: str, balance: int = 0
) -> Account:
    """An account of an institution at `bank_code` (its 약정계좌), owned by it; `balance`
    arrives as cash. The caller lists it in `client.contract_accounts`."""
    institution = world.config.institution(check_account(world, AccountSpec(bank_code, balance)))
    now = world.clock.now()
    account = world.ledger.open_account(
        Account(
            bank_code=institution.code,
            account_num=_new_account_num(world, institution),
            holder_name=client.name,
            holder_info=holder_info,  # 사업자등록번호
            holder_type="B",
            account_type=AccountType.DEMAND,
            product_name="기업자유예금",
            issue_date=yyyymmdd(now),
            owner=f"client:{client.client_use_code}",
            branch_name="본점영업부",
        )
    )
    if balance:
        world.ledger.post(
            now,
            "cash",
            [Posting(account.key, balance, "신규", "현금"), Posting(EXTERNAL, -balance)],
        )
    return account


def register(
    world: World,
    client: FintechClient,
    user: User,
    account: Account,
    inquiry: bool,
    transfer: bool,
    alias: str = "",
) -> Registration:
    """Register (or re-consent) an account of `user` with `client`; A0324/A0325 are the API's."""
    now = world.clock.now()
    stamp = yyyymmddhhmmss(now)
    for reg in world.directory.registrations_for(client.client_use_code, *account.key):
        if not reg.cancelled:
            reg.inquiry_agree_dtime = reg.inquiry_agree_dtime or (stamp if inquiry else "")
            reg.transfer_agree_dtime = reg.transfer_agree_dtime or (stamp if transfer else "")
            return world.directory.put_registration(reg)
    return world.directory.put_registration(
        Registration(
            fintech_use_num=new_fintech_use_num(world, client),
            client_use_code=client.client_use_code,
            user_seq_no=user.user_seq_no,
            bank_code=account.bank_code,
            account_num=account.account_num,
            account_alias=alias or account.product_name,
            inquiry_agree_dtime=stamp if inquiry else "",
            transfer_agree_dtime=stamp if transfer else "",
            registered_at=now,
        )
    )


def create_user(world: World, spec: UserSpec) -> User:
    if not spec.name or len(spec.name) > 20:
        raise FixtureError("name: 1 to 20 characters")
    if control := control_character(spec.name):
        raise FixtureError(f"name: no control characters (found {control})")
    if len(spec.birth_date) != 8 or not spec.birth_date.isdigit():
        raise FixtureError("birth_date: YYYYMMDD")
    if spec.gender not in ("M", "F"):
        raise FixtureError("gender: M or F")
    for account_spec in spec.accounts:  # all or nothing: check every account first
        check_account(world, account_spec)
    numbers = [(check_account(world, a), a.account_num) for a in spec.accounts if a.account_num]
    if len(numbers) != len(set(numbers)):
        raise FixtureError("the same account twice")
    rng = world.source.stream("fixtures")
    user = User(
        user_seq_no=new_user_seq_no(world),
        user_ci=base64.b64encode(rng.randbytes(66)).decode(),
        name=spec.name,
        birth_date=spec.birth_date,
        gender=spec.gender,
        cell_no=spec.cell_no or "010" + _digits(world, 8),
        email=spec.email,
        developer=spec.developer,
    )
    world.directory.put_user(user)
    for account_spec in spec.accounts:
        open_account(world, user, account_spec)
    return user


# --- changes to registrations (the management APIs come here) -----------------------------

CONSENTS = tuple(Consent)


def active_registration(
    world: World, client_use_code: str, key: tuple[str, str]
) -> Registration | None:
    """The registration (not cancelled) of the account `key` with an institution, if any."""
    for reg in world.directory.registrations_for(client_use_code, *key):
        if not reg.cancelled:
            return reg
    return None


def set_alias(world: World, reg: Registration, alias: str) -> Registration:
    reg.account_alias = alias
    return world.directory.put_registration(reg)


def reconsent(world: World, reg: Registration, scopes: Collection[Consent]) -> Registration:
    """Give (or renew) the consents in `scopes` now: their agree dtime becomes this moment."""
    stamp = yyyymmddhhmmss(world.clock.now())
    if Consent.INQUIRY in scopes:
        reg.inquiry_agree_dtime = stamp
    if Consent.TRANSFER in scopes:
        reg.transfer_agree_dtime = stamp
    return world.directory.put_registration(reg)


def cancel_consent(world: World, reg: Registration, scope: Consent) -> Registration:
    """Withdraw one consent; a registration left with none is cancelled (account_state 09)."""
    if scope not in CONSENTS:
        raise FixtureError(f"scope: one of {', '.join(CONSENTS)}")
    if scope == Consent.INQUIRY:
        reg.inquiry_agree_dtime = ""
    else:
        reg.transfer_agree_dtime = ""
    if not reg.inquiry_agree_dtime and not reg.transfer_agree_dtime:
        reg.cancelled = True
    return world.directory.put_registration(reg)


def cancel_user(world: World, client_use_code: str, user_seq_no: str) -> list[Registration]:
    """End every registration of a user with an institution; returns those it ended."""
    ended = []
    for reg in world.directory.registrations_of(client_use_code, user_seq_no):
        if not reg.cancelled:
            reg.inquiry_agree_dtime = reg.transfer_agree_dtime = ""
            reg.cancelled = True
            ended.append(world.directory.put_registration(reg))
    return ended


def set_email(world: World, user: User, email: str) -> User:
    user.email = email
    return world.directory.put_user(user)
