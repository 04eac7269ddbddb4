"""What public clients send that the testbed once refused or misread, and what they read:
each case is one a real client was seen to hit (docs/compatibility.md gives the evidence)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, assert_envelope
from tests.api.test_inquiry_and_returns import DTIME, TODAY, Fintech

WARNING = "X-Testbed-Warning"


@pytest.fixture
async def fintech(api: Api) -> Fintech:
    return Fintech(api, await api.demo())


async def _raw(api: Api, method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
    resp = await api.http.request(method, path, headers=headers, **kw)
    assert resp.status == 200
    return resp, await resp.json()


async def test_a_lowercase_bearer_scheme_is_accepted_with_a_warning(api: Api) -> None:
    token = await api.token("oob")
    resp, body = await _raw(api, "GET", "/v2.0/bank/status", {"Authorization": f"bearer {token}"})
    assert_envelope(body)
    assert "'bearer' accepted; KFTC writes 'Bearer'" in resp.headers[WARNING]


async def test_bearer_with_no_token_is_still_refused(api: Api) -> None:
    _, body = await _raw(api, "GET", "/v2.0/bank/status", {"Authorization": "bearer "})
    assert body["rsp_code"] == "O0002"


async def test_every_answer_says_utf_8_as_the_gateway_writes_it(api: Api) -> None:
    token = await api.token("oob")
    resp, _ = await _raw(api, "GET", "/v2.0/bank/status", {"Authorization": f"Bearer {token}"})
    assert resp.headers["Content-Type"] == "application/json; charset=UTF-8"
    refused, _ = await _raw(api, "GET", "/v2.0/bank/status", {})
    assert refused.headers["Content-Type"] == "application/json; charset=UTF-8"


async def test_a_misspelt_field_is_named_with_the_field_it_looks_like(
    api: Api, fintech: Fintech
) -> None:
    user = await api.user()
    fin = user["accounts"][0]["fintech_use_num"]
    body = {
        "bank_tran_id": fintech.tran_id(),
        "cntr_account_type": "N",
        "cntr_account_num": fintech.contract["withdraw"]["account_num"],
        "dps_print_content": "포인트충전",
        "fintech_use_num": fin,
        "wd_print_contnet": "핀테크충전",  # misspelt, optional: ignored, with the hint
        "tran_amt": "1000",
        "tran_dtime": DTIME,
        "req_client_nmae": user["name"],  # misspelt, required: refused, with the hint
        "req_client_fintech_use_num": fin,
        "req_client_num": "MEMBER0001",
        "transfer_purpose": "RC",
        "whatever": "1",
    }
    headers = {"Authorization": f"Bearer {user['access_token']}"}
    resp, answer = await _raw(api, "POST", "/v2.0/transfer/withdraw/fin_num", headers, json=body)
    assert answer["rsp_code"] == "A0004" and "req_client_name" in answer["rsp_message"]
    warning = resp.headers[WARNING]
    assert "req_client_nmae: did you mean req_client_name?" in warning
    assert "wd_print_contnet: did you mean wd_print_content?" in warning
    assert "unknown field(s) ignored: whatever" in warning


async def test_a_misspelt_req_list_field_is_named_with_its_item(api: Api, fintech: Fintech) -> None:
    user = await api.user()
    token = await api.token("oob")
    item = {
        "tran_no": "1",
        "bank_tran_id": fintech.tran_id(),
        "fintech_use_num": user["accounts"][0]["fintech_use_num"],
        "print_contnet": "환불",
        "print_content": "환불",
        "tran_amt": "1000",
        "req_client_name": "홍길동",
        "req_client_fintech_use_num": user["accounts"][0]["fintech_use_num"],
        "req_client_num": "MEMBER0001",
        "transfer_purpse": "TR",
    }
    body = {
        "cntr_account_type": "N",
        "cntr_account_num": fintech.contract["deposit"]["account_num"],
        "wd_pass_phrase": "NONE",
        "wd_print_content": "환불",
        "tran_dtime": DTIME,
        "req_cnt": "1",
        "req_list": [item],
    }
    headers = {"Authorization": f"Bearer {token}"}
    resp, answer = await _raw(api, "POST", "/v2.0/transfer/deposit/fin_num", headers, json=body)
    assert answer["rsp_code"] == "A0004"  # transfer_purpose is required
    warning = resp.headers[WARNING]
    assert "req_list[0].transfer_purpse: did you mean transfer_purpose?" in warning
    # print_content was sent too: the extra field is not taken for a typo of it
    assert "unknown field(s) ignored: req_list[0].print_contnet" in warning


async def test_receive_takes_no_tran_dtime(api: Api, fintech: Fintech) -> None:
    user = await api.user()
    account = user["accounts"][0]
    body = fintech.receive_body(account["bank_code"], account["account_num"])
    del body["tran_dtime"]
    answer = await api.post("/v2.0/inquiry/receive", await api.token("oob"), body)
    assert_envelope(answer)
    assert answer["account_num_masked"].endswith("***") and answer["rsp_code"] == "A0000"


async def test_receive_names_the_payee_by_fintech_use_num(api: Api, fintech: Fintech) -> None:
    user = await api.user()
    account = user["accounts"][0]
    token = await api.token("oob")
    body = fintech.receive_body("", "", fintech_use_num=account["fintech_use_num"])
    del body["bank_code_std"], body["account_num"]
    answer = await api.post("/v2.0/inquiry/receive", token, body)
    assert_envelope(answer)
    assert answer["account_holder_name"] == user["name"]
    assert answer["bank_code_std"] == account["bank_code"]
    # the institution knows a registered account by its fintech_use_num only
    assert answer["account_num"] != account["account_num"]
    assert answer["account_num"].endswith("***")

    both = fintech.receive_body(
        account["bank_code"], account["account_num"], fintech_use_num=account["fintech_use_num"]
    )
    refused = await api.post("/v2.0/inquiry/receive", token, both)
    assert refused["rsp_code"] == "A0004" and "not both" in refused["rsp_message"]
    neither = fintech.receive_body("", "")
    del neither["bank_code_std"], neither["account_num"]
    refused = await api.post("/v2.0/inquiry/receive", token, neither)
    assert refused["rsp_code"] == "A0004" and "required" in refused["rsp_message"]
    stranger = fintech.receive_body("", "", fintech_use_num="1" + "0" * 23)
    del stranger["bank_code_std"], stranger["account_num"]
    assert (await api.post("/v2.0/inquiry/receive", token, stranger))["rsp_code"] == "A0304"


async def test_an_old_hard_coded_tran_dtime_is_accepted_with_the_simulated_time(
    api: Api, fintech: Fintech
) -> None:
    user = await api.user()
    params = {
        "bank_tran_id": fintech.tran_id(),
        "fintech_use_num": user["accounts"][0]["fintech_use_num"],
        "tran_dtime": "20190101120000",  # as public samples hard-code it
    }
    headers = {"Authorization": f"Bearer {user['access_token']}"}
    resp, body = await _raw(api, "GET", "/v2.0/account/balance/fin_num", headers, params=params)
    assert_envelope(body)
    assert (
        "tran_dtime 20190101120000 is far from the testbed's simulated time"
        in (resp.headers[WARNING])
    )
    assert "20260302" in resp.headers[WARNING]
    params["bank_tran_id"], params["tran_dtime"] = fintech.tran_id(), DTIME
    resp, body = await _raw(api, "GET", "/v2.0/account/balance/fin_num", headers, params=params)
    assert_envelope(body)
    assert WARNING not in resp.headers


def _result_item(n: int, tran_id: str, date: str, amount: str) -> dict[str, str]:
    return {
        "tran_no": str(n),
        "org_bank_tran_id": tran_id,
        "org_bank_tran_date": date,
        "org_tran_amt": amount,
    }


async def test_transfer_result_of_an_unknown_transfer(api: Api, fintech: Fintech) -> None:
    """One transfer asked for and none found: A0310. Among several: A0009, and the unknown
    one's item says 이체내역 없음 (the README says the same)."""
    user = await api.user()
    done = await fintech.withdraw(user, 1000)
    assert_envelope(done)
    token = await api.token("oob")
    unknown = fintech.tran_id()

    async def ask(*items: dict[str, str]) -> tuple[Any, Any]:
        body = {"check_type": "1", "tran_dtime": DTIME, "req_cnt": str(len(items))}
        headers = {"Authorization": f"Bearer {token}"}
        return await _raw(
            api, "POST", "/v2.0/transfer/result", headers, json={**body, "req_list": list(items)}
        )

    _, alone = await ask(_result_item(1, unknown, TODAY, "1000"))
    assert alone["rsp_code"] == "A0310" and alone["res_list"] == []
    _, mixed = await ask(
        _result_item(1, done["bank_tran_id"], TODAY, "1000"), _result_item(2, unknown, TODAY, "5")
    )
    assert mixed["rsp_code"] == "A0009" and mixed["res_cnt"] == "2"
    found, missing = mixed["res_list"]
    assert found["bank_rsp_code"] == "000" and found["tran_amt"] == "1000"
    assert missing["bank_rsp_message"] == "이체내역 없음" and missing["wd_bank_code_std"] == ""

    # a client that dates the transfer by its own wall clock is told where it is
    resp, wrong_day = await ask(_result_item(1, done["bank_tran_id"], "20191231", "1000"))
    assert wrong_day["rsp_code"] == "A0310"
    warning = resp.headers[WARNING]
    assert f"{done['bank_tran_id']}: no transfer on 20191231; the testbed has it on {TODAY}" in (
        warning
    )
