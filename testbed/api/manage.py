"""관리: bank/status (참가은행 상태조회)."""

from __future__ import annotations

from aiohttp import web

from testbed.api.context import begin
from testbed.api.fields import Spec

CENTRE_SCOPES = ("oob", "sa")
BANK_STATUS = Spec()


async def bank_status(request: web.Request) -> web.Response:
    """Every Open Banking participant: `bank_status` Y when it takes business now."""
    call = begin(request, CENTRE_SCOPES)
    BANK_STATUS.parse(call.query(), call.warnings)
    centre_open = call.world.centre.is_open(call.now)
    items = [
        {
            "bank_code_std": bank.code,
            "bank_name": bank.name,
            "bank_status": "Y" if centre_open and bank.state_at(call.now).takes_business else "N",
        }
        for bank in call.world.participants
    ]
    return call.answer({**call.envelope(), "res_cnt": str(len(items)), "res_list": items})
