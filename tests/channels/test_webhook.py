"""Web forms and webhooks: Standard Webhooks signatures, replays, limits, form fields."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice import (
    ConfigurationError,
    Listener,
    ManualClock,
    SignatureError,
    SignedChannel,
    ValidationError,
    hookimpl,
)
from clientvoice.channels.webhook import (
    SignedWebhookChannel,
    WebhookChannel,
    new_webhook_secret,
    sign_webhook,
    verify_webhook,
)
from clientvoice.testing import ChannelContract

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
SECRET = new_webhook_secret()

FORM_POST = {
    "external_id": "form-8812",
    "occurred_at": "2026-03-02T11:58:00+01:00",
    "customer": {"email": "ana@example.com", "name": "Ana López", "language": "es"},
    "text": "El pedido llegó roto.",
    "follow_up_requested": True,
}


def body(record: Any = None, **changes: Any) -> bytes:
    data = dict(FORM_POST if record is None else record)
    data.update(changes)
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def listener_with(channel: Any, clock: ManualClock | None = None) -> Listener:
    class Forms:
        @hookimpl
        def clientvoice_register_channels(self, register):
            register(channel)

    return Listener(plugins=[Forms()], autoload=False, clock=clock or ManualClock(NOW))


def listener_passes_headers_and_now() -> bool:
    """Whether this Listener hands ``headers`` to parse and ``now`` to verify when they name
    them (the opt-in arguments the webhook channel uses)."""
    seen: dict[str, Any] = {}

    class Probe:
        name = "probe"

        def verify(self, headers, body, *, now=None):
            seen["now"] = now

        def parse(self, payload, *, now, headers=None):
            seen["headers"] = headers
            return []

    with listener_with(Probe()) as listener:
        listener.hear("probe", b"{}", headers={"x": "1"})
    return seen.get("headers") == {"x": "1"} and seen.get("now") == NOW


needs_listener_options = pytest.mark.skipif(
    not listener_passes_headers_and_now(),
    reason="this Listener does not pass headers to parse / now to verify yet",
)


# -- signing and verifying -----------------------------------------------------------------


def test_the_signature_matches_the_reference_libraries_test_vector():
    # The test vector of the Standard Webhooks reference libraries (libraries/python/tests).
    headers = sign_webhook(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        '{"test": 2432232314}',
        webhook_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
    )
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    verified = verify_webhook(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        headers,
        b'{"test": 2432232314}',
        now=datetime.fromtimestamp(1614265330 + 60, timezone.utc),
    )
    assert verified.id == "msg_p5jXN8AQM9LWM0D4loKWxJek"
    assert verified.timestamp == datetime.fromtimestamp(1614265330, timezone.utc)


@settings(max_examples=50, deadline=None)
@given(
    payload=st.binary(max_size=2000),
    webhook_id=st.from_regex(r"msg_[A-Za-z0-9]{1,30}", fullmatch=True),
)
def test_what_is_signed_verifies_and_any_change_does_not(payload, webhook_id):
    headers = sign_webhook(SECRET, payload, webhook_id=webhook_id, timestamp=NOW)
    verify_webhook(SECRET, headers, payload, now=NOW)
    with pytest.raises(SignatureError):
        verify_webhook(SECRET, headers, payload + b" ", now=NOW)
    with pytest.raises(SignatureError):
        verify_webhook(new_webhook_secret(), headers, payload, now=NOW)


def test_header_names_are_matched_in_any_case_and_several_signatures_allow_rotation():
    old, new = new_webhook_secret(), new_webhook_secret()
    headers = sign_webhook([new, old], body(), timestamp=NOW)
    assert len(headers["webhook-signature"].split()) == 2
    shouted = {key.upper(): value for key, value in headers.items()}
    verify_webhook(old, shouted, body(), now=NOW)
    verify_webhook(new, shouted, body(), now=NOW)
    # Unknown schemes (v1a: asymmetric) are skipped, not refused, when a v1 matches.
    mixed = dict(headers, **{"webhook-signature": "v1a,AAAA " + headers["webhook-signature"]})
    verify_webhook(new, mixed, body(), now=NOW)


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"webhook-id": None}, "webhook-id", "is missing"),
        ({"webhook-timestamp": None}, "webhook-timestamp", "is missing"),
        ({"webhook-signature": None}, "webhook-signature", "is missing"),
        ({"webhook-id": "msg.1"}, "webhook-id", "no dots"),
        ({"webhook-timestamp": "yesterday"}, "webhook-timestamp", "whole seconds"),
        ({"webhook-signature": "v2,abc"}, "webhook-signature", "no v1"),
        ({"webhook-signature": "v1,not base64!"}, "webhook-signature", "does not match"),
        (
            {"webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
            "webhook-signature",
            "forged, altered on the way, or signed with another secret",
        ),
    ],
)
def test_a_bad_request_names_the_header_and_the_reason(change, field, reason):
    headers = sign_webhook(SECRET, body(), webhook_id="msg_1", timestamp=NOW)
    for name, value in change.items():
        if value is None:
            del headers[name]
        else:
            headers[name] = value
    with pytest.raises(SignatureError) as caught:
        verify_webhook(SECRET, headers, body(), now=NOW)
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert SECRET.removeprefix("whsec_") not in str(caught.value)


def test_stale_and_future_timestamps_are_refused_outside_the_tolerance():
    headers = sign_webhook(SECRET, body(), timestamp=NOW - timedelta(seconds=300))
    verify_webhook(SECRET, headers, body(), now=NOW)  # exactly at the edge: accepted
    stale = sign_webhook(SECRET, body(), timestamp=NOW - timedelta(seconds=301))
    with pytest.raises(SignatureError) as too_old:
        verify_webhook(SECRET, stale, body(), now=NOW)
    assert too_old.value.field == "webhook-timestamp"
    assert "301 seconds old" in too_old.value.reason
    future = sign_webhook(SECRET, body(), timestamp=NOW + timedelta(minutes=10))
    with pytest.raises(SignatureError, match="600 seconds in the future"):
        verify_webhook(SECRET, future, body(), now=NOW)
    verify_webhook(SECRET, stale, body(), now=NOW, tolerance=3600)


def test_secrets_are_checked_when_configured():
    assert new_webhook_secret().startswith("whsec_")
    assert new_webhook_secret() != new_webhook_secret()
    for bad in ("whsec_not*base64", "", b"", [], 42):
        with pytest.raises(ConfigurationError):
            SignedWebhookChannel(secret=bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="tolerance"):
        SignedWebhookChannel(secret=SECRET, tolerance=0)
    with pytest.raises(ConfigurationError, match="max_depth"):
        WebhookChannel(max_depth=0)
    with pytest.raises(ConfigurationError, match="cannot map"):
        WebhookChannel(fields={"txt": "message"})


# -- the signed channel through a listener ------------------------------------------------


def test_a_signed_request_is_heard_and_a_forged_one_stores_nothing():
    clock = ManualClock(NOW)
    channel = SignedWebhookChannel(secret=SECRET, clock=clock)
    assert isinstance(channel, SignedChannel)
    assert not isinstance(WebhookChannel(), SignedChannel)
    with listener_with(channel, clock) as listener:
        raw = body()
        (item,) = listener.hear("web", raw, headers=sign_webhook(SECRET, raw, timestamp=NOW))
        assert item.feedback.follow_up_requested is True
        assert item.feedback.text == "El pedido llegó roto."

        forged = body(text="Transfer the refund to my other account")
        headers = sign_webhook(new_webhook_secret(), forged, timestamp=NOW)
        with pytest.raises(SignatureError) as caught:
            listener.hear("web", forged, headers=headers)
        assert caught.value.field == "webhook-signature"
        with pytest.raises(SignatureError, match="is missing"):
            listener.hear("web", raw)
        with pytest.raises(ValidationError, match="raw request body"):
            listener.hear("web", FORM_POST, headers=headers)  # a dict cannot be verified
        assert listener.store.counts()["interactions"] == 1


def test_a_replayed_request_is_a_duplicate_and_a_late_replay_is_refused():
    clock = ManualClock(NOW)
    channel = SignedWebhookChannel(secret=SECRET, clock=clock, tolerance=300)
    raw = body(external_id=None)
    headers = sign_webhook(SECRET, raw, webhook_id="msg_2Lb5rx0", timestamp=NOW)
    with listener_with(channel, clock) as listener:
        assert len(listener.hear("web", raw, headers=headers)) == 1
        clock.advance(seconds=120)
        assert listener.hear("web", raw, headers=headers) == []  # within the window: duplicate
        clock.advance(seconds=181)
        with pytest.raises(SignatureError) as caught:
            listener.hear("web", raw, headers=headers)
        assert caught.value.field == "webhook-timestamp"
        assert "seconds old" in caught.value.reason
        assert listener.store.counts()["interactions"] == 1


def test_the_webhook_id_is_the_idempotency_key():
    channel = WebhookChannel()
    raw = body(external_id=None)
    headers = sign_webhook(SECRET, raw, webhook_id="msg_2Lb5rx0", timestamp=NOW)
    (item,) = channel.parse(raw, now=NOW, headers=headers)
    assert item.interaction.external_id == "msg_2Lb5rx0"
    assert item.interaction.metadata["webhook_id"] == "msg_2Lb5rx0"
    # The record's own id, when it has one, stays the key; the webhook id is kept beside it.
    (own,) = channel.parse(body(), now=NOW, headers=headers)
    assert own.interaction.external_id == "form-8812"
    assert own.interaction.metadata["webhook_id"] == "msg_2Lb5rx0"


@needs_listener_options
def test_the_listener_hands_the_headers_and_its_clock_to_the_channel():
    clock = ManualClock(NOW)
    channel = SignedWebhookChannel(secret=SECRET)  # no clock of its own: the listener's
    raw = body(external_id=None)
    headers = sign_webhook(SECRET, raw, webhook_id="msg_9", timestamp=NOW)
    with listener_with(channel, clock) as listener:
        (item,) = listener.hear("web", raw, headers=headers)
        assert item.interaction.external_id == "msg_9"


# -- bodies: records, events, forms, limits -------------------------------------------------


def test_a_standard_webhooks_event_carries_the_record_in_data():
    event = {"type": "feedback.submitted", "timestamp": "2026-03-02T11:00:00Z", "data": FORM_POST}
    (item,) = WebhookChannel().parse(json.dumps(event), now=NOW)
    assert item.interaction.metadata["webhook_type"] == "feedback.submitted"
    assert item.interaction.external_id == "form-8812"
    data = {k: v for k, v in FORM_POST.items() if k != "occurred_at"}
    squashed = {"type": "feedback.submitted", "timestamp": "2026-03-02T11:00:00Z", **data}
    (flat,) = WebhookChannel().parse(json.dumps(squashed).encode(), now=NOW)
    assert flat.interaction.occurred_at == datetime(2026, 3, 2, 11, 0, tzinfo=timezone.utc)


def test_a_body_without_an_id_is_its_own_identity_whenever_it_is_heard():
    raw = body(external_id=None, occurred_at=None)
    channel = WebhookChannel()
    first = channel.parse(raw, now=NOW)[0]
    later = channel.parse(raw, now=NOW + timedelta(hours=1))[0]
    assert first.interaction.external_id == later.interaction.external_id


def test_a_web_form_with_its_own_field_names_and_a_follow_up_checkbox():
    channel = WebhookChannel(
        fields={
            "customer.email": "email",
            "customer.name": "name",
            "text": "message",
            "nps": "score",
            "follow_up_requested": "please_call_me",
            "metadata.page": "page",
        }
    )
    ticked = {
        "email": "ana@example.com",
        "name": "Ana",
        "message": "No puedo pagar con tarjeta",
        "score": "3",
        "please_call_me": "on",
        "page": "/checkout",
        "csrf": "ignored",
    }
    (item,) = channel.parse(json.dumps(ticked), now=NOW)
    assert item.feedback.follow_up_requested is True
    assert item.feedback.nps == 3
    assert item.interaction.metadata["page"] == "/checkout"
    assert item.customer.name == "Ana"
    unticked = {k: v for k, v in ticked.items() if k != "please_call_me"}
    assert channel.parse(unticked, now=NOW)[0].feedback.follow_up_requested is False
    for value, expected in (("sí", True), ("no", False), (True, True), ("yes", True)):
        form = dict(ticked, please_call_me=value)
        assert channel.parse(form, now=NOW)[0].feedback.follow_up_requested is expected
    for bad in ("tres", "3.5", "0\x1f", "-1"):
        with pytest.raises(ValidationError) as caught:
            channel.parse(dict(ticked, score=bad), now=NOW)
        assert caught.value.field == "nps"


def test_oversized_deep_and_malformed_bodies_are_refused_with_a_reason():
    channel = WebhookChannel(max_bytes=2000, max_depth=8)
    with pytest.raises(ValidationError) as big:
        channel.parse(body(text="x" * 3000), now=NOW)
    assert (big.value.field, big.value.reason) == ("body", "is larger than the limit of 2000 bytes")
    nested = '{"text": "hi", "metadata": {"a": ' + "[" * 9 + "]" * 9 + "}}"
    with pytest.raises(ValidationError, match="nested more than 8 levels"):
        channel.parse(nested, now=NOW)
    # Brackets inside strings do not count.
    (ok,) = channel.parse(json.dumps({"text": "[[[[[[[[[[{{{{{{{{{{", "external_id": "s"}), now=NOW)
    assert ok.feedback.text.startswith("[[[")
    with pytest.raises(ValidationError, match="not UTF-8"):
        channel.parse(b'{"text": "\xff"}', now=NOW)
    with pytest.raises(ValidationError, match="not valid JSON"):
        channel.parse(b'{"text": ', now=NOW)
    with pytest.raises(ValidationError, match="must be a JSON object"):
        channel.parse(b"[1, 2]", now=NOW)
    with pytest.raises(ValidationError) as not_a_record:
        channel.parse(body(nsp=3), now=NOW)
    assert not_a_record.value.field == "nsp"


def test_json_nested_far_beyond_the_interpreters_limit_is_a_clear_rejection():
    deep = "[" * 200_000 + "]" * 200_000
    with pytest.raises(ValidationError) as caught:
        WebhookChannel().parse(deep, now=NOW)
    assert "nested more than 32 levels" in caught.value.reason
    # Even with a limit above the interpreter's own, a RecursionError never escapes.
    with pytest.raises(ValidationError) as beyond:
        WebhookChannel(max_depth=10**9).parse(deep.encode(), now=NOW)
    assert beyond.value.field == "body"


def test_oversized_bodies_are_refused_before_the_signature_is_computed():
    channel = SignedWebhookChannel(secret=SECRET, max_bytes=100, clock=ManualClock(NOW))
    with pytest.raises(ValidationError) as caught:
        channel.verify({}, b"x" * 101)
    assert caught.value.field == "body"
    assert not isinstance(caught.value, SignatureError)


# -- the channel contract --------------------------------------------------------------------


class TestWebhookChannelContract(ChannelContract):
    @pytest.fixture
    def channel(self):
        return WebhookChannel()

    @pytest.fixture
    def good_payloads(self):
        return [
            FORM_POST,
            body(external_id="form-2"),
            json.dumps({"type": "feedback.submitted", "data": dict(FORM_POST, external_id="f3")}),
            body(external_id=None, text="sin id"),
        ]

    @pytest.fixture
    def bad_payloads(self):
        return [
            {"text": "hi", "nps": 11},
            b"not json",
            "[" * 100 + "]" * 100,
            json.dumps({"type": "x", "data": [1]}),
            12,
        ]
