"""계좌번호 공개 이용기관: an institution allowed the plain account_num gets it in user/me and
account/list items; every other institution (the default) gets exactly what it got before."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


async def _set(api: Api, show: bool, index: int = 0) -> dict[str, Any]:
    demo = await api.demo(index)
    resp = await api.http.post(
        f"/testbed/clients/{demo['client_use_code']}",
        json={"show_account_num": show},
        headers=api.admin,
    )
    assert resp.status == 200, await resp.text()
    terms: dict[str, Any] = await resp.json()
    return terms


async def _items(api: Api, user: dict[str, Any], path: str) -> list[dict[str, Any]]:
    body = await api.get(path, user["access_token"], user_seq_no=user["user_seq_no"])
    assert body["rsp_code"] == "A0000", body
    items: list[dict[str, Any]] = body["res_list"]
    return items


async def test_off_by_default_and_the_answers_are_unchanged(api: Api) -> None:
    assert (await api.demo())["show_account_num"] is False
    user = await api.user([{"bank_code": "088"}, {"bank_code": "004"}])
    for path in ("/v2.0/user/me", "/v2.0/account/list"):
        for item in await _items(api, user, path):
            assert "account_num" not in item
            assert item["account_num_masked"].endswith("***")


async def test_on_user_me_and_account_list_carry_the_plain_number(api: Api) -> None:
    assert (await _set(api, True))["show_account_num"] is True
    user = await api.user([{"bank_code": "088"}, {"bank_code": "004"}])
    numbers = {a["bank_code"]: a["account_num"] for a in user["accounts"]}
    for path in ("/v2.0/user/me", "/v2.0/account/list"):
        items = await _items(api, user, path)
        assert {i["bank_code_std"]: i["account_num"] for i in items} == numbers
        for item in items:
            keys = list(item)  # where KFTC's field list has it: just before the masked one
            assert keys.index("account_num") + 1 == keys.index("account_num_masked")
            assert item["account_num_masked"].endswith("***")


async def test_the_setting_is_the_callers_and_can_be_turned_off(api: Api) -> None:
    await _set(api, True, index=1)  # the self-auth institution, not the caller below
    user = await api.user()
    assert "account_num" not in (await _items(api, user, "/v2.0/user/me"))[0]
    await _set(api, True)
    assert "account_num" in (await _items(api, user, "/v2.0/user/me"))[0]
    await _set(api, False)
    assert "account_num" not in (await _items(api, user, "/v2.0/account/list"))[0]


async def test_balance_stays_without_an_account_num(api: Api) -> None:
    await _set(api, True)
    user = await api.user()
    demo = await api.demo()
    body = await api.get(
        "/v2.0/account/balance/fin_num",
        user["access_token"],
        bank_tran_id=api.tran_id(demo["client_use_code"]),
        fintech_use_num=user["accounts"][0]["fintech_use_num"],
        tran_dtime="20260302100000",
    )
    assert body["rsp_code"] == "A0000" and "account_num" not in body
