"""The rules of erasure on texts and values: what goes, what stays."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from clientvoice.models import ContactPoint, Customer, Event
from clientvoice.privacy import REDACTED, Erasure, ErasureReport, anonymise_text

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
ANA = Customer(
    id="cus_0a1b2c",
    name="Ana López",
    preferred_name="Anita",
    contacts=(
        ContactPoint("email", "ana@example.com"),
        ContactPoint("phone", "+34 611 222 333"),
        ContactPoint("x", "@AnaLopez"),
    ),
)
ERASURE = Erasure.of(ANA, ["Mi pedido no llegó"], merged_ids=["cus_old"])

words = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "Zs", "P"]), max_size=30)


def test_addresses_numbers_names_and_texts_are_redacted():
    text = (
        "Ana López (anita) wrote from ANA@example.com and +34 611-222-333, "
        "also 0034 611 222 333 and 611.222.333, as @analopez: «Mi pedido no llegó»."
    )
    result = ERASURE.text(text)
    for gone in ("Ana", "López", "anita", "ANA@", "611", "analopez", "pedido"):
        assert gone.lower() not in result.lower(), gone
    assert result.count(REDACTED) >= 7
    assert "wrote from" in result


def test_other_peoples_addresses_and_numbers_go_too_but_dates_and_ids_stay():
    text = "Call Bob on 912 345 678 or bob@x.io; due 2026-03-02T09:00:00+01:00, case_1234567abc"
    result = anonymise_text(text)
    assert "912" not in result
    assert "bob@x.io" not in result
    assert "2026-03-02T09:00:00+01:00" in result
    assert "case_1234567abc" in result


def test_a_name_is_removed_only_as_a_whole_word():
    assert ERASURE.text("Banana and Anabel met Ana") == f"Banana and Anabel met {REDACTED}"


def test_a_phone_number_is_recognised_without_its_country_code():
    assert ERASURE.names_contact('{"phone": "611222333"}')
    assert ERASURE.names_contact("llamar al 611 22 23 33")
    assert not ERASURE.names_contact("llamar al 611 22 23 34")
    assert not ERASURE.names_contact("ana@example.community")


def test_values_keep_their_shape_and_ids_move_to_the_anonymous_id():
    value = {
        "to": "ana@example.com",
        "count": 3,
        "ok": True,
        "who": ["cus_0a1b2c", "cus_old", "cus_other"],
        "note": None,
    }
    assert ERASURE.value(value) == {
        "to": REDACTED,
        "count": 3,
        "ok": True,
        "who": [ERASURE.anonymous_id, ERASURE.anonymous_id, "cus_other"],
        "note": None,
    }
    assert ERASURE.anonymous_id.startswith("cus_")
    assert ERASURE.anonymous_id != Erasure.of(ANA).anonymous_id  # fresh, not derived


def test_the_customer_keeps_what_is_counted_and_loses_the_rest():
    customer = Customer(
        id="cus_0a1b2c",
        name="Ana López",
        segments={"vip"},
        memberships={"loyalty": "gold"},
        language="es",
        timezone="Europe/Madrid",
        contacts=ANA.contacts,
        created_at=NOW,
    )
    erased = ERASURE.customer(customer)
    assert (erased.id, erased.name, erased.preferred_name, erased.contacts) == (
        ERASURE.anonymous_id,
        "",
        None,
        (),
    )
    assert (erased.consents.contact, erased.consents.surveys) == (False, False)
    assert (erased.segments, erased.memberships, erased.language, erased.timezone) == (
        {"vip"},
        {"loyalty": "gold"},
        "es",
        "Europe/Madrid",
    )
    assert erased.created_at == NOW


def test_the_erased_event_carries_counts_only_and_is_logged_once():
    report = ErasureReport(customer_id="cus_new", erased_at=NOW, feedback=2, events=5)
    event = report.event(actor="dpo", reason="request 42")
    assert event.type == "customer.erased"
    assert event.customer_id == "cus_new"
    assert set(event.data) == {
        "contact_points",
        "interactions",
        "feedback",
        "cases",
        "messages",
        "timers",
        "invitations",
        "events",
        "rejections",
    }
    assert all(type(value) is int for value in event.data.values())
    assert event.id == report.event().id
    json.dumps(report.as_dict())


def test_an_event_of_the_customer_moves_to_the_anonymous_id():
    event = Event(
        id="e1",
        type="case.note",
        occurred_at=NOW,
        customer_id="cus_old",
        reason="Ana asked",
        data={"note": "Mi pedido no llegó", "stage": "acting"},
    )
    erased = ERASURE.event(event)
    assert erased.customer_id == ERASURE.anonymous_id
    assert erased.reason == f"{REDACTED} asked"
    assert erased.data == {"note": REDACTED, "stage": "acting"}
    assert (erased.id, erased.type, erased.occurred_at) == ("e1", "case.note", NOW)


@given(before=words, after=words, user=st.from_regex(r"[a-z]{1,10}(\.[a-z]{1,5})?", fullmatch=True))
def test_no_email_address_survives(before, after, user):
    address = f"{user}@mail-{len(before)}.example.org"
    result = anonymise_text(f"{before} {address} {after}")
    assert address not in result
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.-]+", result)


@given(digits=st.text(alphabet="0123456789", min_size=9, max_size=9), sep=st.sampled_from(" .-"))
def test_no_phone_number_survives_whatever_its_spelling(digits, sep):
    spelled = sep.join([digits[:3], digits[3:6], digits[6:]])
    for text in (f"tel {spelled}.", f"+34 {spelled}", f"({digits[:3]}) {digits[3:]}"):
        result = anonymise_text(text)
        assert sum(char.isdigit() for char in result) < 7, text


@given(text=st.text(max_size=200))
def test_anonymising_never_fails_and_is_idempotent(text):
    once = ERASURE.text(text)
    assert ERASURE.text(once) == once
    assert ERASURE.value({"k": [text, 1]}) == {"k": [once, 1]} or text in ERASURE.ids
