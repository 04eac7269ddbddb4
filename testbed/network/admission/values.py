"""What an institution gives, as plain values: an application's fields (`Filing`), the
errors that name the field they refuse, and the one check of each value more than one
door takes (a redirect URI, an IP address, a text). The model takes these values; reading
them from a posted form or a JSON body is the web's (`testbed.web.portal.application_form`).
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from testbed.network.text import control_character

LONGEST_TEXT = 100
LONGEST_URI = 2000


class ApplicationError(ValueError):
    """An application the centre cannot take as written: `field` names what is wrong (the
    portal answers 400 with it). Nothing is kept."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownApplication(LookupError):
    """No application has this id."""


class DecisionError(ValueError):
    """A decision the application cannot take (it is not under review)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Filing:
    """An application's fields as a company writes them, read and checked (the web's
    reader refuses a bad one, naming it): what `Admission.apply` screens and grades.
    Keyword-only: seventeen fields, several of one type side by side."""

    company_name: str
    business_number: str  # ten digits, the check digit right (`rules.business_number_ok`)
    size: str  # one of `testbed.config.grading.SIZES`
    industry: str  # a 핀테크산업 분류업종 (`rules.INDUSTRIES`), or "" for none
    licences: list[str]  # of `rules.LICENCES`
    declarations: dict[str, bool]  # every 제외대상 (`rules.DECLARATIONS`): applies or not
    services: list[str]  # of `rules.SERVICES`, at least one
    purposes: list[str]
    main_bank: str  # an Open Banking participant's code
    credit_rating: str
    paid_in_capital: int  # won
    years_in_business: int
    operating_profit: int  # won, may be negative
    aml_system: bool
    isms: bool
    liability_insurance: bool
    redirect_uris: list[str]  # each passed `redirect_uri`


#: an application's fields, in the form's order
FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Filing))


def text_value(value: object, field: str, longest: int = LONGEST_TEXT) -> str:
    """A text field: trimmed, not empty, at most `longest`, no control character."""
    if not isinstance(value, str):
        raise ApplicationError(field, f"expected text, got {kind_of(value)}")
    text = value.strip()
    if not text:
        raise ApplicationError(field, "must not be empty")
    if len(text) > longest:
        raise ApplicationError(field, f"at most {longest} characters")
    if control := control_character(text):
        raise ApplicationError(field, f"no control characters (found {control})")
    return text


def kind_of(value: object) -> str:
    """What a refused value was, for the message that refuses it."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"{type(value).__name__} {value!r}"


MOST_REDIRECT_URIS = 20
MOST_IPS = 50


def redirect_uri(value: object, field: str = "redirect_uri") -> str:
    """The one check of a redirect URI, at every door that registers one (이용신청, My Page,
    the control plane) and before the consent pages send a browser to one: an absolute
    http:// or https:// URL with a host, no fragment (RFC 6749 §3.1.2), no spaces or control
    characters (a CR or LF would end the Location header it goes into);
    `ApplicationError` naming `field` otherwise."""
    if isinstance(value, str) and (control := control_character(value.strip())):
        # before urlsplit, which silently drops CR, LF and TAB
        raise ApplicationError(field, f"no spaces or control characters (found {control})")
    uri = text_value(value, field, LONGEST_URI)
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ApplicationError(field, f"not a URL: {uri!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApplicationError(field, f"an absolute http(s) URL, got {uri!r}")
    if parts.fragment or "#" in uri:
        raise ApplicationError(field, "a redirect URI has no fragment (#...)")
    if any(c.isspace() for c in uri):
        raise ApplicationError(field, "no spaces or control characters")
    return uri


def redirect_uri_ok(uri: str) -> bool:
    """Whether `uri` passes `redirect_uri` as it is (untrimmed): a browser may be sent there."""
    try:
        return redirect_uri(uri) == uri
    except ApplicationError:
        return False


def ip_address(value: object) -> str:
    """An IPv4 or IPv6 address in its canonical text (IPv6 compressed), as requests carry
    it; `ApplicationError` otherwise."""
    if not isinstance(value, str):
        raise ApplicationError("ip", f"expected an IPv4 or IPv6 address, got {kind_of(value)}")
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ApplicationError("ip", f"not an IPv4 or IPv6 address: {value[:60]!r}") from None
