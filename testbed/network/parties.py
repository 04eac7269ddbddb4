"""Who uses the network: users, fintech institutions (이용기관) and registered accounts.

The centre keeps these in a `Directory`. Every change goes through a `put_*` method
so that listeners (the durable store, the event log) see it; the records are plain
dataclasses that turn into JSON-able dicts and back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar


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

    def contract_account(self, purpose: str) -> ContractAccount | None:
        for account in self.contract_accounts:
            if account.purpose == purpose:
                return account
        return None


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


Record = TypeVar("Record", User, FintechClient, Registration)
ChangeListener = Callable[[str, str, dict[str, Any]], None]  # kind, key, record


def to_record(obj: User | FintechClient | Registration) -> dict[str, Any]:
    return dataclasses.asdict(obj)


def user_from_record(data: dict[str, Any]) -> User:
    data = dict(data)
    data["accounts"] = [tuple(a) for a in data.get("accounts", [])]
    return User(**data)


def client_from_record(data: dict[str, Any]) -> FintechClient:
    data = dict(data)
    data["contract_accounts"] = [ContractAccount(**c) for c in data.get("contract_accounts", [])]
    return FintechClient(**data)


def registration_from_record(data: dict[str, Any]) -> Registration:
    return Registration(**data)


class Directory:
    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.clients: dict[str, FintechClient] = {}
        self.clients_by_id: dict[str, FintechClient] = {}
        self.registrations: dict[str, Registration] = {}
        self.listeners: list[ChangeListener] = []

    def _changed(self, kind: str, key: str, obj: User | FintechClient | Registration) -> None:
        if self.listeners:
            record = to_record(obj)
            for listener in self.listeners:
                listener(kind, key, record)

    def put_user(self, user: User) -> User:
        self.users[user.user_seq_no] = user
        self._changed("user", user.user_seq_no, user)
        return user

    def put_client(self, client: FintechClient) -> FintechClient:
        self.clients[client.client_use_code] = client
        self.clients_by_id[client.client_id] = client
        self._changed("client", client.client_use_code, client)
        return client

    def put_registration(self, registration: Registration) -> Registration:
        self.registrations[registration.fintech_use_num] = registration
        self._changed("registration", registration.fintech_use_num, registration)
        return registration

    def load(self, kind: str, record: dict[str, Any]) -> None:
        """Restore one stored record without notifying listeners."""
        if kind == "user":
            user = user_from_record(record)
            self.users[user.user_seq_no] = user
        elif kind == "client":
            client = client_from_record(record)
            self.clients[client.client_use_code] = client
            self.clients_by_id[client.client_id] = client
        elif kind == "registration":
            registration = registration_from_record(record)
            self.registrations[registration.fintech_use_num] = registration
        else:
            raise ValueError(f"unknown record kind {kind!r}")

    def records(self) -> list[tuple[str, str, dict[str, Any]]]:
        out: list[tuple[str, str, dict[str, Any]]] = []
        out += [("user", k, to_record(v)) for k, v in self.users.items()]
        out += [("client", k, to_record(v)) for k, v in self.clients.items()]
        out += [("registration", k, to_record(v)) for k, v in self.registrations.items()]
        return out
