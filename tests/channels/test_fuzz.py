"""No input crashes a parser: every built-in channel's ``parse`` (and the webhook ``verify``)
either hears something or raises a ValidationError naming a field, whatever it is given."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientvoice import Heard, ValidationError
from clientvoice.channels.mail import EmailChannel
from clientvoice.channels.standard import STANDARD_CHANNELS, standard_channel
from clientvoice.channels.transcripts import TranscriptChannel
from clientvoice.channels.webhook import SignedWebhookChannel, WebhookChannel, sign_webhook

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
EMAIL_DATA = Path(__file__).resolve().parents[1] / "data" / "email"
FIXTURES = sorted(path.read_bytes() for path in EMAIL_DATA.glob("*.eml"))

CHANNELS = [standard_channel(name) for name in STANDARD_CHANNELS] + [
    WebhookChannel(
        "form",
        fields={
            "text": "message",
            "follow_up_requested": "call_me",
            "nps": "score",
            "customer.segments": "segments",
            "customer.email": "email",
        },
    ),
    TranscriptChannel("calls", speakers={"Ana": "customer"}),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
record_keys = st.sampled_from(
    [
        "external_id",
        "occurred_at",
        "customer",
        "text",
        "transcript",
        "speakers",
        "nps",
        "follow_up_requested",
        "metadata",
        "type",
        "data",
        "message",
        "call_me",
        "score",
        "segments",
        "email",
        "thread_id",
        "agent",
    ]
)
records = st.dictionaries(record_keys, json_values, max_size=6)
payloads = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=600),
    json_values,
    records,
    records.map(json.dumps),
    records.map(lambda record: json.dumps(record).encode()),
)

header_names = st.sampled_from(
    [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "MIME-Version",
        "Auto-Submitted",
        "Content-Language",
    ]
)
header_values = st.one_of(
    st.text(max_size=60),
    st.binary(max_size=60).map(lambda data: data.decode("latin-1")),
    st.sampled_from(
        [
            "Ana <ana@example.com>",
            "=?utf-8?q?Jos=C3=A9?= <jose@example.es>",
            "=?iso-8859-1?b?invalid?=",
            'multipart/mixed; boundary="b"',
            "multipart/alternative; boundary=b",
            'text/plain; charset="x-unknown"',
            "text/html; charset=utf-16",
            "message/rfc822",
            "base64",
            "quoted-printable",
            "Mon, 99 Foo 2026 25:61:00 +9999",
            "<a@b> <c@d>",
            "attachment; filename*=utf-8''%FF%FE.pdf",
        ]
    ),
)
emails = st.builds(
    lambda headers, body: (
        "".join(f"{name}: {value}\r\n" for name, value in headers).encode("utf-8", "replace")
        + b"\r\n"
        + body
    ),
    st.lists(st.tuples(header_names, header_values), max_size=10),
    st.one_of(
        st.binary(max_size=400),
        st.sampled_from(
            [
                b"--b\r\nContent-Type: text/plain\r\n\r\nhola\r\n--b--\r\n",
                b"--b\r\nContent-Type: text/html; charset=cp1252\r\n\r\n<p>caf\xe9</p>\r\n--b\r\n",
                b"=E9=\r\n=ZZ\r\n",
                b"////",
            ]
        ),
    ),
)


def check(channel: Any, payload: Any) -> None:
    try:
        items = channel.parse(payload, now=NOW)
    except ValidationError as error:
        assert isinstance(error.field, str)  # "" only for a record key that is "" itself
        assert isinstance(error.reason, str)
        assert error.reason
        str(error)  # the message can be built
        return
    assert isinstance(items, list)
    for item in items:
        assert isinstance(item, Heard)
        assert item.interaction.channel == channel.name
        # Whatever was heard can be stored: every string is valid UTF-8.
        for text in (item.interaction.body, item.interaction.subject or "", item.customer.name):
            text.encode("utf-8")
        json.dumps(dict(item.interaction.metadata))


@pytest.mark.parametrize("channel", CHANNELS, ids=lambda channel: channel.name)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=payloads)
def test_parse_never_raises_anything_but_a_validation_error(channel, payload):
    check(channel, payload)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=emails)
def test_email_parsing_survives_hostile_messages(raw):
    check(EmailChannel(), raw)


@settings(max_examples=200, deadline=None)
@given(
    fixture=st.sampled_from(FIXTURES),
    position=st.integers(min_value=0, max_value=5000),
    junk=st.binary(min_size=1, max_size=20),
    cut=st.booleans(),
)
def test_damaged_real_messages_are_heard_or_refused(fixture, position, junk, cut):
    position %= len(fixture)
    damaged = fixture[:position] + (b"" if cut else junk + fixture[position:])
    check(EmailChannel(), damaged)


@settings(max_examples=200, deadline=None)
@given(
    headers=st.dictionaries(
        st.sampled_from(["webhook-id", "webhook-timestamp", "webhook-signature", "Webhook-Id"]),
        st.text(max_size=80),
        max_size=4,
    ),
    body=st.binary(max_size=300),
)
def test_verify_refuses_anything_unsigned_with_a_signature_error(headers, body):
    channel = SignedWebhookChannel(secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    with pytest.raises(ValidationError):
        channel.verify(headers, body, now=NOW)


@settings(max_examples=100, deadline=None)
@given(record=records, webhook_id=st.from_regex(r"msg_[A-Za-z0-9]{1,20}", fullmatch=True))
def test_signed_bodies_are_verified_then_parsed_or_refused(record, webhook_id):
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    raw = json.dumps(record).encode()
    headers = sign_webhook(secret, raw, webhook_id=webhook_id, timestamp=NOW)
    channel = SignedWebhookChannel(secret=secret)
    channel.verify(headers, raw, now=NOW)
    try:
        items = channel.parse(raw, now=NOW, headers=headers)
    except ValidationError:
        return
    (item,) = items
    if record.get("external_id") in (None, ""):
        assert item.interaction.external_id == webhook_id


def test_a_record_whose_segments_hold_lists_is_a_validation_error():
    with pytest.raises(ValidationError):
        standard_channel("api").parse({"customer": {"segments": [[]]}}, now=NOW)
