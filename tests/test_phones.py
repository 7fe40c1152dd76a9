"""Phone numbers without a country code, read in the listener's region: one customer, not two."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientvoice import Listener, SQLiteStore, ValidationError
from clientvoice.models import ContactPoint, Customer
from clientvoice.phones import international_number, with_international_numbers


def record(n: int, phone: str, **more: Any) -> dict[str, Any]:
    return {
        "external_id": f"note-{n}",
        "occurred_at": "2026-03-02T10:00:00+01:00",
        "customer": {"phone": phone, **more},
        "text": "Llama por el pedido que no llegó",
    }


def test_a_national_number_and_the_same_number_with_its_code_are_one_customer(tmp_path):
    with Listener(SQLiteStore(tmp_path / "cv.db"), autoload=False, phone_region="es") as listener:
        assert listener.phone_region == "ES"
        listener.hear("phone", record(1, "612 345 678"))
        listener.hear("web", record(2, "+34 612-345-678", email="ana@example.com"))
        (customer,) = listener.store.iter_customers()
        assert customer.contact("phone") == "+34612345678"
        assert customer.contact("email") == "ana@example.com"
        assert len(list(listener.store.iter_feedback(customer_id=customer.id))) == 2
        assert listener.store.find_customer("phone", "+34612345678") == customer


def test_without_a_region_numbers_are_kept_as_written_and_stay_apart():
    with Listener(autoload=False) as listener:
        listener.ingest([record(1, "612 345 678"), record(2, "+34 612 345 678")], channel="phone")
        phones = sorted(c.contact("phone") or "" for c in listener.store.iter_customers())
        assert phones == ["+34612345678", "612345678"]


@pytest.mark.parametrize(
    ("written", "region", "read"),
    [
        ("612345678", "ES", "+34612345678"),  # Spain: no trunk prefix
        ("5512345678", "MX", "+525512345678"),  # Mexico City, ten digits
        ("07700900123", "GB", "+447700900123"),  # the British trunk 0 is dropped
        ("0612345678", "FR", "+33612345678"),
        ("0612345678", "IT", "+390612345678"),  # an Italian landline keeps its 0
        ("4155552671", "US", "+14155552671"),
        ("+525512345678", "ES", "+525512345678"),  # already international: untouched
        ("123", "ES", "123"),  # cannot be a Spanish number: kept as given
    ],
)
def test_numbers_are_read_by_each_regions_plan(written: str, region: str, read: str):
    assert international_number(written, region) == read


def test_a_customer_named_by_both_forms_keeps_one_contact_point():
    customer = Customer(
        id="cus-1",
        contacts=(ContactPoint("phone", "612 345 678"), ContactPoint("phone", "+34612345678")),
    )
    assert with_international_numbers(customer, "ES").contacts == (
        ContactPoint("phone", "+34612345678"),
    )
    international = Customer(id="cus-2", contacts=(ContactPoint("whatsapp", "+34612345678"),))
    assert with_international_numbers(international, "ES") is international


@pytest.mark.parametrize("region", ["Spain", "XX", "", 34])
def test_an_unknown_region_is_refused_naming_the_option(region: Any):
    with pytest.raises(ValidationError) as caught:
        Listener(autoload=False, phone_region=region)
    assert caught.value.field == "phone_region"


@given(digits=st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_reading_any_digits_never_fails_and_reading_twice_changes_nothing(digits: str):
    for region in ("ES", "MX", "GB", "US"):
        once = international_number(digits, region)
        assert once == digits or (once.startswith("+") and once[1:].isdigit())
        assert international_number(once, region) == once
