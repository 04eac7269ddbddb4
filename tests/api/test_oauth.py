"""POST /oauth/2.0/token and /oauth/2.0/revoke, as the gateway answers them."""

from __future__ import annotations

import base64
import json

import pytest

from tests.api.conftest import Api


async def _token(api: Api, index: int = 0, **form: str) -> dict[str, object]:
    demo = await api.demo(index)
    data = {"client_id": demo["client_id"], "client_secret": demo["client_secret"], **form}
    resp = await api.http.post("/oauth/2.0/token", data={k: v for k, v in data.items() if v != "-"})
    assert resp.status == 200
    body: dict[str, object] = await resp.json()
    return body


async def test_oob_token_has_exactly_the_two_legged_fields(api: Api) -> None:
    body = await _token(api, grant_type="client_credentials", scope="oob")
    demo = await api.demo()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "client_use_code"}
    assert body["expires_in"] == 7776000 and type(body["expires_in"]) is int
    assert body["token_type"] == "Bearer" and body["scope"] == "oob"
    assert body["client_use_code"] == demo["client_use_code"]
    payload = str(body["access_token"]).split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["aud"] == demo["client_use_code"] and claims["scope"] == ["oob"]
    assert claims["iss"] == "https://www.openbanking.or.kr"


async def test_sa_only_for_self_auth_institutions(api: Api) -> None:
    refused = await _token(api, grant_type="client_credentials", scope="sa")
    assert refused == {"rsp_code": "O0011", "rsp_message": "허용되지 않은 Scope 입니다."}
    granted = await _token(api, 1, grant_type="client_credentials", scope="sa")
    assert granted["scope"] == "sa"


@pytest.mark.parametrize(
    ("form", "sub_code"),
    [
        ({"grant_type": "client_credentials", "scope": "inquiry"}, "3000103"),
        ({"grant_type": "client_credentials", "scope": "-"}, "3000103"),
        ({"grant_type": "password", "scope": "oob"}, "3000103"),
        ({"grant_type": "client_credentials", "scope": "oob", "client_secret": "wrong"}, "3000201"),
        ({"grant_type": "authorization_code", "code": "nope", "redirect_uri": "x"}, "3002110"),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, "3002110"),
    ],
)
async def test_token_errors_carry_the_sub_code(
    api: Api, form: dict[str, str], sub_code: str
) -> None:
    body = await _token(api, **form)
    assert body == {"rsp_code": "O0001", "rsp_message": f"인증 파라미터 오류([{sub_code}])"}


async def test_get_on_the_token_endpoint_is_o0010(api: Api) -> None:
    resp = await api.http.get("/oauth/2.0/token")
    assert (await resp.json())["rsp_code"] == "O0010"


async def test_query_string_parameters_work_with_a_warning(api: Api) -> None:
    demo = await api.demo()
    resp = await api.http.post(
        "/oauth/2.0/token",
        params={
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "scope": "oob",
            "grant_type": "client_credentials",
        },
    )
    assert "access_token" in await resp.json()
    assert "query string" in resp.headers["X-Testbed-Warning"]


async def test_refresh_rotates_and_revoke_ends_a_token(api: Api) -> None:
    user = await api.user()
    me = {"user_seq_no": user["user_seq_no"]}
    assert (await api.get("/v2.0/user/me", user["access_token"], **me))["rsp_code"] == "A0000"
    refreshed = await _token(
        api, grant_type="refresh_token", refresh_token=user["refresh_token"], scope="login inquiry"
    )
    assert set(refreshed) == {
        "access_token", "token_type", "expires_in", "refresh_token", "scope", "user_seq_no",
    }  # fmt: skip
    assert refreshed["scope"] == "login inquiry" and refreshed["user_seq_no"] == user["user_seq_no"]
    old = await api.get("/v2.0/user/me", user["access_token"], **me)
    assert old == {"rsp_code": "O0002", "rsp_message": "Access Token 거부"}
    new_token = str(refreshed["access_token"])
    assert (await api.get("/v2.0/user/me", new_token, **me))["rsp_code"] == "A0000"
    reused = await _token(api, grant_type="refresh_token", refresh_token=user["refresh_token"])
    assert reused["rsp_code"] == "O0001"
    demo = await api.demo()
    resp = await api.http.post(
        "/oauth/2.0/revoke",
        data={
            "client_id": demo["client_id"],
            "client_secret": demo["client_secret"],
            "access_token": new_token,
        },
    )
    assert (await resp.json())["rsp_code"] == "A0000"
    assert (await api.get("/v2.0/user/me", new_token, **me))["rsp_code"] == "O0002"


async def test_tokens_expire_on_the_simulated_clock(api: Api) -> None:
    token = await api.token()
    assert (await api.get("/v2.0/bank/status", token))["rsp_code"] == "A0000"
    await api.advance(shift="89d23h")
    assert (await api.get("/v2.0/bank/status", token))["rsp_code"] == "A0000"
    await api.advance(shift="1h")
    assert await api.get("/v2.0/bank/status", token) == {
        "rsp_code": "O0003",
        "rsp_message": "Access Token 만료",
    }


@pytest.mark.parametrize(
    ("header", "code"),
    [(None, "O0001"), ("Basic abc", "O0002"), ("Bearer nonsense", "O0002")],
)
async def test_business_api_without_a_valid_bearer(api: Api, header: str | None, code: str) -> None:
    headers = {"Authorization": header} if header else {}
    resp = await api.http.get("/v2.0/bank/status", headers=headers)
    assert (await resp.json())["rsp_code"] == code


async def test_bearer_without_a_space_is_refused_with_a_hint(api: Api) -> None:
    token = await api.token()
    resp = await api.http.get("/v2.0/bank/status", headers={"Authorization": f"Bearer{token}"})
    assert (await resp.json())["rsp_code"] == "O0002"
    assert "one space" in resp.headers["X-Testbed-Warning"]


async def test_wrong_scope_is_o0011(api: Api) -> None:
    token = await api.token("oob")
    user = await api.user()
    fin = user["accounts"][0]["fintech_use_num"]
    demo = await api.demo()
    body = await api.get(
        "/v2.0/account/balance/fin_num",
        token,
        bank_tran_id=api.tran_id(demo["client_use_code"]),
        fintech_use_num=fin,
        tran_dtime="20260302100000",
    )
    assert body == {"rsp_code": "O0011", "rsp_message": "허용되지 않은 Scope 입니다."}


async def test_unknown_api_and_wrong_method(api: Api) -> None:
    token = await api.token()
    headers = {"Authorization": f"Bearer {token}"}
    assert (await (await api.http.get("/v2.0/nothing/here", headers=headers)).json())[
        "rsp_code"
    ] == "O0005"
    assert (await (await api.http.post("/v2.0/bank/status", headers=headers)).json())[
        "rsp_code"
    ] == "O0010"
