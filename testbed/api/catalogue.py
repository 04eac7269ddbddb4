"""The catalogue of the KFTC API: every operation with its request, response and scopes.

One table serves the router, `/openapi.json` and the API console. A response shape
lists the top-level fields and the `res_list` item fields; every value is a string
unless named in `numbers`. Refusals carry a subset of the same fields.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from testbed.api.fields import Spec
from testbed.typedefs import Handler, durably

#: the scopes an operation accepts (any one of them is enough)
CENTRE_SCOPES = ("oob", "sa")  # the institution's own calls (no user)
LOGIN = ("login",)
LOGIN_OR_SA = ("login", "sa")
INQUIRY_OR_SA = ("inquiry", "sa")
TRANSFER_OR_SA = ("transfer", "sa")
SA = ("sa",)

ENVELOPE = ("api_tran_id", "api_tran_dtm", "rsp_code", "rsp_message")
#: how a paged list answer (transaction_list, remit_list) ends
PAGING = ("page_record_cnt", "next_page_yn", "befor_inquiry_trace_info", "res_list")
BANK_BLOCK = (
    "bank_tran_id",
    "bank_tran_date",
    "bank_code_tran",
    "bank_rsp_code",
    "bank_rsp_message",
)


@dataclass(frozen=True, slots=True)
class Shape:
    fields: tuple[str, ...]
    items: tuple[str, ...] = ()  # res_list item fields, when the answer has a res_list
    numbers: frozenset[str] = frozenset()  # JSON numbers (expires_in), not strings
    required: tuple[str, ...] = ("rsp_code", "rsp_message")  # what every answer has


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """One KFTC operation: its route, its names, its scopes, what it takes and answers, and
    whether it writes (`writes`: the answer waits until what the call changed, refused or
    not, is on disk; see `endpoint`). Keyword-only: nine fields side by side, two of them
    names, are too easy to swap by position."""

    method: str
    path: str
    handler: Handler
    name_ko: str
    name_en: str
    group: str  # the API console's group
    scopes: tuple[str, ...]
    request: Spec | None  # None: no parameters
    response: Shape
    body: str = "json"  # where the request goes: json, query, form
    items: Spec | None = None  # req_list item spec
    #: the call changes what must be durable before anyone hears of it (a token, a
    #: transfer, a registration): declared here, kept by `endpoint`, never by hand. An
    #: inquiry does not: its bank_tran_id claim rides with the next commit (lazily)
    writes: bool = False

    @property
    def operation_id(self) -> str:
        return self.path.strip("/").replace("/", "_").replace(".", "_")

    @property
    def endpoint(self) -> Handler:
        """The handler as the router serves it: for an operation that writes, the answer
        (a refusal too) leaves only once the store has committed what the call changed."""
        return durably(self.handler) if self.writes else self.handler


def self_auth_variant(op: Operation, handler: Handler, request: Spec) -> Operation:
    """The acnt_num variant of a fin_num operation for self-auth institutions (scope `sa`):
    the account named by bank code, number and user_seq_no in a JSON body (as KFTC's
    sample sends it), the same answer."""
    return dataclasses.replace(
        op,
        path=op.path.replace("/fin_num", "/acnt_num"),
        method="POST",
        handler=handler,
        name_ko=op.name_ko + "(자체인증)",
        name_en=op.name_en + " (self-auth, by account number)",
        scopes=SA,
        request=request,
        body="json",
    )


def pick(source: Mapping[str, Any], keys: Iterable[str], prefix: str = "") -> dict[str, Any]:
    """`keys` of `source` in that order, each named `prefix` + key (an answer's block)."""
    return {prefix + key: source[key] for key in keys}


def find(operations: list[Operation], path: str) -> Operation:
    """The operation at `path` (a KeyError names it when there is none)."""
    for op in operations:
        if op.path == path:
            return op
    raise KeyError(path)


@dataclass(frozen=True, slots=True)
class Page:
    """A browser page of the API (the OAuth consent flow): HTML, not a KFTC answer. A page
    that writes (a user made, accounts registered, a processing record) says so, as an
    `Operation` does: `endpoint` answers once the store has committed."""

    method: str
    path: str
    handler: Handler
    summary: str
    writes: bool = False

    @property
    def endpoint(self) -> Handler:
        return durably(self.handler) if self.writes else self.handler
