"""The plain record format: strict parsing, stable identities, errors that name the field."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice import FeedbackKind, RecordChannel, ValidationError
from clientvoice.channels.records import RECORD_FIELDS, parse_datetime, parse_record

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def record(**fields):
    base = {
        "channel": "email",
        "external_id": "<m1@mail.example.com>",
        "occurred_at": "2026-03-02T09:15:00+01:00",
        "customer": {"email": "ana@example.com", "name": "Ana López", "language": "es"},
        "subject": "Pedido retrasado",
        "text": "Mi pedido lleva una semana de retraso.",
        "kind": "complaint",
        "nps": 3,
        "follow_up_requested": True,
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def test_a_full_record_becomes_customer_interaction_and_feedback():
    item = parse_record(record(), now=NOW)
    assert item.customer.name == "Ana López"
    assert item.customer.language == "es"
    assert item.customer.contact("email") == "ana@example.com"
    assert item.interaction.channel == "email"
    assert item.interaction.subject == "Pedido retrasado"
    assert item.interaction.occurred_at == datetime(2026, 3, 2, 8, 15, tzinfo=timezone.utc)
    assert item.interaction.customer_id == item.customer.id
    assert item.feedback is not None
    assert item.feedback.kind is FeedbackKind.COMPLAINT
    assert item.feedback.nps == 3
    assert item.feedback.follow_up_requested is True
    assert item.feedback.interaction_id == item.interaction.id


def test_ids_are_stable_across_parses_and_depend_on_channel_and_external_id():
    one = parse_record(record(), now=NOW)
    assert parse_record(record(), now=NOW + timedelta(days=3)) == one
    assert parse_record(record(text="changed"), now=NOW).interaction.id == one.interaction.id
    assert parse_record(record(channel="web"), now=NOW).interaction.id != one.interaction.id


def test_without_external_id_the_content_is_the_identity():
    bare = record(external_id=None)
    assert parse_record(bare).interaction.id == parse_record(dict(bare)).interaction.id
    assert (
        parse_record(bare).interaction.id
        != parse_record(record(external_id=None, text="otro")).interaction.id
    )


def test_the_same_customer_description_gives_the_same_customer_id():
    a = parse_record(record(external_id="1"))
    b = parse_record(record(external_id="2", customer={"email": " ANA@example.com "}))
    assert a.customer.id == b.customer.id


def test_an_interaction_without_feedback_signals_has_no_feedback():
    item = parse_record(record(text=None, kind=None, nps=None, follow_up_requested=None))
    assert item.feedback is None


def test_anonymous_feedback_gets_a_customer_of_its_own():
    a = parse_record(record(customer=None, external_id="1"))
    b = parse_record(record(customer=None, external_id="2"))
    assert a.customer.id != b.customer.id
    assert a.customer.contacts == ()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"nps": 11}, "nps", "from 0 to 10"),
        ({"nps": "8"}, "nps", "whole number"),
        ({"csat": True}, "csat", "whole number"),
        ({"ces": 0}, "ces", "from 1 to 7"),
        ({"occurred_at": "2026-03-02T09:15:00"}, "occurred_at", "no time zone"),
        ({"occurred_at": "yesterday"}, "occurred_at", "ISO 8601"),
        ({"occurred_at": 1772438100}, "occurred_at", "ISO 8601"),
        ({"kind": "rant"}, "kind", "must be one of"),
        ({"nsp": 3}, "nsp", "not a record field"),
        ({"text": 42}, "text", "must be a string"),
        ({"follow_up_requested": "yes"}, "follow_up_requested", "True or False"),
        ({"customer": {"email": "ana@"}}, "customer.contacts.email", "e-mail"),
        ({"customer": {"emial": "ana@example.com"}}, "customer.emial", "not a customer field"),
        (
            {"customer": {"email": "a@example.com", "timezone": "CET+1"}},
            "customer.timezone",
            "IANA",
        ),
        (
            {"customer": {"email": "a@example.com", "consents": {"surveys": 1}}},
            "customer.consents.surveys",
            "True or False",
        ),
        ({"customer": "ana"}, "customer", "JSON object"),
        ({"channel": "web"}, "channel", "does not match"),
        ({"metadata": {"a": {1, 2}}}, "metadata.a", "JSON data"),
        ({"external_id": ""}, "external_id", "non-empty"),
    ],
)
def test_bad_fields_are_refused_by_name(changes, field, words):
    with pytest.raises(ValidationError) as caught:
        parse_record(record(**changes), channel="email", now=NOW)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_a_default_time_zone_makes_naive_times_acceptable():
    madrid = ZoneInfo("Europe/Madrid")
    item = parse_record(record(occurred_at="2026-07-01T10:00:00"), default_timezone=madrid)
    assert item.interaction.occurred_at.utcoffset() == timedelta(hours=2)


def test_occurred_at_defaults_to_now_and_is_otherwise_required():
    assert parse_record(record(occurred_at=None), now=NOW).interaction.occurred_at == NOW
    with pytest.raises(ValidationError, match="occurred_at: is required"):
        parse_record(record(occurred_at=None))


def test_the_record_channel_parses_json_text_and_bytes():
    channel = RecordChannel("email")
    payload = json.dumps(record())
    (from_text,) = channel.parse(payload, now=NOW)
    (from_bytes,) = channel.parse(payload.encode(), now=NOW)
    assert from_text == from_bytes == parse_record(record(), now=NOW)
    with pytest.raises(ValidationError, match="not valid JSON"):
        channel.parse("{not json", now=NOW)
    with pytest.raises(ValidationError, match="nested too deeply"):
        channel.parse("[" * 100_000 + "]" * 100_000, now=NOW)


def test_datetimes_parse_in_iso_8601_variants():
    for text in ("2026-03-02T08:15:00Z", "2026-03-02T08:15:00+00:00", "20260302T081500Z"):
        assert parse_datetime(text, "t") == datetime(2026, 3, 2, 8, 15, tzinfo=timezone.utc)


# -- properties --------------------------------------------------------------------------------

_text = st.text(max_size=40)
_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 15),
    st.floats(allow_nan=True),
    _text,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(_text, st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*sorted(RECORD_FIELDS), "extra", "nsp"]), _value))
def test_any_record_parses_or_fails_with_a_validation_error(fields):
    """Arbitrary records never crash the parser: they parse, or fail naming a field."""
    try:
        item = parse_record(fields, channel=None, now=NOW)
    except ValidationError as error:
        assert error.field
        return
    if item.feedback is not None:
        for name, low, high in (("nps", 0, 10), ("csat", 1, 5), ("ces", 1, 7)):
            value = getattr(item.feedback, name)
            assert value is None or (type(value) is int and low <= value <= high)


@settings(max_examples=200, deadline=None)
@given(
    nps=st.one_of(st.none(), st.integers(0, 10)),
    text=st.text(max_size=200),
    minutes=st.integers(-10_000_000, 10_000_000),
    offset=st.integers(-14 * 60, 14 * 60),
)
def test_valid_records_round_trip_their_values(nps, text, minutes, offset):
    zone = timezone(timedelta(minutes=offset))
    when = (NOW + timedelta(minutes=minutes)).astimezone(zone)
    item = parse_record(record(nps=nps, text=text, occurred_at=when.isoformat()))
    assert item.interaction.occurred_at == when
    assert item.interaction.body == text
    assert item.feedback is not None
    assert item.feedback.nps == nps
    assert item.feedback.text == text
