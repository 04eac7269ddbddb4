"""The envelope of every answer: api_tran_id as a version-4 UUID from the seeded stream."""

from __future__ import annotations

import random
import uuid

from testbed.api.context import uuid4_text


def test_uuid4_text_is_the_uuid_modules_version_4_text() -> None:
    rng = random.Random(4)
    cases = [0, (1 << 128) - 1] + [rng.getrandbits(128) for _ in range(20_000)]
    for bits in cases:
        assert uuid4_text(bits) == str(uuid.UUID(int=bits, version=4))
