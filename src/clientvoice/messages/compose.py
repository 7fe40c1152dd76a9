"""Composing a message for one customer: their language, their name, their time zone.

:func:`compose` asks the plugins for the template of a kind in the customer's language (falling
back to English, and saying so), fills the values every message shares (greeting, reference,
sender) and returns a :class:`~clientvoice.Message` ready to queue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from clientvoice.errors import TemplateError
from clientvoice.messages.templates import MessageTemplate
from clientvoice.models import Customer, Message, MessageKind

__all__ = ["FALLBACK_LANGUAGE", "compose", "format_when", "greeting", "template_language"]

FALLBACK_LANGUAGE = "en"
"""The language used when no template exists in the customer's own."""

TemplateLookup = Callable[[MessageKind, str], MessageTemplate | None]

_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}


def template_language(customer: Customer) -> str:
    """The base language of a customer (``"es"`` for ``"es-MX"``)."""
    return customer.language.replace("_", "-").split("-")[0].lower()


def greeting(customer: Customer, language: str) -> tuple[str, bool]:
    """The opening line for ``customer`` and whether it could use their name."""
    name = (customer.preferred_name or customer.name or "").strip()
    spanish = language == "es"
    if name:
        return (f"Hola, {name}:" if spanish else f"Hello {name},"), True
    return ("Hola:" if spanish else "Hello,"), False


def format_when(instant: datetime, customer: Customer, language: str) -> str:
    """An instant as the customer reads it: in their zone, their language, to the minute."""
    local = instant.astimezone(ZoneInfo(customer.timezone))
    words = language if language in _WEEKDAYS else FALLBACK_LANGUAGE
    weekday = _WEEKDAYS[words][local.weekday()]
    month = _MONTHS[words][local.month - 1]
    if words == "es":
        return f"{weekday} {local.day} de {month} a las {local:%H:%M} ({customer.timezone})"
    return f"{weekday} {local.day} {month} at {local:%H:%M} ({customer.timezone})"


def compose(
    kind: MessageKind,
    *,
    lookup: TemplateLookup,
    customer: Customer,
    values: Mapping[str, str],
    message_id: str,
    channel: str,
    to: str,
    created_at: datetime,
    case_id: str | None = None,
    in_reply_to: str | None = None,
) -> Message:
    """Render a ``kind`` message for ``customer`` with ``values``.

    ``greeting`` is added to ``values``; when the customer has no name the greeting goes without
    it and the message is marked ``personalised=False``.

    :raises TemplateError: if no plugin has a template for ``kind`` (in the customer's language
        or in English), or the template names a value that is missing or blank.
    """
    language = template_language(customer)
    template = lookup(kind, language)
    if template is None and language != FALLBACK_LANGUAGE:
        language = FALLBACK_LANGUAGE
        template = lookup(kind, language)
    if template is None:
        raise TemplateError(f"{kind.value}/{language}", (), "no plugin provides this template")
    opening, personalised = greeting(customer, language)
    subject, body = template.render(
        {**values, "greeting": opening}, name=f"{kind.value}/{language}"
    )
    return Message(
        id=message_id,
        customer_id=customer.id,
        channel=channel,
        to=to,
        kind=kind,
        language=language,
        subject=subject,
        body=body,
        created_at=created_at,
        case_id=case_id,
        in_reply_to=in_reply_to,
        personalised=personalised,
    )
