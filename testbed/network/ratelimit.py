"""Per-institution request rate limits, on simulated time (off unless an institution has one).

A token bucket per institution (its `rate_limit["per_second"]`, answered O0008 when
empty) and one per institution and API (`"per_api"`, O0009), each holding `"burst"`
extra requests. Simulated time refills them, so a test of a client's back-off is
deterministic and can run on a virtual clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from testbed.network.codes import Refusal
from testbed.network.parties import FintechClient


@dataclass(slots=True)
class Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self) -> None:
        self.buckets: dict[tuple[str, str], Bucket] = {}

    def _take(self, key: tuple[str, str], rate: int, burst: int, now: float) -> bool:
        capacity = float(rate + burst)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = Bucket(capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    def admit(self, client: FintechClient, api: str, now: float) -> None:
        """Let one call through, or refuse it as the gateway does (O0008 / O0009)."""
        limits = client.rate_limit
        if not limits:
            return
        burst = limits.get("burst", 0)
        per_second = limits.get("per_second", 0)
        if per_second and not self._take((client.client_use_code, ""), per_second, burst, now):
            raise Refusal("O0008", f"{per_second}/s")
        per_api = limits.get("per_api", 0)
        if per_api and not self._take((client.client_use_code, api), per_api, burst, now):
            raise Refusal("O0009", f"{per_api}/s for {api}")
