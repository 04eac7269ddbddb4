"""The cross-cutting security tests run on the portal's app fixture (the whole app, the
portal with a session key, cheap password hashes), with two tenants, Alice and Bob
(tests/tenants.py)."""

from __future__ import annotations

from tests.tenants import alice, bob
from tests.web.portal.conftest import api, cheap_hashes, settings

__all__ = ["alice", "api", "bob", "cheap_hashes", "settings"]
