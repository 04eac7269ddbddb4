"""The operator's pages (운영기관):

- `/operator/applications`: 이용신청 (every application with its screening, and
  approve/reject buttons for those under review);
- `/operator/audit`: 개인정보 처리내역 (the processing log searched by subject, actor,
  action and period, whether its chain verifies, and the monthly review's flags);
- `/operator/transfers`: 자금세탁방지 (transfers with their requesting customer).

Like the dashboard, a page carries no data and needs no token to load: its script
(`static/operator.js`, `static/compliance.js`) takes the admin token from the URL
fragment (`#token=...`) or a small form, keeps it in sessionStorage and calls the
control plane (`/testbed/applications`, `/testbed/audit…`, `/testbed/transfers`) with it
as a bearer token; the compliance pages send the operator's name as `X-Testbed-Operator`,
so the log says who read what.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from testbed.network.admission.rules import EXCLUSIONS, SERVICES
from testbed.store.audit import ACTIONS
from testbed.web.render import PRIVATE_PAGE_HEADERS, render

#: never cached: the pages list applicants, processings and transfers
HEADERS: Final = PRIVATE_PAGE_HEADERS


async def applications_page(request: web.Request) -> web.Response:
    # the names the page gives the applications' keys (제외대상, services): the data
    # itself comes from the control plane with the admin token
    return render(
        request,
        "operator_applications.html",
        headers=HEADERS,
        exclusions=EXCLUSIONS,
        services=SERVICES,
    )


async def audit_page(request: web.Request) -> web.Response:
    return render(request, "operator_audit.html", headers=HEADERS, actions=ACTIONS)


async def transfers_page(request: web.Request) -> web.Response:
    return render(request, "operator_transfers.html", headers=HEADERS)
