"""The KFTC API's route table, derived from each module's catalogue entries."""

from __future__ import annotations

from testbed.api import (
    account_inquiry,
    inquiry,
    management,
    oauth,
    registration,
    returns,
    transfer,
)
from testbed.api.catalogue import Operation
from testbed.typedefs import Handler

#: in the order the API console lists them
OPERATIONS: list[Operation] = [
    *oauth.OPERATIONS,
    *account_inquiry.OPERATIONS,
    *registration.OPERATIONS,
    *inquiry.OPERATIONS,
    *returns.OPERATIONS,
    *transfer.OPERATIONS,
    *account_inquiry.SELF_AUTH,
    *transfer.SELF_AUTH,
    *management.OPERATIONS,
]
#: each operation's endpoint: its handler, made to wait for the disk when it writes
ROUTES: list[tuple[str, str, Handler]] = [(op.method, op.path, op.endpoint) for op in OPERATIONS]
