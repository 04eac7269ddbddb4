"""The seeded world: realistic, complete, and the same bytes for the same seed."""

from __future__ import annotations

import json
import re
import threading

import pytest

from testbed.clock import DAY, VirtualClock, parse_kst, yyyymmdd
from testbed.config import NetworkConfig
from testbed.network.centre import TransferOrder
from testbed.network.ledger import Account, AccountType
from testbed.network.seed import Seeding, WorldSize, populate, world_fingerprint
from testbed.network.world import World
from testbed.rng import ReplaySecrets
from tests.conftest import START, WorldFactory, without_secrets


def world_bytes(world: World) -> bytes:
    """Everything the world holds, serialised canonically: every history line included
    (the seeded ones made from the seed as they are read). Not the institutions' secrets:
    the secret source's, not the seed's (test_secrets_are_not_the_seeds)."""
    ledger = world.ledger
    data = {
        "records": without_secrets(world.directory.records()),
        "accounts": [
            [
                a.bank_code,
                a.account_num,
                a.holder_name,
                a.holder_info,
                a.account_type.value,
                a.product_name,
                a.issue_date,
                a.maturity_date,
                a.branch_name,
                a.owner,
                a.balance,
                a.seeded,
                a.status.value,
                [
                    [h.entry_id, h.time, h.amount, h.balance_after, h.print_content, h.tran_type]
                    for h in a.history
                ],
            ]
            for a in ledger.accounts.values()
        ],
        "entries": [
            [
                e.id,
                e.time,
                e.kind,
                e.ref,
                [[*p.account, p.amount, p.print_content] for p in e.postings],
            ]
            for e in ledger.entries
        ],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


def test_same_seed_same_world_byte_for_byte(make_world: WorldFactory) -> None:
    assert world_bytes(make_world(seed=42)) == world_bytes(make_world(seed=42))


def test_secrets_are_not_the_seeds(make_world: WorldFactory) -> None:
    """The demo institutions' secrets are shown to all, but are still not computable from
    the public seed under `serve`; only a replay draws them from it."""

    def secrets(world: World) -> list[str]:
        return [c.client_secret for c in world.directory.clients.values()]

    a, b = make_world(seed=42), make_world(seed=42)
    assert len(secrets(a)) == 2
    assert not set(secrets(a)) & set(secrets(b))
    replayed = [make_world(seed=42, secrets=ReplaySecrets) for _ in range(2)]
    assert secrets(replayed[0]) == secrets(replayed[1])
    assert world_bytes(replayed[0]) == world_bytes(a)  # the world itself: the same


def test_different_seeds_differ(make_world: WorldFactory) -> None:
    a, b = make_world(seed=42), make_world(seed=43)
    assert world_bytes(a) != world_bytes(b)
    assert [u.name for u in a.directory.users.values()] != [
        u.name for u in b.directory.users.values()
    ]


def test_world_is_realistic_and_balanced(make_world: WorldFactory) -> None:
    world = make_world(seed=3, users=40)
    participants = {i.code for i in world.config.participants}
    users = list(world.directory.users.values())
    assert len(users) == 40
    for user in users:
        assert re.fullmatch(r"11\d{8}", user.user_seq_no)
        assert re.fullmatch(r"[가-힣]{2,4}", user.name)
        assert re.fullmatch(r"010\d{8}", user.cell_no)
        assert re.fullmatch(r"(19|20)\d{6}", user.birth_date)
        assert len(user.user_ci) == 88
        assert user.accounts and all(bank in participants for bank, _ in user.accounts)
    banks_used = {bank for u in users for bank, _ in u.accounts}
    assert len(banks_used) >= 10  # spread over the participants
    for account in world.ledger.accounts.values():
        digits = world.config.institution(account.bank_code).account_digits
        assert account.account_num.isdigit() and len(account.account_num) == digits
        assert account.balance >= 0
    demand = [a for a in world.ledger.accounts.values() if a.account_type is AccountType.DEMAND]
    assert sum(len(a.history) for a in demand) / len(demand) > 10  # weeks of history each
    lines = [h for a in demand for h in a.history]
    assert {h.tran_type for h in lines} == {"현금", "대체", "타행환"}
    assert sum(h.amount > 0 for h in lines) > 100 and sum(h.amount < 0 for h in lines) > 500
    people = {h.print_content for h in lines if h.tran_type == "타행환"}
    assert len(people) > 50 and all(re.fullmatch(r"[가-힣]{2,4}", p) for p in people)
    assert {"GS25", "ATM출금", "신규"} <= {h.print_content for h in lines}
    assert any(
        re.fullmatch(r"\(주\) .+|주식회사 .+|\(유\) .+|유한회사 .+", h.print_content) for h in lines
    )  # salaries, from employers
    report = world.ledger.check(deep=True)
    assert report["ok"], report["problems"]
    assert report["seeded_total"] == report["total_balance"] > 0
    assert report["history_lines_proven"] == sum(
        len(a.history) for a in world.ledger.accounts.values()
    )


def test_institutions_and_registrations(make_world: WorldFactory) -> None:
    world = make_world(seed=5)
    clients = list(world.directory.clients.values())
    assert [c.self_auth for c in clients] == [False, True]
    for client in clients:
        assert re.fullmatch(r"[A-Z]\d{9}", client.client_use_code)
        assert re.fullmatch(r"[0-9a-f-]{36}", client.client_id)
        assert client.client_id != client.client_secret
        for purpose in ("withdraw", "deposit"):
            contract = client.contract_account(purpose)
            assert contract is not None
            account = world.ledger.accounts[(contract.bank_code, contract.account_num)]
            assert account.owner == f"client:{client.client_use_code}"
        deposit = client.contract_account("deposit")
        assert deposit is not None
        assert world.ledger.accounts[(deposit.bank_code, deposit.account_num)].balance >= 10**8
    registrations = list(world.directory.registrations.values())
    assert registrations
    demo = clients[0].client_use_code
    for reg in registrations:
        assert reg.client_use_code == demo
        assert re.fullmatch(r"1" + demo[1:] + r"\d{14}", reg.fintech_use_num)
        assert (reg.bank_code, reg.account_num) in world.directory.users[reg.user_seq_no].accounts


def _lines(account: Account) -> list[tuple[object, ...]]:
    return [
        (h.time, h.amount, h.balance_after, h.print_content, h.tran_type) for h in account.history
    ]


def test_seeded_history_is_lazy_and_a_pure_function_of_seed_and_account(
    make_world: WorldFactory,
) -> None:
    world = make_world(seed=11, users=12)
    ledger = world.ledger
    seeding = ledger.seeding
    assert isinstance(seeding, Seeding)
    assert all(a.history_source is seeding for a in ledger.accounts.values() if a.seeded)
    some = [
        a
        for a in ledger.accounts.values()
        if a.account_type is AccountType.DEMAND and a.owner.startswith("user:") and a.seeded
    ][:5]
    assert len(some) == 5
    for account in some:
        lines = account.history
        assert lines == seeding.generate(account)  # made again, the same
        assert account.history_source is seeding  # read, not kept by the account
        assert lines[0].print_content == "신규" and lines[0].time < lines[1].time
        assert lines[-1].balance_after == account.balance == account.seeded
        assert all(h.entry_id == 0 and h.time < world.clock.now() for h in lines)
        assert len(lines) >= 10
    # the same seed with more users: the first users, their accounts and histories are the
    # same (a history depends on its account and the seed, not on the rest of the world)
    bigger = make_world(seed=11, users=30)
    for key, account in ledger.accounts.items():
        if account.owner.startswith("user:"):
            assert bigger.ledger.accounts[key] == account
            assert _lines(bigger.ledger.accounts[key]) == _lines(account)
    # another seed: other histories
    other = make_world(seed=12, users=12)
    assert [_lines(a) for a in other.ledger.accounts.values()] != [
        _lines(a) for a in ledger.accounts.values()
    ]


def test_the_history_days_and_start_shape_the_seeded_history(
    network: NetworkConfig,
) -> None:
    def world(days: int, start: str = START) -> World:
        made = World(network, VirtualClock(parse_kst(start)), 5)
        populate(made, WorldSize(users=6, history_days=days, registered_users=0))
        return made

    none, month = world(0), world(30)
    for a, b in zip(none.ledger.accounts.values(), month.ledger.accounts.values(), strict=True):
        assert a == b  # the same accounts and balances
        if not a.seeded:  # an institution's withdraw account: empty
            assert a.history == b.history == [] and a.balance == 0
            continue
        assert len(a.history) == 1 and a.history[0].print_content in ("신규", "약정계좌입금")
        first_day = parse_kst(START) // DAY * DAY - 31 * DAY
        assert all(h.time > first_day for h in b.history[1:])
    assert none.ledger.check(deep=True)["ok"] and month.ledger.check(deep=True)["ok"]
    later = world(30, "2026-06-15T10:00:00+09:00")
    assert [_lines(a) for a in later.ledger.accounts.values()] != [
        _lines(a) for a in month.ledger.accounts.values()
    ]
    assert yyyymmdd(max(h.time for a in later.ledger.accounts.values() for h in a.history)) == (
        "20260614"
    )


async def test_postings_continue_the_seeded_history(make_world: WorldFactory) -> None:
    world = make_world(seed=4, users=20)
    ledger = world.ledger
    keys = [k for k, a in ledger.accounts.items() if a.owner.startswith("user:")]
    seeded = {k: list(ledger.accounts[k].history) for k in keys}
    async with world.clock:
        outcomes = [
            await world.transfer(TransferOrder(keys[i], keys[-1 - i], 10_000 + i))
            for i in range(10)
        ]
    world.cash(keys[3], -5_000)
    assert sum(o.ok for o in outcomes) >= 8
    touched = {k for k in keys if ledger.accounts[k].history != seeded[k]}
    assert keys[3] in touched and len(touched) >= 10
    for key in keys:
        account = ledger.accounts[key]
        made = len(seeded[key])
        assert account.history[:made] == seeded[key]  # the seeded lines, then the new ones
        assert (account.history_source is None) == (key in touched)
        assert all(h.entry_id > 0 for h in account.history[made:])
        if account.history[made:]:
            assert account.history[-1].balance_after == account.balance != account.seeded
    report = ledger.check()
    assert report["ok"], report["problems"]
    assert report["history_lines_proven"] == sum(len(ledger.accounts[k].history) for k in touched)
    assert ledger.check(deep=True)["ok"]


def test_reading_histories_keeps_few_of_them(make_world: WorldFactory) -> None:
    world = make_world(seed=2, users=700)
    seeding = world.ledger.seeding
    assert isinstance(seeding, Seeding)
    accounts = list(world.ledger.accounts.values())
    assert len(accounts) > 1100
    for account in accounts:
        if account.seeded:
            assert account.history[-1].balance_after == account.balance
    assert len(seeding._kept) <= 1024
    assert all(a.history_source is seeding for a in accounts if a.seeded)


def test_the_fingerprint_tells_worlds_apart(make_world: WorldFactory) -> None:
    a, b = make_world(seed=8), make_world(seed=8)
    assert isinstance(a.ledger.seeding, Seeding)
    assert a.ledger.seeding.fingerprint == world_fingerprint(a) == world_fingerprint(b)
    assert world_fingerprint(make_world(seed=9)) != world_fingerprint(a)
    assert world_fingerprint(make_world(seed=8, users=13)) != world_fingerprint(a)
    spec = a.ledger.seeding.spec()
    again = Seeding.from_spec(spec)
    assert again.spec() == spec
    with pytest.raises(ValueError, match="generator"):
        Seeding.from_spec({**spec, "generator": 1})


def test_registered_users_have_their_history_posted_for_good(network: NetworkConfig) -> None:
    """The demo institution's users: a history of entries, with transfers between them
    through the centre's clearing (so past days settle); everyone else's is lazy."""

    def world(registered: int) -> World:
        made = World(network, VirtualClock(parse_kst(START)), 3)
        populate(made, WorldSize(users=40, history_days=40, registered_users=registered))
        return made

    eager_world, lazy_world = world(6), world(0)
    ledger = eager_world.ledger
    registered = {r.user_seq_no for r in eager_world.directory.registrations.values()}
    assert len(registered) == 6
    eager = {k for k, a in ledger.accounts.items() if a.owner[len("user:") :] in registered}
    for key, account in ledger.accounts.items():
        assert (key in eager) == (account.seeded == 0 and account.owner.startswith("user:"))
        if key in eager:
            assert account.history_source is None
            assert account.history[0].print_content == "신규"
            assert all(h.entry_id > 0 for h in account.history)
    assert {e.kind for e in ledger.entries} == {"seed"}
    touched = {leg.account for e in ledger.entries for leg in e.postings}
    assert {k for k in touched if not k[0].startswith("@")} == eager
    interbank = [e for e in ledger.entries if len(e.postings) == 4]  # with the clearing pair
    assert len({yyyymmdd(e.time) for e in interbank}) >= 5
    assert all(e.time < parse_kst(START) for e in ledger.entries)
    assert ledger.check(deep=True)["ok"]
    # the same people and accounts either way: only how their history is kept differs
    assert [(u.user_seq_no, u.name, u.accounts) for u in lazy_world.directory.users.values()] == [
        (u.user_seq_no, u.name, u.accounts) for u in eager_world.directory.users.values()
    ]
    assert list(lazy_world.ledger.accounts) == list(ledger.accounts)
    assert lazy_world.ledger.entries == [] and lazy_world.ledger.check(deep=True)["ok"]


def test_worlds_made_at_once_in_threads_are_the_worlds_of_their_seeds(
    make_world: WorldFactory,
) -> None:
    """A reset seeds in a worker thread while a scenario may seed in the loop's."""
    made: dict[int, World] = {}

    def make(seed: int) -> None:
        made[seed] = make_world(seed=seed, users=60)

    threads = [threading.Thread(target=make, args=(seed,)) for seed in (21, 22, 23, 24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for seed, world in made.items():
        assert world_bytes(world) == world_bytes(make_world(seed=seed, users=60))
