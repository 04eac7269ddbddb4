"""The one seeded source of randomness.

Every random draw in the testbed comes from a named stream derived from a single
root seed. Streams are independent, so adding a draw in one place (say, a new
fault) does not shift the numbers another place sees (say, generated names):
the same seed and scenario give the same bytes.
"""

from __future__ import annotations

import hashlib
import random


class SeededSource:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._streams: dict[str, random.Random] = {}

    def stream(self, name: str) -> random.Random:
        """The stream called `name`: created on first use, then the same object every time."""
        rng = self._streams.get(name)
        if rng is None:
            digest = hashlib.sha256(f"{self.seed}:{name}".encode()).digest()
            rng = random.Random(int.from_bytes(digest[:8], "big"))
            self._streams[name] = rng
        return rng

    def states(self) -> dict[str, tuple[object, ...]]:
        """Where every stream drawn from so far stands (for snapshots)."""
        return {name: rng.getstate() for name, rng in self._streams.items()}
