"""The security tests run on the portal's app (cheap password hashes, a fixed session key)
with two tenants, Alice and Bob (tests/tenants.py)."""

from __future__ import annotations

from tests.api.conftest import api
from tests.tenants import alice, bob
from tests.web.portal.conftest import cheap_hashes, settings

__all__ = ["alice", "api", "bob", "cheap_hashes", "settings"]
