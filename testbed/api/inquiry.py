"""조회(이용기관): inquiry/real_name (계좌실명조회)."""

from __future__ import annotations

from aiohttp import web

from testbed.api.catalogue import BANK_BLOCK, ENVELOPE, Operation, Shape
from testbed.api.common import ask_bank, bank_block, bank_code_sub, bank_names, bank_says
from testbed.api.context import begin
from testbed.api.fields import ACCOUNT_NUM, AN, BANK_CODE_STD, BANK_TRAN_ID, TRAN_DTIME, Spec
from testbed.config import BankCodeError
from testbed.network.codes import Refusal
from testbed.network.ledger import AccountStatus

CENTRE_SCOPES = ("oob", "sa")

REAL_NAME = Spec(
    BANK_TRAN_ID,
    BANK_CODE_STD,
    ACCOUNT_NUM,
    # " " (a space): birth date or personal id; "6": business registration number
    AN("account_holder_info_type", 1, required=False),
    AN("account_holder_info", 13, required=False),
    TRAN_DTIME,
)


async def real_name(request: web.Request) -> web.Response:
    call = begin(request, CENTRE_SCOPES)
    body = await call.body()
    info_type = body.get("account_holder_info_type")
    if info_type == " ":  # KFTC's value for a birth date; AN() would refuse the space
        body = {**body, "account_holder_info_type": ""}
    data = REAL_NAME.parse(body, call.warnings)
    assert call.client is not None
    try:
        institution = call.world.resolver.resolve(data["bank_code_std"])
    except BankCodeError as e:
        raise Refusal("A0004", f"bank_code_std: {e.message}") from None
    date = call.world.openbanking.claim(call.client, data["bank_tran_id"], "real_name", call.now)
    await ask_bank(call, institution.code, data["bank_tran_id"], date, "real_name")
    bank = call.world.banks[institution.code]
    account = call.world.ledger.accounts.get((institution.code, data["account_num"]))
    problem = ""
    if account is None:
        problem = "account_not_found"
    elif account.status is not AccountStatus.NORMAL:
        problem = account.status.problem
    elif data.get("account_holder_info") and data["account_holder_info"] != account.holder_info:
        problem = "name_mismatch"
    if problem:
        raise bank_says(call, bank.code, problem, data["bank_tran_id"], date)
    assert account is not None
    bank_name, savings = bank_names(call, account.bank_code)
    return call.answer(
        {
            **call.envelope(),
            **bank_block(data["bank_tran_id"], date, account.bank_code),
            "bank_code_std": account.bank_code,
            "bank_code_sub": bank_code_sub(account),
            "bank_name": bank_name,
            "savings_bank_name": savings,
            "account_num": account.account_num,
            "account_seq": "",
            "account_holder_info_type": info_type if isinstance(info_type, str) else " ",
            "account_holder_info": data.get("account_holder_info", ""),
            "account_holder_name": account.holder_name,
            "account_type": account.account_type.value,
        }
    )


OPERATIONS = [
    Operation(
        "POST",
        "/v2.0/inquiry/real_name",
        real_name,
        "계좌실명조회",
        "Account holder name",
        "조회",
        CENTRE_SCOPES,
        REAL_NAME,
        Shape(
            (
                *ENVELOPE,
                *BANK_BLOCK,
                "bank_code_std",
                "bank_code_sub",
                "bank_name",
                "savings_bank_name",
                "account_num",
                "account_seq",
                "account_holder_info_type",
                "account_holder_info",
                "account_holder_name",
                "account_type",
            ),
        ),
    ),
]
