"""Putting a scenario's world into a running testbed: fixtures, timeline, actions.

Model-level, so that `testbed replay`, `testbed serve --scenario` and
`POST /testbed/scenarios` build a scenario's world the same way. What it makes is
named for templates (`values`: institutions with credentials and tokens, users with
tokens and accounts).
"""

from __future__ import annotations

import random
import re
from collections.abc import Generator
from typing import Any

import simpy

from testbed.clock import DAY, kst_midnight, parse_kst
from testbed.config import parse_duration, parse_time_of_day
from testbed.network.centre import TransferOrder
from testbed.network.faults import fault_from_spec, order_bank
from testbed.network.fixtures import AccountSpec, UserSpec
from testbed.network.gateway import tokens
from testbed.network.gateway.population import make_test_user
from testbed.network.ledger import AccountKey, AccountStatus, AccountType, LedgerError
from testbed.network.world import World
from testbed.scenario.model import Scenario


class ScenarioRunError(ValueError):
    """Something a scenario asks for that the world refuses (reported, not raised to users)."""


class Loader:
    def __init__(self, world: World, scenario: Scenario) -> None:
        self.world = world
        self.scenario = scenario
        self.data = scenario.data
        self.values: dict[str, Any] = {}
        self.errors: list[str] = []
        self.traffic_runs = 0

    # --- fixtures ---------------------------------------------------------------------------
    def apply_fixtures(self) -> dict[str, Any]:
        world = self.world
        world.clock.sync()
        now = world.clock.now()
        fixtures = self.data.get("fixtures", {})
        clients = list(world.directory.clients.values())
        institutions = fixtures.get("institutions") or {"fintech": {}}
        for name, spec in institutions.items():
            client = clients[min(spec.get("seeded", 0), len(clients) - 1)]
            client.limits.update(spec.get("limits", {}))
            if "ip_allow" in spec:
                client.ip_allow = list(spec["ip_allow"])
            if "wd_pass_phrase" in spec:
                client.wd_pass_phrase = spec["wd_pass_phrase"]
            if "show_account_num" in spec:
                client.show_account_num = spec["show_account_num"]
            if "self_auth" in spec:
                client.self_auth = spec["self_auth"]
                if client.self_auth and "sa" not in client.scopes:
                    client.scopes.append("sa")
            world.directory.put_client(client)
            scopes = ("oob", "sa") if client.self_auth else ("oob",)
            issued = {
                s: tokens.institution_token(world, client, [s], now).access_token for s in scopes
            }
            self.values[name] = {
                "kind": "institution",
                "client_use_code": client.client_use_code,
                "client_id": client.client_id,
                "client_secret": client.client_secret,
                "contract": {a.purpose: a.account_num for a in client.contract_accounts},
                "contract_bank": {a.purpose: a.bank_code for a in client.contract_accounts},
                "tokens": issued,
                "token": issued["oob"],
            }
        default = next(iter(institutions))
        for name, spec in fixtures.get("users", {}).items():
            institution = spec.get("institution", default)
            client = world.directory.clients[self.values[institution]["client_use_code"]]
            accounts = spec.get("accounts", [])
            # the door the control plane and My Page use: the same user, registrations
            # (출금 consent on 수시입출금 only) and token
            made = make_test_user(
                world,
                client,
                UserSpec(
                    name=spec["name"],
                    birth_date=spec["birth_date"],
                    gender=spec.get("gender", "M"),
                    accounts=tuple(
                        AccountSpec(
                            bank_code=a["bank"],
                            balance=a.get("balance", 0),
                            account_type=AccountType(a.get("type", "1")),
                            product_name=a.get("product", ""),
                            status=AccountStatus(a.get("status", "normal")),
                            account_num=a.get("number", ""),
                            inquiry=a.get("inquiry", True),
                            transfer=a.get("transfer", True),
                            alias=a.get("alias", ""),
                        )
                        for a in accounts
                    ),
                ),
                spec.get("scope", "login inquiry transfer").split(),
            )
            user, grant = made.user, made.grant
            entry: dict[str, Any] = {
                "kind": "user",
                "institution": institution,
                "user_seq_no": user.user_seq_no,
                "name": user.name,
                "access_token": grant.access_token if grant else "",
                "refresh_token": grant.refresh_token if grant else "",
            }
            for i, (account_spec, key, reg) in enumerate(
                zip(accounts, user.accounts, made.registrations, strict=True)
            ):
                account = world.ledger.accounts[key]
                view = {
                    "bank": account.bank_code,
                    "account_num": account.account_num,
                    "fintech_use_num": reg.fintech_use_num,
                    "holder": account.holder_name,
                }
                entry[str(i)] = view
                if account_spec.get("name"):
                    entry[account_spec["name"]] = view
                if i == 0:
                    entry.update(view)
            self.values[name] = entry
        return self.values

    def account_key(self, ref: str) -> AccountKey:
        user, _, account = ref.partition(".")
        view = self.values.get(user, {}).get(account or "0")
        if not isinstance(view, dict):
            raise ScenarioRunError(f"no account {ref}: user.account (the account's name or index)")
        return (view["bank"], view["account_num"])

    # --- time ---------------------------------------------------------------------------------
    def moment(self, text: str, origin: float | None = None) -> float:
        """An ISO time (absolute), `+duration` after `origin` (default: the scenario's
        start), or the next time the clock shows `HH:MM`."""
        now = self.world.clock.now()
        if text.startswith("+"):
            base = parse_kst(self.scenario.start) if origin is None else origin
            return base + parse_duration(text[1:])
        if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text):
            t = kst_midnight(now) + parse_time_of_day(text)
            return t if t >= now else t + DAY
        return parse_kst(text)

    def schedule_timeline(self, origin: float | None = None) -> None:
        """Every timeline entry as a process acting at its moment. `origin`: where `+10m`
        counts from (a live server loading the scenario: the moment it loads it)."""
        for i, entry in enumerate(self.data.get("timeline", [])):
            at = self.moment(entry["at"], origin)
            action = {k: v for k, v in entry.items() if k != "at"}
            self.world.env.process(self._at(at, action, f"timeline[{i}]"))

    def _at(
        self, at: float, action: dict[str, Any], where: str
    ) -> Generator[simpy.Event, Any, None]:
        delay = at - self.world.env.now
        if delay > 0:
            yield self.world.env.timeout(delay)
        try:
            self.act(action)
        except (ValueError, LedgerError) as e:  # reported with the result, never raised
            self.errors.append(f"{where}: {e}")

    # --- actions ------------------------------------------------------------------------------
    def act(self, action: dict[str, Any]) -> str:
        """Do one timeline action now; returns what it did, in words."""
        world = self.world
        ((kind, spec),) = action.items()
        if kind == "fault":
            fault = world.faults.add(fault_from_spec(world, spec))
            return f"fault {fault.id} {fault.kind}"
        if kind == "bank":
            order = {k: v for k, v in spec.items() if k != "code"}
            order_bank(world, spec["code"], order)
            return f"bank {spec['code']} {order}"
        if kind == "clear_faults":
            for fault in world.faults.live():
                world.faults.remove(fault.id)
            return "faults cleared"
        if kind == "cash":
            world.cash(self.account_key(spec["account"]), spec["amount"])
            return f"cash {spec['amount']} {spec['account']}"
        if kind == "status":
            world.ledger.set_status(
                self.account_key(spec["account"]), AccountStatus(spec["status"])
            )
            return f"status {spec['account']} {spec['status']}"
        if kind == "clock":
            clock = world.clock
            if clock.mode != "realtime":
                return "clock settings apply to a realtime clock; a virtual clock ignores them"
            if "speed" in spec:
                clock.set_speed(float(spec["speed"]))
            if spec.get("freeze"):
                clock.freeze()
            if spec.get("resume"):
                clock.resume()
            return f"clock {spec}"
        if kind == "authorize":
            return self._authorize(spec)
        if kind == "traffic":
            world.env.process(self._traffic(spec))
            return f"traffic {spec['transfers']} transfers over {spec['for']}"
        raise ScenarioRunError(f"unknown action {kind}")

    def _authorize(self, spec: dict[str, Any]) -> str:
        """What the consent pages end with (the user signed in and agreed): a code for the
        user's institution, kept as `{{user.code}}` for a `token` call to redeem."""
        user = self.values.get(spec["user"])
        if not isinstance(user, dict) or user.get("kind") != "user":
            raise ScenarioRunError(f"authorize: no user {spec['user']!r} in the fixtures")
        client = self.world.directory.clients[self.values[user["institution"]]["client_use_code"]]
        scopes = spec.get("scope", "login inquiry transfer").split()
        redirect = spec.get("redirect_uri", client.redirect_uris[0])
        person = self.world.directory.users[user["user_seq_no"]]
        code = tokens.authorization_code(
            self.world, client, person, scopes, redirect, self.world.clock.now()
        )
        user["code"] = code.code
        user["redirect_uri"] = redirect
        return f"authorize {spec['user']} for {' '.join(scopes)}"

    def _traffic(self, spec: dict[str, Any]) -> Generator[simpy.Event, Any, None]:
        """Synthetic customers paying each other between banks, seeded (like PaySim)."""
        world = self.world
        rng: random.Random = world.source.stream("traffic")
        banks = {world.resolver.resolve(b).code for b in spec.get("banks", [])} or {
            b.code for b in world.participants
        }
        accounts = sorted(
            k
            for k, a in world.ledger.accounts.items()
            if a.owner.startswith("user:")
            and k[0] in banks
            and a.account_type is AccountType.DEMAND
        )
        if len(accounts) < 2:
            self.errors.append("traffic: fewer than two demand accounts at those banks")
            return
        customers = rng.sample(accounts, min(len(accounts), spec.get("customers", len(accounts))))
        amounts = spec.get("amount", {})
        median, cap = amounts.get("median", 30_000), amounts.get("max", 2_000_000)
        gap = parse_duration(spec["for"]) / spec["transfers"]
        self.traffic_runs += 1
        run = self.traffic_runs  # refs unique across traffic entries: BG<run>-<n>
        for n in range(spec["transfers"]):
            yield world.env.timeout(rng.expovariate(1 / gap))
            debit, credit = rng.sample(customers, 2)
            amount = max(1, min(cap, int(rng.lognormvariate(0, 1) * median) // 10 * 10))
            world.env.process(
                world.centre.transfer(
                    TransferOrder(
                        debit, credit, amount, "이체", "이체", ref=f"BG{run}-{n:07d}", api="traffic"
                    )
                )
            )
