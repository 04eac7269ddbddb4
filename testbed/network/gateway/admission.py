"""The institution side as the gateway serves it (`gateway.admission`): the use case of
`testbed.network.admission` (이용신청, the operator's decision, My Page's changes) with the
tenancy rule, which says whose institutions a developer may see and change.
"""

from __future__ import annotations

from testbed.network.admission import service
from testbed.network.gateway import tenancy
from testbed.network.parties import FintechClient


class Admission(service.Admission):
    """이용신청 and My Page over one world, each developer seeing only their own."""

    def institutions(self, owner: str) -> list[FintechClient]:
        """The institutions `owner`'s approved applications became, oldest first (the
        tenancy rule's: `tenancy.institutions_of`)."""
        return tenancy.institutions_of(self.world, owner) if owner else []

    def institution(self, client_use_code: str, owner: str) -> FintechClient | None:
        """The institution, if one of `owner`'s applications became it; another owner's is
        None too, as if it did not exist."""
        for client in self.institutions(owner):
            if client.client_use_code == client_use_code:
                return client
        return None
