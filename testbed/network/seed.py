"""The seeded test world: users, their accounts and months of history, and two institutions.

Everything here draws from named streams of the world's one seeded source, and
Faker('ko_KR') is seeded from that source too, so the same seed, network file and
start date always give the same world, byte for byte.

A world of a million accounts must be made in seconds and fit in little memory, so:

- people's names, branches and employers are drawn from the lists of Faker's ko_KR
  providers (their weights kept), not by calling Faker per person; only a pool of e-mail
  user names is made by Faker itself, once per world;
- each account's history is lazy: the world's stream draws only its balance now
  (`seeded`), and the lines that led there are made when first read, by `Seeding`, from
  the account's own stream (named `history:{bank}:{account}` after the seed, like the
  source's streams, but never kept in it) — a pure function of the seed, the start, the
  number of history days and the account. Each seeded line moves money between the
  account and EXTERNAL (salary, card and bills, shops, ATM, transfers with people outside
  the world), so histories do not depend on each other;
- a world fresh from `populate` can be made again from its `Seeding` (the store keeps
  that, not the world's rows: see `testbed.store.sqlite`); its fingerprint tells whether
  it was made again the same.

One concept over ~500 lines: making the seeded world.
"""

from __future__ import annotations

import binascii
import bisect
import gc
import hashlib
import math
import random
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

from faker import Faker
from faker.providers.address.ko_KR import Provider as _AddressProvider
from faker.providers.company.ko_KR import Provider as _CompanyProvider
from faker.providers.internet.ko_KR import Provider as _InternetProvider
from faker.providers.person.ko_KR import Provider as _PersonProvider

from testbed.clock import DAY, from_compact, kst_midnight, to_kst, yyyymmdd
from testbed.config import Institution
from testbed.network.ledger import (
    EXTERNAL,
    SEED,
    Account,
    AccountKey,
    AccountStatus,
    AccountType,
    HistoryLine,
    Posting,
    clearing_key,
)
from testbed.network.parties import ContractAccount, FintechClient, Registration, User
from testbed.network.world import World

#: the version of the generator: a new number whenever the same seed makes another world
#: (a database keeps the seeding, not the rows, of a world fresh from the seed)
GENERATOR = 2

DEMO_CALLBACKS = [
    "http://localhost:8080/callback",
    "http://127.0.0.1:8080/callback",
]

_DEMAND_PRODUCTS = ["저축예금", "자유입출금통장", "급여통장", "보통예금", "주거래우대통장"]
_SAVINGS_PRODUCTS = ["정기적금", "자유적금", "정기예금", "청년희망적금"]
_FUND_PRODUCTS = ["인덱스주식형펀드", "채권혼합형펀드", "글로벌배당펀드"]
_PRODUCTS = {
    AccountType.DEMAND: _DEMAND_PRODUCTS,
    AccountType.SAVINGS: _SAVINGS_PRODUCTS,
    AccountType.FUND: _FUND_PRODUCTS,
}
_MERCHANTS = ["GS25", "CU", "스타벅스", "쿠팡", "이마트", "배달의민족", "올리브영", "다이소"]
_BILLS = [("통신요금", 45_000, 95_000), ("관리비", 120_000, 320_000), ("보험료", 50_000, 150_000)]
_CARDS = ["신한카드", "삼성카드", "현대카드", "KB국민카드", "롯데카드"]
_ACCOUNTS_PER_USER = (1, 1, 2, 2, 2, 3, 4)
NORMAL = AccountStatus.NORMAL
_LATER_KINDS = (AccountType.DEMAND, AccountType.DEMAND, AccountType.SAVINGS, AccountType.FUND)
_SAVINGS_YEARS = (1, 2, 3, 5)
#: a seeded history never takes an account below this before its income (the opening)
_LEAST_OPENING = 10_000
#: entries of a weighted table: a name's share of them is its weight (a draw of 12 bits)
_SLOT_BITS = 12
_SLOTS = 1 << _SLOT_BITS
#: seeded histories made for reading, kept per world (a page of a list, then the next)
_LINES_KEPT = 1024


#: a planned line of a demand account: (time, + in / - out, print_content, tran_type,
#: whether it is a transfer with a person)
Planned = tuple[float, int, str, str, bool]


@dataclass(frozen=True, slots=True)
class WorldSize:
    users: int = 100
    history_days: int = 92
    registered_users: int = 12  # how many of the users the demo institution already has


# --- what people are called: Faker's ko_KR lists, drawn with their weights ----------------


def _weighted(table: Mapping[str, float] | Sequence[str], slots: int = _SLOTS) -> list[str]:
    """`slots` entries, each value as often as its weight says: one draw is one index."""
    if not isinstance(table, Mapping):
        return [table[i * len(table) // slots] for i in range(slots)]
    names = list(table)
    cumulative: list[float] = []
    total = 0.0
    for name in names:
        total += float(table[name])
        cumulative.append(total)
    return [
        names[min(bisect.bisect_right(cumulative, (i + 0.5) * total / slots), len(names) - 1)]
        for i in range(slots)
    ]


class _Names:
    """Full names (shared strings), branches and employers from the providers' lists.

    `full[gender][last][first]` is a name; `last`, `male` and `female` are weighted
    tables of indexes (one draw, one index)."""

    def __init__(self) -> None:
        lasts = list(_PersonProvider.last_names)
        males = list(_PersonProvider.first_names_male)
        females = list(_PersonProvider.first_names_female)
        self.last = [lasts.index(n) for n in _weighted(_PersonProvider.last_names)]
        self.male = [males.index(n) for n in _weighted(_PersonProvider.first_names_male)]
        self.female = [females.index(n) for n in _weighted(_PersonProvider.first_names_female)]
        self.full = (
            [[last + first for first in females] for last in lasts],
            [[last + first for first in males] for last in lasts],
        )
        self.branches = [f"{b}지점" for b in _AddressProvider.boroughs]
        self.company_suffixes = list(_CompanyProvider.company_suffixes)
        self.company_words = list(_CompanyProvider.company_name_words)
        self.brand_suffixes = list(_CompanyProvider.brand_suffixes)
        self.email_domains = list(_InternetProvider.free_email_domains)

    def person(self, random: Callable[[], float], male: bool) -> str:
        last = self.last[int(random() * len(self.last))]
        firsts = self.male if male else self.female
        return self.full[int(male)][last][firsts[int(random() * len(firsts))]]

    def company(self, rng: random.Random) -> str:
        r = rng.random
        suffix = self.company_suffixes[int(r() * len(self.company_suffixes))]
        word = self.company_words[int(r() * len(self.company_words))]
        brand = self.brand_suffixes[int(r() * len(self.brand_suffixes))] if r() < 0.7 else ""
        return f"{suffix} {word}{brand}"


_NAMES: _Names | None = None
_FAKER: Faker | None = None
_FAKER_LOCK = threading.Lock()


def _faker() -> Faker:
    """One Faker('ko_KR') for every world (seeded anew by each): made once, kept."""
    global _FAKER
    if _FAKER is None:
        _FAKER = Faker("ko_KR")
    return _FAKER


def _names() -> _Names:
    global _NAMES
    if _NAMES is None:
        _NAMES = _Names()
    return _NAMES


class _Dates:
    """YYYYMMDD (and YYMMDD) of the KST day `n` days before a day, as shared strings:
    `ymd[n - first]`, for n from `first` (negative: ahead) to `last`."""

    def __init__(self, today: date, first: int, last: int) -> None:
        self.first = first
        self.ymd: list[str] = []
        self.yymmdd: list[str] = []
        for n in range(first, last + 1):
            day = today - timedelta(days=n)
            text = f"{day.year:04d}{day.month:02d}{day.day:02d}"
            self.ymd.append(text)
            self.yymmdd.append(text[2:])


_DATES: dict[date, _Dates] = {}


def _dates(start: float) -> _Dates:
    """The days around `start` a seeded world names: 7 years ahead (maturities) to 76 back
    (birth dates); made once for each day a world starts on."""
    today = to_kst(start).date()
    found = _DATES.get(today)
    if found is None:
        if len(_DATES) > 8:
            _DATES.clear()
        found = _DATES[today] = _Dates(today, -7 * 366, 76 * 366)
    return found


def _lognormal_table(mu: float, sigma: float, slots: int = 8192) -> list[int]:
    """Amounts (whole thousands of won, at least 10,000) at `slots` even quantiles of a
    lognormal distribution: one draw is one index."""
    normal = NormalDist()
    return [
        int(math.exp(mu + sigma * normal.inv_cdf((i + 0.5) / slots))) // 1000 * 1000
        + _LEAST_OPENING
        for i in range(slots)
    ]


_TABLES: dict[str, list[int]] = {}


def _amounts(name: str, mu: float, sigma: float) -> list[int]:
    table = _TABLES.get(name)
    if table is None:
        table = _TABLES[name] = _lognormal_table(mu, sigma)
    return table


# --- the seeding: how a world was made, and its lazy history ------------------------------


class Seeding:
    """How a world was seeded (seed, start, size), enough to make any of its accounts'
    seeded history (a `HistorySource`) and, for the store, the whole world again."""

    def __init__(self, seed: int, start: float, size: WorldSize, fingerprint: str = "") -> None:
        self.seed = seed
        self.start = start
        self.size = size
        self.fingerprint = fingerprint  # of the world `populate` made (`world_fingerprint`)
        first = kst_midnight(start) - size.history_days * DAY
        self._days = [
            (first + d * DAY, to_kst(first + d * DAY).day) for d in range(size.history_days)
        ]
        self._kept: OrderedDict[AccountKey, list[HistoryLine]] = OrderedDict()

    # as data (database meta, snapshots)
    def spec(self) -> dict[str, Any]:
        return {
            "generator": GENERATOR,
            "seed": self.seed,
            "start": self.start,
            "users": self.size.users,
            "history_days": self.size.history_days,
            "registered_users": self.size.registered_users,
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Seeding:
        if spec.get("generator") != GENERATOR:
            raise ValueError(
                f"seeded by generator {spec.get('generator')!r}; this testbed's is {GENERATOR}"
            )
        size = WorldSize(
            users=int(spec["users"]),
            history_days=int(spec["history_days"]),
            registered_users=int(spec["registered_users"]),
        )
        return cls(int(spec["seed"]), float(spec["start"]), size, str(spec["fingerprint"]))

    # HistorySource
    def lines(self, account: Account) -> list[HistoryLine]:
        """The account's seeded lines, for reading (the last ones read are kept)."""
        kept = self._kept
        key = (account.bank_code, account.account_num)
        lines = kept.get(key)
        if lines is not None:
            kept.move_to_end(key)
            return lines
        lines = kept[key] = self.generate(account)
        if len(kept) > _LINES_KEPT:
            kept.popitem(last=False)
        return lines

    def generate(self, account: Account) -> list[HistoryLine]:
        """The lines of the account's seeded history, oldest first, from its own stream.

        They end at `account.seeded`. A demand account's days are planned forwards (the
        salary on the 25th, the card on the 15th, bills on the 5th, shops, ATM, transfers
        with people) and then walked backwards from `seeded`, leaving out any income the
        balance could not have had before it (at least 10,000 won before every income):
        what remains at the start is what the account opened with, its first line.
        """
        amount = account.seeded
        if amount <= 0:
            return []
        if account.owner.startswith("client:"):
            return [HistoryLine(0, self.start - 30 * DAY, amount, amount, "약정계좌입금", "현금")]
        rng = self.stream(account)
        opened = self.opened(account, rng)
        if account.account_type is not AccountType.DEMAND:
            return [HistoryLine(0, opened, amount, amount, "신규", "현금")]
        balance = amount
        lines: list[HistoryLine] = []
        for at, change, label, tran_type, _ in reversed(self.plan(rng)):
            if at <= opened:
                break
            if change > 0 and balance - change < _LEAST_OPENING:
                continue  # the balance now could not have come after this income
            lines.append(HistoryLine(0, at, change, balance, label, tran_type))
            balance -= change
        lines.append(HistoryLine(0, opened, balance, balance, "신규", "현금"))
        lines.reverse()
        return lines

    def stream(self, account: Account) -> random.Random:
        """The account's own stream: `history:{bank}:{account}` of the seed."""
        digest = hashlib.sha256(
            f"{self.seed}:history:{account.bank_code}:{account.account_num}".encode()
        ).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def opened(self, account: Account, rng: random.Random) -> float:
        """When the account opened: in banking hours of its issue date (its first draw)."""
        return from_compact(account.issue_date) + (9 + 7 * rng.random()) * 3600

    def plan(self, rng: random.Random) -> list[Planned]:
        """A demand account's days, in time order: (time, + in / - out, print_content,
        tran_type, whether it is a transfer with a person)."""
        names = _names()
        r = rng.random
        salary = rng.randrange(1_800, 6_500) * 1000
        employer = names.company(rng)
        card = _CARDS[int(r() * len(_CARDS))]
        events: list[Planned] = []
        add = events.append
        for midnight, day in self._days:
            if day == 25:
                add((midnight + 9 * 3600 + 3000 * r(), salary, employer, "대체", False))
            elif day == 15:
                spent = -rng.randrange(200, 1500) * 1000
                add((midnight + 10 * 3600 + 3000 * r(), spent, card, "대체", False))
            elif day == 5:
                label, low, high = _BILLS[int(r() * len(_BILLS))]
                bill = -rng.randrange(low, high, 10)
                add((midnight + 11 * 3600 + 3000 * r(), bill, label, "대체", False))
            if r() < 0.35:
                shop = _MERCHANTS[int(r() * len(_MERCHANTS))]
                spent = -rng.randrange(3, 90) * 100
                add((midnight + (8 + 13 * r()) * 3600, spent, shop, "대체", False))
            if r() < 0.05:
                cash = -(5, 10, 20, 30)[int(r() * 4)] * 10_000
                add((midnight + (8 + 13 * r()) * 3600, cash, "ATM출금", "현금", False))
            if r() < 0.08:  # to a person, mostly at another bank
                who = names.person(r, r() < 0.5)
                kind = "타행환" if r() < 0.8 else "대체"
                sent = -rng.randrange(1, 50) * 10_000
                add((midnight + (8 + 13 * r()) * 3600, sent, who, kind, True))
            if r() < 0.06:  # from a person
                who = names.person(r, r() < 0.5)
                kind = "타행환" if r() < 0.8 else "대체"
                got = rng.randrange(1, 50) * 10_000
                add((midnight + (8 + 13 * r()) * 3600, got, who, kind, True))
        events.sort()
        return events


def world_fingerprint(world: World) -> str:
    """A short digest of what the seed made: whether a world was made again the same."""
    ledger = world.ledger
    users = world.directory.users
    last_account = next(reversed(ledger.accounts), ("", ""))
    last_user = next(reversed(users), "")
    text = (
        f"{len(ledger.accounts)}:{len(users)}:{ledger.seeded_total}:{last_account}:{last_user}"
        f":{list(world.directory.clients)}:{list(world.directory.registrations)}"
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --- making the world ---------------------------------------------------------------------


class _Generator:
    def __init__(self, world: World, size: WorldSize, start: float) -> None:
        self.world = world
        self.size = size
        self.start = start
        self.rng = world.source.stream("world")
        self.eager: list[Account] = []
        self.participants = list(world.config.participants)
        if not self.participants:
            raise ValueError("the network has no Open Banking participant to hold accounts")
        self.names = _names()
        self.seeding = Seeding(world.seed, start, size)
        with _FAKER_LOCK:  # one Faker for every world: one world at a time draws from it
            fake = _faker()
            fake.seed_instance(world.source.stream("faker").getrandbits(64))
            self.email_names = [fake.user_name() for _ in range(1024)]

    # identifiers
    def _draw(self, pattern: str) -> str:
        return "".join(str(self.rng.randrange(10)) if c == "#" else c for c in pattern)

    def account_number(self, inst: Institution) -> AccountKey:
        accounts = self.world.ledger.accounts
        while True:
            num = str(self.rng.randrange(1, 10)) + self._draw("#" * (inst.account_digits - 1))
            if (inst.code, num) not in accounts:
                return (inst.code, num)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # the world
    def run(self) -> None:
        for client in self.make_clients():
            self.world.directory.put_client(client)
        self.make_users(self.size.users, self.size.registered_users)
        self.post_eager_history()
        self.register_demo_users()

    def post_eager_history(self) -> None:
        """The seeded history of the registered users' accounts, posted for good as
        entries in time order: planned as a lazy history is (the account's own stream),
        but forwards from an opening amount, leaving out what the balance cannot pay, and
        a transfer to a person goes to another of these accounts (through the centre's
        clearing when at another bank: past days settle). A few accounts, whatever the
        size of the world."""
        ledger, seeding = self.world.ledger, self.seeding
        demand = [a.key for a in self.eager if a.account_type is AccountType.DEMAND]
        # (time, order, account, + in / - out, print_content, tran_type, payee)
        events: list[tuple[float, int, AccountKey, int, str, str, AccountKey | None]] = []
        for account in self.eager:
            key = account.key
            rng = seeding.stream(account)
            opened = seeding.opened(account, rng)
            opening = int(rng.lognormvariate(14.2, 1.0)) // 1000 * 1000 + _LEAST_OPENING
            events.append((opened, len(events), key, opening, "신규", "현금", None))
            if account.account_type is not AccountType.DEMAND:
                continue
            for at, amount, label, tran_type, transfer in seeding.plan(rng):
                payee = None
                if transfer and len(demand) > 1:
                    if amount > 0:
                        continue  # what the others send it comes from their plans
                    payee = demand[int(rng.random() * len(demand))]
                    if payee == key:
                        continue
                if at > opened:
                    events.append((at, len(events), key, amount, label, tran_type, payee))
        events.sort(key=lambda e: (e[0], e[1]))
        for at, _, key, amount, label, tran_type, payee in events:
            account = ledger.accounts[key]
            if account.balance + amount < 0:
                continue  # the balance cannot pay it
            if payee is None:
                legs = [Posting(key, amount, label, tran_type), Posting(EXTERNAL, -amount)]
            else:
                other = ledger.accounts[payee]
                interbank = payee[0] != key[0]
                tran_type = "타행환" if interbank else "대체"
                legs = [
                    Posting(key, amount, other.holder_name, tran_type),
                    Posting(payee, -amount, account.holder_name, tran_type),
                ]
                if interbank:
                    legs += [
                        Posting(clearing_key(key[0]), amount),
                        Posting(clearing_key(payee[0]), -amount),
                    ]
            ledger.post(at, SEED, legs)

    def make_users(self, count: int, eager: int) -> None:
        """The users and their accounts: the bulk of a big world, so written for speed
        (every draw a `random()` of the world stream, lists indexed by it). The accounts
        of the first `eager` users open empty, for `post_eager_history`; the others hold
        their balance now, their history lazy."""
        rng, names, world = self.rng, self.names, self.world
        r = rng.random
        put_user = world.directory.put_user
        users = world.directory.users
        ledger = world.ledger
        accounts = ledger.accounts
        open_seeded = ledger.open_seeded
        seeding = self.seeding
        participants = self.participants
        n_banks = len(participants)
        codes = [inst.code for inst in participants]
        # account numbers: every digit drawn, none leading 0, as many as the bank uses
        lows = [10 ** (inst.account_digits - 1) for inst in participants]
        spans = [9 * low for low in lows]
        # birth dates 19 to 75 years back; accounts opened 0.5 to 9 years back
        dates = _dates(self.start)
        ymd, yymmdd, first = dates.ymd, dates.yymmdd, dates.first
        demand_amounts = _amounts("demand", 16.1, 0.6)  # balances now: months of salary
        opening_amounts = _amounts("opening", 14.2, 1.0)  # savings and funds: as opened
        email_names = self.email_names
        domains = names.email_domains
        branches = names.branches
        demand, savings = AccountType.DEMAND, AccountType.SAVINGS
        full, lasts, males, females = names.full, names.last, names.male, names.female
        b2a = binascii.b2a_base64
        bits = rng.getrandbits
        for done in range(count):
            male = bits(1)
            name = full[male][lasts[bits(_SLOT_BITS)]][
                (males if male else females)[bits(_SLOT_BITS)]
            ]
            born = int((19 + 56 * r()) * 365.25) - first
            birth, holder_info = ymd[born], yymmdd[born]
            user_seq_no = str(1_100_000_000 + int(r() * 100_000_000))
            while user_seq_no in users:
                user_seq_no = str(1_100_000_000 + int(r() * 100_000_000))
            owner = "user:" + user_seq_no
            how_many = _ACCOUNTS_PER_USER[int(r() * 7)]
            banks = [int(r() * n_banks)]
            while len(banks) < how_many and len(banks) < n_banks:
                bank = int(r() * n_banks)
                if bank not in banks:
                    banks.append(bank)
            keys: list[AccountKey] = []
            made: list[tuple[AccountKey, Account]] = []
            for i in banks:
                kind = demand if not made else _LATER_KINDS[int(r() * 4)]
                opened = int((0.5 + 8.5 * r()) * 365.25)
                products = _PRODUCTS[kind]
                product = products[int(r() * len(products))]
                maturity = ""
                if kind is savings:
                    ahead = opened - int(_SAVINGS_YEARS[int(r() * 4)] * 365.25) - 730
                    maturity = ymd[ahead - first]
                code = codes[i]
                key = (code, str(lows[i] + int(r() * spans[i])))
                while key in accounts:
                    key = (code, str(lows[i] + int(r() * spans[i])))
                branch = branches[int(r() * len(branches))]
                amounts = demand_amounts if kind is demand else opening_amounts
                amount = amounts[int(r() * len(amounts))]
                account = Account(
                    code,
                    key[1],
                    name,
                    holder_info,
                    "P",
                    kind,
                    product,
                    ymd[opened - first],
                    owner,
                    branch,
                    maturity,
                    NORMAL,
                    amount,
                    amount,
                )
                made.append((key, account))
                keys.append(key)
            if done < eager:  # a registered user's: posted for good (post_eager_history)
                for _, account in made:
                    account.balance = account.seeded = 0
                    ledger.open_account(account)
                    self.eager.append(account)
            else:
                open_seeded(made, seeding)
            email = (
                email_names[int(r() * len(email_names))] + "@" + domains[int(r() * len(domains))]
            )
            put_user(
                User(
                    user_seq_no,
                    b2a(bits(528).to_bytes(66, "little"), newline=False).decode(),  # randbytes
                    name,
                    birth,
                    "M" if male else "F",
                    f"010{int(r() * 100_000_000):08d}",
                    email,
                    keys,
                )
            )

    def make_clients(self) -> list[FintechClient]:
        rng = self.rng
        clients = [
            FintechClient(
                client_use_code="T991" + self._draw("######"),
                name="테스트베드핀테크",
                name_en="Testbed Fintech (center authentication)",
                client_id=self.uuid(),
                client_secret=self.world.secrets.replacing(self.uuid()),
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
                client_secret=self.world.secrets.replacing(self.uuid()),
                redirect_uris=list(DEMO_CALLBACKS),
                scopes=["login", "inquiry", "transfer", "oob", "sa"],
                self_auth=True,
                main_bank=rng.choice(self.participants).code,
            ),
        ]
        ledger = self.world.ledger
        for client in clients:
            inst = self.world.config.institution(client.main_bank)
            for purpose, funds in (("withdraw", 0), ("deposit", 1_000_000_000)):
                key = self.account_number(inst)
                account = Account(
                    bank_code=key[0],
                    account_num=key[1],
                    holder_name=client.name,
                    holder_info=self._draw("##########"),  # business registration number
                    holder_type="B",
                    account_type=AccountType.DEMAND,
                    product_name="기업자유예금",
                    issue_date=yyyymmdd(self.start - 400 * DAY),
                    owner=f"client:{client.client_use_code}",
                    branch_name="본점영업부",
                )
                if funds:  # its seeded history: the funds paid in a month ago
                    account.balance = account.seeded = funds
                    ledger.open_seeded([(key, account)], self.seeding)
                else:
                    ledger.open_account(account)
                client.contract_accounts.append(
                    ContractAccount(purpose, account.bank_code, account.account_num)
                )
        return clients

    def register_demo_users(self) -> None:
        directory = self.world.directory
        demo = next(iter(directory.clients.values()))
        agreed = yyyymmdd(self.start - 20 * DAY) + "093000"
        taken: set[str] = set()
        for user in list(directory.users.values())[: self.size.registered_users]:
            for bank_code, account_num in user.accounts:
                account = self.world.ledger.accounts[(bank_code, account_num)]
                transfer_ok = account.account_type.transferable  # the registration door's rule
                while True:
                    number = "1" + demo.client_use_code[1:] + self._draw("#" * 14)
                    if number not in taken:
                        taken.add(number)
                        break
                directory.put_registration(
                    Registration(
                        fintech_use_num=number,
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


def populate(world: World, size: WorldSize | None = None, start: float | None = None) -> Seeding:
    """Fill an empty world from its seed, as it stands at `start` (default: its clock's now).

    Returns the world's seeding, which its ledger keeps (`Ledger.seeding`).
    """
    if world.ledger.accounts or world.directory.users:
        raise ValueError("populate() needs an empty world")
    generator = _Generator(
        world, size or WorldSize(), world.clock.now() if start is None else start
    )
    collecting = gc.isenabled()
    gc.disable()  # millions of objects that live as long as the world: nothing to collect
    try:
        world.ledger.seeding = generator.seeding
        generator.run()
    finally:
        if collecting:
            gc.enable()
    generator.seeding.fingerprint = world_fingerprint(world)
    world.ledger.pristine = True
    return generator.seeding
