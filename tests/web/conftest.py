"""The web pages are tested through the same app fixture as the KFTC API."""

from tests.api.conftest import api

__all__ = ["api"]
