"""이용신청 and 심사, the use case: apply, be screened and graded, be decided on, become an
institution; and My Page's changes to the institution a developer was granted.

`Admission.apply` takes a `Filing` (plain values, read by the web), screens it rule by
rule (`rules.screen`: each a `Screening`, the rule's stable id, whether it passed, and the
seed's text when it failed), grades it (차등 운영, the network file's table) and files it:
`rejected` when excluded, `approved` when eligible by industry or licence — a working
institution at once (`FintechClient`, credentials, 약정계좌 at its main bank, the grade's
limits) — and `review` otherwise, for the operator to `decide`.
"""

from __future__ import annotations

import dataclasses

from testbed.config.grading import Assessment
from testbed.network.admission.rules import AWAITING, OPERATOR, client_scopes, screen
from testbed.network.admission.values import (
    MOST_IPS,
    MOST_REDIRECT_URIS,
    ApplicationError,
    DecisionError,
    Filing,
    UnknownApplication,
    ip_address,
    kind_of,
    redirect_uri,
)
from testbed.network.applications import (
    APPROVED,
    REJECTED,
    REVIEW,
    Application,
    GrantedTerms,
    Screening,
)
from testbed.network.fixtures import open_contract_account
from testbed.network.parties import ContractAccount, FintechClient
from testbed.network.world import World

#: what an approved institution's deposit 약정계좌 (which pays its 입금이체) opens holding,
#: as the seeded institutions' do, so that it can pay out at once (⚠ testbed choice: a real
#: one pays its own money in)
OPENING_FUNDS = 1_000_000_000
#: 이용기관코드 of admitted institutions: M2027 + 5 digits in order, a form the seeded world
#: (T991 + 6, M2026 + 5) never makes
CLIENT_CODE_PREFIX = "M2027"

#: applications one developer may file: every one is kept for good (the operator's
#: register), so a script of one account cannot grow it without bound
MOST_APPLICATIONS = 50


class Admission:
    """이용신청: apply, be screened and graded, be decided on, become an institution."""

    def __init__(self, world: World) -> None:
        self.world = world

    def apply(self, owner: str, filing: Filing, now: float) -> Application:
        """File `owner`'s application (`filing`: the fields a company writes, as plain
        values), screened and graded; an approved one is an institution on return. A
        developer files at most MOST_APPLICATIONS (the server is shared)."""
        if not isinstance(owner, str) or not owner.strip():
            raise ApplicationError("developer", "the application needs its owner")
        if len(self.world.applications.of(owner)) >= MOST_APPLICATIONS:
            raise ApplicationError(
                "application", f"at most {MOST_APPLICATIONS} applications a developer"
            )
        app = Application(
            id=self.world.applications.next_id(),
            developer=owner,
            created=now,
            status=REVIEW,
            screening=[],
            **dataclasses.asdict(filing),  # its own copies of the lists
        )
        app.screening = screen(app)
        excluded = [s for s in app.screening if s.rule.startswith("excluded") and not s.passed]
        if excluded:
            app.status, app.reason = REJECTED, "; ".join(s.reason for s in excluded)
            app.decided, app.decided_by = now, "screening"
        else:
            self._grade(app)
            grounds = [s for s in app.screening if s.rule.startswith("eligible.") and s.passed]
            if grounds:
                app.reason = "; ".join(s.reason for s in grounds)
                self._approve(app, now, "screening")
            else:
                # seed l.36: 오픈뱅킹 운영기관(금융결제원) 인정 기업 — the operator decides
                app.screening.append(Screening("eligible.operator", False, AWAITING))
                app.reason = AWAITING
        self.world.applications.file(app)
        self._announce(app, now)
        return app

    def decide(
        self, app_id: str, decision: str, reason: str, now: float | None = None
    ) -> Application:
        """The operator's decision on an application under review: "approve" (운영기관
        인정 기업: it becomes an institution) or "reject" (with a reason)."""
        app = self.world.applications.applications.get(app_id)
        if app is None:
            raise UnknownApplication(app_id)
        if decision not in ("approve", "reject"):
            raise ApplicationError("decision", f"approve or reject, not {decision!r}")
        if not isinstance(reason, str):
            raise ApplicationError("reason", "expected text")
        reason = reason.strip()
        if decision == "reject" and not reason:
            raise ApplicationError("reason", "say why the application is rejected")
        if len(reason) > 500:
            raise ApplicationError("reason", "at most 500 characters")
        if app.status != REVIEW:
            raise DecisionError(
                f"{app_id} was {app.status} by {app.decided_by or 'screening'}: only an"
                " application under review may be decided"
            )
        now = self.world.clock.now() if now is None else now
        approve = decision == "approve"
        if approve:
            self._approve(app, now, "operator")  # first: it may fail, leaving all as it was
            app.reason = reason or OPERATOR
        else:
            app.status, app.reason = REJECTED, reason
            app.decided, app.decided_by = now, "operator"
        rule = next(s for s in app.screening if s.rule == "eligible.operator")
        rule.passed = approve
        rule.reason = f"{OPERATOR}: {'인정' if approve else '불인정'}" + (
            f" ({reason})" if reason else ""
        )
        self.world.applications.file(app)
        self._announce(app, now)
        return app

    def applications(self, owner: str | None = None) -> list[Application]:
        """`owner`'s applications, oldest first; None: everyone's (the operator's view)."""
        return self.world.applications.of(owner)

    def application(self, app_id: str, owner: str | None) -> Application | None:
        """One application, if `owner` filed it (None: the operator, any). Another owner's
        is None too, as if it did not exist."""
        app = self.world.applications.applications.get(app_id)
        if app is None or (owner is not None and app.developer != owner):
            return None
        return app

    # --- My Page: what a developer may change of an institution it was granted ------

    def rotate_secret(self, client: FintechClient) -> str:
        """A new client_secret; the old one takes no token from now on (O0001). Tokens
        already issued keep working until they expire or are revoked. The new secret is
        from the world's secret source, never the seed: nobody else can draw it again."""
        client.client_secret = self.world.secrets.uuid("secret:rotate")
        self.world.directory.put_client(client)
        return client.client_secret

    def add_redirect_uri(self, client: FintechClient, uri: object) -> str:
        """Register a redirect URI (an absolute http(s) URL without a fragment)."""
        checked = redirect_uri(uri)
        if checked in client.redirect_uris:
            raise ApplicationError("redirect_uri", f"{checked} is registered already")
        if len(client.redirect_uris) >= MOST_REDIRECT_URIS:
            raise ApplicationError("redirect_uri", f"at most {MOST_REDIRECT_URIS} redirect URIs")
        client.redirect_uris.append(checked)
        self.world.directory.put_client(client)
        return checked

    def remove_redirect_uri(self, client: FintechClient, uri: object) -> str:
        if not isinstance(uri, str) or uri.strip() not in client.redirect_uris:
            raise ApplicationError("redirect_uri", f"not a registered redirect URI: {kind_of(uri)}")
        client.redirect_uris.remove(uri.strip())
        self.world.directory.put_client(client)
        return uri.strip()

    def add_allowed_ip(self, client: FintechClient, ip: object) -> str:
        """Allow transfers from one more address (화이트리스트 IP 관리): while the list is
        not empty, a transfer from any other address is refused (O0006)."""
        checked = ip_address(ip)
        if checked in client.ip_allow:
            raise ApplicationError("ip", f"{checked} is allowed already")
        if len(client.ip_allow) >= MOST_IPS:
            raise ApplicationError("ip", f"at most {MOST_IPS} addresses")
        client.ip_allow.append(checked)
        self.world.directory.put_client(client)
        return checked

    def remove_allowed_ip(self, client: FintechClient, ip: object) -> str:
        checked = ip_address(ip)
        if checked not in client.ip_allow:
            raise ApplicationError("ip", f"{checked} is not on the allow-list")
        client.ip_allow.remove(checked)
        self.world.directory.put_client(client)
        return checked

    def reset_test_data(self, client: FintechClient, now: float) -> dict[str, int]:
        """ "Reset my test users and data": this institution starts again with no users.
        Every registration of its users is ended (as 해지: the accounts and their owners stay,
        they are the banks' customers and may be other institutions' users too), every user
        token and unused authorization code it holds is cancelled. Money and its history are
        not touched: the ledger stays balanced and the centre keeps its transfer records
        (보존기간), so bank_tran_ids already used stay used. Other institutions: untouched."""
        code = client.client_use_code
        directory, grants = self.world.directory, self.world.auth
        ended = 0
        for reg in list(directory.registrations.values()):
            if reg.client_use_code == code and not reg.cancelled:
                reg.inquiry_agree_dtime = reg.transfer_agree_dtime = ""
                reg.cancelled = True
                directory.put_registration(reg)
                ended += 1
        revoked = 0
        for grant in list(grants.tokens.values()):
            if grant.client_use_code == code and grant.is_user_token and not grant.revoked:
                grant.revoked = True
                grants.put("token", grant.access_token, grant)
                revoked += 1
        for auth_code in list(grants.codes.values()):
            if auth_code.client_use_code == code and not auth_code.used:
                auth_code.used = True
                grants.put("code", auth_code.code, auth_code)
        self.world.events.emit(
            now, "institution_reset", client_use_code=code, registrations=ended, tokens=revoked
        )
        return {"registrations_ended": ended, "tokens_revoked": revoked}

    # --- what a decision does ---------------------------------------------------------

    def _grade(self, app: Application) -> None:
        """차등 운영 (seed l.128–138): the network file's table grades every application
        that is not excluded (one under review shows the terms it would be given)."""
        assessed: Assessment = self.world.config.grading.assess(app.inputs, app.size)
        app.grade, app.points = assessed.grade, assessed.points
        app.points_by_input = dict(assessed.breakdown)
        terms = assessed.terms
        app.terms = GrantedTerms(
            self_auth=terms.self_auth,
            limits=dict(terms.limits),
            guarantee=terms.guarantee.kind,
            guarantee_amount=terms.guarantee.amount,
            fee_start=assessed.fee_start,
        )

    def _approve(self, app: Application, now: float, by: str) -> None:
        client = self._admit(app)
        app.status, app.client_use_code = APPROVED, client.client_use_code
        app.decided, app.decided_by = now, by

    def _admit(self, app: Application) -> FintechClient:
        """The institution an approved application becomes, working at once: its code,
        credentials (from the world's secret source: under `serve` nobody can compute
        them; a replay draws them from the application's own seeded stream), scopes,
        limits and self-auth from its terms, its 약정계좌 at its main bank, and its
        developer (its tenant)."""
        world = self.world
        terms = app.terms
        assert terms is not None  # graded before approval
        stream = f"admission:{app.id}"

        def uuid4() -> str:
            while True:
                drawn = world.secrets.uuid(stream)
                if drawn not in world.directory.clients_by_id:
                    return drawn

        client = FintechClient(
            client_use_code=self._new_client_use_code(),
            name=app.company_name,
            name_en="",
            client_id=uuid4(),
            client_secret=world.secrets.uuid(stream),
            redirect_uris=list(app.redirect_uris),
            scopes=client_scopes(app.services, terms.self_auth),
            self_auth=terms.self_auth,
            main_bank=app.main_bank,
            limits=dict(terms.limits),
            fee_start=terms.fee_start,
            developer=app.developer,  # its tenant (tenancy)
        )
        for purpose, funds in (("withdraw", 0), ("deposit", OPENING_FUNDS)):
            # 출금이체 is paid into the withdraw account; 입금이체 is paid from the deposit one
            account = open_contract_account(
                world, client, app.main_bank, app.business_number, funds
            )
            client.contract_accounts.append(
                ContractAccount(purpose, account.bank_code, account.account_num)
            )
        return world.directory.put_client(client)

    def _new_client_use_code(self) -> str:
        clients = self.world.directory.clients
        taken = [
            int(code[len(CLIENT_CODE_PREFIX) :])
            for code in clients
            if code.startswith(CLIENT_CODE_PREFIX) and code[len(CLIENT_CODE_PREFIX) :].isdigit()
        ]
        number = max(taken, default=0) + 1
        while f"{CLIENT_CODE_PREFIX}{number:05d}" in clients:  # pragma: no cover - max + 1
            number += 1
        if number > 99_999:
            raise DecisionError("every 이용기관코드 of the form M2027##### is taken")
        return f"{CLIENT_CODE_PREFIX}{number:05d}"

    def _announce(self, app: Application, now: float) -> None:
        self.world.events.emit(
            now,
            "application",
            application=app.id,
            status=app.status,
            grade=app.grade,
            client_use_code=app.client_use_code,
        )
