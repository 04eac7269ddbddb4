"""How the consent pages show: the pages rendered with their step, the error pages, the
redirects back to the institution, and the small formats the pages share."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote, urlencode

from aiohttp import web

from testbed.network.gateway import tenancy
from testbed.network.parties import FintechClient, User
from testbed.runtime import Runtime
from testbed.typedefs import RUNTIME
from testbed.web.consent.flows import Flow, FlowKind, Step
from testbed.web.render import PRIVATE_PAGE_HEADERS, form_headers, render

PREFIX: Final = "/oauth/2.0/authorize"
SIGNIN_PATH: Final = f"{PREFIX}/signin"
VERIFY_PATH: Final = f"{PREFIX}/verify"
CONSENT_PATH: Final = f"{PREFIX}/consent"
CANCEL_PATH: Final = f"{PREFIX}/cancel"

#: `error` of the callback for a sub-code; any other is `invalid_request`
_ERROR_NAMES: Final = {"3000115": "invalid_scope", "3000116": "unsupported_response_type"}


def runtime_of(request: web.Request) -> Runtime:
    runtime = request.app[RUNTIME]
    runtime.clock.sync()
    return runtime


def user_of(request: web.Request, flow: Flow) -> User:
    return runtime_of(request).world.directory.users[flow.user_seq_no]


def account_kind(product_name: str, type_label: str) -> str:
    """An account's line on the consent page: "급여통장 · 수시입출금", its product and type;
    the type once when the product has no name of its own (an account opened on the
    sign-in page, or by the control plane without product_name, is named by its type)."""
    return " · ".join(dict.fromkeys(part for part in (product_name.strip(), type_label) if part))


def mask_phone(cell_no: str) -> str:
    if len(cell_no) == 11:
        return f"{cell_no[:3]}-****-{cell_no[-4:]}"
    return cell_no[:3] + "*" * max(0, len(cell_no) - 7) + cell_no[-4:]


_STEPS: Final = {Step.SIGNIN: 1, Step.VERIFY: 2, Step.CONSENT: 3}


def render_page(
    request: web.Request, template: str, flow: Flow | None, status: int = 200, **context: Any
) -> web.Response:
    client = None
    if flow is not None:
        client = runtime_of(request).world.directory.clients[flow.client_use_code]
    # the page headers; the flow's forms end at the institution's redirect_uri (a redirect
    # that form-action must allow); the error pages have no form
    headers = form_headers(flow.redirect_uri) if flow is not None else PRIVATE_PAGE_HEADERS
    return render(
        request,
        f"consent/{template}",
        status,
        headers,
        flow=flow,
        client=client,
        step=_STEPS.get(flow.step, 0) if flow else 0,
        scopes=flow.scopes if flow else [],
        paths={
            "signin": SIGNIN_PATH,
            "verify": VERIFY_PATH,
            "consent": CONSENT_PATH,
            "cancel": CANCEL_PATH,
        },
        account_flow=flow is not None and flow.kind == FlowKind.AUTHORIZE_ACCOUNT,
        **context,
    )


def error_page(
    request: web.Request,
    code: str,
    message_ko: str,
    message_en: str,
    received: str = "",
    register: dict[str, str] | None = None,
) -> web.Response:
    """A refusal the consent pages cannot send to a callback (400). `register`: for a
    redirect_uri not registered, what to register and where (`redirect_uri_help`)."""
    return render_page(
        request,
        "error.html",
        None,
        400,
        code=code,
        title=f"인증 파라미터 오류([{code}])",
        message_ko=message_ko,
        message_en=message_en,
        received=received,
        register=register,
    )


def redirect_uri_help(
    client: FintechClient, redirect_uri: str, console_callback: str
) -> dict[str, str]:
    """What the refused-redirect_uri page tells: the address to register, where a
    developer registers it (their app's My Page; the operator's control plane for a
    shared institution), and the way back (the console, when it was the console's)."""
    shared = tenancy.tenant_of(client) == tenancy.SHARED
    return {
        "uri": redirect_uri,
        "my_page": "" if shared else f"/portal/apps/{client.client_use_code}",
        "control": f"POST /testbed/clients/{client.client_use_code}" if shared else "",
        "back": "/console" if redirect_uri == console_callback else "",
    }


def lost_page(request: web.Request) -> web.Response:
    return render_page(
        request,
        "error.html",
        None,
        400,
        code="",
        title="인증 요청이 만료되었습니다",
        message_ko=(
            "인증 요청을 찾을 수 없거나 유효시간(10분)이 지났습니다."
            " 이용하시던 앱에서 처음부터 다시 시작하세요."
        ),
        message_en=(
            "This authorization request is unknown or has expired (10 minutes)."
            " Start again from the app you came from."
        ),
        received="",
        register=None,
    )


def refuse(redirect_uri: str, sub_code: str, state: str) -> web.Response:
    params = [
        ("error", _ERROR_NAMES.get(sub_code, "invalid_request")),
        ("error_description", f"인증 파라미터 오류([{sub_code}])"),
    ]
    if state:
        params.append(("state", state))
    return redirect(redirect_uri, params)


def redirect(redirect_uri: str, params: list[tuple[str, str]]) -> web.Response:
    """302 to the institution's callback; `%20` for spaces (JavaScript decodes that)."""
    separator = "&" if "?" in redirect_uri else "?"
    location = redirect_uri + separator + urlencode(params, quote_via=quote)
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})
