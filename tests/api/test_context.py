"""The envelope of every answer: api_tran_id as a version-4 UUID from the seeded stream."""

from __future__ import annotations

import gc
import random
import uuid

from testbed.api.context import uuid4_text
from tests.api.conftest import Api


def test_uuid4_text_is_the_uuid_modules_version_4_text() -> None:
    rng = random.Random(4)
    cases = [0, (1 << 128) - 1] + [rng.getrandbits(128) for _ in range(20_000)]
    for bits in cases:
        assert uuid4_text(bits) == str(uuid.UUID(int=bits, version=4))


async def test_answers_and_refusals_leave_no_reference_cycle(api: Api) -> None:
    """A request's objects are freed when it is answered, not by the garbage collector:
    the call only looks back at its request, and a refusal drops its exception (whose
    traceback would hold the middleware's frame). Cycles per request were a tenth of the
    server's time under load (full collections over the whole world)."""
    user = await api.user([{"bank_code": "004", "balance": 123_456}])
    demo = await api.demo()
    fin = user["accounts"][0]["fintech_use_num"]

    async def requests() -> list[str]:
        codes = []
        for token in (user["access_token"], "not-a-token"):
            body = await api.get(
                "/v2.0/account/balance/fin_num",
                token,
                bank_tran_id=api.tran_id(demo["client_use_code"]),
                fintech_use_num=fin,
                tran_dtime="20260302100000",
            )
            codes.append(body["rsp_code"])
        missing = await api.http.get("/v2.0/no/such/api")
        codes.append((await missing.json())["rsp_code"])
        return codes

    await requests()  # warm: caches, lazily made objects
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert await requests() == ["A0000", "O0002", "O0005"]
        gc.collect()
        left = {type(o).__name__ for o in gc.garbage if type(o).__module__.startswith(SERVER)}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == set()


#: the request and what the testbed makes of it (aiohttp's 404 keeps a small cycle of its
#: own, the exception and its route; the test client's objects are not the server's)
SERVER = ("testbed", "aiohttp.web_request")
