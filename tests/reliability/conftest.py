"""The reliability tests use the KFTC API test fixture too."""

from tests.api.conftest import api

__all__ = ["api"]
