"""user/unlink, user/close, account/update_info, account/cancel, user/register,
account/update, account/info."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.conftest import BANK_BLOCK, ENVELOPE, Api, assert_envelope, assert_strings

DTIME = "20260302100000"
GATEWAY = {"rsp_code", "rsp_message"}
END_USER = ENVELOPE | {"client_use_code", "user_seq_no"}
REGISTRATION = {
    "user_seq_no",
    "fintech_use_num",
    "bank_code_std",
    "bank_name",
    "account_num_masked",
}
CONSENTS = {"inquiry_agree_yn", "inquiry_agree_dtime", "transfer_agree_yn", "transfer_agree_dtime"}


async def _code(api: Api, index: int = 0) -> str:
    code: str = (await api.demo(index))["client_use_code"]
    return code


async def _me(api: Api, token: str, user: dict[str, Any]) -> dict[str, Any]:
    return await api.get("/v2.0/user/me", token, user_seq_no=user["user_seq_no"])


async def _listed(api: Api, token: str, user: dict[str, Any]) -> dict[str, Any]:
    return await api.get(
        "/v2.0/account/list", token, user_seq_no=user["user_seq_no"], include_cancel_yn="Y"
    )


async def _balance(api: Api, token: str, fintech_use_num: str, index: int = 0) -> dict[str, Any]:
    return await api.get(
        "/v2.0/account/balance/fin_num",
        token,
        bank_tran_id=api.tran_id(await _code(api, index)),
        fintech_use_num=fintech_use_num,
        tran_dtime=DTIME,
    )


# --- user/unlink, user/close ------------------------------------------------------------


async def test_user_unlink_ends_every_registration(api: Api) -> None:
    user = await api.user([{"bank_code": "088"}, {"bank_code": "004"}])
    other = await api.user(name="박밥")
    code = await _code(api)
    token = user["access_token"]
    body = await api.post(
        "/v2.0/user/unlink", token, {"client_use_code": code, "user_seq_no": user["user_seq_no"]}
    )
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == END_USER
    assert body["client_use_code"] == code and body["user_seq_no"] == user["user_seq_no"]
    me = await _me(api, token, user)
    assert me["rsp_code"] == "A0000" and me["res_cnt"] == "0" and me["res_list"] == []
    listed = await _listed(api, token, user)
    assert [i["account_state"] for i in listed["res_list"]] == ["09", "09"]
    assert {i["inquiry_agree_yn"] for i in listed["res_list"]} == {"N"}
    fin = user["accounts"][0]["fintech_use_num"]
    assert (await _balance(api, token, fin))["rsp_code"] == "A0304"
    assert (await _me(api, other["access_token"], other))["res_cnt"] == "1"  # others untouched


async def test_user_unlink_takes_a_login_token_only(api: Api) -> None:
    no_login = await api.user(scope="inquiry transfer")
    mine = await api.user(index=1)
    tokens = [
        (no_login["access_token"], no_login, 0),
        (await api.token("oob"), no_login, 0),
        (await api.token("sa", index=1), mine, 1),
    ]
    for token, user, index in tokens:
        body = await api.post(
            "/v2.0/user/unlink",
            token,
            {"client_use_code": await _code(api, index), "user_seq_no": user["user_seq_no"]},
        )
        assert body == {"rsp_code": "O0011", "rsp_message": "허용되지 않은 Scope 입니다."}
    assert (await _me(api, mine["access_token"], mine))["res_cnt"] == "1"


async def test_user_unlink_refusals_change_nothing(api: Api) -> None:
    alice = await api.user(name="김앨리스")
    bob = await api.user(name="박밥")
    code = await _code(api)
    token = alice["access_token"]
    cases = [
        ({"client_use_code": code, "user_seq_no": bob["user_seq_no"]}, "A0313", ""),
        (
            {"client_use_code": await _code(api, 1), "user_seq_no": alice["user_seq_no"]},
            "A0004",
            "client_use_code",
        ),
        ({"client_use_code": code[:5], "user_seq_no": alice["user_seq_no"]}, "A0004", "client"),
        ({"client_use_code": code}, "A0004", "user_seq_no"),
    ]
    for request, rsp_code, phrase in cases:
        body = await api.post("/v2.0/user/unlink", token, request)
        assert body["rsp_code"] == rsp_code, (request, body)
        assert phrase in body["rsp_message"]
        assert set(body) == ENVELOPE
    assert (await _me(api, token, alice))["res_cnt"] == "1"
    assert (await _me(api, bob["access_token"], bob))["res_cnt"] == "1"


async def test_user_close_with_a_login_token(api: Api) -> None:
    user = await api.user([{"bank_code": "088"}, {"bank_code": "020"}])
    code = await _code(api)
    token = user["access_token"]
    request = {"client_use_code": code, "user_seq_no": user["user_seq_no"]}
    body = await api.post("/v2.0/user/close", token, request)
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == END_USER and body["user_seq_no"] == user["user_seq_no"]
    assert (await _me(api, token, user))["res_list"] == []
    assert {i["account_state"] for i in (await _listed(api, token, user))["res_list"]} == {"09"}
    again = await api.post("/v2.0/user/close", token, request)  # ⚠ idempotent
    assert again["rsp_code"] == "A0000"


async def test_user_close_with_an_sa_token(api: Api) -> None:
    theirs = await api.user(index=1)
    outsider = await api.user()  # a user of the other institution only
    sa = await api.token("sa", index=1)
    code = await _code(api, 1)
    refused = await api.post(
        "/v2.0/user/close", sa, {"client_use_code": code, "user_seq_no": outsider["user_seq_no"]}
    )
    assert refused["rsp_code"] == "A0313"
    assert (await _me(api, outsider["access_token"], outsider))["res_cnt"] == "1"
    body = await api.post(
        "/v2.0/user/close", sa, {"client_use_code": code, "user_seq_no": theirs["user_seq_no"]}
    )
    assert body["rsp_code"] == "A0000" and set(body) == END_USER
    assert (await _me(api, sa, theirs))["res_cnt"] == "0"
    assert [i["account_state"] for i in (await _listed(api, sa, theirs))["res_list"]] == ["09"]
    oob = await api.post(
        "/v2.0/user/close",
        await api.token("oob"),
        {"client_use_code": await _code(api), "user_seq_no": outsider["user_seq_no"]},
    )
    assert set(oob) == GATEWAY and oob["rsp_code"] == "O0011"


# --- account/update_info ----------------------------------------------------------------


async def test_update_info_changes_the_alias(api: Api) -> None:
    user = await api.user()
    fin = user["accounts"][0]["fintech_use_num"]
    token = user["access_token"]
    body = await api.post(
        "/v2.0/account/update_info", token, {"fintech_use_num": fin, "account_alias": "생활비 통장"}
    )
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | {"fintech_use_num", "account_alias"}
    assert body["fintech_use_num"] == fin and body["account_alias"] == "생활비 통장"
    (item,) = (await _me(api, token, user))["res_list"]
    assert item["account_alias"] == "생활비 통장"


async def test_update_info_refusals(api: Api) -> None:
    user = await api.user()
    neighbour = await api.user(name="박밥")
    elsewhere = await api.user(index=1)
    token = user["access_token"]
    fin = user["accounts"][0]["fintech_use_num"]
    cases = [
        ({"fintech_use_num": fin, "account_alias": "가" * 51}, "A0004", "account_alias"),
        ({"fintech_use_num": fin}, "A0004", "account_alias"),
        ({"fintech_use_num": "1" * 24, "account_alias": "x"}, "A0304", ""),
        (
            {"fintech_use_num": elsewhere["accounts"][0]["fintech_use_num"], "account_alias": "x"},
            "A0304",
            "",
        ),
        (
            {"fintech_use_num": neighbour["accounts"][0]["fintech_use_num"], "account_alias": "x"},
            "A0313",
            "",
        ),
    ]
    for request, rsp_code, phrase in cases:
        body = await api.post("/v2.0/account/update_info", token, request)
        assert body["rsp_code"] == rsp_code and phrase in body["rsp_message"], body
    sa = await api.post(
        "/v2.0/account/update_info",
        await api.token("sa", index=1),
        {"fintech_use_num": elsewhere["accounts"][0]["fintech_use_num"], "account_alias": "x"},
    )
    assert set(sa) == GATEWAY and sa["rsp_code"] == "O0011"
    for someone in (user, neighbour, elsewhere):
        (item,) = (await _me(api, someone["access_token"], someone))["res_list"]
        assert item["account_alias"] != "x" and item["account_alias"] != "가" * 51


# --- account/cancel ---------------------------------------------------------------------


async def _cancel(
    api: Api, token: str, fin: str, scope: str, index: int = 0, tran_id: str = ""
) -> dict[str, Any]:
    return await api.post(
        "/v2.0/account/cancel",
        token,
        {
            "bank_tran_id": tran_id or api.tran_id(await _code(api, index)),
            "scope": scope,
            "fintech_use_num": fin,
        },
    )


async def test_account_cancel_consent_by_consent(api: Api) -> None:
    user = await api.user([{"bank_code": "088", "balance": 1000}])
    token = user["access_token"]
    fin = user["accounts"][0]["fintech_use_num"]
    tran_id = api.tran_id(await _code(api))
    body = await _cancel(api, token, fin, "inquiry", tran_id=tran_id)
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | BANK_BLOCK
    assert body["bank_tran_id"] == tran_id and body["bank_tran_date"] == "20260302"
    assert body["bank_code_tran"] == "088" and body["bank_rsp_code"] == "000"
    (item,) = (await _me(api, token, user))["res_list"]
    assert (item["inquiry_agree_yn"], item["inquiry_agree_dtime"]) == ("N", "")
    assert item["transfer_agree_yn"] == "Y"
    assert (await _balance(api, token, fin))["rsp_code"] == "A0305"

    assert (await _cancel(api, token, fin, "transfer"))["rsp_code"] == "A0000"
    assert (await _me(api, token, user))["res_cnt"] == "0"
    current = await api.get("/v2.0/account/list", token, user_seq_no=user["user_seq_no"])
    assert current["res_list"] == []
    (cancelled,) = (await _listed(api, token, user))["res_list"]
    assert cancelled["fintech_use_num"] == fin and cancelled["account_state"] == "09"

    again = await _cancel(api, token, fin, "transfer")
    assert set(again) == ENVELOPE | BANK_BLOCK
    assert again["rsp_code"] == "A0002" and again["bank_code_tran"] == "088"
    assert (again["bank_rsp_code"], again["bank_rsp_message"]) == ("551", "기 해지 사용자")


async def test_account_cancel_of_a_consent_never_given_is_551(api: Api) -> None:
    user = await api.user([{"bank_code": "004", "transfer": False}])
    token = user["access_token"]
    body = await _cancel(api, token, user["accounts"][0]["fintech_use_num"], "transfer")
    assert body["rsp_code"] == "A0002" and body["bank_rsp_code"] == "551"
    (item,) = (await _me(api, token, user))["res_list"]  # still registered for inquiry
    assert item["inquiry_agree_yn"] == "Y"


async def test_account_cancel_refusals_change_nothing(api: Api) -> None:
    user = await api.user()
    neighbour = await api.user(name="박밥")
    elsewhere = await api.user(index=1)
    token = user["access_token"]
    fin = user["accounts"][0]["fintech_use_num"]
    code = await _code(api)
    cases = [
        (fin, "login", "", "A0004", "scope"),
        (fin, "inquiry", "X123456789U000000001", "A0004", "bank_tran_id"),
        ("1" * 24, "inquiry", "", "A0304", ""),
        (elsewhere["accounts"][0]["fintech_use_num"], "inquiry", "", "A0304", ""),
        (neighbour["accounts"][0]["fintech_use_num"], "inquiry", "", "A0313", ""),
    ]
    for fintech_use_num, scope, tran_id, rsp_code, phrase in cases:
        body = await _cancel(api, token, fintech_use_num, scope, tran_id=tran_id)
        assert body["rsp_code"] == rsp_code and phrase in body["rsp_message"], body
    no_login = await api.user(scope="inquiry transfer")
    refused = await _cancel(
        api, no_login["access_token"], no_login["accounts"][0]["fintech_use_num"], "inquiry"
    )
    assert set(refused) == GATEWAY and refused["rsp_code"] == "O0011"
    for someone in (user, neighbour, elsewhere):
        (item,) = (await _me(api, someone["access_token"], someone))["res_list"]
        assert item["inquiry_agree_yn"] == item["transfer_agree_yn"] == "Y"

    tran_id = api.tran_id(code)
    assert (await _cancel(api, token, fin, "inquiry", tran_id=tran_id))["rsp_code"] == "A0000"
    duplicate = await _cancel(api, token, fin, "transfer", tran_id=tran_id)
    assert duplicate["rsp_code"] == "A0326"
    (item,) = (await _me(api, token, user))["res_list"]
    assert item["transfer_agree_yn"] == "Y"


async def test_account_cancel_with_an_sa_token(api: Api) -> None:
    theirs = await api.user(index=1)
    sa = await api.token("sa", index=1)
    fin = theirs["accounts"][0]["fintech_use_num"]
    for scope in ("inquiry", "transfer"):
        assert (await _cancel(api, sa, fin, scope, index=1))["rsp_code"] == "A0000"
    assert (await _me(api, sa, theirs))["res_cnt"] == "0"
    assert (await _cancel(api, sa, fin, "inquiry", index=1))["bank_rsp_code"] == "551"


# --- user/register (sa) -----------------------------------------------------------------


def _register_body(api: Api, code: str, person: dict[str, Any], **change: str) -> dict[str, str]:
    account = person["accounts"][0]
    return {
        "bank_tran_id": api.tran_id(code),
        "bank_code_std": account["bank_code"],
        "register_account_num": account["account_num"],
        "user_info": "19900101",
        "user_name": person["name"],
        "user_ci": person["user_ci"],
        "user_email": "hong@example.com",
        "scope": "inquiry",
        "info_prvd_agmt_yn": "Y",
        "wd_agmt_yn": "",
        "agmt_data_type": "",
        "tran_dtime": DTIME,
        **change,
    }


def _info_body(api: Api, code: str, person: dict[str, Any], **change: str) -> dict[str, str]:
    account = person["accounts"][0]
    return {
        "bank_tran_id": api.tran_id(code),
        "user_seq_no": person["user_seq_no"],
        "bank_code_std": account["bank_code"],
        "account_num": account["account_num"],
        "scope": "inquiry",
        **change,
    }


async def test_user_register(api: Api) -> None:
    person = await api.user([{"bank_code": "004", "balance": 50_000}])  # institution 0 only
    sa = await api.token("sa", index=1)
    code = await _code(api, 1)
    request = _register_body(api, code, person)
    body = await api.post("/v2.0/user/register", sa, request)
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | BANK_BLOCK | REGISTRATION
    assert body["user_seq_no"] == person["user_seq_no"]
    assert re.fullmatch("1" + code[1:] + r"\d{14}", body["fintech_use_num"])
    assert body["fintech_use_num"] != person["accounts"][0]["fintech_use_num"]
    assert (body["bank_code_std"], body["bank_name"]) == ("004", "KB국민은행")
    assert re.fullmatch(r"\d{3}-\d+-\*\*\*", body["account_num_masked"])
    assert body["bank_tran_id"] == request["bank_tran_id"] and body["bank_code_tran"] == "004"
    assert body["bank_rsp_code"] == "000"

    (item,) = (await _me(api, sa, person))["res_list"]
    assert item["fintech_use_num"] == body["fintech_use_num"]
    assert (item["inquiry_agree_yn"], item["transfer_agree_yn"]) == ("Y", "N")
    again = await api.post("/v2.0/user/register", sa, _register_body(api, code, person))
    assert again["rsp_code"] == "A0324"
    transfer = _register_body(
        api, code, person, scope="transfer", info_prvd_agmt_yn="", wd_agmt_yn="Y"
    )
    added = await api.post("/v2.0/user/register", sa, transfer)
    assert added["rsp_code"] == "A0000" and added["fintech_use_num"] == body["fintech_use_num"]
    (item,) = (await _me(api, sa, person))["res_list"]
    assert (item["inquiry_agree_yn"], item["transfer_agree_yn"]) == ("Y", "Y")
    transfer["bank_tran_id"] = api.tran_id(code)
    assert (await api.post("/v2.0/user/register", sa, transfer))["rsp_code"] == "A0325"
    both = _register_body(api, code, person, scope="inquiry transfer", wd_agmt_yn="Y")
    assert (await api.post("/v2.0/user/register", sa, both))["rsp_code"] == "A0324"


async def test_user_register_both_scopes_at_once(api: Api) -> None:
    person = await api.user([{"bank_code": "088"}])
    sa = await api.token("sa", index=1)
    code = await _code(api, 1)
    body = await api.post(
        "/v2.0/user/register",
        sa,
        _register_body(
            api, code, person, scope="inquiry transfer", wd_agmt_yn="Y", agmt_data_type="1"
        ),
    )
    assert body["rsp_code"] == "A0000"
    info = await api.post(
        "/v2.0/account/info", sa, _info_body(api, code, person, scope="inquiry transfer")
    )
    assert (info["inquiry_agree_yn"], info["transfer_agree_yn"]) == ("Y", "Y")


@pytest.mark.parametrize(
    ("change", "rsp_code", "phrase"),
    [
        ({"user_name": "김철수"}, "A0312", "user_name"),
        ({"user_info": "19910101"}, "A0002", ""),
        ({"register_account_num": "9999999999"}, "A0002", ""),
        ({"bank_code_std": "999"}, "A0004", "bank_code_std"),
        ({"register_account_num": ""}, "A0004", "register_account_num"),
        ({"user_info": "19901301"}, "A0004", "user_info"),
        ({"scope": "login"}, "A0004", "scope"),
        ({"scope": "inquiry inquiry"}, "A0004", "scope"),
        ({"agmt_data_type": "9"}, "A0004", "agmt_data_type"),
        ({"info_prvd_agmt_yn": "N"}, "A0305", "info_prvd_agmt_yn"),
        ({"scope": "transfer", "wd_agmt_yn": ""}, "A0306", "wd_agmt_yn"),
        ({"user_ci": "not-the-holders-ci"}, "A0313", "user_ci"),
    ],
)
async def test_user_register_refusals_register_nothing(
    api: Api, change: dict[str, str], rsp_code: str, phrase: str
) -> None:
    person = await api.user([{"bank_code": "020"}])
    sa = await api.token("sa", index=1)
    code = await _code(api, 1)
    body = await api.post("/v2.0/user/register", sa, _register_body(api, code, person, **change))
    assert body["rsp_code"] == rsp_code and phrase in body["rsp_message"], body
    if rsp_code == "A0002":
        expected = "815" if "user_info" in change else "412"
        assert body["bank_rsp_code"] == expected and body["bank_code_tran"] == "020"
        assert set(body) == ENVELOPE | BANK_BLOCK
    info = await api.post("/v2.0/account/info", sa, _info_body(api, code, person))
    assert info["rsp_code"] == "A0323"


async def test_user_register_takes_an_sa_token_only(api: Api) -> None:
    person = await api.user([{"bank_code": "020"}])
    own = await api.user(index=1)
    for token, index in (
        (await api.token("oob"), 0),
        (await api.token("oob", index=1), 1),
        (own["access_token"], 1),
    ):
        body = await api.post(
            "/v2.0/user/register", token, _register_body(api, await _code(api, index), person)
        )
        assert set(body) == GATEWAY and body["rsp_code"] == "O0011"


async def test_a_client_account_cannot_be_registered(api: Api) -> None:
    demo = await api.demo(1)
    contract = next(a for a in demo["contract_accounts"] if a["purpose"] == "withdraw")
    sa = await api.token("sa", index=1)
    fake = {
        "name": demo["name"],
        "user_ci": "x" * 88,
        "accounts": [{"bank_code": contract["bank_code"], "account_num": contract["account_num"]}],
    }
    body = await api.post(
        "/v2.0/user/register", sa, _register_body(api, demo["client_use_code"], fake)
    )
    # the holder's number is a business registration number, not a birth date
    assert body["rsp_code"] == "A0002" and body["bank_rsp_code"] == "815"


# --- account/info, account/update (sa) --------------------------------------------------


async def test_account_info(api: Api) -> None:
    theirs = await api.user([{"bank_code": "081", "transfer": False}], index=1)
    sa = await api.token("sa", index=1)
    code = await _code(api, 1)
    request = _info_body(api, code, theirs)
    body = await api.post("/v2.0/account/info", sa, request)
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | BANK_BLOCK | REGISTRATION | CONSENTS
    assert body["fintech_use_num"] == theirs["accounts"][0]["fintech_use_num"]
    assert body["user_seq_no"] == theirs["user_seq_no"] and body["bank_code_std"] == "081"
    assert body["bank_tran_id"] == request["bank_tran_id"] and body["bank_code_tran"] == "081"
    assert body["inquiry_agree_yn"] == "Y" and re.fullmatch(r"\d{14}", body["inquiry_agree_dtime"])
    assert (body["transfer_agree_yn"], body["transfer_agree_dtime"]) == ("N", "")
    not_for_transfer = await api.post(
        "/v2.0/account/info", sa, _info_body(api, code, theirs, scope="transfer")
    )
    assert not_for_transfer["rsp_code"] == "A0323"


async def test_account_info_refusals(api: Api) -> None:
    theirs = await api.user(index=1)
    other = await api.user(index=1, name="박밥")
    outsider = await api.user()
    sa = await api.token("sa", index=1)
    code = await _code(api, 1)
    cases = [
        (_info_body(api, code, outsider), "A0323", ""),
        (_info_body(api, code, theirs, user_seq_no=other["user_seq_no"]), "A0313", ""),
        (_info_body(api, code, theirs, bank_code_std="999"), "A0004", "bank_code_std"),
        (_info_body(api, code, theirs, account_num=""), "A0004", "account_num"),
        (_info_body(api, code, theirs, scope=""), "A0004", "scope"),
    ]
    for request, rsp_code, phrase in cases:
        body = await api.post("/v2.0/account/info", sa, request)
        assert body["rsp_code"] == rsp_code and phrase in body["rsp_message"], body
    for token in (theirs["access_token"], await api.token("oob", index=1)):
        body = await api.post("/v2.0/account/info", token, _info_body(api, code, theirs))
        assert set(body) == GATEWAY and body["rsp_code"] == "O0011"
    fin = theirs["accounts"][0]["fintech_use_num"]
    for scope in ("inquiry", "transfer"):
        await _cancel(api, sa, fin, scope, index=1)
    cancelled = await api.post("/v2.0/account/info", sa, _info_body(api, code, theirs))
    assert cancelled["rsp_code"] == "A0323"


async def test_account_update_renews_consent_and_email(api: Api) -> None:
    theirs = await api.user([{"bank_code": "088", "transfer": False}], index=1)
    sa = await api.token("sa", index=1)
    code = await _code(api, 1)
    before = await api.post("/v2.0/account/info", sa, _info_body(api, code, theirs))
    await api.advance(shift="1h")
    request = _info_body(api, code, theirs, scope="transfer", update_user_email="new@example.com")
    body = await api.post("/v2.0/account/update", sa, request)
    assert_envelope(body)
    assert_strings(body)
    assert set(body) == ENVELOPE | BANK_BLOCK | REGISTRATION | CONSENTS
    assert body["bank_tran_id"] == request["bank_tran_id"] and body["bank_code_tran"] == "088"
    assert body["transfer_agree_yn"] == "Y" and body["transfer_agree_dtime"] == "20260302110000"
    assert body["inquiry_agree_dtime"] == before["inquiry_agree_dtime"]
    assert (await _me(api, sa, theirs))["user_email"] == "new@example.com"
    renewed = await api.post("/v2.0/account/update", sa, _info_body(api, code, theirs))
    assert renewed["inquiry_agree_dtime"] > before["inquiry_agree_dtime"]
    assert (await _me(api, sa, theirs))["user_email"] == "new@example.com"  # not sent: kept


async def test_account_update_refusals_change_nothing(api: Api) -> None:
    theirs = await api.user(index=1)
    outsider = await api.user()
    sa = await api.token("sa", index=1)
    code = await _code(api, 1)
    before = await api.post("/v2.0/account/info", sa, _info_body(api, code, theirs))
    await api.advance(shift="1h")
    email = "z@example.com"
    cases = [
        (_info_body(api, code, outsider, update_user_email=email), "A0323", ""),
        (_info_body(api, code, theirs, update_user_email="x" * 101), "A0004", "update_user_email"),
        (_info_body(api, code, theirs, scope="inquiry oob"), "A0004", "scope"),
        (
            _info_body(
                api, code, theirs, user_seq_no=outsider["user_seq_no"], update_user_email=email
            ),
            "A0313",
            "",
        ),
    ]
    for request, rsp_code, phrase in cases:
        body = await api.post("/v2.0/account/update", sa, request)
        assert body["rsp_code"] == rsp_code and phrase in body["rsp_message"], body
    login = await api.post(
        "/v2.0/account/update", theirs["access_token"], _info_body(api, code, theirs)
    )
    assert set(login) == GATEWAY and login["rsp_code"] == "O0011"
    after = await api.post("/v2.0/account/info", sa, _info_body(api, code, theirs))
    assert after["inquiry_agree_dtime"] == before["inquiry_agree_dtime"]
    assert (await _me(api, sa, theirs))["user_email"] != email
    assert (await _me(api, outsider["access_token"], outsider))["user_email"] != email


# --- the demand-account rule on the API's doors -----------------------------------------


async def test_user_register_refuses_transfer_consent_on_a_savings_account(api: Api) -> None:
    person = await api.user([{"bank_code": "004", "balance": 10, "account_type": "2"}])
    sa = await api.token("sa", index=1)
    code = await _code(api, 1)
    request = _register_body(
        api, code, person, scope="transfer", info_prvd_agmt_yn="", wd_agmt_yn="Y"
    )
    resp = await api.http.post(
        "/v2.0/user/register", json=request, headers={"Authorization": f"Bearer {sa}"}
    )
    body = await resp.json()
    assert (body["rsp_code"], body["bank_rsp_code"]) == ("A0002", "499")
    assert "(demand) accounts only" in resp.headers["X-Testbed-Warning"]
    inquiry = await api.post("/v2.0/user/register", sa, _register_body(api, code, person))
    assert inquiry["rsp_code"] == "A0000"
    (item,) = (await _me(api, sa, person))["res_list"]
    assert (item["inquiry_agree_yn"], item["transfer_agree_yn"]) == ("Y", "N")


async def test_account_update_refuses_transfer_consent_on_a_savings_account(api: Api) -> None:
    theirs = await api.user([{"bank_code": "088", "account_type": "2"}], index=1)
    sa = await api.token("sa", index=1)
    code = await _code(api, 1)
    body = await api.post(
        "/v2.0/account/update", sa, _info_body(api, code, theirs, scope="transfer")
    )
    assert (body["rsp_code"], body["bank_rsp_code"]) == ("A0002", "499")
    info = await api.post("/v2.0/account/info", sa, _info_body(api, code, theirs))
    assert (info["inquiry_agree_yn"], info["transfer_agree_yn"]) == ("Y", "N")


async def test_the_control_plane_gives_no_transfer_consent_on_a_savings_account(api: Api) -> None:
    person = await api.user(
        [{"bank_code": "088", "balance": 1}, {"bank_code": "088", "account_type": "2"}]
    )
    items = {
        i["fintech_use_num"]: i
        for i in (await _me(api, person["access_token"], person))["res_list"]
    }
    demand, savings = (items[a["fintech_use_num"]] for a in person["accounts"])
    assert demand["transfer_agree_yn"] == "Y" and savings["transfer_agree_yn"] == "N"
