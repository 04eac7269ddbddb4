"""Who uses the network: users, fintech institutions (이용기관) and registered accounts.

The centre keeps these in a `Directory` (a `RecordBook`): every change goes through
`put`, so that the durable store sees it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from testbed.network.records import Decoder, RecordBook


@dataclass(slots=True)
class User:
    user_seq_no: str  # 10 digits, starting 11
    user_ci: str  # 연계정보, 88 characters
    name: str
    birth_date: str  # YYYYMMDD
    gender: str  # M / F
    cell_no: str  # 01012345678
    email: str
    accounts: list[tuple[str, str]] = field(default_factory=list)  # (bank code, account number)
    #: the tenant: the portal developer who made the user (through their institution,
    #: My Page, or the operator naming it), or "" for the shared population
    #: (testbed.network.gateway.tenancy)
    developer: str = ""


@dataclass(slots=True)
class ContractAccount:
    """An institution's 약정계좌: `withdraw` receives 출금이체, `deposit` pays 입금이체."""

    purpose: str  # "withdraw" | "deposit"
    bank_code: str
    account_num: str
    cntr_account_type: str = "N"  # N 계좌, C 계정


@dataclass(slots=True)
class FintechClient:
    """An 이용기관: its credentials, its contract accounts and how the centre treats it."""

    client_use_code: str  # 이용기관코드: one capital letter + 9 digits
    name: str
    name_en: str
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scopes: list[str]  # scopes the institution may ask for
    self_auth: bool  # 자체인증 이용기관 (may use the `sa` scope)
    main_bank: str  # 주거래은행
    contract_accounts: list[ContractAccount] = field(default_factory=list)
    ip_allow: list[str] = field(default_factory=list)  # empty: any address
    #: 차등 운영: this institution's limits in won; a missing key takes DEFAULT_LIMITS
    limits: dict[str, int] = field(default_factory=dict)
    wd_pass_phrase: str = "NONE"  # 입금이체암호문구 (the testbed's value is NONE)
    #: requests per simulated second: "per_second" for all of its calls (O0008), "per_api"
    #: for each API (O0009), "burst" extra; empty = no limit (the default)
    rate_limit: dict[str, int] = field(default_factory=dict)
    #: 계좌번호 공개 이용기관: user/me and account/list items carry the plain `account_num`
    #: too (off by default: only `account_num_masked`, as for most institutions)
    show_account_num: bool = False
    #: 처리대행비용 from the first month: "reduced" (경감비용), or "basic" (기본비용) for an
    #: institution known to exceed the 경감기준 (the grading table's fee_start)
    fee_start: str = "reduced"
    #: the tenant: the portal developer whose application it became, or "" for the seeded
    #: demo institutions and those of scenarios and the operator (tenancy)
    developer: str = ""

    def contract_account(self, purpose: str) -> ContractAccount | None:
        for account in self.contract_accounts:
            if account.purpose == purpose:
                return account
        return None

    def limit(self, name: str) -> int:
        """A limit in won; 0 means none."""
        return self.limits.get(name, DEFAULT_LIMITS[name])


#: Limits an institution gets unless its contract says otherwise (0 = no limit). The
#: per-user figures follow the usual 1회/1일 출금이체 한도 of 10,000,000 won (⚠ testbed choice).
DEFAULT_LIMITS: dict[str, int] = {
    "withdraw_per_tx": 0,
    "withdraw_day": 0,
    "withdraw_month": 0,
    "deposit_per_tx": 0,
    "deposit_day": 0,
    "deposit_month": 0,
    "user_withdraw_per_tx": 10_000_000,
    "user_withdraw_day": 10_000_000,
}


@dataclass(slots=True)
class Registration:
    """An account a user registered with an institution: what `fintech_use_num` names."""

    fintech_use_num: str  # 24 digits
    client_use_code: str
    user_seq_no: str
    bank_code: str  # canonical
    account_num: str
    account_alias: str = ""
    inquiry_agree_dtime: str = ""  # YYYYMMDDHHMMSS, "" when not agreed
    transfer_agree_dtime: str = ""
    registered_at: float = 0.0
    cancelled: bool = False


def user_from_record(data: dict[str, Any]) -> User:
    data = dict(data)
    data["accounts"] = [tuple(a) for a in data.get("accounts", [])]
    return User(**data)


def client_from_record(data: dict[str, Any]) -> FintechClient:
    data = dict(data)
    data["contract_accounts"] = [ContractAccount(**c) for c in data.get("contract_accounts", [])]
    return FintechClient(**data)


class Directory(RecordBook):
    """The centre's register of users, institutions and registered accounts."""

    KINDS: ClassVar[dict[str, Decoder]] = {
        "user": user_from_record,
        "client": client_from_record,
        "registration": lambda data: Registration(**data),
    }

    def __init__(self) -> None:
        super().__init__()
        self.users: dict[str, User] = self.tables["user"]
        self.clients: dict[str, FintechClient] = self.tables["client"]
        self.registrations: dict[str, Registration] = self.tables["registration"]
        self.clients_by_id: dict[str, FintechClient] = {}
        # registrations by (institution, user) and by (institution, bank, account), in the
        # order they were made: what a request looks up, without a scan of every one
        self._by_user: dict[tuple[str, str], dict[str, Registration]] = {}
        self._by_account: dict[tuple[str, str, str], dict[str, Registration]] = {}
        # the users of each developer (a user's tenant never changes): what a portal
        # institution's consent page lists; the shared population is not indexed (a
        # second dict of a million seeded users)
        self._by_developer: dict[str, dict[str, User]] = {}

    def _index(self, kind: str, key: str, obj: Any) -> None:
        if kind == "user":
            if obj.developer:
                self._by_developer.setdefault(obj.developer, {})[key] = obj
        elif kind == "client":
            self.clients_by_id[obj.client_id] = obj
        elif kind == "registration":
            # a registration's institution, user and account never change: re-puts land on
            # the same entries
            user = (obj.client_use_code, obj.user_seq_no)
            self._by_user.setdefault(user, {})[key] = obj
            account = (obj.client_use_code, obj.bank_code, obj.account_num)
            self._by_account.setdefault(account, {})[key] = obj

    def users_of(self, developer: str) -> Iterator[User]:
        """The users of one tenant ("" the shared population), oldest first."""
        if developer:
            return iter(list(self._by_developer.get(developer, {}).values()))
        return (u for u in list(self.users.values()) if not u.developer)

    def count_users_of(self, developer: str) -> int:
        """How many users a developer has made (not for the shared population)."""
        return len(self._by_developer.get(developer, {}))

    def registrations_of(self, client_use_code: str, user_seq_no: str) -> list[Registration]:
        """A user's registrations with an institution (cancelled ones too), oldest first."""
        return list(self._by_user.get((client_use_code, user_seq_no), {}).values())

    def registrations_for(
        self, client_use_code: str, bank_code: str, account_num: str
    ) -> list[Registration]:
        """An account's registrations with an institution (cancelled ones too), oldest first."""
        return list(self._by_account.get((client_use_code, bank_code, account_num), {}).values())

    def put_user(self, user: User) -> User:
        self.put("user", user.user_seq_no, user)
        return user

    def put_client(self, client: FintechClient) -> FintechClient:
        self.put("client", client.client_use_code, client)
        return client

    def put_registration(self, registration: Registration) -> Registration:
        self.put("registration", registration.fintech_use_num, registration)
        return registration
