"""Per-institution request rate limits, on simulated time (off unless an institution has one).

A token bucket per institution (its `rate_limit["per_second"]`, answered O0008 when
empty) and one per institution and API (`"per_api"`, O0009), each holding `"burst"`
extra requests. Simulated time refills them, so a test of a client's back-off is
deterministic and can run on a virtual clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from testbed.network.codes import Refusal
from testbed.network.parties import FintechClient


@dataclass(slots=True)
class Bucket:
    tokens: float
    at: float


class RateLimited(Refusal):
    """O0008/O0009, with how long (simulated seconds) until a call would pass: the
    answer's Retry-After."""

    def __init__(self, rsp_code: str, detail: str, retry_after: float) -> None:
        super().__init__(rsp_code, detail)
        self.retry_after = max(1, math.ceil(retry_after))


class RateLimiter:
    def __init__(self) -> None:
        self.buckets: dict[tuple[str, str], Bucket] = {}
        #: institutions held back until a moment (a readiness drill), whatever their limits
        self.held: dict[str, float] = {}

    def hold(self, client_use_code: str, until: float) -> None:
        self.held[client_use_code] = until

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

    def _wait(self, key: tuple[str, str], rate: int) -> float:
        """Seconds until the bucket holds a whole token again."""
        return (1.0 - self.buckets[key].tokens) / rate

    def admit(self, client: FintechClient, api: str, now: float) -> None:
        """Let one call through, or refuse it as the gateway does (O0008 / O0009)."""
        if self.held:
            until = self.held.get(client.client_use_code)
            if until is not None:
                if now < until:
                    raise RateLimited("O0008", "readiness drill", until - now)
                del self.held[client.client_use_code]
        limits = client.rate_limit
        if not limits:
            return
        burst = limits.get("burst", 0)
        per_second = limits.get("per_second", 0)
        key = (client.client_use_code, "")
        if per_second and not self._take(key, per_second, burst, now):
            raise RateLimited("O0008", f"{per_second}/s", self._wait(key, per_second))
        per_api = limits.get("per_api", 0)
        key = (client.client_use_code, api)
        if per_api and not self._take(key, per_api, burst, now):
            raise RateLimited("O0009", f"{per_api}/s for {api}", self._wait(key, per_api))
