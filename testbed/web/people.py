"""A test user as a JSON body describes one: the operator's `POST /testbed/users` and My
Page's `POST /portal/api/apps/{code}/users` read it the same way (the gateway's
`population.make_test_user` then makes it the same way)."""

from __future__ import annotations

from typing import Any, Final

from testbed.network.gateway.population import AccountSpec, UserSpec
from testbed.network.gateway.tokens import USER_SCOPES
from testbed.network.ledger import AccountStatus, AccountType

ACCOUNT_KEYS: Final = frozenset(
    {
        "bank_code", "balance", "account_type", "product_name", "status", "account_num",
        "inquiry", "transfer", "alias",
    }
)  # fmt: skip
USER_KEYS: Final = frozenset(
    {"name", "birth_date", "gender", "cell_no", "email", "accounts", "scope"}
)


class BodyError(ValueError):
    """A body that does not describe a test user: the message names the field, and
    `field` is its top-level name ("body" for the body as a whole)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def field(body: dict[str, Any], name: str, kind: type, default: Any = None) -> Any:
    """`body[name]`, or `default` when absent: a BodyError unless it is a `kind` (a bool is
    no int)."""
    value = body.get(name, default)
    wrong_bool = isinstance(value, bool) and kind is not bool
    if value is None or wrong_bool or not isinstance(value, kind):
        raise BodyError(name, f"{name}: expected {kind.__name__}")
    return value


def user_request(
    body: dict[str, Any], more_keys: frozenset[str] = frozenset()
) -> tuple[UserSpec, list[str]]:
    """The user a body describes, and the scopes of the token it asks for."""
    allowed = USER_KEYS | more_keys
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BodyError(
            "body", f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(allowed))}"
        )
    accounts = field(body, "accounts", list, [])
    spec = UserSpec(
        name=field(body, "name", str),
        birth_date=field(body, "birth_date", str),
        gender=field(body, "gender", str, "M"),
        cell_no=field(body, "cell_no", str, ""),
        email=field(body, "email", str, ""),
        accounts=tuple(_account_spec(a, i) for i, a in enumerate(accounts)),
    )
    scopes = field(body, "scope", str, "").split()
    if any(s not in USER_SCOPES for s in scopes):
        raise BodyError("scope", f"scope: any of {' '.join(USER_SCOPES)}")
    return spec, scopes


def _account_spec(raw: Any, i: int) -> AccountSpec:
    if not isinstance(raw, dict):
        raise BodyError("accounts", f"accounts[{i}]: expected an object")
    unknown = sorted(set(raw) - ACCOUNT_KEYS)
    if unknown:
        raise BodyError("accounts", f"accounts[{i}]: unknown field(s) {', '.join(unknown)}")
    try:
        return AccountSpec(
            bank_code=field(raw, "bank_code", str),
            balance=field(raw, "balance", int, 0),
            account_type=AccountType(field(raw, "account_type", str, "1")),
            product_name=field(raw, "product_name", str, ""),
            status=AccountStatus(field(raw, "status", str, "normal")),
            account_num=field(raw, "account_num", str, ""),
            inquiry=field(raw, "inquiry", bool, True),
            transfer=field(raw, "transfer", bool, True),
            alias=field(raw, "alias", str, ""),
        )
    except ValueError as e:  # a BodyError of its fields, or a type or status not known
        raise BodyError("accounts", f"accounts[{i}]: {e}") from None
