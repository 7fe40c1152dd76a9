"""Survey tokens: signed, expiring, with key rotation; every refusal says why."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientvoice import ConfigurationError, SignatureError, ValidationError
from clientvoice.surveys import Invitation, TokenSigner

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
OLD_KEY = "old-key-0123456789abcdef"
NEW_KEY = "new-key-0123456789abcdef"
INVITATION = Invitation(
    id="inv_1",
    survey_id="nps",
    customer_id="cust-1",
    interaction_id="int-1",
    channel="email",
    to="ana@example.com",
    language="es",
    send_at=NOW,
    expires_at=NOW + timedelta(days=14),
)


def test_a_token_names_its_invitation_until_it_expires():
    signer = TokenSigner(NEW_KEY)
    token = signer.issue(INVITATION)
    claims = signer.verify(token, now=NOW + timedelta(days=13))
    assert (claims.invitation_id, claims.customer_id, claims.survey_id) == (
        "inv_1",
        "cust-1",
        "nps",
    )
    assert claims.interaction_id == "int-1"
    with pytest.raises(SignatureError, match="expired"):
        signer.verify(token, now=NOW + timedelta(days=14))


def test_keys_rotate_without_breaking_links_already_sent():
    sent = TokenSigner(OLD_KEY).issue(INVITATION)
    rotated = TokenSigner([NEW_KEY, OLD_KEY])
    assert rotated.verify(sent, now=NOW).invitation_id == "inv_1"
    assert TokenSigner(NEW_KEY).verify(rotated.issue(INVITATION), now=NOW).survey_id == "nps"
    with pytest.raises(SignatureError, match="bad signature"):
        TokenSigner(NEW_KEY).verify(sent, now=NOW)


def test_a_tampered_token_is_refused():
    token = TokenSigner(NEW_KEY).issue(INVITATION)
    prefix, _claims, signature = token.split(".")
    other = TokenSigner(NEW_KEY).issue(
        Invitation(**{**_fields(INVITATION), "id": "inv_2", "customer_id": "cust-2"})
    )
    forged = f"{prefix}.{other.split('.')[1]}.{signature}"
    with pytest.raises(SignatureError, match="bad signature"):
        TokenSigner(NEW_KEY).verify(forged, now=NOW)


def test_keys_must_be_long_enough_and_never_shown():
    with pytest.raises(ConfigurationError, match="too short"):
        TokenSigner("short")
    with pytest.raises(ConfigurationError):
        TokenSigner([])
    assert NEW_KEY not in repr(TokenSigner(NEW_KEY))


def test_now_must_be_aware():
    with pytest.raises(ValidationError, match="now"):
        TokenSigner(NEW_KEY).verify("cv1.a.b", now=datetime(2026, 3, 2))


@given(st.text(max_size=300) | st.binary(max_size=50) | st.none() | st.integers())
def test_any_garbage_is_a_signature_error(token: object):
    with pytest.raises(SignatureError) as caught:
        TokenSigner(NEW_KEY).verify(token, now=NOW)
    assert caught.value.field == "token"
    assert NEW_KEY not in str(caught.value)


def _fields(invitation: Invitation) -> dict[str, object]:
    return attrs.asdict(invitation, recurse=False)
