"""/openapi.json: a valid OpenAPI 3 document of every route the app serves.

That every KFTC answer matches it is checked by the `api` fixture on every API test.
"""

from __future__ import annotations

from openapi_spec_validator import validate

from testbed.api.routes import OPERATIONS
from testbed.web.routes import document
from tests.api.conftest import Api


async def test_document_is_served_and_valid(api: Api) -> None:
    resp = await api.http.get("/openapi.json")
    assert resp.status == 200
    doc = await resp.json()
    assert doc == document()
    validate(doc)


async def test_every_route_is_documented_and_every_documented_route_exists(api: Api) -> None:
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in api.http.server.app.router.routes()
        if route.method != "HEAD"
        and route.resource is not None
        and not route.resource.canonical.startswith("/static")  # files, not an API
    }
    documented = {(method, path) for path, ops in document()["paths"].items() for method in ops}
    assert served == documented


def test_kftc_operations_are_closed_and_named() -> None:
    ids = [op.operation_id for op in OPERATIONS]
    assert len(ids) == len(set(ids))
    paths = document()["paths"]
    for op in OPERATIONS:
        schema = paths[op.path][op.method.lower()]["responses"]["200"]["content"][
            "application/json"
        ]["schema"]
        assert schema["additionalProperties"] is False
        if "res_list" in op.response.fields:
            assert schema["properties"]["res_list"]["items"]["additionalProperties"] is False
        if op.path.startswith("/v2.0/"):
            assert {"rsp_code", "rsp_message", "api_tran_id", "api_tran_dtm"} <= set(
                op.response.fields
            )
            assert op.scopes, op.path


def test_catalogue_covers_the_reference_catalogue() -> None:
    """The 23 business APIs of the reference (§3.0), with their fin_num/acnt_num variants."""
    paths = {op.path for op in OPERATIONS}
    expected = {
        "/v2.0/user/me", "/v2.0/user/unlink", "/v2.0/account/list", "/v2.0/account/update_info",
        "/v2.0/account/update", "/v2.0/account/info", "/v2.0/account/cancel", "/v2.0/user/close",
        "/v2.0/user/register",
        "/v2.0/account/balance/fin_num", "/v2.0/account/balance/acnt_num",
        "/v2.0/account/transaction_list/fin_num", "/v2.0/account/transaction_list/acnt_num",
        "/v2.0/inquiry/real_name", "/v2.0/inquiry/remit_list", "/v2.0/inquiry/receive",
        "/v2.0/transfer/withdraw/fin_num", "/v2.0/transfer/withdraw/acnt_num",
        "/v2.0/transfer/deposit/fin_num", "/v2.0/transfer/deposit/acnt_num",
        "/v2.0/transfer/result", "/v2.0/return/claim", "/v2.0/return/result",
        "/v2.0/bank/status", "/v2.0/manage/fee", "/v2.0/manage/count", "/v2.0/manage/wd_limit",
        "/v2.0/inquiry/fds_detect", "/oauth/2.0/token", "/oauth/2.0/revoke",
    }  # fmt: skip
    assert expected <= paths
