"""What a readiness run keeps of one call: an `Exchange` (the request's fields and the answer's,
with every secret replaced by a fingerprint), and which kind of call a path is.

Kept only while the institution has a run open (`ReadinessBook.active`): nobody else's calls,
and nothing at all when nobody asked, are copied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Final

#: values that grant access: kept as a fingerprint that can be matched, never as the value
SECRET_FIELDS: Final = frozenset(
    {"client_secret", "access_token", "refresh_token", "code", "wd_pass_phrase", "password"}
)
#: how much of one value a run keeps (a client may send anything)
MAX_TEXT: Final = 200
MAX_ITEMS: Final = 50
MAX_VALUES: Final = 120
MAX_DEPTH: Final = 4

WITHDRAW: Final = ("/v2.0/transfer/withdraw/fin_num", "/v2.0/transfer/withdraw/acnt_num")
DEPOSIT: Final = ("/v2.0/transfer/deposit/fin_num", "/v2.0/transfer/deposit/acnt_num")
RESULT: Final = "/v2.0/transfer/result"
BANK_STATUS: Final = "/v2.0/bank/status"
TOKEN: Final = "/oauth/2.0/token"
AUTHORIZE: Final = ("/oauth/2.0/authorize", "/oauth/2.0/authorize_account")
RETURN_CLAIM: Final = "/v2.0/return/claim"


def fingerprint(value: str) -> str:
    """A secret as the run keeps it: enough to tell two apart, nothing to use."""
    return "fp:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def redacted(value: Any) -> Any:
    """`value` with every secret field fingerprinted, and at most `MAX_VALUES` values of
    at most `MAX_TEXT` characters, `MAX_DEPTH` levels deep (a call keeps a few kB, whatever
    was sent)."""
    budget = [MAX_VALUES]

    def keep(item: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH:
            return "…"
        if isinstance(item, dict):
            return {
                str(k)[:MAX_TEXT]: (
                    fingerprint(str(v)) if k in SECRET_FIELDS and v else keep(v, depth + 1)
                )
                for k, v in list(item.items())[:MAX_ITEMS]
            }
        if isinstance(item, list):
            return [keep(v, depth + 1) for v in item[:MAX_ITEMS]]
        if isinstance(item, str):
            return item[:MAX_TEXT]
        if isinstance(item, bool | int | float) or item is None:
            return item
        return str(item)[:MAX_TEXT]

    return keep(value, 0)


@dataclass(slots=True, kw_only=True)
class Exchange:
    """One call of the institution during a run, as the examiner reads it."""

    seq: int
    time: float  # simulated, when it came
    method: str
    path: str
    status: int
    rsp_code: str = ""  # "" for a page or a redirect
    request: dict[str, Any] = field(default_factory=dict)  # redacted
    answer: dict[str, Any] = field(default_factory=dict)  # redacted; a redirect: its query
    token: str = ""  # the bearer token's fingerprint
    retry_after: float = 0.0  # what the answer's Retry-After said

    @property
    def is_withdraw(self) -> bool:
        return self.path in WITHDRAW

    @property
    def is_deposit(self) -> bool:
        return self.path in DEPOSIT

    @property
    def is_transfer(self) -> bool:
        return self.path in WITHDRAW or self.path in DEPOSIT

    @property
    def is_business(self) -> bool:
        """A KFTC business API call (not OAuth, not a page)."""
        return self.path.startswith("/v2.0/")

    @property
    def is_authorize(self) -> bool:
        return self.method == "GET" and self.path in AUTHORIZE

    @property
    def items(self) -> list[dict[str, Any]]:
        """The request's req_list items (a deposit, transfer/result)."""
        found = self.request.get("req_list")
        return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []

    @property
    def answer_items(self) -> list[dict[str, Any]]:
        found = self.answer.get("res_list")
        return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []

    def text(self, name: str) -> str:
        value = self.request.get(name, "")
        return value if isinstance(value, str) else str(value)

    def brief(self) -> dict[str, Any]:
        """The exchange as a report shows it."""
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "rsp_code": self.rsp_code,
            "request": self.request,
            "answer": self.answer,
        }
