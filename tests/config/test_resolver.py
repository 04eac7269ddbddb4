"""The one bank-code resolver, against the shipped banks.yaml and zengin.yaml."""

from __future__ import annotations

import pickle

import pytest

from testbed.config import BankCodeError, BankCodeResolver, Institution, load_network

from .conftest import ZENGIN_YAML


def codes(institutions: tuple[Institution, ...]) -> list[str]:
    return [institution.code for institution in institutions]


@pytest.mark.parametrize(
    ("code", "canonical"),
    [
        ("004", "004"),
        ("006", "004"),
        ("019", "004"),
        ("009", "007"),
        ("010", "011"),
        ("016", "011"),
        ("017", "012"),
        ("084", "020"),
        ("053", "027"),
        ("005", "081"),
        ("025", "081"),
        ("021", "088"),
        ("026", "088"),
        ("103", "050"),
        ("075", "071"),
        ("099", "099"),
        ("294", "294"),
    ],
)
def test_resolve_maps_aliases_to_the_canonical_institution(
    resolver: BankCodeResolver, code: str, canonical: str
) -> None:
    assert resolver.resolve(code).code == canonical


def test_alias_lookups(resolver: BankCodeResolver) -> None:
    assert resolver.is_alias("006")
    assert not resolver.is_alias("004")
    assert not resolver.is_alias("123")
    alias = resolver.alias("006")
    assert alias is not None
    assert (alias.code, alias.deposit) == ("006", False)
    assert resolver.alias("004") is None
    savings = resolver.alias("103")
    assert savings is not None and savings.savings_bank_name == "SBI저축은행"


@pytest.mark.parametrize("code", ["006", "019"])
def test_deposit_to_a_kb_alias_is_refused(resolver: BankCodeResolver, code: str) -> None:
    with pytest.raises(BankCodeError) as info:
        resolver.resolve_for_deposit(code)
    error = info.value
    assert error.reason == "alias_deposit_refused"
    assert error.code == code
    assert str(error) == error.message
    assert "입금은 004로 해야 합니다" in error.message
    assert "KB국민은행(004)" in error.message
    assert f"{code} is an alias of 004 KB Kookmin Bank" in error.message
    assert "deposits must be addressed to 004" in error.message
    assert isinstance(error, ValueError)


def test_deposit_refusal_uses_the_right_particle(resolver: BankCodeResolver) -> None:
    with pytest.raises(BankCodeError) as info:
        resolver.resolve_for_deposit("084")
    assert "입금은 020으로 해야 합니다" in info.value.message


def test_deposit_refusal_shows_the_alias_note(resolver: BankCodeResolver) -> None:
    with pytest.raises(BankCodeError) as info:
        resolver.resolve_for_deposit("103")
    assert "103(SBI저축은행)" in info.value.message
    assert "저축은행 송금은 050으로 해야 한다" in info.value.message


def test_nonghyup_deposits_reach_both(resolver: BankCodeResolver) -> None:
    assert codes(resolver.resolve_for_deposit("012")) == ["012", "011"]
    assert codes(resolver.resolve_for_deposit("011")) == ["011", "012"]
    with pytest.raises(BankCodeError) as info:
        resolver.resolve_for_deposit("013")
    assert info.value.reason == "alias_deposit_refused"
    assert "012" in info.value.message


def test_post_office_deposits_only_via_071(resolver: BankCodeResolver) -> None:
    assert codes(resolver.resolve_for_deposit("071")) == ["071"]
    assert resolver.resolve("073").code == "071"  # inquiry / withdrawal is fine
    with pytest.raises(BankCodeError) as info:
        resolver.resolve_for_deposit("073")
    assert info.value.reason == "alias_deposit_refused"
    assert "071" in info.value.message


@pytest.mark.parametrize(
    ("code", "canonical"),
    [("021", "088"), ("026", "088"), ("005", "081"), ("009", "007"), ("053", "027")],
)
def test_deposit_through_an_alias_that_accepts_it(
    resolver: BankCodeResolver, code: str, canonical: str
) -> None:
    assert codes(resolver.resolve_for_deposit(code)) == [canonical]


def test_unknown_code(resolver: BankCodeResolver) -> None:
    for method in (resolver.resolve, resolver.resolve_for_deposit):
        with pytest.raises(BankCodeError) as info:
            method("123")
        assert info.value.reason == "unknown"
        assert info.value.code == "123"
        assert str(info.value).startswith("알 수 없는 은행코드 123 (unknown bank code 123); ")


def test_an_unknown_code_names_the_nearest_known_codes(resolver: BankCodeResolver) -> None:
    """Issue 16: a typo is usually one digit, so codes one digit away come first, the
    nearest in value before the others (087 for 088 신한은행)."""
    with pytest.raises(BankCodeError) as info:
        resolver.resolve("087")
    message = str(info.value)
    assert message.endswith("nearest known codes: 088 신한은행, 089 케이뱅크, 081 하나은행")
    assert [i.code for i in resolver.nearest("068")] == ["064", "048", "088"]


@pytest.mark.parametrize("code", ["22", "0a4", "0004", "", " 04", "００４", "4 "])
def test_malformed_code(resolver: BankCodeResolver, code: str) -> None:
    with pytest.raises(BankCodeError) as info:
        resolver.resolve(code)
    assert info.value.reason == "malformed"
    assert info.value.code == code
    assert "3자리 숫자" in info.value.message
    assert "must be 3 digits" in info.value.message


def test_non_string_code_is_malformed(resolver: BankCodeResolver) -> None:
    with pytest.raises(BankCodeError) as info:
        resolver.resolve(4)  # type: ignore[arg-type]
    assert info.value.reason == "malformed"


def test_retired_code(resolver: BankCodeResolver) -> None:
    for method in (resolver.resolve, resolver.resolve_for_deposit):
        with pytest.raises(BankCodeError) as info:
            method("022")
        assert info.value.reason == "retired"
        assert "한국상업은행" in info.value.message
        assert "삭제" in info.value.message
        assert "Commercial Bank of Korea" in info.value.message


@pytest.mark.parametrize("code", ["293", "295"])
def test_non_member(resolver: BankCodeResolver, code: str) -> None:
    for method in (resolver.resolve, resolver.resolve_for_deposit):
        with pytest.raises(BankCodeError) as info:
            method(code)
        assert info.value.reason == "not_member"
        assert "미참여기관" in info.value.message
        assert "not a member" in info.value.message


def test_bank_code_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(BankCodeError("123", "unknown", "알 수 없는 은행코드 123")))
    assert (error.code, error.reason, str(error)) == ("123", "unknown", "알 수 없는 은행코드 123")


def test_zengin_codes_have_four_digits() -> None:
    resolver = BankCodeResolver(load_network(ZENGIN_YAML))
    assert resolver.resolve("0001").name_en == "Mizuho Bank"
    assert resolver.resolve("9900").name_en == "Japan Post Bank"
    with pytest.raises(BankCodeError) as info:
        resolver.resolve("001")
    assert info.value.reason == "malformed"
    assert "4 digits" in info.value.message
    with pytest.raises(BankCodeError) as info:
        resolver.resolve("0428")
    assert info.value.reason == "retired"
    assert "한일은행" in info.value.message
