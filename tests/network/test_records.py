"""What the record books hand the store: `plain` is `dataclasses.asdict` as JSON sees it."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from testbed.network.faults import Fault
from testbed.network.parties import Directory, client_from_record
from testbed.network.records import plain
from tests.conftest import WorldFactory


def _as_json(data: Any) -> Any:
    return json.loads(json.dumps(data, ensure_ascii=False))


def test_plain_is_asdict_for_every_record_of_a_world(make_world: WorldFactory) -> None:
    world = make_world(users=6)
    world.faults.add(
        Fault("F0001", "cutover", 0.0, banks=["004"], params={"windows": [[1, 2]], "x": (3, 4)})
    )
    client = next(iter(world.directory.clients.values()))
    world.auth.issue(client.client_use_code, "", ["oob"], world.clock.now())
    kinds = set()
    for book in world.books:
        for kind, table in book.tables.items():
            for obj in table.values():
                kinds.add(kind)
                record = plain(obj)
                assert record == _as_json(dataclasses.asdict(obj))
                assert _as_json(record) == record  # JSON-able as it is
    assert {"user", "client", "registration", "token", "fault"} <= kinds


def test_plain_refuses_what_the_store_could_not_keep() -> None:
    with pytest.raises(TypeError, match="set"):
        plain(Fault("F1", "error", 0.0, params={"codes": {"A0002"}}))


def test_an_institution_stored_before_show_account_num_loads_with_it_off(
    make_world: WorldFactory,
) -> None:
    client = next(iter(make_world(users=1).directory.clients.values()))
    record = plain(client)
    del record["show_account_num"]  # as a database written before the setting existed
    loaded = client_from_record(record)
    assert loaded.show_account_num is False
    assert dataclasses.replace(loaded, show_account_num=client.show_account_num) == client


def test_registration_lookups_are_indexed_and_survive_a_reload(make_world: WorldFactory) -> None:
    """A user's and an account's registrations with an institution are found without a scan
    of every registration (issue 17: no per-request work that grows with the world), in
    the order they were made, and the index is rebuilt when the directory is loaded."""
    world = make_world()
    directory = world.directory
    for reg in directory.registrations.values():
        mine = directory.registrations_of(reg.client_use_code, reg.user_seq_no)
        assert reg in mine
        scanned = [
            r
            for r in directory.registrations.values()
            if (r.client_use_code, r.user_seq_no) == (reg.client_use_code, reg.user_seq_no)
        ]
        assert mine == scanned
        assert reg in directory.registrations_for(
            reg.client_use_code, reg.bank_code, reg.account_num
        )
    again = Directory()
    for kind, key, record in directory.records():
        again.load(kind, key, record)
    some = next(iter(directory.registrations.values()))
    assert [
        r.fintech_use_num for r in again.registrations_of(some.client_use_code, some.user_seq_no)
    ] == [
        r.fintech_use_num
        for r in directory.registrations_of(some.client_use_code, some.user_seq_no)
    ]
    assert directory.registrations_of("T000000000", some.user_seq_no) == []
