"""Durability declared, not remembered: an operation that writes (`Operation.writes`)
answers only once the store says its change is committed, refused or not; one that only
reads does not wait; and no handler of the KFTC API calls `durable()` by hand."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from testbed.api.catalogue import Operation
from testbed.api.routes import OPERATIONS
from tests.api.conftest import Api

WRITING = [op for op in OPERATIONS if op.writes]
API = Path(__file__).resolve().parents[2] / "testbed" / "api"


def test_the_operations_that_change_something_say_so() -> None:
    paths = {op.path for op in WRITING}
    assert {
        "/oauth/2.0/token",
        "/oauth/2.0/revoke",
        "/v2.0/transfer/withdraw/fin_num",
        "/v2.0/transfer/withdraw/acnt_num",
        "/v2.0/transfer/deposit/fin_num",
        "/v2.0/transfer/deposit/acnt_num",
        "/v2.0/user/register",
        "/v2.0/account/cancel",
        "/v2.0/return/claim",
    } <= paths
    assert "/v2.0/account/balance/fin_num" not in paths  # inquiries stay lazy


def test_no_handler_calls_durable_by_hand() -> None:
    for module in API.glob("*.py"):
        if module.name in ("catalogue.py", "context.py"):
            continue
        text = module.read_text(encoding="utf-8")
        assert not re.search(r"\bdurable\(\)", text), module.name


class Gate:
    """The store's `durable()`, held shut until the test opens it."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.waited = 0

    async def durable(self) -> None:
        self.waited += 1
        await self.open.wait()


@pytest.mark.parametrize("op", WRITING, ids=[f"{o.method} {o.path}" for o in WRITING])
async def test_a_writing_operation_answers_only_after_the_commit(
    api: Api, op: Operation, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate()
    monkeypatch.setattr(api.runtime.store, "durable", gate.durable)
    path, method = op.path, op.method
    # even a refusal (no token, no body) waits: it may have changed something
    sent = asyncio.ensure_future(api.http.request(method, path, json={}))
    await asyncio.sleep(0.2)
    assert not sent.done(), f"{path} answered before its change was committed"
    assert gate.waited >= 1
    gate.open.set()
    resp = await asyncio.wait_for(sent, 5)
    assert resp.status == 200
    await resp.read()


async def test_an_inquiry_does_not_wait_for_the_disk(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await api.user()
    gate = Gate()
    monkeypatch.setattr(api.runtime.store, "durable", gate.durable)
    body = await asyncio.wait_for(
        api.get(
            "/v2.0/account/balance/fin_num",
            user["access_token"],
            bank_tran_id=api.tran_id(user["client_use_code"]),
            fintech_use_num=user["accounts"][0]["fintech_use_num"],
            tran_dtime="20260302100000",
        ),
        5,
    )
    assert body["rsp_code"] == "A0000" and gate.waited == 0
