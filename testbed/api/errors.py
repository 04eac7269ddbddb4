"""The API layer's name for a refusal: the model's `Refusal` (always HTTP 200)."""

from testbed.network.codes import Refusal, format_error

ApiError = Refusal

__all__ = ["ApiError", "Refusal", "format_error"]
