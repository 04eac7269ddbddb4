"""/v2.0/user/* and /v2.0/account/* registration: user/unlink, user/close,
account/update_info, account/cancel, and the self-auth institutions' user/register,
account/update, account/info. The rules are the gateway's
(`testbed.network.gateway.registrations`).

Choices where KFTC publishes nothing (⚠, see the README's compatibility notes):
- user/unlink and user/close end every registration of the user with the caller (the
  user's tokens stay valid until they expire or are revoked; user/me then lists no
  account) and answer the envelope + `client_use_code` + `user_seq_no`. A
  `client_use_code` that is not the caller's is A0004; a user with nothing left to
  end is answered A0000 again (the call is idempotent).
- account/cancel of a consent that is already gone (or of a cancelled registration)
  is A0002 with bank_rsp_code 551 "기 해지 사용자" from the account's bank.
- user/register: the account's holder name must be `user_name` (A0312) and its birth
  date `user_info` (A0002 + the bank's name-mismatch code); the account must belong to
  a user of the centre whose `user_ci` matches (A0313); inquiry needs
  `info_prvd_agmt_yn` Y (A0305), transfer `wd_agmt_yn` Y (A0306). `user_email` is
  accepted but the email on file changes only through account/update. The answer is
  the envelope + bank block + `user_seq_no`, `fintech_use_num`, `bank_code_std`,
  `bank_name`, `account_num_masked`.
- account/info answers the registration (envelope + bank block + user_seq_no,
  fintech_use_num, bank_code_std, bank_name, account_num_masked and both consents); an
  account not registered for every service in `scope` is A0323. account/update gives
  (or renews) the consents in `scope` as of now, changes the user's email when
  `update_user_email` is sent, and answers as account/info does.
- Calls with a bank block (register, cancel, update, info) go through the account's
  bank: they are refused while it is closed, as inquiries are.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from testbed.api.catalogue import (
    BANK_BLOCK,
    ENVELOPE,
    LOGIN,
    LOGIN_OR_SA,
    SA,
    Operation,
    Shape,
    pick,
)
from testbed.api.context import Call, begin
from testbed.api.fields import (
    ACCOUNT_NUM,
    AH,
    AN,
    BANK_CODE_STD,
    BANK_TRAN_ID,
    FINTECH_USE_NUM,
    TRAN_DTIME,
    USER_SEQ_NO,
    A,
    N,
    Spec,
    aNS,
)
from testbed.network.gateway.inquiries import Inquired
from testbed.network.gateway.orders import ByAccountNum, RegistrationQuery, SelfAuthRegistration
from testbed.network.gateway.registrations import CONSENTS, scopes_of
from testbed.network.gateway.views import bank_block, yn
from testbed.network.names import Consent

CLIENT_USE_CODE = AN("client_use_code", 10, exact=True)
SCOPES = aNS("scope", 20)  # inquiry, transfer or both, space-separated

USER = Spec(CLIENT_USE_CODE, USER_SEQ_NO)
UPDATE_INFO = Spec(FINTECH_USE_NUM, AH("account_alias", 50))
CANCEL = Spec(BANK_TRAN_ID, A("scope", 8, choices=CONSENTS), FINTECH_USE_NUM)
REGISTER = Spec(
    BANK_TRAN_ID,
    BANK_CODE_STD,
    AN("register_account_num", 16),
    N("user_info", 8, check="date"),
    AH("user_name", 20),
    aNS("user_ci", 100),
    aNS("user_email", 100, required=False),
    SCOPES,
    A("info_prvd_agmt_yn", 1, required=False, check="yn"),
    A("wd_agmt_yn", 1, required=False, check="yn"),
    # 1 서면, 2 공인인증, 3 일반인증, 4 녹취, 5 ARS, 6 기타 (KFTC's sample)
    N("agmt_data_type", 1, required=False, choices=("1", "2", "3", "4", "5", "6")),
    TRAN_DTIME,
)
INFO = Spec(BANK_TRAN_ID, USER_SEQ_NO, BANK_CODE_STD, ACCOUNT_NUM, SCOPES)
UPDATE = Spec(
    BANK_TRAN_ID,
    USER_SEQ_NO,
    BANK_CODE_STD,
    ACCOUNT_NUM,
    SCOPES,
    aNS("update_user_email", 100, required=False),
)


async def _end_user(request: web.Request, scopes: tuple[str, ...]) -> web.Response:
    call = begin(request, scopes)
    data = call.parse(USER, await call.body())
    call.gateway.registrations.end_user(call.caller, data["client_use_code"], data["user_seq_no"])
    return call.answer(
        {
            **call.envelope(),
            "client_use_code": data["client_use_code"],
            "user_seq_no": data["user_seq_no"],
        }
    )


async def user_unlink(request: web.Request) -> web.Response:
    """로그인연결 동의해제: the user's link to this institution ends."""
    return await _end_user(request, LOGIN)


async def user_close(request: web.Request) -> web.Response:
    """사용자탈퇴: every registration of the user with this institution ends."""
    return await _end_user(request, LOGIN_OR_SA)


async def update_info(request: web.Request) -> web.Response:
    """계좌정보변경: the account's alias."""
    call = begin(request, LOGIN)
    data = call.parse(UPDATE_INFO, await call.body())
    reg = call.gateway.registrations.update_info(
        call.caller, data["fintech_use_num"], data["account_alias"]
    )
    return call.answer(
        {
            **call.envelope(),
            "fintech_use_num": reg.fintech_use_num,
            "account_alias": reg.account_alias,
        }
    )


async def cancel(request: web.Request) -> web.Response:
    """계좌해지: withdraw one consent; with none left the registration ends."""
    call = begin(request, LOGIN_OR_SA)
    data = call.parse(CANCEL, await call.body())
    tran_id = data["bank_tran_id"]
    reg, date = await call.gateway.registrations.cancel(
        call.caller, tran_id, Consent(data["scope"]), data["fintech_use_num"]
    )
    return call.answer({**call.envelope(), **bank_block(tran_id, date, reg.bank_code)})


_REGISTRATION = (
    "user_seq_no",
    "fintech_use_num",
    "bank_code_std",
    "bank_name",
    "account_num_masked",
)
_CONSENTS = ("inquiry_agree_yn", "inquiry_agree_dtime", "transfer_agree_yn", "transfer_agree_dtime")


def _registration_query(data: dict[str, str]) -> RegistrationQuery:
    """account/info's and account/update's fields: the account, the scope, the new email."""
    return RegistrationQuery(
        bank_tran_id=data["bank_tran_id"],
        account=ByAccountNum(data["bank_code_std"], data["account_num"], data["user_seq_no"]),
        scopes=scopes_of(data["scope"]),
        email=data.get("update_user_email"),
    )


def _registration(call: Call, data: dict[str, str], done: Inquired, consents: bool) -> web.Response:
    """What register, info and update answer: the bank block, the registration (and its
    consents)."""
    reg, account = done.reg, done.account
    fields: dict[str, Any] = {
        "user_seq_no": reg.user_seq_no,
        "fintech_use_num": reg.fintech_use_num,
        **pick(call.gateway.view(account), ("bank_code_std", "bank_name", "account_num_masked")),
    }
    if consents:
        fields.update(
            inquiry_agree_yn=yn(bool(reg.inquiry_agree_dtime)),
            inquiry_agree_dtime=reg.inquiry_agree_dtime,
            transfer_agree_yn=yn(bool(reg.transfer_agree_dtime)),
            transfer_agree_dtime=reg.transfer_agree_dtime,
        )
    block = bank_block(data["bank_tran_id"], done.date, account.bank_code)
    return call.answer({**call.envelope(), **block, **fields})


async def user_register(request: web.Request) -> web.Response:
    """사용자계좌등록 (자체인증 이용기관): register an account the institution verified itself."""
    call = begin(request, SA)
    data = call.parse(REGISTER, await call.body())
    order = SelfAuthRegistration(
        bank_tran_id=data["bank_tran_id"],
        bank_code=data["bank_code_std"],
        account_num=data["register_account_num"],
        user_name=data["user_name"],
        user_info=data["user_info"],
        user_ci=data["user_ci"],
        scopes=scopes_of(data["scope"]),
        inquiry_agreed=data.get("info_prvd_agmt_yn") == "Y",
        transfer_agreed=data.get("wd_agmt_yn") == "Y",
    )
    done = await call.gateway.registrations.user_register(call.caller, order)
    return _registration(call, data, done, consents=False)


async def account_info(request: web.Request) -> web.Response:
    """계좌정보조회 (sa): the registration of an account."""
    call = begin(request, SA)
    data = call.parse(INFO, await call.body())
    done = await call.gateway.registrations.account_info(call.caller, _registration_query(data))
    return _registration(call, data, done, consents=True)


async def account_update(request: web.Request) -> web.Response:
    """계좌정보변경 (sa): renew consents, change the user's email."""
    call = begin(request, SA)
    data = call.parse(UPDATE, await call.body())
    done = await call.gateway.registrations.account_update(call.caller, _registration_query(data))
    return _registration(call, data, done, consents=True)


GROUP = "사용자/계좌관리"
OPERATIONS = [
    Operation(
        method="POST",
        path="/v2.0/user/unlink",
        handler=user_unlink,
        writes=True,
        name_ko="로그인연결 동의해제",
        name_en="Unlink a user",
        group=GROUP,
        scopes=LOGIN,
        request=USER,
        response=Shape((*ENVELOPE, "client_use_code", "user_seq_no")),
    ),
    Operation(
        method="POST",
        path="/v2.0/user/close",
        handler=user_close,
        writes=True,
        name_ko="사용자탈퇴",
        name_en="Close a user",
        group=GROUP,
        scopes=LOGIN_OR_SA,
        request=USER,
        response=Shape((*ENVELOPE, "client_use_code", "user_seq_no")),
    ),
    Operation(
        method="POST",
        path="/v2.0/account/update_info",
        handler=update_info,
        writes=True,
        name_ko="계좌정보변경",
        name_en="Change an alias",
        group=GROUP,
        scopes=LOGIN,
        request=UPDATE_INFO,
        response=Shape((*ENVELOPE, "fintech_use_num", "account_alias")),
    ),
    Operation(
        method="POST",
        path="/v2.0/account/cancel",
        handler=cancel,
        writes=True,
        name_ko="계좌해지",
        name_en="Cancel a registration",
        group=GROUP,
        scopes=LOGIN_OR_SA,
        request=CANCEL,
        response=Shape((*ENVELOPE, *BANK_BLOCK)),
    ),
    Operation(
        method="POST",
        path="/v2.0/user/register",
        handler=user_register,
        writes=True,
        name_ko="사용자등록(자체인증)",
        name_en="Register an account (self-auth)",
        group=GROUP,
        scopes=SA,
        request=REGISTER,
        response=Shape((*ENVELOPE, *BANK_BLOCK, *_REGISTRATION)),
    ),
    Operation(
        method="POST",
        path="/v2.0/account/update",
        handler=account_update,
        writes=True,
        name_ko="계좌정보변경(자체인증)",
        name_en="Update a registration (self-auth)",
        group=GROUP,
        scopes=SA,
        request=UPDATE,
        response=Shape((*ENVELOPE, *BANK_BLOCK, *_REGISTRATION, *_CONSENTS)),
    ),
    Operation(
        method="POST",
        path="/v2.0/account/info",
        handler=account_info,
        name_ko="계좌정보조회(자체인증)",
        name_en="A registration (self-auth)",
        group=GROUP,
        scopes=SA,
        request=INFO,
        response=Shape((*ENVELOPE, *BANK_BLOCK, *_REGISTRATION, *_CONSENTS)),
    ),
]
