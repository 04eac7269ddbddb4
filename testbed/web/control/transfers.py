"""자금세탁방지 (AML): `/testbed/transfers` lists the centre's transfer records with their
requesting customer (요청고객: name, account or fintech_use_num, member number), both sides
as the seed's table shows them (송금인, 수취인), the amount and the retention class.

An AML analyst needs the values whole (a masked account number cannot be traced), so
they are shown in full, and every page read is logged with the fields it revealed.
"""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from testbed.clock import iso_kst
from testbed.network.books import AmlQuery, TransferRecord, aml_records
from testbed.network.world import World
from testbed.store.audit import READ, transfer_subjects
from testbed.web.control.common import (
    BadRequest,
    paging,
    processed,
    query_params,
    runtime_of,
    time_range,
)
from testbed.web.render import json_response

PARAMS: Final = ("req_client_num", "client_use_code", "from", "to", "min_amount", "page", "size")
#: the personal fields a page of transfers reveals
AML_FIELDS: Final = (
    "req_client_name",
    "req_client_account_num",
    "req_client_fintech_use_num",
    "req_client_num",
    "account_num",
    "holder_name",
    "tran_amt",
)
DIRECTIONS: Final = {"withdraw": "출금이체 · withdraw", "deposit": "입금이체 · deposit"}


async def transfers(request: web.Request) -> web.Response:
    """`?req_client_num=&client_use_code=&from=&to=&min_amount=&page=&size=`, newest first."""
    runtime = runtime_of(request)
    query = query_params(request, PARAMS)
    since, until = time_range(query)
    page, size = paging(query)
    asked = AmlQuery(
        req_client_num=query.get("req_client_num", "").strip(),
        client_use_code=query.get("client_use_code", "").strip(),
        since=since,
        until=until,
        min_amount=_won(query.get("min_amount", "")),
    )
    world = runtime.world
    found = aml_records(world.openbanking, asked)
    shown = found[(page - 1) * size : page * size]
    subjects = [s for r in shown for s in transfer_subjects(runtime.store, world, r)]
    purpose = "자금세탁방지 요청고객 조회 · AML: transfers and their requesting customers"
    processed(request, READ, subjects, AML_FIELDS if shown else (), purpose)
    return json_response(
        {
            "total": len(found),
            "page": page,
            "size": size,
            "transfers": [transfer_view(world, r) for r in shown],
        }
    )


def _won(text: str) -> int:
    text = text.strip() or "0"
    if not text.isascii() or not text.isdigit() or len(text) > 15:
        raise BadRequest("min_amount: a whole number of won")
    return int(text)


def _side(side: dict[str, str]) -> dict[str, str]:
    return {
        "name": side.get("account_holder_name", ""),
        "bank_code": side.get("bank_code_std", ""),
        "bank_name": side.get("bank_name", ""),
        "account_num": side.get("account_num", ""),
        "fintech_use_num": side.get("fintech_use_num", ""),
    }


def transfer_view(world: World, record: TransferRecord) -> dict[str, Any]:
    """One transfer as the seed's AML table reads: 송금인 (payer), 수취인 (payee), 요청고객."""
    req = record.req_client
    client = world.directory.clients.get(record.client_use_code)
    return {
        "time": iso_kst(record.time),
        "bank_tran_date": record.bank_tran_date,
        "bank_tran_id": record.bank_tran_id,
        "client_use_code": record.client_use_code,
        "client_name": client.name if client is not None else "",
        "api": record.api,
        "direction": DIRECTIONS.get(record.api, record.api),
        "tran_amt": record.tran_amt,
        "moved": record.moved,
        "rsp_code": record.rsp_code,
        "payer": _side(record.wd),
        "payee": _side(record.dps),
        "req_client": {
            "name": req.get("req_client_name", ""),
            "bank_code": req.get("req_client_bank_code", ""),
            "account_num": req.get("req_client_account_num", ""),
            "fintech_use_num": req.get("req_client_fintech_use_num", ""),
            "num": req.get("req_client_num", ""),
        },
        "transfer_purpose": req.get("transfer_purpose", ""),
        "retention_years": record.retention_years,
        "retention_class": f"{record.retention_years}년",
        "keep_until": record.keep_until,
    }
