"""Clients of the readiness examiner over HTTP: `Fintech`, a well-behaved client that drives
the testbed as a real fintech does (its institution token kept, the consent pages walked for
its customer's token, inquiries, charges and sends, every drill met as the catalogue expects),
and the developer's side of a run (start, drills, finish) on the portal.

Each misbehaving client (`MISBEHAVING`, below) is a subclass that overrides one behaviour
of `Fintech` and so fails exactly one check of the catalogue (`test_clients.py`).
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from testbed.clock import yyyymmdd, yyyymmddhhmmss
from tests.api.conftest import Api, api
from tests.network.test_admission import application
from tests.tenants import CALLBACK, Tenant, tenant
from tests.web.test_consent_pages import Browser, sign_in

__all__ = ["api"]

READINESS = "/portal/api/apps/{code}/readiness"
#: answers that do not say whether the money moved
UNKNOWN = ("A0001", "A0007", "A0017")
#: how often and how many times a client asks bank/status while a bank is closed
POLL_EVERY, POLLS = 60, 5


@dataclass
class Payee:
    """An account money is sent to; `fintech_use_num` when the institution has it registered."""

    name: str
    bank_code: str
    account_num: str
    fintech_use_num: str = ""


@dataclass
class Outcome:
    """What a transfer ended as, for the customer."""

    done: bool
    answer: dict[str, Any]


class Fintech:
    """A well-behaved client of one institution (a tenant's approved application) for one
    customer (the tenant's test user, who connects through the consent pages)."""

    member_no = "M0000001"  # the customer's member number: req_client_num, always the same

    def __init__(self, api: Api, who: Tenant, outside: Payee) -> None:
        self.api = api
        self.who = who
        self.outside = outside
        self.serial = itertools.count(1)  # stands for a sequence in the fintech's database
        self.oob_token = ""
        self.user_token = ""
        self.refresh_token = ""
        self.user_seq_no = ""
        first = who.user["accounts"][0]
        self.customer = Payee(
            who.user["name"], first["bank_code"], first["account_num"], first["fintech_use_num"]
        )
        self.contract: dict[str, str] = {}
        self.told: list[str] = []  # what the customer was told (a refusal's reason)

    # --- the developer's side: a run on the portal ---------------------------------------
    async def start(self) -> None:
        status, run = await self.who.json("POST", READINESS.format(code=self.who.code), json={})
        assert status == 201, run
        _, page = await self.who.json("GET", f"/portal/api/apps/{self.who.code}")
        self.contract = {a["purpose"]: a["account_num"] for a in page["contract_accounts"]}

    async def drill(self, kind: str, api: str = "") -> None:
        path = READINESS.format(code=self.who.code) + "/drills"
        asked = {"kind": kind, "api": api} if api else {"kind": kind}
        status, laid = await self.who.json("POST", path, json=asked)
        assert status in (200, 201), laid

    async def finish(self) -> dict[str, Any]:
        path = READINESS.format(code=self.who.code) + "/finish"
        status, report = await self.who.json("POST", path, json={})
        assert status == 200, report
        return dict(report)

    async def wait(self, seconds: float) -> None:
        """Let simulated time pass (the client sleeping)."""
        await self.api.advance(shift=f"{seconds:g}s")

    # --- what every call needs -------------------------------------------------------------
    def now14(self) -> str:
        return yyyymmddhhmmss(self.api.runtime.clock.now())

    def tran_id(self) -> str:
        """The institution's code, U, and 9 digits from a stored sequence."""
        return f"{self.who.code}U{next(self.serial):09d}"

    def inquiry_tran_id(self) -> str:
        return self.tran_id()

    def requesting_customer(self) -> dict[str, str]:
        return {
            "req_client_name": self.customer.name,
            "req_client_fintech_use_num": self.customer.fintech_use_num,
            "req_client_num": self.member_no,
            "transfer_purpose": "TR",
        }

    async def oob(self) -> str:
        """The institution token: issued once, kept until it is refused as expired."""
        if not self.oob_token:
            self.oob_token = await self.who.token("oob")
        return self.oob_token

    async def status_token(self) -> str:
        return await self.oob()

    async def renew(self, family: str) -> None:
        """After O0003: a user token is refreshed, the institution's issued again."""
        if family == "oob":
            self.oob_token = ""
            await self.oob()
            return
        _, body = await self.who.json(
            "POST",
            "/oauth/2.0/token",
            data={
                "client_id": self.who.client_id,
                "client_secret": self.who.client_secret,
                "refresh_token": self.refresh_token,
                "scope": "login inquiry transfer",
                "grant_type": "refresh_token",
            },
        )
        assert "access_token" in body, body
        self.user_token, self.refresh_token = body["access_token"], body["refresh_token"]

    async def token(self, family: str) -> str:
        return self.user_token if family == "user" else await self.oob()

    async def send_once(
        self, method: str, path: str, family: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {await self.token(family)}"}
        if method == "GET":
            resp = await self.api.http.get(path, params=fields, headers=headers)
        else:
            resp = await self.api.http.post(path, json=fields, headers=headers)
        assert resp.status == 200, await resp.text()
        answer: dict[str, Any] = await resp.json()
        if resp.headers.get("Retry-After"):
            answer["retry_after"] = int(resp.headers["Retry-After"])
        return answer

    async def call(
        self, method: str, path: str, family: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """One KFTC call: renewed once after O0003, sent again once after a rate limit
        (after waiting), else as answered."""
        answer = await self.send_once(method, path, family, fields)
        if answer["rsp_code"] == "O0003":
            answer = await self.after_expiry(method, path, family, fields)
        if answer["rsp_code"] in ("O0008", "O0009"):
            answer = await self.after_rate_limit(method, path, family, fields, answer)
        if self.closed(answer):
            answer = await self.after_closed(method, path, family, fields)
        return answer

    def fresh(self, fields: dict[str, Any]) -> dict[str, Any]:
        """A request sent again: new bank_tran_ids (one is never used twice) and time."""
        again = dict(fields)
        if "tran_dtime" in fields:
            again["tran_dtime"] = self.now14()
        if "bank_tran_id" in fields:
            again["bank_tran_id"] = self.tran_id()
        if "req_list" in fields and "bank_tran_id" in fields["req_list"][0]:
            again["req_list"] = [{**i, "bank_tran_id": self.tran_id()} for i in fields["req_list"]]
        return again

    async def after_expiry(
        self, method: str, path: str, family: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        await self.renew(family)
        return await self.send_once(method, path, family, self.fresh(fields))

    async def after_rate_limit(
        self, method: str, path: str, family: str, fields: dict[str, Any], answer: dict[str, Any]
    ) -> dict[str, Any]:
        await self.wait(answer.get("retry_after", 1))
        return await self.send_once(method, path, family, self.fresh(fields))

    # --- the customer connects (3-legged) ------------------------------------------------
    def authorize_query(self, state: str) -> dict[str, str]:
        return {
            "response_type": "code",
            "client_id": self.who.client_id,
            "redirect_uri": CALLBACK,
            "scope": "login inquiry transfer",
            "state": state,
            "auth_type": "0",
        }

    async def connect(self) -> bool:
        """The consent pages walked as the customer's browser does; the code redeemed.
        False when the testbed refused the authorization (the customer sees an error)."""
        query = self.authorize_query(secrets.token_urlsafe(24))  # a new state each time
        browser = Browser(self.api)
        page = await browser.open(query)
        if page.status != 200:
            return False
        page = await sign_in(browser, page, self.who.user["user_seq_no"])
        page = await browser.submit(page.form_to("/oauth/2.0/authorize/consent"), "동의")
        back = page.callback()
        # the callback is for the authorization this session asked for
        assert back.get("state", "") == query.get("state", "")
        await self.redeem(back["code"])
        return True

    async def redeem(self, code: str) -> dict[str, Any]:
        _, body = await self.who.json(
            "POST",
            "/oauth/2.0/token",
            data={
                "code": code,
                "client_id": self.who.client_id,
                "client_secret": self.who.client_secret,
                "redirect_uri": CALLBACK,
                "grant_type": "authorization_code",
            },
        )
        if "access_token" in body and not self.user_token:
            self.user_token, self.refresh_token = body["access_token"], body["refresh_token"]
            self.user_seq_no = body["user_seq_no"]
        return dict(body)

    # --- inquiries -------------------------------------------------------------------------
    async def user_me(self) -> dict[str, Any]:
        return await self.call("GET", "/v2.0/user/me", "user", {"user_seq_no": self.user_seq_no})

    def balance_fields(self) -> dict[str, str]:
        return {
            "bank_tran_id": self.inquiry_tran_id(),
            "fintech_use_num": self.customer.fintech_use_num,
            "tran_dtime": self.now14(),
        }

    async def balance(self) -> dict[str, Any]:
        return await self.call(
            "GET", "/v2.0/account/balance/fin_num", "user", self.balance_fields()
        )

    async def transactions(self) -> dict[str, Any]:
        today = yyyymmdd(self.api.runtime.clock.now())
        fields = {
            "bank_tran_id": self.inquiry_tran_id(),
            "fintech_use_num": self.customer.fintech_use_num,
            "inquiry_type": "A",
            "inquiry_base": "D",
            "from_date": today,
            "to_date": today,
            "sort_order": "D",
            "tran_dtime": self.now14(),
        }
        return await self.call("GET", "/v2.0/account/transaction_list/fin_num", "user", fields)

    async def bank_status(self) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {await self.status_token()}"}
        resp = await self.api.http.get("/v2.0/bank/status", headers=headers)
        answer: dict[str, Any] = await resp.json()
        return answer

    # --- transfers -------------------------------------------------------------------------
    async def withdraw(self, amount: int) -> Outcome:
        """출금이체 from the customer's account to the institution's; an unknown outcome is
        resolved, a closed bank waited out, a refusal told."""
        fields = {
            "bank_tran_id": self.tran_id(),
            "cntr_account_type": "N",
            "cntr_account_num": self.contract["withdraw"],
            "dps_print_content": "포인트충전",
            "fintech_use_num": self.customer.fintech_use_num,
            "tran_amt": str(amount),
            "tran_dtime": self.now14(),
            **self.requesting_customer(),
        }
        path = "/v2.0/transfer/withdraw/fin_num"
        answer = await self.call("POST", path, "user", fields)
        if answer["rsp_code"] in UNKNOWN:
            return await self.after_unknown(path, fields, answer)
        if answer["rsp_code"] == "A0002":
            return await self.after_refusal(path, fields, answer)
        return Outcome(answer["rsp_code"] == "A0000", answer)

    def closed(self, answer: dict[str, Any]) -> bool:
        """The centre's closure (A0020) or a bank's 공동망 미개시 (503), on any API."""
        rows = [r for r in answer.get("res_list") or [] if isinstance(r, dict)]
        codes = {answer.get("bank_rsp_code"), *(r.get("bank_rsp_code") for r in rows)}
        return answer["rsp_code"] == "A0020" or "503" in codes

    async def ask_result(self, fields: dict[str, Any], answer: dict[str, Any]) -> bool:
        """transfer/result for the original transfer (a withdrawal, or a deposit's item):
        whether its money moved."""
        deposit = "req_list" in fields
        sent = fields["req_list"][0] if deposit else fields
        said = (answer.get("res_list") or [{}])[0] if deposit else answer
        item = {
            "tran_no": "1",
            "org_bank_tran_id": sent["bank_tran_id"],
            "org_bank_tran_date": said.get("bank_tran_date") or self.now14()[:8],
            "org_tran_amt": sent["tran_amt"],
        }
        body = {
            "check_type": "2" if deposit else "1",
            "tran_dtime": self.now14(),
            "req_cnt": "1",
            "req_list": [item],
        }
        found = await self.call("POST", "/v2.0/transfer/result", "oob", body)
        rows = found.get("res_list") or [{}]
        return found["rsp_code"] == "A0000" and rows[0].get("bank_rsp_code") == "000"

    async def after_unknown(
        self, path: str, fields: dict[str, Any], answer: dict[str, Any]
    ) -> Outcome:
        """Not sent again: transfer/result says what happened."""
        return Outcome(await self.ask_result(fields, answer), answer)

    async def after_closed(
        self, method: str, path: str, family: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Ask bank/status until the bank takes business again, then send once more."""
        for _ in range(POLLS):
            rows = (await self.bank_status()).get("res_list", [])
            mine = [r for r in rows if r.get("bank_code_std") == self.customer.bank_code]
            if mine and all(r.get("bank_status") == "Y" for r in mine):
                break
            await self.wait(POLL_EVERY)
        return await self.send_once(method, path, family, self.fresh(fields))

    async def after_refusal(
        self, path: str, fields: dict[str, Any], answer: dict[str, Any]
    ) -> Outcome:
        """The bank's reason is the customer's to see; nothing is sent again."""
        self.told.append(str(answer.get("bank_rsp_message", "")))
        return Outcome(False, answer)

    def deposit_item(self, payee: Payee, amount: int) -> tuple[str, dict[str, Any]]:
        """The deposit API for `payee` and its item: fin_num for an account the institution
        has registered, acnt_num (with the holder's name) for one it has not."""
        item: dict[str, Any] = {
            "tran_no": "1",
            "bank_tran_id": self.tran_id(),
            "print_content": "송금",
            "tran_amt": str(amount),
            **self.requesting_customer(),
        }
        if payee.fintech_use_num:
            return "/v2.0/transfer/deposit/fin_num", {
                **item,
                "fintech_use_num": payee.fintech_use_num,
            }
        return "/v2.0/transfer/deposit/acnt_num", {
            **item,
            "bank_code_std": payee.bank_code,
            "account_num": payee.account_num,
            "account_holder_name": payee.name,
        }

    async def deposit(self, payee: Payee, amount: int) -> Outcome:
        path, item = self.deposit_item(payee, amount)
        body = {
            "cntr_account_type": "N",
            "cntr_account_num": self.contract["deposit"],
            "wd_pass_phrase": "NONE",
            "wd_print_content": "송금",
            "name_check_option": "on",
            "tran_dtime": self.now14(),
            "req_cnt": "1",
            "req_list": [item],
        }
        answer = await self.call("POST", path, "oob", body)
        rows = answer.get("res_list") or [{}]
        if answer["rsp_code"] != "A0000" and rows[0] and not rows[0].get("bank_rsp_code"):
            return await self.after_unknown(path, body, answer)  # no bank answer: unknown
        return Outcome(
            answer["rsp_code"] == "A0000" and rows[0].get("bank_rsp_code") == "000", answer
        )

    async def send(self, amount: int, payee: Payee) -> Outcome:
        """송금: the customer's money withdrawn, then deposited to the payee; given back
        when the deposit fails."""
        taken = await self.withdraw(amount)
        if not taken.done:
            return taken
        given = await self.deposit(payee, amount)
        if not given.done:
            await self.after_failed_deposit(amount)
        return given

    async def after_failed_deposit(self, amount: int) -> None:
        """The withdrawn money goes back to the customer's own account."""
        back = await self.deposit(self.customer, amount)
        assert back.done, back.answer

    # --- the whole run -------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        """A readiness run with every drill: the report it ends with."""
        await self.start()
        if not await self.connect():
            return await self.finish()  # no customer connected: nothing else to do
        await self.user_me()
        await self.balance()
        await self.transactions()
        await self.withdraw(10_000)
        await self.send(7_000, self.outside)
        await self.drill("timeout_after_commit")
        await self.withdraw(11_000)
        await self.drill("timeout_after_commit", api="deposit")
        await self.send(9_000, self.outside)
        await self.drill("deposit_fails")
        await self.send(12_000, self.outside)
        await self.drill("cutover")
        await self.withdraw(13_000)
        await self.drill("expired_token")
        await self.balance()
        await self.send(14_000, self.outside)
        await self.drill("rate_limit")
        await self.balance()
        await self.drill("bank_refusal")
        await self.withdraw(15_000)
        await self.wait(120)  # the refusal drill ends
        return await self.finish()


# --- clients that are wrong in one way each ---------------------------------------------------


class ShortIds(Fintech):
    def tran_id(self) -> str:  # Math.random() to 6 digits
        return f"{self.who.code}U{next(self.serial):06d}"


class OneInquiryId(Fintech):
    def inquiry_tran_id(self) -> str:  # made once, kept in a constant
        self.kept_id: str = getattr(self, "kept_id", "") or self.tran_id()
        return self.kept_id


class BothWays(Fintech):
    def balance_fields(self) -> dict[str, str]:
        account = {
            "bank_code_std": self.customer.bank_code,
            "account_num": self.customer.account_num,
        }
        return {**super().balance_fields(), **account}


class AlwaysByNumber(Fintech):
    def deposit_item(self, payee: Payee, amount: int) -> tuple[str, dict[str, Any]]:
        return super().deposit_item(Payee(payee.name, payee.bank_code, payee.account_num), amount)


class NoPurpose(Fintech):
    def requesting_customer(self) -> dict[str, str]:
        return {k: v for k, v in super().requesting_customer().items() if k != "transfer_purpose"}


class NumberPerCall(Fintech):
    def requesting_customer(self) -> dict[str, str]:
        return {**super().requesting_customer(), "req_client_num": f"R{next(self.serial)}"}


class TimeOutIsFailure(Fintech):
    async def after_unknown(
        self, path: str, fields: dict[str, Any], answer: dict[str, Any]
    ) -> Outcome:
        return Outcome(False, answer)  # never asks what happened


class AsksThenResends(Fintech):
    async def after_unknown(
        self, path: str, fields: dict[str, Any], answer: dict[str, Any]
    ) -> Outcome:
        await self.ask_result(fields, answer)  # asked, and not listened to
        family = "oob" if "/deposit/" in path else "user"
        again = await self.call("POST", path, family, self.fresh(fields))
        return Outcome(again["rsp_code"] == "A0000", again)


class KeepsTheMoney(Fintech):
    async def after_failed_deposit(self, amount: int) -> None:
        self.told.append("송금 실패")


class RetriesWhileClosed(Fintech):
    async def after_closed(
        self, method: str, path: str, family: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        for _ in range(3):  # at once, then gives up
            answer = await self.send_once(method, path, family, self.fresh(fields))
        return answer


class UserTokenForStatus(Fintech):
    async def status_token(self) -> str:
        return self.user_token


class TokenPerCall(Fintech):
    async def oob(self) -> str:
        self.oob_token = await self.who.token("oob")
        return self.oob_token


class ExpiredTokenAgain(Fintech):
    async def after_expiry(
        self, method: str, path: str, family: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        await self.send_once(method, path, family, self.fresh(fields))  # a blind retry first
        return await super().after_expiry(method, path, family, fields)


class NoState(Fintech):
    def authorize_query(self, state: str) -> dict[str, str]:
        return {k: v for k, v in super().authorize_query(state).items() if k != "state"}


class CodeTwice(Fintech):
    async def redeem(self, code: str) -> dict[str, Any]:
        first = await super().redeem(code)
        await super().redeem(code)  # the callback reloaded
        return first


class DevCallbackFirst(Fintech):
    async def connect(self) -> bool:
        query = {**self.authorize_query("s"), "redirect_uri": "http://localhost:3000/callback"}
        await Browser(self.api).open(query)  # refused: not registered
        return await super().connect()


class RetriesAtOnce(Fintech):
    async def after_rate_limit(
        self, method: str, path: str, family: str, fields: dict[str, Any], answer: dict[str, Any]
    ) -> dict[str, Any]:
        answer = await self.send_once(method, path, family, self.fresh(fields))
        return await super().after_rate_limit(method, path, family, fields, answer)


class RetriesRefusals(Fintech):
    async def after_refusal(
        self, path: str, fields: dict[str, Any], answer: dict[str, Any]
    ) -> Outcome:
        for _ in range(2):
            answer = await self.call("POST", path, "user", self.fresh(fields))
        return Outcome(answer["rsp_code"] == "A0000", answer)


#: the client that fails each check of the catalogue, and only it
MISBEHAVING: dict[str, type[Fintech]] = {
    "bank-tran-id-format": ShortIds,
    "bank-tran-id-unique": OneInquiryId,
    "account-named-once": BothWays,
    "acnt-num-only-when-needed": AlwaysByNumber,
    "req-client-present": NoPurpose,
    "req-client-stable": NumberPerCall,
    "uncertain-outcome-asks-result": TimeOutIsFailure,
    "no-double-debit": AsksThenResends,
    "return-after-failed-deposit": KeepsTheMoney,
    "backoff-when-closed": RetriesWhileClosed,
    "token-family": UserTokenForStatus,
    "token-reused": TokenPerCall,
    "token-expiry-handled": ExpiredTokenAgain,
    "oauth-state": NoState,
    "oauth-code-once": CodeTwice,
    "oauth-redirect-registered": DevCallbackFirst,
    "rate-limit-wait": RetriesAtOnce,
    "no-retry-loop-after-refusal": RetriesRefusals,
}


@pytest.fixture
async def developer(api: Api) -> AsyncIterator[Tenant]:
    """A developer signed up on the portal with an approved institution and a customer."""
    who = await tenant(api, "alice", "220-81-62517")
    yield who
    await who.http.close()


@pytest.fixture
async def outside(api: Api, developer: Tenant) -> Payee:
    """Somebody else's account: a customer of the developer's second institution (a tenant
    sees only its own users), not registered with the first."""
    status, second = await developer.json(
        "POST",
        "/portal/api/applications",
        json=application(
            company_name="alice 송금", business_number="120-81-47521", redirect_uris=[CALLBACK]
        ),
    )
    assert status == 201 and second["status"] == "approved", second
    resp = await api.http.post(
        "/testbed/users",
        json={
            "name": "박철수",
            "birth_date": "19880505",
            "client_use_code": second["credentials"]["client_use_code"],
            "accounts": [{"bank_code": "004", "balance": 0}],
            "scope": "login inquiry",
        },
        headers=api.admin,
    )
    assert resp.status == 201, await resp.text()
    user = await resp.json()
    account = user["accounts"][0]
    return Payee(user["name"], account["bank_code"], account["account_num"])
