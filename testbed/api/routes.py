"""The KFTC API's route table: just data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from testbed.api import accounts, inquiry, manage, oauth, transfers

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ROUTES: list[tuple[str, str, Handler]] = [
    ("POST", "/oauth/2.0/token", oauth.token),
    ("POST", "/oauth/2.0/revoke", oauth.revoke),
    ("GET", "/v2.0/user/me", accounts.user_me),
    ("GET", "/v2.0/account/list", accounts.account_list),
    ("GET", "/v2.0/account/balance/fin_num", accounts.balance),
    ("GET", "/v2.0/account/transaction_list/fin_num", accounts.transaction_list),
    ("POST", "/v2.0/inquiry/real_name", inquiry.real_name),
    ("POST", "/v2.0/transfer/withdraw/fin_num", transfers.withdraw),
    ("POST", "/v2.0/transfer/deposit/fin_num", transfers.deposit_fin_num),
    ("POST", "/v2.0/transfer/deposit/acnt_num", transfers.deposit_acnt_num),
    ("POST", "/v2.0/transfer/result", transfers.result),
    ("GET", "/v2.0/bank/status", manage.bank_status),
]
