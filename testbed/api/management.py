"""사용자/계좌관리: user/unlink, user/close, account/update_info, account/cancel, and the
self-auth institutions' user/register, account/update, account/info.

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

from testbed.api.accounts import _own_user
from testbed.api.catalogue import BANK_BLOCK, ENVELOPE, Operation, Shape
from testbed.api.common import (
    account_state_refusal,
    ask_bank,
    bank_block,
    bank_names,
    bank_says,
    mask,
    registered,
    registered_account,
    yn,
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
from testbed.config import BankCodeError
from testbed.network.codes import Refusal
from testbed.network.fixtures import (
    CONSENTS,
    active_registration,
    cancel_consent,
    cancel_user,
    reconsent,
    register,
    set_alias,
    set_email,
)
from testbed.network.ledger import Account
from testbed.network.parties import Registration

LOGIN = ("login",)
LOGIN_OR_SA = ("login", "sa")
SA = ("sa",)

ALREADY_CANCELLED = ("551", "기 해지 사용자")

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


def _scopes(text: str) -> set[str]:
    words = text.split(" ")
    if any(w not in CONSENTS for w in words) or len(set(words)) != len(words):
        raise Refusal("A0004", "scope: inquiry, transfer or both separated by one space")
    return set(words)


def _own_code(call: Call, client_use_code: str) -> None:
    assert call.client is not None
    if client_use_code != call.client.client_use_code:
        raise Refusal("A0004", f"client_use_code: the caller's, {call.client.client_use_code}")


async def _through_bank(call: Call, tran_id: str, bank_code: str, api: str) -> str:
    """Claim the bank_tran_id and have the account's bank answer; the bank_tran_date."""
    assert call.client is not None
    date = call.world.openbanking.claim(call.client, tran_id, api, call.now)
    await ask_bank(call, bank_code, tran_id, date, api)
    return date


async def _end_user(request: web.Request, scopes: tuple[str, ...]) -> web.Response:
    call = begin(request, scopes)
    data = USER.parse(await call.body(), call.warnings)
    _own_code(call, data["client_use_code"])
    _own_user(call, data["user_seq_no"])
    cancel_user(call.world, data["client_use_code"], data["user_seq_no"])
    await call.runtime.store.durable()
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
    data = UPDATE_INFO.parse(await call.body(), call.warnings)
    reg, _ = registered(call, data["fintech_use_num"])
    set_alias(call.world, reg, data["account_alias"])
    await call.runtime.store.durable()
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
    data = CANCEL.parse(await call.body(), call.warnings)
    assert call.client is not None and call.grant is not None
    reg = call.world.directory.registrations.get(data["fintech_use_num"])
    if reg is None or reg.client_use_code != call.client.client_use_code:
        raise Refusal("A0304")
    if call.grant.is_user_token and reg.user_seq_no != call.grant.user_seq_no:
        raise Refusal("A0313")
    tran_id = data["bank_tran_id"]
    date = await _through_bank(call, tran_id, reg.bank_code, "cancel")
    consent = reg.inquiry_agree_dtime if data["scope"] == "inquiry" else reg.transfer_agree_dtime
    if reg.cancelled or not consent:
        raise Refusal("A0002", "", **bank_block(tran_id, date, reg.bank_code, *ALREADY_CANCELLED))
    cancel_consent(call.world, reg, data["scope"])
    await call.runtime.store.durable()
    return call.answer({**call.envelope(), **bank_block(tran_id, date, reg.bank_code)})


def _registration_fields(
    call: Call, reg: Registration, account: Account, consents: bool
) -> dict[str, Any]:
    bank_name, _ = bank_names(call, account.bank_code)
    fields: dict[str, Any] = {
        "user_seq_no": reg.user_seq_no,
        "fintech_use_num": reg.fintech_use_num,
        "bank_code_std": account.bank_code,
        "bank_name": bank_name,
        "account_num_masked": mask(account.account_num),
    }
    if consents:
        fields.update(
            inquiry_agree_yn=yn(bool(reg.inquiry_agree_dtime)),
            inquiry_agree_dtime=reg.inquiry_agree_dtime,
            transfer_agree_yn=yn(bool(reg.transfer_agree_dtime)),
            transfer_agree_dtime=reg.transfer_agree_dtime,
        )
    return fields


async def user_register(request: web.Request) -> web.Response:
    """사용자계좌등록 (자체인증 이용기관): register an account the institution verified itself."""
    call = begin(request, SA)
    data = REGISTER.parse(await call.body(), call.warnings)
    scopes = _scopes(data["scope"])
    if "inquiry" in scopes and data.get("info_prvd_agmt_yn") != "Y":
        raise Refusal("A0305", "info_prvd_agmt_yn: Y to register for inquiry")
    if "transfer" in scopes and data.get("wd_agmt_yn") != "Y":
        raise Refusal("A0306", "wd_agmt_yn: Y to register for transfer")
    assert call.client is not None
    world, client = call.world, call.client
    try:
        institution = world.resolver.resolve(data["bank_code_std"])
    except BankCodeError as e:
        raise Refusal("A0004", f"bank_code_std: {e.message}") from None
    key = (institution.code, data["register_account_num"])
    existing = active_registration(world, client.client_use_code, key)
    if existing is not None:
        if "inquiry" in scopes and existing.inquiry_agree_dtime:
            raise Refusal("A0324")
        if "transfer" in scopes and existing.transfer_agree_dtime:
            raise Refusal("A0325")
    tran_id = data["bank_tran_id"]
    date = await _through_bank(call, tran_id, institution.code, "register")
    bank = world.banks[institution.code]
    account = world.ledger.accounts.get(key)
    if account is None:
        raise bank_says(call, bank.code, "account_not_found", tran_id, date)
    account_state_refusal(call, account, tran_id, date)
    if account.holder_name != data["user_name"]:
        raise Refusal("A0312", "user_name: the account holder's name")
    if account.holder_info != data["user_info"][2:]:
        raise bank_says(call, bank.code, "name_mismatch", tran_id, date)
    user = world.directory.users.get(account.owner.removeprefix("user:"))
    if not account.owner.startswith("user:") or user is None:
        raise Refusal("A0313", "the account does not belong to a user")
    if user.user_ci != data["user_ci"]:
        raise Refusal("A0313", "user_ci: not the account holder's")
    reg = register(world, client, user, account, "inquiry" in scopes, "transfer" in scopes)
    await call.runtime.store.durable()
    return call.answer(
        {
            **call.envelope(),
            **bank_block(tran_id, date, account.bank_code),
            **_registration_fields(call, reg, account, consents=False),
        }
    )


async def account_info(request: web.Request) -> web.Response:
    """계좌정보조회 (sa): the registration of an account."""
    call = begin(request, SA)
    data = INFO.parse(await call.body(), call.warnings)
    scopes = _scopes(data["scope"])
    reg, account = registered_account(
        call, data["bank_code_std"], data["account_num"], data["user_seq_no"]
    )
    if ("inquiry" in scopes and not reg.inquiry_agree_dtime) or (
        "transfer" in scopes and not reg.transfer_agree_dtime
    ):
        raise Refusal("A0323", f"not registered for {data['scope']}")
    date = await _through_bank(call, data["bank_tran_id"], account.bank_code, "account_info")
    return call.answer(
        {
            **call.envelope(),
            **bank_block(data["bank_tran_id"], date, account.bank_code),
            **_registration_fields(call, reg, account, consents=True),
        }
    )


async def account_update(request: web.Request) -> web.Response:
    """계좌정보변경 (sa): renew consents, change the user's email."""
    call = begin(request, SA)
    data = UPDATE.parse(await call.body(), call.warnings)
    scopes = _scopes(data["scope"])
    reg, account = registered_account(
        call, data["bank_code_std"], data["account_num"], data["user_seq_no"]
    )
    date = await _through_bank(call, data["bank_tran_id"], account.bank_code, "account_update")
    reconsent(call.world, reg, scopes)
    if "update_user_email" in data:
        set_email(
            call.world, call.world.directory.users[reg.user_seq_no], data["update_user_email"]
        )
    await call.runtime.store.durable()
    return call.answer(
        {
            **call.envelope(),
            **bank_block(data["bank_tran_id"], date, account.bank_code),
            **_registration_fields(call, reg, account, consents=True),
        }
    )


_REGISTRATION = (
    "user_seq_no",
    "fintech_use_num",
    "bank_code_std",
    "bank_name",
    "account_num_masked",
)
_CONSENTS = ("inquiry_agree_yn", "inquiry_agree_dtime", "transfer_agree_yn", "transfer_agree_dtime")
GROUP = "사용자/계좌관리"
OPERATIONS = [
    Operation(
        "POST",
        "/v2.0/user/unlink",
        user_unlink,
        "로그인연결 동의해제",
        "Unlink a user",
        GROUP,
        LOGIN,
        USER,
        Shape((*ENVELOPE, "client_use_code", "user_seq_no")),
    ),
    Operation(
        "POST",
        "/v2.0/user/close",
        user_close,
        "사용자탈퇴",
        "Close a user",
        GROUP,
        LOGIN_OR_SA,
        USER,
        Shape((*ENVELOPE, "client_use_code", "user_seq_no")),
    ),
    Operation(
        "POST",
        "/v2.0/account/update_info",
        update_info,
        "계좌정보변경",
        "Change an alias",
        GROUP,
        LOGIN,
        UPDATE_INFO,
        Shape((*ENVELOPE, "fintech_use_num", "account_alias")),
    ),
    Operation(
        "POST",
        "/v2.0/account/cancel",
        cancel,
        "계좌해지",
        "Cancel a registration",
        GROUP,
        LOGIN_OR_SA,
        CANCEL,
        Shape((*ENVELOPE, *BANK_BLOCK)),
    ),
    Operation(
        "POST",
        "/v2.0/user/register",
        user_register,
        "사용자등록(자체인증)",
        "Register an account (self-auth)",
        GROUP,
        SA,
        REGISTER,
        Shape((*ENVELOPE, *BANK_BLOCK, *_REGISTRATION)),
    ),
    Operation(
        "POST",
        "/v2.0/account/update",
        account_update,
        "계좌정보변경(자체인증)",
        "Update a registration (self-auth)",
        GROUP,
        SA,
        UPDATE,
        Shape((*ENVELOPE, *BANK_BLOCK, *_REGISTRATION, *_CONSENTS)),
    ),
    Operation(
        "POST",
        "/v2.0/account/info",
        account_info,
        "계좌정보조회(자체인증)",
        "A registration (self-auth)",
        GROUP,
        SA,
        INFO,
        Shape((*ENVELOPE, *BANK_BLOCK, *_REGISTRATION, *_CONSENTS)),
    ),
]
