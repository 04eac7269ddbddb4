"""Durability declared in the route tables, not remembered in the handlers.

A row of a route table (`testbed.web.routes.ROUTES`, the portal's `ROUTES`) whose handler
changes what must be on disk before anyone hears of it (a fault, a developer's session,
a processing record of personal data shown) names it `Writes(handler)`; the tables' one
installer serves it through `endpoint`, which answers only once the store has committed
(`testbed.typedefs.durably`, the same wrapper as the KFTC API's `Operation(writes=True)`).
A route that only reads stays lazy. Every POST, PUT, PATCH and DELETE route is either
declared writing or listed in its table's `READ_ONLY` with the reason (a test holds it).
"""

from __future__ import annotations

from dataclasses import dataclass

from testbed.typedefs import Handler, durably

#: the methods that change something unless their table says why not (`READ_ONLY`)
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class Writes:
    """A route table's handler that writes: served by `endpoint`, its answer (a refusal
    too, an exception too) leaves once what it changed is committed."""

    handler: Handler


def endpoint(handler: Handler | Writes) -> Handler:
    """The handler as the router serves it: a `Writes` one wrapped in `durably`."""
    return durably(handler.handler) if isinstance(handler, Writes) else handler


def writes(handler: Handler | Writes) -> bool:
    """Whether a route table's handler is declared writing."""
    return isinstance(handler, Writes)
