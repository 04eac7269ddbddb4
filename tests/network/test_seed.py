"""The seeded world: realistic, complete, and the same bytes for the same seed."""

from __future__ import annotations

import json
import re

from testbed.network.ledger import AccountType
from testbed.network.world import World
from tests.conftest import WorldFactory


def world_bytes(world: World) -> bytes:
    """Everything the world holds, serialised canonically."""
    ledger = world.ledger
    data = {
        "records": world.directory.records(),
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
    assert any(len(e.postings) == 4 for e in world.ledger.entries)  # interbank, with clearing
    report = world.ledger.check()
    assert report["ok"], report["problems"]
    assert report["seeded_total"] == report["total_balance"] > 0


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
