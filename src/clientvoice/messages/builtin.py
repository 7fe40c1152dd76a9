"""Built-in plugin: the words clientvoice uses with customers, in English and Spanish.

Registered like any plugin, through ``clientvoice_message_template`` (``trylast``): a host or
third-party plugin that returns a template for a kind and language is used instead. The words
follow a few rules: acknowledge what the customer lived, never blame them, say what happens next
and when, and in the resolution say plainly what they told us and what we did.
"""

from __future__ import annotations

from types import MappingProxyType

from clientvoice.hookspecs import hookimpl
from clientvoice.messages.templates import MessageTemplate
from clientvoice.models import MessageKind

__all__ = ["TEMPLATES", "clientvoice_message_template"]

_K = MessageKind

TEMPLATES: MappingProxyType[tuple[MessageKind, str], MessageTemplate] = MappingProxyType(
    {
        (_K.ACKNOWLEDGEMENT, "en"): MessageTemplate(
            "We have your message ({reference})",
            """{greeting}

Thank you for telling us. We have read your message carefully and we understand why it matters to you. {team_line}

We will come back to you by {respond_by} at the latest. If anything changes before then, reply to this message and it will reach the same people.

Reference: {reference}

{sender}""",
        ),
        (_K.ACKNOWLEDGEMENT, "es"): MessageTemplate(
            "Hemos recibido su mensaje ({reference})",
            """{greeting}

Gracias por contárnoslo. Hemos leído su mensaje con atención y entendemos que es importante para usted. {team_line}

Le responderemos como muy tarde el {respond_by}. Si algo cambia antes, responda a este mensaje y llegará a las mismas personas.

Referencia: {reference}

{sender}""",
        ),
        (_K.APOLOGY, "en"): MessageTemplate(
            "We are sorry ({reference})",
            """{greeting}

{apology}

{gesture_line}

Reference: {reference}

{sender}""",
        ),
        (_K.APOLOGY, "es"): MessageTemplate(
            "Lo sentimos ({reference})",
            """{greeting}

{apology}

{gesture_line}

Referencia: {reference}

{sender}""",
        ),
        (_K.PROGRESS, "en"): MessageTemplate(
            "An update on your message ({reference})",
            """{greeting}

We want to keep you informed while we work on this: {update}

Reference: {reference}

{sender}""",
        ),
        (_K.PROGRESS, "es"): MessageTemplate(
            "Novedades sobre su mensaje ({reference})",
            """{greeting}

Queremos que sepa cómo avanza lo que nos contó: {update}

Referencia: {reference}

{sender}""",
        ),
        (_K.RESOLUTION, "en"): MessageTemplate(
            "What we did about your message ({reference})",
            """{greeting}

You told us: "{you_said}"

This is what we did: {we_did}

{apology_line}{gesture_line}

Thank you for taking the time to tell us: it helps us do better for everyone.

Reference: {reference}

{sender}""",
        ),
        (_K.RESOLUTION, "es"): MessageTemplate(
            "Lo que hemos hecho con su mensaje ({reference})",
            """{greeting}

Nos dijo: «{you_said}»

Esto es lo que hemos hecho: {we_did}

{apology_line}{gesture_line}

Gracias por dedicar su tiempo a contárnoslo: nos ayuda a mejorar para todos.

Referencia: {reference}

{sender}""",
        ),
        (_K.THANKS, "en"): MessageTemplate(
            "Thank you ({reference})",
            """{greeting}

Thank you for your kind words: "{you_said}"

We have shared them with the team. Messages like yours tell us what to keep doing.

{sender}""",
        ),
        (_K.THANKS, "es"): MessageTemplate(
            "Gracias ({reference})",
            """{greeting}

Gracias por sus palabras: «{you_said}»

Las hemos compartido con el equipo. Mensajes como el suyo nos dicen qué debemos seguir haciendo.

{sender}""",
        ),
    }
)
"""The built-in templates by (kind, language)."""


@hookimpl(trylast=True)
def clientvoice_message_template(kind: MessageKind, language: str) -> MessageTemplate | None:
    """The built-in template for ``kind`` in ``language`` (``"en"`` or ``"es"``), if any."""
    return TEMPLATES.get((kind, language))
