"""The envelope of every answer: api_tran_id as a version-4 UUID from the seeded stream."""

from __future__ import annotations

import gc
import json
import random
import uuid

import pytest

from testbed.api import context
from testbed.api.context import parse_body, uuid4_text
from testbed.network.codes import Refusal as ApiError
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


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2}',
        b'{"a": 1, "b": {"c": 1, "c": 1}}',
        b'{"req_list": [{"tran_no": "1", "tran_no": "2"}]}',
        b'{"a": "he said \\"x\\": y", "a": 2}',  # a key-like string and a duplicate
        b'{"a": "x:y", "a": 1}',  # a colon in a string makes up for the duplicate's
        b'{"u": "https://x", "u": "https://y"}',
    ],
)
def test_a_key_twice_in_any_object_is_refused(raw: bytes) -> None:
    with pytest.raises(ApiError) as refused:
        parse_body(raw)
    assert refused.value.rsp_code == "A0004" and "duplicate key" in refused.value.rsp_message


@pytest.mark.parametrize(
    "raw",
    [
        b'{"tran_amt": "1000", "print": "\\":", "q": ":\\"", "e": ""}',
        b'{"url": "https://a.b:443/x", "b": {"c": "d:e"}}',  # colons in strings: no duplicate
        b'{"a": "x\\": ", "b": {"c": "\\"\\": \\"", "d": [1, {"e": null}]}}',
        b'{"req_list": [{"tran_no": "1"}, {"tran_no": "2"}], "": 1}',
        b'{ "a" :\t"1" ,\n"b"\r\n: 2.5e3 }',
        '{"이름": "홍길동", "memo": "a\\u0022:b"}'.encode(),
        b'{"big": 123456789012345678901234567890, "n": NaN}',  # orjson refuses, json takes
    ],
)
def test_a_body_is_what_the_stdlib_parses(raw: bytes) -> None:
    expected = json.loads(raw)
    assert parse_body(raw) == expected


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"\xff{}", "not UTF-8"),
        (b'{"a": ', "not JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels (the limit)"),
        (b'{"a":' * 65 + b"1" + b"}" * 65, "nested deeper than 64 levels (the limit)"),
    ],
)
def test_a_bad_body_is_a0004_saying_what(raw: bytes, says: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_body(raw)
    assert refused.value.rsp_code == "A0004" and says in refused.value.rsp_message


def test_a_plain_body_is_parsed_once_in_c(monkeypatch: pytest.MonkeyPatch) -> None:
    def stdlib(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed again in Python")

    monkeypatch.setattr(context.json, "loads", stdlib)
    body = b'{"bank_tran_id": "T991000001U000000001", "req_list": [{"tran_no": "1"}]}'
    assert parse_body(body)["req_list"] == [{"tran_no": "1"}]
