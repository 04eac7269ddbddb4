"""The reader of an application as the portal receives it (`application_form`): each field
from what was posted to the plain value the model takes, a bad one refused with its name,
every problem of a form at once, and nothing filed by reading."""

from __future__ import annotations

from typing import Any

import pytest

from testbed.network.admission.rules import DECLARATIONS
from testbed.network.admission.values import ApplicationError
from testbed.network.applications import APPROVED
from testbed.network.gateway import Gateway
from testbed.network.world import World
from testbed.web.portal.application_form import application_problems, read_application
from tests.conftest import WorldFactory
from tests.network.test_admission import BASE, KAKAO, SAMSUNG, application


@pytest.fixture
def world(make_world: WorldFactory) -> World:
    return make_world(users=3)


def test_the_number_is_taken_with_or_without_hyphens(world: World) -> None:
    assert read_application(world, application()).business_number == "2208162517"
    assert read_application(world, application(business_number=SAMSUNG)).business_number == (
        "1248100998"
    )
    spaced = application(business_number=" " + KAKAO + " ")
    assert read_application(world, spaced).business_number == "1208147521"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"company_name": ""}, "company_name"),
        ({"company_name": 42}, "company_name"),
        ({"company_name": "가" * 101}, "company_name"),
        ({"business_number": "220-81-62518"}, "business_number"),
        ({"business_number": "22081625"}, "business_number"),
        ({"business_number": 2208162517}, "business_number"),
        ({"size": "소형"}, "size"),
        ({"size": None}, "size"),
        ({"industry": "소프트웨어업"}, "industry"),
        ({"industry": ["자료 처리업"]}, "industry"),
        ({"licences": ["전자금융업"]}, "licences[0]"),
        ({"licences": "전자금융업자"}, "licences"),
        ({"licences": ["전자금융업자", "전자금융업자"]}, "licences[1]"),
        ({"declarations": []}, "declarations"),
        ({"declarations": {**BASE["declarations"], "gambling": "no"}}, "declarations.gambling"),
        ({"declarations": {**BASE["declarations"], "crypto": False}}, "declarations.crypto"),
        (
            {"declarations": {k: False for k in DECLARATIONS if k != "bankrupt"}},
            "declarations.bankrupt",
        ),
        ({"services": []}, "services"),
        ({"services": ["balance", "loan"]}, "services[1]"),
        ({"services": ["balance", "balance"]}, "services[1]"),
        ({"purposes": []}, "purposes"),
        ({"purposes": ["간편송금", ""]}, "purposes[1]"),
        ({"purposes": ["간편송금", 3]}, "purposes[1]"),
        ({"purposes": ["p"] * 21}, "purposes"),
        ({"main_bank": "999"}, "main_bank"),
        ({"main_bank": "045"}, "main_bank"),  # a 공동망 member, not an Open Banking participant
        ({"main_bank": 4}, "main_bank"),
        ({"credit_rating": "AA+"}, "credit_rating"),
        ({"paid_in_capital": -1}, "paid_in_capital"),
        ({"paid_in_capital": 1.5e9}, "paid_in_capital"),
        ({"paid_in_capital": "10억"}, "paid_in_capital"),
        ({"paid_in_capital": True}, "paid_in_capital"),
        ({"years_in_business": 201}, "years_in_business"),
        ({"operating_profit": "1,00,000"}, "operating_profit"),
        ({"aml_system": "yes"}, "aml_system"),
        ({"isms": 1}, "isms"),
        ({"liability_insurance": None}, "liability_insurance"),
        ({"redirect_uris": ["ftp://example.com/cb"]}, "redirect_uris[0]"),
        ({"redirect_uris": "http://localhost/cb"}, "redirect_uris"),
        ({"homepage": "https://example.com"}, "homepage"),
    ],
)
def test_a_bad_field_is_named(world: World, change: dict[str, Any], field: str) -> None:
    with pytest.raises(ApplicationError) as error:
        read_application(world, application(**change))
    assert error.value.field == field
    assert str(error.value).startswith(f"{field}: ")
    # the form's list of every problem names the same field, with the same words, alone
    found = application_problems(world, application(**change))
    assert [(p.field, p.message) for p in found] == [(field, error.value.message)]


REQUIRED = [k for k in BASE if k not in ("industry", "licences")]


def test_every_problem_of_an_application_is_named_at_once(world: World) -> None:
    data = application(company_name=" ", size="", services=[], paid_in_capital="lots")
    found = application_problems(world, data)
    assert [p.field for p in found] == ["company_name", "size", "services", "paid_in_capital"]
    assert application_problems(world, application()) == []


@pytest.mark.parametrize("field", REQUIRED)
def test_a_missing_field_is_named(world: World, field: str) -> None:
    data = {k: v for k, v in application().items() if k != field}
    with pytest.raises(ApplicationError) as error:
        read_application(world, data)
    assert (error.value.field, error.value.message) == (field, "missing")


def test_industry_and_licences_may_be_left_out(world: World) -> None:
    data = {k: v for k, v in application(licences=["전자금융업자"]).items() if k != "industry"}
    app = Gateway(world).admission.apply("dev-1", read_application(world, data), world.clock.now())
    assert (app.industry, app.status) == ("", APPROVED)


def test_numbers_may_come_as_text_and_an_alias_names_the_main_bank(world: World) -> None:
    data = application(paid_in_capital="1,000,000,000", operating_profit="-5000", main_bank="006")
    app = read_application(world, data)
    assert (app.paid_in_capital, app.operating_profit, app.main_bank) == (
        1_000_000_000,
        -5000,
        "004",
    )


def test_an_unknown_field_or_a_body_not_an_object_is_named(world: World) -> None:
    with pytest.raises(ApplicationError) as error:
        read_application(world, [])  # type: ignore[arg-type]  # what a JSON body may be
    assert error.value.field == "application"
    assert [p.field for p in application_problems(world, application(homepage="x"))] == ["homepage"]
