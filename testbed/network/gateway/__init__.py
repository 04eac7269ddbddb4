"""The Open Banking gateway: the model's face for every use case of the API, and the one
place its rules live. Handlers in `testbed.api` parse a request, make one gateway call
with plain values (`orders`: a `WithdrawOrder`, a `HistoryQuery`, ...) and the `Caller`,
and render what it returns; a rule refused is a `Refusal` with its KFTC code.

Where each rule is:

- who calls — the token, its scope, the IP allow-list, the rate: `base.authenticate`
- which account a call names, and the consents it needs: `base.locate`, `registered`,
  `registered_account` (A0304, A0305, A0306, A0313, A0323)
- the bank's answer and its KFTC code, written once: `base.BankAnswer.of` (A0020 centre
  closed, A0017 time-out, the bank's configured codes)
- 약정계좌 (A0322), the requesting customer for AML (`req_client`); an account named by
  bank + account or by fintech_use_num, never both (`base.named_by`)
- bank_tran_id (A0004, A0326), limits (A0101–A0112), fees and retention: the books
  (`testbed.network.books`), called from here
- transfers, their records and the late settlement of a timed-out one: `transfers`
- inquiries (balance, history, real name, payee, remitters): `inquiries`
- registrations (unlink, close, cancel, alias, self-auth register/info/update):
  `registrations`
- 자금반환청구: `returns`; the centre's reports (status, fees, counts, limits): `reports`
- 이용신청 (the portal's): screening against the 승인기준 and 제외대상, grading (차등 운영),
  the operator's decision, and the institution an approved company becomes: `admission`
"""

from __future__ import annotations

from testbed.network.admission.values import ApplicationError, DecisionError, UnknownApplication
from testbed.network.gateway.admission import Admission
from testbed.network.gateway.base import BankAnswer, Caller, GatewayBase
from testbed.network.gateway.inquiries import Inquiries
from testbed.network.gateway.orders import AccountRef, ByAccountNum, ByFintechNum
from testbed.network.gateway.readiness import Readiness, ReadinessError
from testbed.network.gateway.registrations import Registrations
from testbed.network.gateway.reports import Reports
from testbed.network.gateway.returns import Returns
from testbed.network.gateway.transfers import Transfers
from testbed.network.world import World


class Gateway(GatewayBase):
    """Every Open Banking use case over one world, as services: the KFTC API's
    (`transfers`, `inquiries`, `registrations`, `returns`, `reports`) and the institution
    side's (`admission`: 이용신청, the operator's decision, My Page). The rules they share
    (who calls, which account a call names, how a bank's answer reads) are the
    `GatewayBase` each is made of, and the API asks them of the gateway itself
    (`authenticate`, `view`, `locate`). Cheap to make: it holds no state of its own;
    `Runtime.gateway` makes one per world."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.transfers = Transfers(world)
        self.inquiries = Inquiries(world)
        self.registrations = Registrations(world)
        self.returns = Returns(world)
        self.reports = Reports(world)
        self.admission = Admission(world)
        self.readiness = Readiness(world)  # go-live readiness runs and drills


__all__ = [
    "AccountRef",
    "ApplicationError",
    "BankAnswer",
    "ByAccountNum",
    "ByFintechNum",
    "Caller",
    "DecisionError",
    "Gateway",
    "ReadinessError",
    "UnknownApplication",
]
