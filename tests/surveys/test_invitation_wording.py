"""The default invitation message speaks each language consistently: formal Spanish (*usted*), as
the built-in surveys ask, signed by a sender in the customer's language."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from clientvoice import ConfigurationError, Listener, MemoryStore
from clientvoice.models import MessageKind
from clientvoice.surveys import InvitationPolicy, TokenSigner, Trigger, nps_survey
from clientvoice.surveys.link import LinkBackend
from clientvoice.surveys.service import INVITATION_TEMPLATES, SENDERS, Surveys

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)


def invitation_body(language: str, **options: Any) -> str:
    store = MemoryStore()
    Listener(store, autoload=False).ingest(
        [
            {
                "channel": "web",
                "external_id": "order-1",
                "occurred_at": (NOW - timedelta(hours=3)).isoformat(),
                "customer": {
                    "email": "ana@example.com",
                    "name": "Ana",
                    "language": language,
                    "consents": {"surveys": True},
                },
                "text": "Pedido entregado",
            }
        ]
    )
    surveys = Surveys(
        store,
        signer=TokenSigner("wording-test-key-0123456789abcdef"),
        surveys=[nps_survey()],
        policies=[InvitationPolicy("nps", trigger=Trigger(channels={"web"}), quiet_hours=None)],
        backends=[LinkBackend("https://shop.example/encuesta")],
        **options,
    )
    assert surveys.invite_after(NOW).sent == 1
    (stored,) = store.iter_messages()
    assert stored.message.kind is MessageKind.SURVEY_INVITATION
    return stored.message.body


# Second-person informal forms a formal Spanish message must not use.
INFORMAL = ("Responde ", "Te ", " te ", " tu ", "Tu ", " ti,", "puedes")


def test_the_spanish_invitation_says_usted_like_its_survey() -> None:
    body = invitation_body("es")
    assert "nos recomiende" in body  # the survey's own question, formal
    assert "Puede responder aquí: https://shop.example/encuesta?token=" in body
    assert "Le llevará un minuto" in body
    assert body.rstrip().endswith("El equipo de atención al cliente")
    template = INVITATION_TEMPLATES["es"].body
    for informal in INFORMAL:
        assert informal not in template, informal


def test_the_english_invitation_is_signed_in_english() -> None:
    body = invitation_body("en")
    assert "Answer here: https://shop.example/encuesta?token=" in body
    assert body.rstrip().endswith(SENDERS["en"])


def test_a_sender_by_language_signs_each_language_and_falls_back_to_the_defaults() -> None:
    senders = {"es": "El equipo de Tienda Sol"}
    assert invitation_body("es", sender=senders).rstrip().endswith("El equipo de Tienda Sol")
    assert invitation_body("en", sender=senders).rstrip().endswith(SENDERS["en"])


def test_one_sender_text_signs_every_language() -> None:
    for language in ("es", "en", "fr"):
        assert invitation_body(language, sender="Tienda Sol").rstrip().endswith("Tienda Sol")


@pytest.mark.parametrize("sender", ["", "  ", {"es": ""}, {"es": 3}, 42])
def test_a_sender_that_cannot_sign_is_refused_at_setup(sender: Any) -> None:
    with pytest.raises(ConfigurationError, match="sender"):
        Surveys(MemoryStore(), signer=TokenSigner("k" * 20), surveys=[], policies=[], sender=sender)
