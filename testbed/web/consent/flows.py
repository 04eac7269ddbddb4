"""The consent flows: what an authorize request asked for, each user's walk through the
pages (`Flow`, its `Step` and `FlowKind`), and the server's store of them (`ConsentFlows`,
expiring after 10 simulated minutes, at most 10,000)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from aiohttp import web

from testbed.network.gateway.population import UserSpec
from testbed.network.ledger import AccountKey
from testbed.network.parties import FintechClient
from testbed.network.world import World

FLOW_LIFETIME: Final = 600.0  # 10 simulated minutes
MAX_FLOWS: Final = 10_000  # the oldest go first (virtual time may never move)


class FlowKind(StrEnum):
    """Which page of the API started the flow."""

    AUTHORIZE = "authorize"  # 사용자인증
    AUTHORIZE_ACCOUNT = "authorize_account"  # 계좌등록확인: a known user adds accounts


class Step(StrEnum):
    """Where a flow stands: its three pages."""

    SIGNIN = "signin"
    VERIFY = "verify"
    CONSENT = "consent"


@dataclass(frozen=True, slots=True)
class AuthorizeParams:
    client: FintechClient
    redirect_uri: str
    scopes: list[str]
    state: str
    client_info: str
    auth_type: str


@dataclass(slots=True)
class Flow:
    """One user's walk through the pages, from the authorize request to the callback."""

    flow_id: str
    kind: FlowKind
    client_use_code: str
    redirect_uri: str
    scopes: list[str]
    state: str
    client_info: str
    expires_at: float
    step: Step = Step.SIGNIN
    user_seq_no: str = ""  # the user, once chosen (new users: once verified)
    new_user: UserSpec | None = None  # typed on page 1, created after the identity check
    cell_no: str = ""  # where the identity code was "sent"
    sms_code: str = ""
    accounts: list[AccountKey] = field(default_factory=list)  # as listed on page 3
    prefill: dict[str, str] = field(default_factory=dict)
    notice: str = ""


class ConsentFlows:
    """The flows under way, by flow id; expired ones are dropped as they are met."""

    def __init__(self) -> None:
        self.flows: dict[str, Flow] = {}

    def open(
        self,
        world: World,
        kind: FlowKind,
        params: AuthorizeParams,
        now: float,
        prefill: dict[str, str],
    ) -> Flow:
        self._prune(now)
        rng = world.secrets.stream("consent")  # a flow id lets its holder on: a secret
        while True:
            flow_id = f"{rng.getrandbits(128):032x}"
            if flow_id not in self.flows:
                break
        flow = Flow(
            flow_id=flow_id,
            kind=kind,
            client_use_code=params.client.client_use_code,
            redirect_uri=params.redirect_uri,
            scopes=params.scopes,
            state=params.state,
            client_info=params.client_info,
            expires_at=now + FLOW_LIFETIME,
            prefill=prefill,
        )
        self.flows[flow_id] = flow
        while len(self.flows) > MAX_FLOWS:
            del self.flows[next(iter(self.flows))]
        return flow

    def find(self, flow_id: str, now: float) -> Flow | None:
        self._prune(now)
        return self.flows.get(flow_id)

    def close(self, flow: Flow) -> None:
        self.flows.pop(flow.flow_id, None)

    def _prune(self, now: float) -> None:
        for flow_id in [k for k, f in self.flows.items() if now >= f.expires_at]:
            del self.flows[flow_id]


FLOWS = web.AppKey("consent_flows", ConsentFlows)


def install(app: web.Application) -> None:
    """Give the app its flow store; meant for `init_app`, before the app starts."""
    app[FLOWS] = ConsentFlows()


def flows(app: web.Application) -> ConsentFlows:
    return app[FLOWS]
