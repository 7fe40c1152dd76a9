"""``Surveys.open_link``: what the page a survey link opens may show, before anyone answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice import Listener, MemoryStore, SQLiteStore, ValidationError
from clientvoice.models import MessageKind
from clientvoice.stores.base import Store
from clientvoice.surveys import InvitationPolicy, TokenSigner, Trigger, csat_survey, nps_survey
from clientvoice.surveys.link import LinkBackend
from clientvoice.surveys.service import Surveys

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)
KEY = "link-form-test-key-0123456789abcdef"


def order(email: str, language: str = "es") -> dict[str, Any]:
    return {
        "channel": "web",
        "external_id": f"order-{email}",
        "occurred_at": (NOW - timedelta(hours=3)).isoformat(),
        "customer": {"email": email, "language": language, "consents": {"surveys": True}},
        "text": "Pedido entregado",
    }


def make_surveys(store: Store, *, key: str = KEY) -> Surveys:
    return Surveys(
        store,
        signer=TokenSigner(key),
        surveys=[nps_survey(), csat_survey()],
        policies=[InvitationPolicy("nps", trigger=Trigger(channels={"web"}), quiet_hours=None)],
        backends=[LinkBackend("https://shop.example/encuesta")],
    )


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "s.db")
    with opened:
        yield opened


def invite(store: Store, email: str = "ana@example.com", language: str = "es") -> str:
    """Hear an order, invite its customer, and return the token of the link in the message."""
    Listener(store, autoload=False).ingest([order(email, language)])
    assert make_surveys(store).invite_after(NOW).sent == 1
    customer = store.find_customer("email", email)
    assert customer is not None
    (message,) = [
        stored.message
        for stored in store.iter_messages(customer_id=customer.id)
        if stored.message.kind is MessageKind.SURVEY_INVITATION
    ]
    link = next(word for word in message.body.split() if word.startswith("https://"))
    return parse_qs(urlsplit(link).query)["token"][0]


def test_a_fresh_link_opens_its_survey_in_the_invitations_language(store: Store) -> None:
    token = invite(store)
    opened = make_surveys(store).open_link(token, now=NOW)
    assert opened.refused is None
    assert opened.survey is not None and opened.survey.id == "nps"
    assert opened.invitation is not None
    assert opened.invitation == next(iter(store.iter_invitations()))
    assert opened.language == "es"
    # Opening it did not use it up: it can be opened again, and answered.
    assert make_surveys(store).open_link(token, now=NOW).refused is None
    assert store.token_claimed_at(opened.invitation.id) is None


def test_an_answered_link_is_refused_as_used(store: Store) -> None:
    token = invite(store, language="en")
    surveys = make_surveys(store)
    received = surveys.receive("link", {"token": token, "nps": "7"}, now=NOW)
    assert received.rejections == []
    opened = surveys.open_link(token, now=NOW + timedelta(minutes=1))
    assert opened.refused is not None and opened.refused.code == "used"
    assert NOW.isoformat() in opened.refused.detail
    assert opened.language == "en"  # the refusal can still speak the customer's language
    # Used and expired: "you answered already" is what the customer needs to hear.
    late = surveys.open_link(token, now=NOW + timedelta(days=400))
    assert late.refused is not None and late.refused.code == "used"


def test_an_expired_link_is_refused_as_expired_with_its_invitation(store: Store) -> None:
    token = invite(store)
    surveys = make_surveys(store)
    (invitation,) = store.iter_invitations()
    just_before = surveys.open_link(token, now=invitation.expires_at - timedelta(seconds=1))
    assert just_before.refused is None
    opened = surveys.open_link(token, now=invitation.expires_at)
    assert opened.refused is not None and opened.refused.code == "expired"
    assert "expired at" in opened.refused.detail
    assert opened.invitation == invitation and opened.survey is not None
    # An expired link cannot be answered either.
    late = surveys.receive("link", {"token": token, "nps": "9"}, now=invitation.expires_at)
    assert late.records == [] and late.rejections[0].field == "token"


def test_forged_retired_unknown_and_mismatched_tokens_are_invalid(store: Store) -> None:
    token = invite(store)
    (invitation,) = store.iter_invitations()
    surveys = make_surveys(store)
    other_key = make_surveys(store, key="another-key-0123456789abcdef").signer
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    unknown = surveys.signer.issue(attrs.evolve(invitation, id="inv_never_sent"))
    mismatched = surveys.signer.issue(attrs.evolve(invitation, survey_id="csat"))
    cases = {
        None: "missing",
        "": "missing",
        "cv1.nonsense": "not a clientvoice survey token",
        tampered: "bad signature",
        other_key.issue(invitation): "bad signature",
        unknown: "unknown invitation",
        mismatched: "does not match its invitation",
    }
    for given_token, detail in cases.items():
        opened = surveys.open_link(given_token, now=NOW)
        assert opened.refused is not None, given_token
        assert opened.refused.code == "invalid", given_token
        assert detail in opened.refused.detail, given_token
        assert opened.survey is None
    # The same invitation under a Surveys that no longer asks its survey: known, but invalid.
    without = Surveys(store, signer=TokenSigner(KEY), surveys=[csat_survey()], policies=[])
    opened = without.open_link(token, now=NOW)
    assert opened.refused is not None and opened.refused.code == "invalid"
    assert opened.invitation == invitation and opened.survey is None


def test_a_rotated_key_still_opens_links_signed_with_the_old_one(store: Store) -> None:
    token = invite(store)
    rotated = Surveys(
        store,
        signer=TokenSigner(["the-new-key-0123456789abcdef", KEY]),
        surveys=[nps_survey()],
        policies=[],
    )
    assert rotated.open_link(token, now=NOW).refused is None


def test_now_must_be_timezone_aware() -> None:
    with MemoryStore() as store:
        with pytest.raises(ValidationError) as raised:
            make_surveys(store).open_link("cv1.x.y", now=datetime(2026, 3, 2, 16, 0))
        assert raised.value.field == "now"


@settings(max_examples=200, deadline=None)
@given(
    token=st.one_of(
        st.none(),
        st.integers(),
        st.binary(max_size=64),
        st.text(max_size=300),
        st.builds(
            lambda a, b: f"cv1.{a}.{b}",
            st.text("ABCDEFabcdef0123456789-_=", max_size=80),
            st.text("ABCDEFabcdef0123456789-_=", max_size=60),
        ),
    )
)
def test_any_text_posing_as_a_token_is_refused_as_invalid_and_never_raises(token: Any) -> None:
    with MemoryStore() as store:
        opened = make_surveys(store).open_link(token, now=NOW)
    assert opened.refused is not None and opened.refused.code == "invalid"
    assert opened.invitation is None and opened.survey is None and opened.language is None
    assert KEY not in opened.refused.detail
