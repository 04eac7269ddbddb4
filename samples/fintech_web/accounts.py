"""The customer's accounts: the list (account/list), one account's balance and
transactions (account/balance/fin_num, account/transaction_list/fin_num).

We never see an account number: the centre gives us a `fintech_use_num` (24 digits)
for each account the customer registered to us, and a masked number to show.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from samples.fintech_web.kftc import KftcError, bank_tran_id, tran_dtime
from samples.fintech_web.oauth import NeedsConsent, consent_needed, with_user_token
from samples.fintech_web.pages import CONFIG, KFTC, STORE, customer_or_redirect, problem, render


async def account_list(request: web.Request, customer_id: int) -> list[dict[str, Any]]:
    """GET /v2.0/account/list (scope `login`): the accounts registered to us."""

    async def call(token: dict[str, Any]) -> dict[str, Any]:
        return await request.app[KFTC].get(
            "/v2.0/account/list",
            token["access_token"],
            {"user_seq_no": token["user_seq_no"], "include_cancel_yn": "N", "sort_order": "D"},
        )

    answer = await with_user_token(request, customer_id, call)
    return list(answer.get("res_list", []))


def new_bank_tran_id(request: web.Request) -> str:
    config = request.app[CONFIG]
    return bank_tran_id(config.client_use_code, request.app[STORE].next_sequence())


async def wallet(request: web.Request) -> web.Response:
    """GET /wallet: points, accounts, the forms to charge and pay out, recent transfers."""
    customer = customer_or_redirect(request)
    store = request.app[STORE]
    accounts: list[dict[str, Any]] = []
    error = None
    connected = store.token(customer["id"]) is not None
    if connected:
        try:
            accounts = await account_list(request, customer["id"])
        except NeedsConsent:
            connected = False
        except KftcError as e:
            error = e
    if error is not None:
        return problem(request, error, "계좌 목록을 받지 못했습니다 · No account list")
    return render(
        request,
        "wallet.html",
        customer=store.customer(customer["id"]),
        connected=connected,
        accounts=accounts,
        transfers=store.transfers(customer["id"]),
    )


async def account(request: web.Request) -> web.Response:
    """GET /accounts/{fintech_use_num}: balance and the latest transactions."""
    customer = customer_or_redirect(request)
    fintech_use_num = request.match_info["fintech_use_num"]
    kftc = request.app[KFTC]

    async def balance(token: dict[str, Any]) -> dict[str, Any]:
        # scope `inquiry`. KFTC rule: every inquiry carries its own bank_tran_id, unique
        # for the day, even a plain balance inquiry.
        return await kftc.get(
            "/v2.0/account/balance/fin_num",
            token["access_token"],
            {
                "bank_tran_id": new_bank_tran_id(request),
                "fintech_use_num": fintech_use_num,
                "tran_dtime": tran_dtime(),
            },
        )

    try:
        bal = await with_user_token(request, customer["id"], balance)
        # The date range in the centre's calendar: its answer's api_tran_dtm says today.
        today = datetime.strptime(
            str(bal.get("api_tran_dtm", ""))[:8] or tran_dtime()[:8], "%Y%m%d"
        )

        async def transactions(token: dict[str, Any]) -> dict[str, Any]:
            return await kftc.get(
                "/v2.0/account/transaction_list/fin_num",
                token["access_token"],
                {
                    "bank_tran_id": new_bank_tran_id(request),
                    "fintech_use_num": fintech_use_num,
                    "inquiry_type": "A",  # A all, I deposits, O withdrawals
                    "inquiry_base": "D",  # by date
                    "from_date": (today - timedelta(days=30)).strftime("%Y%m%d"),
                    "to_date": today.strftime("%Y%m%d"),
                    "sort_order": "D",
                    "tran_dtime": tran_dtime(),
                },
            )

        history = await with_user_token(request, customer["id"], transactions)
    except NeedsConsent:
        return consent_needed(request)
    except KftcError as e:
        return problem(request, e, "계좌를 조회하지 못했습니다 · The inquiry failed")
    return render(
        request,
        "account.html",
        fintech_use_num=fintech_use_num,
        balance=bal,
        transactions=history.get("res_list", []),
    )
