"""Channels: where customers speak to the organisation, and how clientvoice hears them.

A channel is a plugin object with a ``name`` and a ``parse`` method (:class:`Channel`). A channel
that can answer the customer also has ``send`` (:class:`ReplyingChannel`), and a channel whose
source signs its requests also has ``verify`` (:class:`SignedChannel`), which
:meth:`clientvoice.Listener.hear` calls with the request's headers and raw body before ``parse``.
Built-in channels register through the same ``clientvoice_register_channels`` hook as third-party
ones: web forms and webhooks (:mod:`~clientvoice.channels.webhook`), e-mail
(:mod:`~clientvoice.channels.mail`), chat transcripts and phone notes
(:mod:`~clientvoice.channels.transcripts`), plain records (:mod:`~clientvoice.channels.records`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from clientvoice.channels.mail import EmailChannel, SmtpSettings, read_email
from clientvoice.channels.records import RecordChannel, parse_record
from clientvoice.channels.standard import STANDARD_CHANNELS
from clientvoice.channels.transcripts import TranscriptChannel, read_transcript
from clientvoice.channels.webhook import (
    SignedWebhookChannel,
    WebhookChannel,
    new_webhook_secret,
    sign_webhook,
    verify_webhook,
)
from clientvoice.models import Delivery, Heard, Message

__all__ = [
    "STANDARD_CHANNELS",
    "Channel",
    "EmailChannel",
    "RecordChannel",
    "ReplyingChannel",
    "SignedChannel",
    "SignedWebhookChannel",
    "SmtpSettings",
    "TranscriptChannel",
    "WebhookChannel",
    "new_webhook_secret",
    "parse_record",
    "read_email",
    "read_transcript",
    "sign_webhook",
    "verify_webhook",
]


@runtime_checkable
class Channel(Protocol):
    """What a channel plugin provides.

    ``name`` is a lowercase token (``"email"``, ``"kiosk"``). ``parse`` turns one payload as the
    source delivers it into what was heard. It must be pure: no I/O, no clock reads (``now`` is
    handed in), and the same payload always gives the same result, so that retries are idempotent.
    A payload that cannot be understood raises :class:`~clientvoice.ValidationError` naming the
    field; it never returns partial garbage.
    """

    name: str

    def parse(self, payload: Any, *, now: datetime) -> Sequence[Heard]:
        """Parse one payload into zero or more :class:`~clientvoice.Heard` items."""
        ...


@runtime_checkable
class ReplyingChannel(Channel, Protocol):
    """A channel that can also speak to the customer.

    ``send`` delivers one rendered :class:`~clientvoice.Message` (an acknowledgement, a
    resolution, a survey invitation) to ``message.to`` and says what happened. It reports failure
    in the returned :class:`~clientvoice.Delivery` (status ``failed``, with ``detail``) rather than
    raising, so the workflow can record it and try again later.
    """

    def send(self, message: Message) -> Delivery:
        """Deliver ``message`` and return the delivery record."""
        ...


@runtime_checkable
class SignedChannel(Channel, Protocol):
    """A channel whose source signs its requests.

    ``verify`` checks the request before anything in it is trusted: it raises
    :class:`~clientvoice.SignatureError` naming what failed (missing header, bad signature,
    timestamp outside the tolerance window, replayed id) and returns nothing when the request
    holds. ``headers`` keys are matched case-insensitively by the channel.
    """

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise :class:`~clientvoice.SignatureError` unless the request is authentic."""
        ...
