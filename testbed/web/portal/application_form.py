"""The reader of an application as the portal receives it (the 이용신청 form, or the JSON
API's body): each field from what was posted to the plain value the model takes (a
`Filing`), refusing a bad one with an `ApplicationError` that names it; and every problem
of a form at once (`application_problems`), for the page to show them all.

The rules a value must meet (the 분류업종, the check digit, the participants) are the
model's (`testbed.network.admission.rules`, `values`); this module reads, and applies them
to what it read. Nothing is kept here: `Admission.apply` files what it returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from testbed.config import BankCodeError
from testbed.config.grading import CREDIT_RATINGS, NO_RATING, SIZES
from testbed.network.admission.rules import (
    DECLARATIONS,
    INDUSTRIES,
    LICENCES,
    SERVICES,
    business_number_ok,
)
from testbed.network.admission.values import (
    FIELDS,
    ApplicationError,
    Filing,
    kind_of,
    redirect_uri,
    text_value,
)
from testbed.network.seed import DEMO_CALLBACKS
from testbed.network.world import World

#: what a field left out means (an application names no industry, no licence, and takes
#: the seeded callbacks as its redirect URIs unless it names its own)
_OPTIONAL = {"industry": "", "licences": [], "redirect_uris": list(DEMO_CALLBACKS)}
_NUMBER = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)")  # 1000000 or 1,000,000
_MOST_WON = 10**16  # 1경: more than any company's figure; refuses a typo's extra zeros
_MOST_PURPOSES = 20


class _Form:
    """Reads an application's fields, refusing the first bad one (`ApplicationError`)."""

    def __init__(self, world: World, data: Mapping[str, Any]) -> None:
        self.world = world
        self.data = data

    def read(self) -> Filing:
        if not isinstance(self.data, Mapping):
            raise ApplicationError("application", "expected an object of fields")
        for key in self.data:
            if key not in FIELDS:
                raise ApplicationError(str(key), f"unknown field; expected: {', '.join(FIELDS)}")
        return Filing(
            company_name=text_value(self.get("company_name"), "company_name"),
            business_number=self.business_number(),
            size=self.choice("size", SIZES),
            industry=self.industry(),
            licences=self.subset("licences", LICENCES),
            declarations=self.declarations(),
            services=self.subset("services", tuple(SERVICES), at_least_one=True),
            purposes=self.purposes(),
            main_bank=self.main_bank(),
            credit_rating=self.choice("credit_rating", (*CREDIT_RATINGS, NO_RATING)),
            paid_in_capital=self.won("paid_in_capital", 0),
            years_in_business=self.won("years_in_business", 0, 200),
            operating_profit=self.won("operating_profit", -_MOST_WON),
            aml_system=self.flag("aml_system"),
            isms=self.flag("isms"),
            liability_insurance=self.flag("liability_insurance"),
            redirect_uris=self.redirect_uris(),
        )

    def get(self, name: str) -> Any:
        if name in self.data:
            return self.data[name]
        if name in _OPTIONAL:
            default = _OPTIONAL[name]
            return list(default) if isinstance(default, list) else default
        raise ApplicationError(name, "missing")

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = self.get(name)
        if not isinstance(value, str) or value not in choices:
            raise ApplicationError(name, f"one of {', '.join(choices)}; got {kind_of(value)}")
        return value

    def business_number(self) -> str:
        value = self.get("business_number")
        if not isinstance(value, str):
            raise ApplicationError("business_number", f"expected text, got {kind_of(value)}")
        number = value.strip().replace("-", "")
        if len(number) != 10 or not (number.isascii() and number.isdigit()):
            raise ApplicationError(
                "business_number", f"사업자등록번호: 10 digits (000-00-00000), got {value!r}"
            )
        if not business_number_ok(number):
            raise ApplicationError(
                "business_number", f"사업자등록번호 {value} fails its check digit"
            )
        return number

    def industry(self) -> str:
        value = self.get("industry")
        if not isinstance(value, str):
            raise ApplicationError("industry", f"expected text, got {kind_of(value)}")
        value = value.strip()
        if value and value not in INDUSTRIES:
            raise ApplicationError(
                "industry",
                f"{value!r} is not a 핀테크산업 분류업종; one of: {', '.join(INDUSTRIES)},"
                " or empty for none",
            )
        return value

    def items(self, name: str) -> list[Any]:
        value = self.get(name)
        if not isinstance(value, list | tuple):
            raise ApplicationError(name, f"expected a list, got {kind_of(value)}")
        return list(value)

    def subset(self, name: str, choices: tuple[str, ...], at_least_one: bool = False) -> list[str]:
        chosen: list[str] = []
        for i, item in enumerate(self.items(name)):
            if not isinstance(item, str) or item not in choices:
                raise ApplicationError(
                    f"{name}[{i}]", f"one of {', '.join(choices)}; got {kind_of(item)}"
                )
            if item in chosen:
                raise ApplicationError(f"{name}[{i}]", f"{item} is listed twice")
            chosen.append(item)
        if at_least_one and not chosen:
            raise ApplicationError(name, f"at least one of {', '.join(choices)}")
        return chosen

    def declarations(self) -> dict[str, bool]:
        value = self.get("declarations")
        if not isinstance(value, Mapping):
            raise ApplicationError(
                "declarations", f"expected an object of {', '.join(DECLARATIONS)}: true|false"
            )
        for key in value:
            if key not in DECLARATIONS:
                raise ApplicationError(
                    f"declarations.{key}", f"unknown; expected: {', '.join(DECLARATIONS)}"
                )
        out = {}
        for key in DECLARATIONS:  # every 제외대상 is declared, one way or the other
            if key not in value:
                raise ApplicationError(f"declarations.{key}", "missing: declare true or false")
            if not isinstance(value[key], bool):
                raise ApplicationError(
                    f"declarations.{key}", f"expected true or false, got {kind_of(value[key])}"
                )
            out[key] = value[key]
        return out

    def purposes(self) -> list[str]:
        items = self.items("purposes")
        if not items:
            raise ApplicationError("purposes", "name at least one purpose")
        if len(items) > _MOST_PURPOSES:
            raise ApplicationError("purposes", f"at most {_MOST_PURPOSES}")
        return [text_value(item, f"purposes[{i}]") for i, item in enumerate(items)]

    def main_bank(self) -> str:
        value = self.get("main_bank")
        if not isinstance(value, str):
            raise ApplicationError("main_bank", f"expected a bank code, got {kind_of(value)}")
        participants = ", ".join(i.code for i in self.world.config.participants)
        try:
            institution = self.world.resolver.resolve(value.strip())
        except BankCodeError as e:
            raise ApplicationError("main_bank", f"{e.message}; one of {participants}") from None
        if not institution.open_banking:
            raise ApplicationError(
                "main_bank",
                f"{institution.code} {institution.name_ko} is not an Open Banking participant;"
                f" one of {participants}",
            )
        return institution.code

    def won(self, name: str, least: int, most: int = _MOST_WON) -> int:
        value = self.get(name)
        if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
            value = int(value.strip().replace(",", ""))
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApplicationError(name, f"expected a whole number, got {kind_of(value)}")
        if not least <= value <= most:
            raise ApplicationError(name, f"from {least} to {most}, got {value}")
        return value

    def flag(self, name: str) -> bool:
        value = self.get(name)
        if not isinstance(value, bool):
            raise ApplicationError(name, f"expected true or false, got {kind_of(value)}")
        return value

    def redirect_uris(self) -> list[str]:
        # My Page's check, each URI (an application's are registered as they are)
        return [
            redirect_uri(item, f"redirect_uris[{i}]")
            for i, item in enumerate(self.items("redirect_uris"))
        ]


def read_application(world: World, data: Mapping[str, Any]) -> Filing:
    """The application `data` holds, as the model takes it; the first bad field refused
    (`ApplicationError` naming it)."""
    return _Form(world, data).read()


def application_problems(world: World, data: Mapping[str, Any]) -> list[ApplicationError]:
    """Every field of an application that `read_application` would refuse, each with its
    error, in the form's order (`read_application` stops at the first): the portal's form
    shows them all at once. [] when the fields read; the screening is `Admission.apply`'s."""
    form = _Form(world, data)
    readers: dict[str, Callable[[], object]] = {
        "company_name": lambda: text_value(form.get("company_name"), "company_name"),
        "business_number": form.business_number,
        "size": lambda: form.choice("size", SIZES),
        "industry": form.industry,
        "licences": lambda: form.subset("licences", LICENCES),
        "declarations": form.declarations,
        "services": lambda: form.subset("services", tuple(SERVICES), at_least_one=True),
        "purposes": form.purposes,
        "main_bank": form.main_bank,
        "credit_rating": lambda: form.choice("credit_rating", (*CREDIT_RATINGS, NO_RATING)),
        "paid_in_capital": lambda: form.won("paid_in_capital", 0),
        "years_in_business": lambda: form.won("years_in_business", 0, 200),
        "operating_profit": lambda: form.won("operating_profit", -_MOST_WON),
        "aml_system": lambda: form.flag("aml_system"),
        "isms": lambda: form.flag("isms"),
        "liability_insurance": lambda: form.flag("liability_insurance"),
        "redirect_uris": form.redirect_uris,
    }
    assert tuple(readers) == FIELDS, "every field of an application is read here too"
    if not isinstance(data, Mapping) or any(key not in FIELDS for key in data):
        try:  # the application's own problem (not an object, an unknown field)
            form.read()
        except ApplicationError as e:
            return [e]
    found = []
    for read in readers.values():
        try:
            read()
        except ApplicationError as e:
            found.append(e)
    return found
