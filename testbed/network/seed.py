"""The seeded test world: users, their accounts and months of history, and two institutions.

Everything here draws from named streams of the world's one seeded source, and
Faker('ko_KR') is seeded from that source too, so the same seed, network file and
start date always give the same world, byte for byte.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

from faker import Faker

from testbed.clock import DAY, kst_midnight, to_kst, yyyymmdd
from testbed.config import Institution
from testbed.network.ledger import (
    EXTERNAL,
    SEED,
    Account,
    AccountKey,
    AccountType,
    Posting,
    clearing_key,
)
from testbed.network.parties import ContractAccount, FintechClient, Registration, User
from testbed.network.world import World

DEMO_CALLBACKS = [
    "http://localhost:8080/callback",
    "http://127.0.0.1:8080/callback",
]

_DEMAND_PRODUCTS = ["저축예금", "자유입출금통장", "급여통장", "보통예금", "주거래우대통장"]
_SAVINGS_PRODUCTS = ["정기적금", "자유적금", "정기예금", "청년희망적금"]
_FUND_PRODUCTS = ["인덱스주식형펀드", "채권혼합형펀드", "글로벌배당펀드"]
_MERCHANTS = ["GS25", "CU", "스타벅스", "쿠팡", "이마트", "배달의민족", "올리브영", "다이소"]
_BILLS = [("통신요금", 45_000, 95_000), ("관리비", 120_000, 320_000), ("보험료", 50_000, 150_000)]
_CARDS = ["신한카드", "삼성카드", "현대카드", "KB국민카드", "롯데카드"]


@dataclass(frozen=True, slots=True)
class WorldSize:
    users: int = 100
    history_days: int = 92
    registered_users: int = 12  # how many of the users the demo institution already has


@dataclass(order=True, slots=True)
class _Event:
    time: float
    order: int  # ties broken by creation order
    kind: str
    account: AccountKey
    amount: int
    label: str


class _Generator:
    def __init__(self, world: World, size: WorldSize) -> None:
        self.world = world
        self.size = size
        self.start = world.clock.now()
        self.rng = world.source.stream("world")
        self.fake = Faker("ko_KR")
        self.fake.seed_instance(world.source.stream("faker").getrandbits(64))
        self.participants = list(world.config.participants)
        if not self.participants:
            raise ValueError("the network has no Open Banking participant to hold accounts")
        self.used_numbers: set[AccountKey] = set()
        self.used_ids: set[str] = set()
        self.events: list[_Event] = []

    # identifiers
    def unique(self, make: str) -> str:
        while True:
            value = self._draw(make)
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def _draw(self, pattern: str) -> str:
        return "".join(str(self.rng.randrange(10)) if c == "#" else c for c in pattern)

    def account_number(self, inst: Institution) -> str:
        while True:
            num = str(self.rng.randrange(1, 10)) + self._draw("#" * (inst.account_digits - 1))
            if (inst.code, num) not in self.used_numbers:
                self.used_numbers.add((inst.code, num))
                return num

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # the world
    def run(self) -> None:
        for _ in range(self.size.users):
            self.make_user()
        for client in self.make_clients():
            self.world.directory.put_client(client)
        self.post_history()
        self.register_demo_users()

    def make_user(self) -> User:
        rng, fake = self.rng, self.fake
        gender = rng.choice("MF")
        name = fake.name_male() if gender == "M" else fake.name_female()
        birth = to_kst(self.start - rng.uniform(19, 75) * 365.25 * DAY).strftime("%Y%m%d")
        user = User(
            user_seq_no=self.unique("11########"),
            user_ci=base64.b64encode(rng.randbytes(66)).decode(),
            name=name,
            birth_date=birth,
            gender=gender,
            cell_no="010" + self._draw("########"),
            email=fake.free_email(),
        )
        banks = rng.sample(self.participants, k=rng.choice((1, 1, 2, 2, 2, 3, 4)))
        for i, inst in enumerate(banks):
            kind = (
                AccountType.DEMAND
                if i == 0
                else rng.choice(
                    (AccountType.DEMAND, AccountType.DEMAND, AccountType.SAVINGS, AccountType.FUND)
                )
            )
            account = self.open_account(inst, user, kind)
            user.accounts.append(account.key)
        self.world.directory.put_user(user)
        return user

    def open_account(self, inst: Institution, user: User, kind: AccountType) -> Account:
        rng = self.rng
        years = rng.uniform(0.5, 9)
        issued = self.start - years * 365.25 * DAY
        product = rng.choice(
            {
                AccountType.DEMAND: _DEMAND_PRODUCTS,
                AccountType.SAVINGS: _SAVINGS_PRODUCTS,
                AccountType.FUND: _FUND_PRODUCTS,
            }.get(kind, _DEMAND_PRODUCTS)
        )
        maturity = ""
        if kind is AccountType.SAVINGS:
            maturity = yyyymmdd(issued + rng.choice((1, 2, 3, 5)) * 365.25 * DAY + 2 * 365 * DAY)
        account = self.world.ledger.open_account(
            Account(
                bank_code=inst.code,
                account_num=self.account_number(inst),
                holder_name=user.name,
                holder_info=user.birth_date[2:],
                holder_type="P",
                account_type=kind,
                product_name=product,
                issue_date=yyyymmdd(issued),
                maturity_date=maturity,
                owner=f"user:{user.user_seq_no}",
                branch_name=f"{self.fake.borough()}지점",
            )
        )
        opening = int(rng.lognormvariate(14.2, 1.0)) // 1000 * 1000 + 10_000
        self.add(issued, "open", account.key, opening, "신규")
        if kind is AccountType.DEMAND:
            self.plan_demand_history(account.key)
        return account

    def add(self, t: float, kind: str, key: AccountKey, amount: int, label: str) -> None:
        self.events.append(_Event(t, len(self.events), kind, key, amount, label))

    def plan_demand_history(self, key: AccountKey) -> None:
        rng = self.rng
        first_day = kst_midnight(self.start) - self.size.history_days * DAY
        salary = rng.randrange(1_800, 6_500) * 1000
        employer = self.fake.company()
        card = rng.choice(_CARDS)
        for day in range(self.size.history_days):
            midnight = first_day + day * DAY
            date = to_kst(midnight)

            def at(hour: float, midnight: float = midnight) -> float:
                return midnight + hour * 3600 + rng.uniform(0, 3000)

            if date.day == 25:
                self.add(at(9), "in", key, salary, employer)
            if date.day == 15:
                self.add(at(10), "out", key, rng.randrange(200, 1500) * 1000, card)
            if date.day == 5:
                label, low, high = rng.choice(_BILLS)
                self.add(at(11), "out", key, rng.randrange(low, high, 10), label)
            if rng.random() < 0.35:
                self.add(
                    at(rng.uniform(8, 21)),
                    "out",
                    key,
                    rng.randrange(3, 90) * 100,
                    rng.choice(_MERCHANTS),
                )
            if rng.random() < 0.05:
                self.add(
                    at(rng.uniform(8, 21)),
                    "out",
                    key,
                    rng.choice((5, 10, 20, 30)) * 10_000,
                    "ATM출금",
                )
            if rng.random() < 0.08:
                self.add(at(rng.uniform(8, 21)), "transfer", key, rng.randrange(1, 50) * 10_000, "")

    def post_history(self) -> None:
        """Post the planned history in time order, skipping what the balance cannot pay."""
        ledger = self.world.ledger
        demand = [a.key for a in ledger.accounts.values() if a.account_type is AccountType.DEMAND]
        for event in sorted(self.events):
            key = event.account
            account = ledger.accounts[key]
            if event.kind in ("open", "in"):
                tran_type = "현금" if event.kind == "open" else "대체"
                legs = [
                    Posting(key, event.amount, event.label, tran_type),
                    Posting(EXTERNAL, -event.amount),
                ]
            elif event.kind == "out":
                if account.balance < event.amount:
                    continue
                tran_type = "현금" if event.label == "ATM출금" else "대체"
                legs = [
                    Posting(key, -event.amount, event.label, tran_type),
                    Posting(EXTERNAL, event.amount),
                ]
            else:
                payee_key = self.rng.choice(demand)
                if payee_key == key or account.balance < event.amount:
                    continue
                payee = ledger.accounts[payee_key]
                interbank = payee_key[0] != key[0]
                tran_type = "타행환" if interbank else "대체"
                legs = [
                    Posting(key, -event.amount, payee.holder_name, tran_type),
                    Posting(payee_key, event.amount, account.holder_name, tran_type),
                ]
                if interbank:
                    legs += [
                        Posting(clearing_key(key[0]), -event.amount),
                        Posting(clearing_key(payee_key[0]), event.amount),
                    ]
            ledger.post(event.time, SEED, legs)
        self.events.clear()

    def make_clients(self) -> list[FintechClient]:
        rng = self.rng
        clients = [
            FintechClient(
                client_use_code="T991" + self._draw("######"),
                name="테스트베드핀테크",
                name_en="Testbed Fintech (center authentication)",
                client_id=self.uuid(),
                client_secret=self.uuid(),
                redirect_uris=list(DEMO_CALLBACKS),
                scopes=["login", "inquiry", "transfer", "oob"],
                self_auth=False,
                main_bank=rng.choice(self.participants).code,
            ),
            FintechClient(
                client_use_code="M2026" + self._draw("#####"),
                name="셀프인증페이",
                name_en="Self-Auth Pay (self-authenticating institution)",
                client_id=self.uuid(),
                client_secret=self.uuid(),
                redirect_uris=list(DEMO_CALLBACKS),
                scopes=["login", "inquiry", "transfer", "oob", "sa"],
                self_auth=True,
                main_bank=rng.choice(self.participants).code,
            ),
        ]
        for client in clients:
            inst = self.world.config.institution(client.main_bank)
            for purpose, funds in (("withdraw", 0), ("deposit", 1_000_000_000)):
                account = self.world.ledger.open_account(
                    Account(
                        bank_code=inst.code,
                        account_num=self.account_number(inst),
                        holder_name=client.name,
                        holder_info=self._draw("##########"),  # business registration number
                        holder_type="B",
                        account_type=AccountType.DEMAND,
                        product_name="기업자유예금",
                        issue_date=yyyymmdd(self.start - 400 * DAY),
                        owner=f"client:{client.client_use_code}",
                        branch_name="본점영업부",
                    )
                )
                client.contract_accounts.append(
                    ContractAccount(purpose, account.bank_code, account.account_num)
                )
                if funds:
                    self.add(self.start - 30 * DAY, "open", account.key, funds, "약정계좌입금")
        return clients

    def register_demo_users(self) -> None:
        directory = self.world.directory
        demo = next(iter(directory.clients.values()))
        agreed = yyyymmdd(self.start - 20 * DAY) + "093000"
        for user in list(directory.users.values())[: self.size.registered_users]:
            for bank_code, account_num in user.accounts:
                account = self.world.ledger.accounts[(bank_code, account_num)]
                transfer_ok = account.account_type is AccountType.DEMAND
                directory.put_registration(
                    Registration(
                        fintech_use_num=self.unique("1" + demo.client_use_code[1:] + "#" * 14),
                        client_use_code=demo.client_use_code,
                        user_seq_no=user.user_seq_no,
                        bank_code=bank_code,
                        account_num=account_num,
                        account_alias=account.product_name,
                        inquiry_agree_dtime=agreed,
                        transfer_agree_dtime=agreed if transfer_ok else "",
                        registered_at=self.start - 20 * DAY,
                    )
                )


def populate(world: World, size: WorldSize | None = None) -> None:
    """Fill an empty world from its seed."""
    if world.ledger.accounts or world.directory.users:
        raise ValueError("populate() needs an empty world")
    _Generator(world, size or WorldSize()).run()
