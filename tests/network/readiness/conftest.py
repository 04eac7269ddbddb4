"""Fixtures for grading without HTTP: a run's calls written out one by one as `Exchange`s
(what the examiner keeps), and the evidence a grader reads from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from testbed.clock import parse_kst
from testbed.network.readiness import Drill, Exchange
from testbed.network.readiness.exchanges import DEPOSIT, RESULT, TOKEN, WITHDRAW
from testbed.network.readiness.grading import GRADERS, Evidence, Finding

CODE = "T991599190"
T0 = parse_kst("2026-03-02T10:00:00+09:00")  # a Monday morning
FIN = "120220000000000000000001"  # the customer's registered account
OTHER_FIN = "120220000000000000000002"  # another customer's
#: what the network's banks answer when closed (the cutover drill), and the centre's closure
CLOSED = frozenset({("A0020", ""), ("A0002", "503")})


def customer(fin: str = FIN, name: str = "김영희", number: str = "M0001") -> dict[str, str]:
    """The requesting-customer block of a transfer (req_client_*, transfer_purpose)."""
    return {
        "req_client_name": name,
        "req_client_fintech_use_num": fin,
        "req_client_num": number,
        "transfer_purpose": "TR",
    }


@dataclass
class Calls:
    """A run's calls in the order the institution made them; `at` is simulated seconds
    after T0 (by default one second after the call before)."""

    exchanges: list[Exchange] = field(default_factory=list)
    drills: list[Drill] = field(default_factory=list)
    moved: dict[str, bool] = field(default_factory=dict)  # bank_tran_id -> the money moved
    registered: set[tuple[str, str]] = field(default_factory=set)
    #: what the institution's fintech_use_nums name (bank code, number)
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    serial: int = 0

    def tran_id(self) -> str:
        self.serial += 1
        return f"{CODE}U{self.serial:09d}"

    def add(
        self,
        path: str,
        rsp_code: str = "A0000",
        *,
        at: float | None = None,
        method: str = "POST",
        status: int = 200,
        token: str = "fp:user",
        answer: dict[str, Any] | None = None,
        retry_after: float = 0.0,
        **request: Any,
    ) -> Exchange:
        last = self.exchanges[-1].time - T0 if self.exchanges else 0.0
        ex = Exchange(
            seq=len(self.exchanges) + 1,
            time=T0 + (last + 1 if at is None else at),
            method=method,
            path=path,
            status=status,
            rsp_code=rsp_code,
            request=request,
            answer={"rsp_code": rsp_code, **(answer or {})},
            token=token,
            retry_after=retry_after,
        )
        self.exchanges.append(ex)
        return ex

    def balance(
        self, rsp_code: str = "A0000", *, at: float | None = None, token: str = "fp:user",
        retry_after: float = 0.0, **over: Any,
    ) -> Exchange:  # fmt: skip
        fields = {"bank_tran_id": self.tran_id(), "fintech_use_num": FIN} | over
        return self.add(
            "/v2.0/account/balance/fin_num", rsp_code, method="GET", at=at, token=token,
            retry_after=retry_after, **fields,
        )  # fmt: skip

    def withdraw(
        self,
        amount: int = 1000,
        rsp_code: str = "A0000",
        *,
        bank_rsp_code: str = "000",
        at: float | None = None,
        **over: Any,
    ) -> Exchange:
        fields = {
            "bank_tran_id": self.tran_id(),
            "cntr_account_type": "N",
            "cntr_account_num": "100000000001",
            "dps_print_content": "포인트충전",
            "fintech_use_num": FIN,
            "tran_amt": str(amount),
            "tran_dtime": "20260302100000",
            **customer(),
        } | over
        answer = {"bank_rsp_code": bank_rsp_code, "bank_tran_date": "20260302"}
        return self.add(WITHDRAW[0], rsp_code, answer=answer, at=at, token="fp:user", **fields)

    def deposit(
        self,
        amount: int = 1000,
        rsp_code: str = "A0000",
        *,
        to: str = OTHER_FIN,
        bank_rsp_code: str = "000",
        at: float | None = None,
        token: str = "fp:oob",
        retry_after: float = 0.0,
        **over: Any,
    ) -> Exchange:
        """A deposit of one item to the account `to` (a fintech_use_num) for the customer."""
        item = {
            "tran_no": "1",
            "bank_tran_id": self.tran_id(),
            "fintech_use_num": to,
            "print_content": "송금",
            "tran_amt": str(amount),
            **customer(),
        } | over
        # a refusal of the call itself (O...: the token, a rate limit) reaches no bank
        refused = rsp_code.startswith("O")
        said = {
            "tran_no": "1",
            "bank_tran_id": item["bank_tran_id"],
            "bank_rsp_code": bank_rsp_code,
        }
        answer = {"res_list": [] if refused else [said]}
        return self.add(
            DEPOSIT[0],
            rsp_code,
            answer=answer,
            at=at,
            token=token,
            retry_after=retry_after,
            cntr_account_type="N",
            cntr_account_num="100000000002",
            tran_dtime="20260302100000",
            req_cnt="1",
            req_list=[item],
        )

    def result(self, first: Exchange, **kw: Any) -> Exchange:
        """transfer/result for the transfer of `first` (a withdrawal, or a deposit's item)."""
        asked = first.items[0] if first.is_deposit else first.request
        item = {
            "tran_no": "1",
            "org_bank_tran_id": asked["bank_tran_id"],
            "org_bank_tran_date": "20260302",
            "org_tran_amt": asked["tran_amt"],
        }
        return self.add(RESULT, token="fp:oob", check_type="1", req_cnt="1", req_list=[item], **kw)

    def issue(self, token: str, grant_type: str = "client_credentials", **kw: Any) -> Exchange:
        scope = "oob" if grant_type == "client_credentials" else "login inquiry transfer"
        fields = {"grant_type": grant_type, "scope": scope, "client_id": "c"} | kw
        return self.add(TOKEN, "", token="", answer={"access_token": token}, **fields)

    def evidence(self, three_legged: bool = True) -> Evidence:
        return Evidence(
            client_use_code=CODE,
            exchanges=self.exchanges,
            drills=self.drills,
            ends=self.exchanges[-1].time if self.exchanges else T0,
            three_legged=three_legged,
            moved=lambda tran_id, _date: self.moved.get(tran_id),
            registered=lambda bank, number: (bank, number) in self.registered,
            closed_codes=CLOSED,
            fintech_account=self.accounts.get,
        )

    def grade(self, check_id: str) -> Finding:
        return GRADERS[check_id](self.evidence())


@pytest.fixture
def calls() -> Calls:
    return Calls()
