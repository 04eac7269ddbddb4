"""The KFTC API's route table: just data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from testbed.api import (
    accounts,
    consent,
    inquiry,
    institution,
    manage,
    management,
    oauth,
    selfauth,
    transfers,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ROUTES: list[tuple[str, str, Handler]] = [
    ("POST", "/oauth/2.0/token", oauth.token),
    ("POST", "/oauth/2.0/revoke", oauth.revoke),
    ("GET", "/oauth/2.0/authorize", consent.authorize),
    ("GET", "/oauth/2.0/authorize_account", consent.authorize_account),
    ("POST", "/oauth/2.0/authorize/signin", consent.signin),
    ("POST", "/oauth/2.0/authorize/verify", consent.verify),
    ("POST", "/oauth/2.0/authorize/consent", consent.consent),
    ("POST", "/oauth/2.0/authorize/cancel", consent.cancel),
    ("GET", "/v2.0/user/me", accounts.user_me),
    ("GET", "/v2.0/account/list", accounts.account_list),
    ("GET", "/v2.0/account/balance/fin_num", accounts.balance),
    ("GET", "/v2.0/account/transaction_list/fin_num", accounts.transaction_list),
    ("POST", "/v2.0/inquiry/real_name", inquiry.real_name),
    ("POST", "/v2.0/transfer/withdraw/fin_num", transfers.withdraw),
    ("POST", "/v2.0/transfer/deposit/fin_num", transfers.deposit_fin_num),
    ("POST", "/v2.0/transfer/deposit/acnt_num", transfers.deposit_acnt_num),
    ("POST", "/v2.0/transfer/result", transfers.result),
    ("POST", "/v2.0/user/unlink", management.user_unlink),
    ("POST", "/v2.0/user/close", management.user_close),
    ("POST", "/v2.0/account/update_info", management.update_info),
    ("POST", "/v2.0/account/cancel", management.cancel),
    ("POST", "/v2.0/user/register", management.user_register),
    ("POST", "/v2.0/account/update", management.account_update),
    ("POST", "/v2.0/account/info", management.account_info),
    ("POST", "/v2.0/account/balance/acnt_num", selfauth.balance),
    ("POST", "/v2.0/account/transaction_list/acnt_num", selfauth.transaction_list),
    ("POST", "/v2.0/transfer/withdraw/acnt_num", selfauth.withdraw),
    ("GET", "/v2.0/bank/status", manage.bank_status),
    ("POST", "/v2.0/inquiry/receive", institution.receive),
    ("POST", "/v2.0/inquiry/remit_list", institution.remit_list),
    ("POST", "/v2.0/return/claim", institution.return_claim),
    ("POST", "/v2.0/return/result", institution.return_result),
    ("GET", "/v2.0/manage/fee", manage.fee),
    ("GET", "/v2.0/manage/count", manage.count),
    ("GET", "/v2.0/manage/wd_limit", manage.wd_limit),
    ("GET", "/v2.0/inquiry/fds_detect", manage.fds_detect),
]
