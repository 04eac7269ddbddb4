"""Per-institution rate limits: O0008 for all calls, O0009 per API, refilled by simulated time."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


async def terms(api: Api, **rate: int) -> dict[str, Any]:
    demo = await api.demo()
    resp = await api.http.post(
        f"/testbed/clients/{demo['client_use_code']}", json={"rate_limit": rate}, headers=api.admin
    )
    assert resp.status == 200, await resp.text()
    answer: dict[str, Any] = await resp.json()
    return answer


async def test_off_by_default(api: Api) -> None:
    token = await api.token()
    codes = {(await api.get("/v2.0/bank/status", token))["rsp_code"] for _ in range(50)}
    assert codes == {"A0000"}


async def test_per_institution_limit_answers_o0008_and_refills(api: Api) -> None:
    token = await api.token()
    assert (await terms(api, per_second=2, burst=1))["rate_limit"] == {"per_second": 2, "burst": 1}
    answers = [await api.get("/v2.0/bank/status", token) for _ in range(4)]
    assert [a["rsp_code"] for a in answers] == ["A0000", "A0000", "A0000", "O0008"]
    assert set(answers[-1]) == {"rsp_code", "rsp_message"}  # a gateway-level answer
    await api.advance(shift="1s")  # two more tokens
    assert [(await api.get("/v2.0/bank/status", token))["rsp_code"] for _ in range(3)] == [
        "A0000",
        "A0000",
        "O0008",
    ]


async def test_per_api_limit_answers_o0009_for_that_api_only(api: Api) -> None:
    token = await api.token()
    await terms(api, per_api=1)
    assert (await api.get("/v2.0/bank/status", token))["rsp_code"] == "A0000"
    assert (await api.get("/v2.0/bank/status", token))["rsp_code"] == "O0009"
    assert (await api.get("/v2.0/manage/wd_limit", token))["rsp_code"] == "A0000"  # another API
    await terms(api)  # {} lifts it
    assert (await api.get("/v2.0/bank/status", token))["rsp_code"] == "A0000"


async def test_bad_rate_limits_are_refused(api: Api) -> None:
    demo = await api.demo()
    for body in (
        {"rate_limit": {"per_minute": 1}},
        {"rate_limit": {"per_second": -1}},
        {"rate_limit": 5},
    ):
        resp = await api.http.post(
            f"/testbed/clients/{demo['client_use_code']}", json=body, headers=api.admin
        )
        assert resp.status == 400
    assert (await api.demo())["rate_limit"] == {}


async def test_a_limited_answer_says_when_to_come_back(api: Api) -> None:
    """Retry-After (RFC 9110 §10.2.3; a testbed courtesy: docs/compatibility.md): the whole
    simulated seconds until the bucket lets a call through again, then it does."""
    token = await api.token()
    await terms(api, per_second=1)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await api.http.get("/v2.0/bank/status", headers=headers)).status == 200
    limited = await api.http.get("/v2.0/bank/status", headers=headers)
    assert (await limited.json())["rsp_code"] == "O0008"
    assert limited.headers["Retry-After"] == "1"
    await api.advance(shift="1s")
    after = await api.http.get("/v2.0/bank/status", headers=headers)
    assert (await after.json())["rsp_code"] == "A0000" and "Retry-After" not in after.headers
