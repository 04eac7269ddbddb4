"""The page headers: one policy for every page; a consent form's redirect target is the
only origin added to `form-action`, and only as a well-formed CSP source."""

from __future__ import annotations

import pytest

from testbed.web.render import PAGE_HEADERS, PRIVATE_PAGE_HEADERS, form_headers


def _form_action(headers: dict[str, str]) -> str:
    for directive in headers["Content-Security-Policy"].split(";"):
        name, _, value = directive.strip().partition(" ")
        if name == "form-action":
            return value
    raise AssertionError("no form-action")


def test_every_page_variant_shares_one_policy() -> None:
    assert (
        PRIVATE_PAGE_HEADERS["Content-Security-Policy"] == PAGE_HEADERS["Content-Security-Policy"]
    )
    assert PRIVATE_PAGE_HEADERS["Cache-Control"] == "no-store"
    assert _form_action(PAGE_HEADERS) == "'self'"


@pytest.mark.parametrize(
    ("target", "source"),
    [
        ("http://127.0.0.1:8765/callback", "http://127.0.0.1:8765"),
        ("https://app.example.com/cb?x=1", "https://app.example.com"),
        ("https://APP.example.com:443/cb", "https://app.example.com:443"),
        ("http://[::1]:8080/cb", "http:"),  # CSP has no IPv6 host source: the scheme alone
        ("https://a;script-src *@x/cb", "https://x"),  # the host alone, no user info
        ("https://a;script-src*/cb", "https:"),  # never a second directive
        ("https://a'b/cb", "https:"),
        ("https://host:99999/cb", "https:"),  # not a port
    ],
)
def test_a_forms_redirect_target_is_added_as_a_source(target: str, source: str) -> None:
    headers = form_headers(target)
    assert _form_action(headers) == f"'self' {source}"
    assert headers["Content-Security-Policy"].count(";") == PAGE_HEADERS[
        "Content-Security-Policy"
    ].count(";")
    assert headers["Cache-Control"] == "no-store"
