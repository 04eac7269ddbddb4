"""The one seeded source of randomness, and the source of secrets beside it.

Every random draw that makes the *world* (banks' latencies, users, accounts, balances,
traffic, fault draws) comes from a named stream derived from a single root seed.
Streams are independent, so adding a draw in one place (say, a new fault) does not shift
the numbers another place sees (say, generated names): the same seed and scenario give
the same bytes.

What grants access (client secrets, access and refresh tokens, authorization codes,
consent flow ids, SMS codes, signing keys) must never come from the seed, which is
public: it comes from a `SecretSource`, the operating system's CSPRNG (`secrets`). Only
`testbed replay` (and tests that ask for it) uses `ReplaySecrets`, which draws them from
the seeded streams so that a scenario replayed twice gives byte-identical transcripts:
a replay-only mode (docs/security.md, "What is deterministic").
"""

from __future__ import annotations

import hashlib
import random
import secrets
import uuid


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


#: one CSPRNG for every secret stream: `random.SystemRandom` draws from os.urandom and
#: keeps no state, so it is safe to share (and has nothing to snapshot)
_SYSTEM = random.SystemRandom()


class SecretSource:
    """Secrets from the operating system's CSPRNG: what `testbed serve` uses.

    `stream(name)` has the `random.Random` interface (getrandbits, randrange, randbytes)
    so that code drawing a secret reads the same in both modes; `key(name)` is a signing
    key, new for each world.
    """

    #: a name for messages and docs
    mode = "system"

    def __init__(self, seeded: SeededSource) -> None:
        self.seeded = seeded
        self._keys: dict[str, bytes] = {}

    def stream(self, name: str) -> random.Random:
        return _SYSTEM

    def uuid(self, name: str) -> str:
        """A random UUID4 (a client_id or client_secret) from the stream `name`."""
        return str(uuid.UUID(int=self.stream(name).getrandbits(128), version=4))

    def code(self, name: str, digits: int) -> str:
        """A one-time code of `digits` decimal digits (an SMS 인증번호), from the stdlib's
        `secrets` (the OS's CSPRNG)."""
        return f"{secrets.randbelow(10**digits):0{digits}d}"

    def key(self, name: str) -> bytes:
        """32 random bytes, the same for `name` as long as this world lives."""
        found = self._keys.get(name)
        if found is None:
            found = self._keys[name] = secrets.token_bytes(32)
        return found

    def replacing(self, drawn: str) -> str:
        """A secret UUID in place of one the seeded source drew. The world's draw is made
        either way, so the world a seed makes (every later draw) is the same in both
        modes; under `serve` the value shown is not the drawn one."""
        return self.uuid("replacing")


class ReplaySecrets(SecretSource):
    """Replay-only: secrets drawn from the seeded streams of the same names, so that a
    replay's tokens, codes and credentials are the same every time. Never for `serve`:
    anyone who knows the seed (a public value) could compute them."""

    mode = "replay"

    def stream(self, name: str) -> random.Random:
        return self.seeded.stream(name)

    def code(self, name: str, digits: int) -> str:
        return f"{self.seeded.stream(name).randrange(10**digits):0{digits}d}"

    def key(self, name: str) -> bytes:
        return hashlib.sha256(f"testbed-{name}:{self.seeded.seed}".encode()).digest()

    def replacing(self, drawn: str) -> str:
        return drawn


SECRET_SOURCES: dict[str, type[SecretSource]] = {
    SecretSource.mode: SecretSource,
    ReplaySecrets.mode: ReplaySecrets,
}
