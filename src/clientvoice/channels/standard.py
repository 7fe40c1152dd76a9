"""Built-in plugin: the standard channels, registered exactly as a third-party plugin would.

``web`` hears web forms and webhooks (:class:`~clientvoice.channels.webhook.WebhookChannel`),
``email`` raw e-mail messages (:class:`~clientvoice.channels.mail.EmailChannel`), ``chat`` and
``phone`` transcripts and call notes (:class:`~clientvoice.channels.transcripts.TranscriptChannel`);
each of them also hears plain records, and the other standard channels hear plain records only
(:class:`~clientvoice.channels.RecordChannel`).

The built-in channels are unconfigured: ``web`` checks no signature and ``email`` has no SMTP
server to send through. A host configures one by registering its own channel under the same name
from a host plugin, which is called before this one and therefore wins::

    class Channels:
        @clientvoice.hookimpl
        def clientvoice_register_channels(self, register):
            register(WebhookChannel("web", secret=os.environ["FORMS_WEBHOOK_SECRET"]))
"""

from __future__ import annotations

from collections.abc import Callable

from clientvoice.channels.mail import EmailChannel
from clientvoice.channels.records import RecordChannel
from clientvoice.channels.transcripts import TranscriptChannel
from clientvoice.channels.webhook import WebhookChannel
from clientvoice.hookspecs import hookimpl

__all__ = ["STANDARD_CHANNELS", "clientvoice_register_channels", "standard_channel"]

STANDARD_CHANNELS: tuple[str, ...] = (
    "api",
    "chat",
    "email",
    "in_person",
    "phone",
    "review",
    "social",
    "survey",
    "web",
)
"""Channel names clientvoice knows out of the box; each accepts plain records (dicts or JSON)."""


def standard_channel(name: str) -> object:
    """The built-in channel registered under ``name``, unconfigured."""
    if name == "web":
        return WebhookChannel(name)
    if name == "email":
        return EmailChannel(name)
    if name in ("chat", "phone"):
        return TranscriptChannel(name)
    return RecordChannel(name)


@hookimpl(trylast=True)
def clientvoice_register_channels(register: Callable[[object], None]) -> None:
    """Register every standard channel: the richer ones for ``web``, ``email``, ``chat`` and
    ``phone``, a :class:`~clientvoice.channels.RecordChannel` for the others."""
    for name in STANDARD_CHANNELS:
        register(standard_channel(name))
