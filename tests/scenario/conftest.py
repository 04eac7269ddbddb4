"""The scenario tests use the KFTC API test fixture too (a live app on the test client)."""

from tests.api.conftest import api

__all__ = ["api"]
