"""/v2.0/inquiry/*: what an institution asks of any account — 계좌실명조회 (real_name),
수취조회 (receive), 송금인정보조회 (remit_list) — and 이상거래탐지 (fds_detect).

Choices where KFTC's answer is not public (⚠, see the README's compatibility notes):

- receive answers the envelope, the bank block and `bank_code_std`, `bank_code_sub`,
  `bank_name`, `savings_bank_name`, `account_num`, `account_holder_name`, `print_content`,
  `tran_amt`, `cms_num` (the optional request `cms_num` echoed, "" without). It checks that
  the account can receive (exists, normal state), not the balance or the limits of a
  later deposit.
- remit_list lists the deposits (money in) into one of the caller's contract accounts, 25 a
  page, cursor as transaction_list: `tran_date`, `tran_time`, `tran_amt`, `print_content`,
  `remitter_name`, `remitter_bank_code_std`, `remitter_account_num_masked`. The remitter is
  the account the money came from in the ledger entry (its holder's name, not the text the
  payer chose to print); money with no paying account (cash) names the bank's text of the
  line and leaves the bank code and account empty.
- fds_detect: the testbed has no fraud engine; after the inputs are checked it answers
  `res_cnt` "0" and an empty `res_list`.
"""

from __future__ import annotations

from aiohttp import web

from testbed.api.account_inquiry import period
from testbed.api.catalogue import (
    BANK_BLOCK,
    CENTRE_SCOPES,
    ENVELOPE,
    PAGING,
    Operation,
    Shape,
    pick,
)
from testbed.api.context import begin
from testbed.api.fields import (
    ACCOUNT_NUM,
    AH,
    AN,
    BANK_CODE_STD,
    BANK_TRAN_ID,
    REQ_CLIENT,
    SUB_FRNC,
    TRAN_AMT,
    TRAN_DTIME,
    A,
    N,
    Spec,
)
from testbed.api.orders import contract_ref, requesting_customer
from testbed.clock import date_and_time
from testbed.network.gateway.orders import RealNameQuery, ReceiveQuery, RemitQuery
from testbed.network.gateway.views import bank_block, yn

REAL_NAME = Spec(
    BANK_TRAN_ID,
    BANK_CODE_STD,
    ACCOUNT_NUM,
    # " " (a space): birth date or personal id; "6": business registration number
    AN("account_holder_info_type", 1, required=False),
    AN("account_holder_info", 13, required=False),
    TRAN_DTIME,
)
#: the payee by bank code + account number or by fintech_use_num, and no tran_dtime needed:
#: public clients (KFTC's sample among them) send none (docs/compatibility.md)
RECEIVE = Spec(
    BANK_TRAN_ID,
    A("cntr_account_type", 1, choices=("N", "C")),
    AN("cntr_account_num", 16),
    AN("bank_code_std", 3, required=False),
    AN("account_num", 16, required=False),
    AN("account_seq", 3, required=False),
    AN("fintech_use_num", 24, required=False),
    AH("print_content", 20),
    TRAN_AMT,
    *REQ_CLIENT,
    AN("transfer_purpose", 2, choices=("TR", "ST", "AU", "RC")),
    *SUB_FRNC,
    AN("cms_num", 32, required=False),
    N("tran_dtime", 14, required=False, check="dtime"),
)
REMIT_LIST = Spec(
    BANK_TRAN_ID,
    BANK_CODE_STD,
    ACCOUNT_NUM,
    N("from_date", 8, check="date"),
    N("from_time", 6, check="time"),
    N("to_date", 8, check="date"),
    N("to_time", 6, check="time"),
    A("sort_order", 1, choices=("D", "A")),
    TRAN_DTIME,
    AN("befor_inquiry_trace_info", 20, required=False),
)
FDS_DETECT = Spec(
    N("inquiry_date", 8, check="date"),
    N("from_time", 6, check="time"),
    N("to_time", 6, check="time"),
)
_ACCOUNT = ("bank_code_std", "bank_code_sub", "bank_name", "savings_bank_name", "account_num")


async def real_name(request: web.Request) -> web.Response:
    call = begin(request, CENTRE_SCOPES)
    body = await call.body()
    info_type = body.get("account_holder_info_type")
    if info_type == " ":  # KFTC's value for a birth date; AN() would refuse the space
        body = {**body, "account_holder_info_type": ""}
    data = call.parse(REAL_NAME, body)
    query = RealNameQuery(
        bank_tran_id=data["bank_tran_id"],
        bank_code=data["bank_code_std"],
        account_num=data["account_num"],
        holder_info=data.get("account_holder_info", ""),
    )
    done = await call.gateway.inquiries.real_name(call.caller, query)
    account = done.account
    return call.answer(
        {
            **call.envelope(),
            **bank_block(data["bank_tran_id"], done.date, account.bank_code),
            **pick(call.gateway.view(account), _ACCOUNT),
            "account_seq": "",
            "account_holder_info_type": info_type if isinstance(info_type, str) else " ",
            "account_holder_info": data.get("account_holder_info", ""),
            "account_holder_name": account.holder_name,
            "account_type": account.account_type.value,
        }
    )


async def receive(request: web.Request) -> web.Response:
    """수취조회: can this account receive a deposit from the caller, and whose is it?"""
    call = begin(request, CENTRE_SCOPES)
    data = call.parse(RECEIVE, await call.body())
    query = ReceiveQuery(
        bank_tran_id=data["bank_tran_id"],
        contract=contract_ref(data),
        bank_code=data.get("bank_code_std", ""),
        account_num=data.get("account_num", ""),
        fintech_use_num=data.get("fintech_use_num", ""),
        customer=requesting_customer(data, call.warnings),
    )
    done = await call.gateway.inquiries.receive(call.caller, query)
    account, paid_from = done.account, done.paid_from
    view = call.gateway.view(account)
    if not call.caller.client.show_account_num:  # only a 계좌번호 공개 이용기관 sees it plain
        view["account_num"] = view["account_num_masked"]
    wd = call.gateway.view(paid_from)
    return call.answer(
        {
            **call.envelope(),
            **bank_block(data["bank_tran_id"], done.date, account.bank_code),
            **pick(view, _ACCOUNT),
            "account_seq": data.get("account_seq", ""),
            "account_num_masked": view["account_num_masked"],
            "print_content": data["print_content"],
            "account_holder_name": account.holder_name,
            "wd_bank_code_std": wd["bank_code_std"],
            "wd_bank_name": wd["bank_name"],
            "wd_account_num": paid_from.account_num,  # the caller's own 약정계좌, as it sent it
            "tran_amt": data["tran_amt"],
            "cms_num": data.get("cms_num", ""),
        }
    )


async def remit_list(request: web.Request) -> web.Response:
    """송금인정보조회: who paid into the caller's own account in a period."""
    call = begin(request, CENTRE_SCOPES)
    q = call.parse(REMIT_LIST, await call.body())
    query = RemitQuery(
        bank_tran_id=q["bank_tran_id"],
        bank_code=q["bank_code_std"],
        account_num=q["account_num"],
        period=period(q, by_time=True),
        descending=q["sort_order"] == "D",
        cursor=q.get("befor_inquiry_trace_info", ""),
    )
    page = await call.gateway.inquiries.remit_list(call.caller, query)
    account, rows = page.account, []
    for line in page.lines:
        remitter = call.gateway.inquiries.remitter(account, line)
        tran_date, tran_time = date_and_time(line.time)
        rows.append(
            {
                "tran_date": tran_date,
                "tran_time": tran_time,
                "tran_amt": str(line.amount),
                "print_content": line.print_content,
                "remitter_name": remitter.name,
                "remitter_bank_code_std": remitter.bank_code,
                "remitter_account_num_masked": remitter.account_num_masked,
            }
        )
    return call.answer(
        {
            **call.envelope(),
            **bank_block(q["bank_tran_id"], page.date, account.bank_code),
            **pick(call.gateway.view(account), ("bank_name", "account_num_masked")),
            "page_record_cnt": str(len(rows)),
            "next_page_yn": yn(page.next_position is not None),
            "befor_inquiry_trace_info": page.cursor,
            "res_list": rows,
        }
    )


async def fds_detect(request: web.Request) -> web.Response:
    """이상거래 탐지 내역: the testbed detects nothing (no fraud engine)."""
    call = begin(request, CENTRE_SCOPES)
    q = call.parse(FDS_DETECT, call.query())
    found = call.gateway.reports.fds_detect(call.caller, q["from_time"], q["to_time"])
    return call.answer({**call.envelope(), "res_cnt": str(len(found)), "res_list": found})


OPERATIONS = [
    Operation(
        method="POST",
        path="/v2.0/inquiry/real_name",
        handler=real_name,
        name_ko="계좌실명조회",
        name_en="Account holder name",
        group="조회",
        scopes=CENTRE_SCOPES,
        request=REAL_NAME,
        response=Shape(
            (
                *ENVELOPE,
                *BANK_BLOCK,
                *_ACCOUNT,
                "account_seq",
                "account_holder_info_type",
                "account_holder_info",
                "account_holder_name",
                "account_type",
            ),
        ),
    ),
    Operation(
        method="POST",
        path="/v2.0/inquiry/receive",
        handler=receive,
        name_ko="수취조회",
        name_en="Payee check",
        group="조회",
        scopes=CENTRE_SCOPES,
        request=RECEIVE,
        response=Shape(
            (
                *ENVELOPE,
                *BANK_BLOCK,
                *_ACCOUNT,
                "account_seq",
                "account_num_masked",
                "print_content",
                "account_holder_name",
                "wd_bank_code_std",
                "wd_bank_name",
                "wd_account_num",
                "tran_amt",
                "cms_num",
            ),
        ),
    ),
    Operation(
        method="POST",
        path="/v2.0/inquiry/remit_list",
        handler=remit_list,
        name_ko="송금인정보조회",
        name_en="Remitters",
        group="조회",
        scopes=CENTRE_SCOPES,
        request=REMIT_LIST,
        response=Shape(
            (
                *ENVELOPE,
                *BANK_BLOCK,
                "bank_name",
                "account_num_masked",
                *PAGING,
            ),
            items=(
                "tran_date",
                "tran_time",
                "tran_amt",
                "print_content",
                "remitter_name",
                "remitter_bank_code_std",
                "remitter_account_num_masked",
            ),
        ),
    ),
    Operation(
        method="GET",
        path="/v2.0/inquiry/fds_detect",
        handler=fds_detect,
        name_ko="이상거래탐지조회",
        name_en="Fraud detections",
        group="관리",  # the console lists it with the management APIs
        scopes=CENTRE_SCOPES,
        request=FDS_DETECT,
        response=Shape((*ENVELOPE, "res_cnt", "res_list"), items=()),
        body="query",
    ),
]
