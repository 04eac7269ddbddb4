"""/v2.0/bank/status and /v2.0/manage/*: 참가은행 상태조회, 처리대행비용 (manage/fee),
이용건수 (manage/count), 한도 (manage/wd_limit). The figures are the gateway's
(`testbed.network.gateway.reports`).

The manage/* answers are not public (⚠ the testbed's choices, see the README's
compatibility notes):

- manage/fee: `res_cnt`, `res_list` of `fee_date`, `api_type` (출금이체/입금이체),
  `tran_cnt`, `tran_amt`, `fee_amt`, `fee_type` (`reduced` 경감비용 / `basic` 기본비용): one
  row per day, API and rate, from the institution's transfers whose money moved.
- manage/count: `inquiry_date`, `res_cnt`, `res_list` of `api_type` (the API's Korean name),
  `call_cnt` (calls that took a bank_tran_id, i.e. went past validation; APIs without a
  bank_tran_id are not counted), `tran_cnt` (transfers recorded, any outcome), `success_cnt`
  (transfers whose money moved); "0" for the two last on inquiries.
- manage/wd_limit: the institution's limits (its contract's, DEFAULT_LIMITS otherwise) and
  what remains of them today and this month, for withdraw (`wd_*`) and deposit (`dps_*`), and
  the per-user withdraw limits (`user_wd_*`). "No limit" reads 999999999999 (N(12)'s largest,
  as withdraw's `wd_limit_remain_amt`).
"""

from __future__ import annotations

from aiohttp import web

from testbed.api.catalogue import CENTRE_SCOPES, ENVELOPE, Operation, Shape
from testbed.api.context import begin
from testbed.api.fields import N, Spec
from testbed.network.books import LimitUse
from testbed.network.gateway.transfers import NO_LIMIT

BANK_STATUS = Spec()
FEE = Spec(N("from_date", 8, check="date"), N("to_date", 8, check="date"))
COUNT = Spec(N("inquiry_date", 8, check="date"))
WD_LIMIT = Spec()

#: the Korean name of each API, by the name its bank_tran_id is claimed under
API_NAMES = {
    "withdraw": "출금이체",
    "deposit": "입금이체",
    "balance": "잔액조회",
    "transactions": "거래내역조회",
    "real_name": "계좌실명조회",
    "receive": "수취조회",
    "remit_list": "송금인정보조회",
    "return_claim": "자금반환청구",
}


async def bank_status(request: web.Request) -> web.Response:
    """Every Open Banking participant: `bank_status` Y when it takes business now."""
    call = begin(request, CENTRE_SCOPES)
    call.parse(BANK_STATUS, call.query())
    items = [
        {
            "bank_code_std": bank.code,
            "bank_name": bank.institution.display_name,
            "bank_status": "Y" if open_ else "N",
        }
        for bank, open_ in call.gateway.reports.bank_status(call.caller)
    ]
    return call.answer({**call.envelope(), "res_cnt": str(len(items)), "res_list": items})


async def fee(request: web.Request) -> web.Response:
    """처리대행비용 per day and transfer API in a period."""
    call = begin(request, CENTRE_SCOPES)
    q = call.parse(FEE, call.query())
    items = [
        {
            "fee_date": row.date,
            "api_type": API_NAMES.get(row.api, row.api),
            "tran_cnt": str(row.count),
            "tran_amt": str(row.amount),
            "fee_amt": str(row.fee),
            "fee_type": row.fee_type,
        }
        for row in call.gateway.reports.fees(call.caller, q["from_date"], q["to_date"])
    ]
    return call.answer({**call.envelope(), "res_cnt": str(len(items)), "res_list": items})


async def count(request: web.Request) -> web.Response:
    """The institution's API calls and transfers of one day, by API."""
    call = begin(request, CENTRE_SCOPES)
    q = call.parse(COUNT, call.query())
    counts = call.gateway.reports.counts(call.caller, q["inquiry_date"])
    order = list(API_NAMES)
    counts.sort(key=lambda c: (order.index(c.api) if c.api in API_NAMES else len(order), c.api))
    items = [
        {
            "api_type": API_NAMES.get(c.api, c.api),
            "call_cnt": str(c.calls),
            "tran_cnt": str(c.transfers),
            "success_cnt": str(c.moved),
        }
        for c in counts
    ]
    return call.answer(
        {
            **call.envelope(),
            "inquiry_date": q["inquiry_date"],
            "res_cnt": str(len(items)),
            "res_list": items,
        }
    )


def _limit(value: int) -> str:
    """A limit; 0 (none) reads as N(12)'s largest."""
    return str(value or NO_LIMIT)


def _remain(value: int | None) -> str:
    """What remains of a limit; None (no limit) reads as N(12)'s largest."""
    return str(NO_LIMIT if value is None else value)


def _limit_fields(prefix: str, use: LimitUse) -> dict[str, str]:
    return {
        f"{prefix}_tran_limit_amt": _limit(use.per_tx),
        f"{prefix}_day_limit_amt": _limit(use.day),
        f"{prefix}_day_remain_amt": _remain(use.remain_day),
        f"{prefix}_month_limit_amt": _limit(use.month),
        f"{prefix}_month_remain_amt": _remain(use.remain_month),
    }


async def wd_limit(request: web.Request) -> web.Response:
    """The institution's transfer limits and what remains of them today and this month."""
    call = begin(request, CENTRE_SCOPES)
    call.parse(WD_LIMIT, call.query())
    client = call.caller.client
    withdraw, deposit = call.gateway.reports.limits(call.caller)
    return call.answer(
        {
            **call.envelope(),
            **_limit_fields("wd", withdraw),
            **_limit_fields("dps", deposit),
            "user_wd_tran_limit_amt": _limit(client.limit("user_withdraw_per_tx")),
            "user_wd_day_limit_amt": _limit(client.limit("user_withdraw_day")),
        }
    )


def _limits(prefix: str) -> tuple[str, ...]:
    keys = ("tran_limit_amt", "day_limit_amt", "day_remain_amt", "month_limit_amt")
    return tuple(f"{prefix}_{k}" for k in (*keys, "month_remain_amt"))


GROUP = "관리"
OPERATIONS = [
    Operation(
        method="GET",
        path="/v2.0/bank/status",
        handler=bank_status,
        name_ko="참가은행상태조회",
        name_en="Bank status",
        group=GROUP,
        scopes=CENTRE_SCOPES,
        request=BANK_STATUS,
        response=Shape(
            (*ENVELOPE, "res_cnt", "res_list"), items=("bank_code_std", "bank_name", "bank_status")
        ),
        body="query",
    ),
    Operation(
        method="GET",
        path="/v2.0/manage/fee",
        handler=fee,
        name_ko="처리대행비용조회",
        name_en="Processing fees",
        group=GROUP,
        scopes=CENTRE_SCOPES,
        request=FEE,
        response=Shape(
            (*ENVELOPE, "res_cnt", "res_list"),
            items=("fee_date", "api_type", "tran_cnt", "tran_amt", "fee_amt", "fee_type"),
        ),
        body="query",
    ),
    Operation(
        method="GET",
        path="/v2.0/manage/count",
        handler=count,
        name_ko="API 이용건수조회",
        name_en="API counts",
        group=GROUP,
        scopes=CENTRE_SCOPES,
        request=COUNT,
        response=Shape(
            (*ENVELOPE, "inquiry_date", "res_cnt", "res_list"),
            items=("api_type", "call_cnt", "tran_cnt", "success_cnt"),
        ),
        body="query",
    ),
    Operation(
        method="GET",
        path="/v2.0/manage/wd_limit",
        handler=wd_limit,
        name_ko="이체한도조회",
        name_en="Transfer limits",
        group=GROUP,
        scopes=CENTRE_SCOPES,
        request=WD_LIMIT,
        response=Shape(
            (
                *ENVELOPE,
                *_limits("wd"),
                *_limits("dps"),
                "user_wd_tran_limit_amt",
                "user_wd_day_limit_amt",
            )
        ),
        body="query",
    ),
]
