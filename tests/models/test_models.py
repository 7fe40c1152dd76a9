"""The models refuse invalid states at construction, naming the field and the value."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest

from clientvoice import (
    Analysis,
    Case,
    CaseStage,
    Consents,
    ContactPoint,
    Customer,
    CustomerKind,
    Event,
    Feedback,
    FeedbackKind,
    Interaction,
    RecoveryGesture,
    Sentiment,
    ValidationError,
)
from clientvoice.models import normalize_contact

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def feedback(**fields):
    values = {"id": "f1", "customer_id": "c1", "interaction_id": "i1", "created_at": NOW}
    values.update(fields)
    return Feedback(**values)


@pytest.mark.parametrize(("field", "low", "high"), [("nps", 0, 10), ("csat", 1, 5), ("ces", 1, 7)])
def test_ratings_must_be_on_their_scale(field, low, high):
    assert getattr(feedback(**{field: low}), field) == low
    assert getattr(feedback(**{field: high}), field) == high
    for bad in (low - 1, high + 1):
        with pytest.raises(ValidationError) as caught:
            feedback(**{field: bad})
        assert caught.value.field == field
        assert caught.value.value == bad
        assert f"from {low} to {high}" in str(caught.value)


@pytest.mark.parametrize("bad", [True, False, "8", 8.0, 7.9])
def test_ratings_are_never_coerced(bad):
    with pytest.raises(ValidationError) as caught:
        feedback(nps=bad)
    assert caught.value.field == "nps"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValidationError, match="created_at: must be timezone-aware"):
        feedback(created_at=datetime(2026, 3, 2, 9, 0))


def test_kind_accepts_members_and_values_only():
    assert feedback(kind="complaint").kind is FeedbackKind.COMPLAINT
    assert feedback(kind=FeedbackKind.IDEA).kind is FeedbackKind.IDEA
    with pytest.raises(ValidationError, match="kind: must be one of 'complaint'"):
        feedback(kind="rant")


def test_follow_up_must_be_a_real_boolean():
    with pytest.raises(ValidationError) as caught:
        feedback(follow_up_requested=1)
    assert caught.value.field == "follow_up_requested"


def test_models_are_frozen_and_evolve_revalidates():
    item = feedback(nps=3)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        item.nps = 4  # type: ignore[misc]
    assert attrs.evolve(item, nps=9).nps == 9
    with pytest.raises(ValidationError):
        attrs.evolve(item, nps=12)


def test_customer_fields_are_validated():
    customer = Customer(
        id="c1",
        name="José Pérez",
        preferred_name="Pepe",
        kind="internal",
        language="es-MX",
        timezone="America/Mexico_City",
        segments=["finance"],
        memberships={"plan": "pro"},
        contacts=[ContactPoint("email", "Jose@Example.com")],
        consents=Consents(contact=True, surveys=True),
    )
    assert customer.kind is CustomerKind.INTERNAL
    assert customer.segments == frozenset({"finance"})
    assert customer.address_name == "Pepe"
    assert customer.contact("email") == "jose@example.com"
    assert customer.contact("phone") is None
    for field, bad in [
        ("id", ""),
        ("id", " padded "),
        ("kind", "partner"),
        ("language", "spanish"),
        ("timezone", "Mars/Olympus"),
        ("segments", [""]),
        ("memberships", {"plan": 3}),
    ]:
        with pytest.raises(ValidationError) as caught:
            attrs.evolve(customer, **{field: bad})
        assert caught.value.field.split(".")[0] == field


def test_address_name_is_none_when_nothing_is_known():
    assert Customer(id="c1").address_name is None
    assert Customer(id="c1", name="Ana").address_name == "Ana"


@pytest.mark.parametrize(
    ("channel", "raw", "expected"),
    [
        ("email", "  Ana.Lopez@Example.COM ", "ana.lopez@example.com"),
        ("phone", "+34 600-11 22 33", "+34600112233"),
        ("phone", "0034 (600) 112233", "+34600112233"),
        ("x", "@ClientVoice", "clientvoice"),
    ],
)
def test_contact_points_are_normalised(channel, raw, expected):
    assert normalize_contact(channel, raw) == expected
    assert ContactPoint(channel, raw).value == expected


@pytest.mark.parametrize(
    ("channel", "raw"), [("email", "not-an-address"), ("phone", "call me"), ("x", "two words")]
)
def test_bad_contact_points_are_refused(channel, raw):
    with pytest.raises(ValidationError) as caught:
        ContactPoint(channel, raw)
    assert caught.value.field == f"contacts.{channel}"


def test_interaction_metadata_must_be_json():
    base = {"id": "i1", "customer_id": "c1", "channel": "web", "occurred_at": NOW}
    assert Interaction(**base, metadata={"a": [1, 2.5, None, {"b": True}]}).metadata["a"][1] == 2.5
    with pytest.raises(ValidationError, match=r"metadata\.when"):
        Interaction(**base, metadata={"when": NOW})
    with pytest.raises(ValidationError, match="finite"):
        Interaction(**base, metadata={"x": float("nan")})
    with pytest.raises(ValidationError, match="channel"):
        Interaction(**{**base, "channel": "Web Form"})


def test_analysis_merge_keeps_known_fields_and_joins_lists():
    first = Analysis(sentiment="negative", themes=("delivery",), analyzers=("a",))
    second = Analysis(
        sentiment="positive", sentiment_score=-0.4, themes=("delivery", "refund"), analyzers=("b",)
    )
    merged = first.merged(second)
    assert merged.sentiment is Sentiment.NEGATIVE
    assert merged.sentiment_score == -0.4
    assert merged.themes == ("delivery", "refund")
    assert merged.analyzers == ("a", "b")
    with pytest.raises(ValidationError, match="sentiment_score"):
        Analysis(sentiment_score=1.5)


def test_case_and_event_records():
    case = Case(id="k1", customer_id="c1", feedback_id="f1", opened_at=NOW)
    assert case.stage is CaseStage.RECEIVED
    assert case.version == 0
    with pytest.raises(ValidationError, match="escalation_level"):
        attrs.evolve(case, escalation_level=-1)
    gesture = RecoveryGesture(kind="voucher", value=20, cost=8.5, currency="MXN")
    assert attrs.evolve(case, gesture=gesture).gesture == gesture
    with pytest.raises(ValidationError, match="cost"):
        RecoveryGesture(kind="voucher", cost=float("inf"))
    event = Event(id="e1", type="case.opened", occurred_at=NOW + timedelta(seconds=1))
    assert event.actor == "system"
    with pytest.raises(ValidationError, match="type"):
        Event(id="e1", type="Case Opened", occurred_at=NOW)


def test_validation_error_is_a_value_error_and_names_field_and_value():
    error = ValidationError("customer.email", "x@", "is not an e-mail address")
    assert isinstance(error, ValueError)
    assert str(error) == "customer.email: is not an e-mail address (got 'x@')"
    assert error.within("record").field == "record.customer.email"


def test_messaging_numbers_are_normalised_as_phone_numbers():
    assert ContactPoint("whatsapp", "+52 55 1234 5678").value == "+525512345678"
    with pytest.raises(ValidationError, match=r"contacts\.whatsapp"):
        ContactPoint("whatsapp", "my number")
