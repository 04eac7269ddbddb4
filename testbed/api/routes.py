"""The KFTC API's route table, derived from each module's catalogue entries."""

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
from testbed.api.catalogue import Operation, Page

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: in the order the API console lists them
OPERATIONS: list[Operation] = [
    *oauth.OPERATIONS,
    *accounts.OPERATIONS,
    *management.OPERATIONS,
    *inquiry.OPERATIONS,
    *institution.OPERATIONS,
    *transfers.OPERATIONS,
    *selfauth.OPERATIONS,
    *manage.OPERATIONS,
]
PAGES: list[Page] = list(consent.PAGES)

ROUTES: list[tuple[str, str, Handler]] = [
    *((op.method, op.path, op.handler) for op in OPERATIONS),
    *((page.method, page.path, page.handler) for page in PAGES),
]
