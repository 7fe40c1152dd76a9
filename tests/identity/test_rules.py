"""The profile rules of linking and merging, on their own."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from clientvoice.identity import linked_profile, merge_event, merged_profile, replace_id
from clientvoice.models import ContactPoint, Customer

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
EMAIL = ContactPoint("email", "ana@example.com")
PHONE = ContactPoint("phone", "+34611222333")
HANDLE = ContactPoint("x", "analopez")

STORED = Customer(
    id="cus_a",
    name="Ana",
    language="es",
    segments={"madrid"},
    memberships={"loyalty": "gold"},
    contacts=(EMAIL,),
    created_at=NOW,
)


def test_the_first_description_wins_and_gains_what_is_new():
    heard = Customer(
        id="cus_b",
        name="Ana María",
        language="en",
        segments={"vip"},
        memberships={"loyalty": "silver", "plan": "pro"},
        contacts=(PHONE, EMAIL),
    )
    linked = linked_profile(STORED, heard)
    assert linked is not None
    assert (linked.id, linked.name, linked.language, linked.created_at) == (
        "cus_a",
        "Ana",
        "es",
        NOW,
    )
    assert linked.contacts == (EMAIL, PHONE)
    assert linked.segments == {"madrid", "vip"}
    assert linked.memberships == {"loyalty": "gold", "plan": "pro"}


def test_nothing_new_gives_none_and_contact_points_of_others_are_left_out():
    assert linked_profile(STORED, Customer(id="x", contacts=(EMAIL,), segments={"madrid"})) is None
    heard = Customer(id="x", contacts=(PHONE, HANDLE))
    linked = linked_profile(STORED, heard, free={PHONE: False, HANDLE: True})
    assert linked is not None
    assert linked.contacts == (EMAIL, HANDLE)


def test_a_merge_keeps_the_earliest_creation_and_both_contact_points():
    later = Customer(id="cus_b", name="A.", contacts=(PHONE,), created_at=NOW - timedelta(days=9))
    merged = merged_profile(STORED, later)
    assert (merged.id, merged.name, merged.created_at) == ("cus_a", "Ana", NOW - timedelta(days=9))
    assert merged.contacts == (EMAIL, PHONE)


def test_the_merge_event_is_stable_for_the_pair():
    first = merge_event("cus_a", "cus_b", at=NOW, moved={"feedback": 2}, reason="same person")
    again = merge_event("cus_a", "cus_b", at=NOW + timedelta(hours=1), moved={})
    assert first.id == again.id
    assert first.id != merge_event("cus_b", "cus_a", at=NOW, moved={}).id
    assert (first.type, first.customer_id, first.data) == (
        "customer.merged",
        "cus_a",
        {"merged_id": "cus_b", "moved": {"feedback": 2}},
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["cus_b", "cus_bb", "x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=10,
)


@given(value=json_values)
def test_replacing_an_id_replaces_exactly_that_string(value):
    replaced = replace_id(value, "cus_b", "cus_a")
    assert "cus_b" not in repr(replaced).replace("cus_bb", "")
    assert replace_id(replaced, "cus_a", "cus_b") == replace_id(value, "cus_a", "cus_b") or (
        "cus_a" in repr(value)
    )
