"""The cross-cutting security tests run on the portal's app fixture (the whole app, the
portal with a session key, cheap password hashes)."""

from tests.web.portal.conftest import api, cheap_hashes, settings

__all__ = ["api", "cheap_hashes", "settings"]
