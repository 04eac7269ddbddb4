"""The parts of the gateway's orders (`testbed.network.gateway.orders`) that several APIs
build alike from a request's checked fields: the requesting customer (요청고객) and the
약정계좌 a request names. Each API module builds the rest of its own order."""

from __future__ import annotations

from collections.abc import Mapping

from testbed.network.gateway.orders import ContractRef, RequestingCustomer


def requesting_customer(fields: Mapping[str, str], warnings: list[str]) -> RequestingCustomer:
    """The req_client_* fields (and transfer_purpose) of a transfer or payee check. KFTC's
    sample spells sub_frnc_business_num with a double s: read, and the client told."""
    if fields.get("sub_frnc_bussiness_num"):
        warnings.append(
            "sub_frnc_bussiness_num (KFTC's sample spelling) read as sub_frnc_business_num"
        )
    return RequestingCustomer(
        name=fields["req_client_name"],
        bank_code=fields.get("req_client_bank_code", ""),
        account_num=fields.get("req_client_account_num", ""),
        fintech_use_num=fields.get("req_client_fintech_use_num", ""),
        num=fields["req_client_num"],
        transfer_purpose=fields.get("transfer_purpose", ""),
    )


def contract_ref(fields: Mapping[str, str]) -> ContractRef:
    """cntr_account_type and cntr_account_num: the caller's 약정계좌 the request names."""
    return ContractRef(
        cntr_account_type=fields["cntr_account_type"], cntr_account_num=fields["cntr_account_num"]
    )
