"""A channel that answers customers by writing each message to a folder, one file per message.

Many mail systems deliver from a pickup folder, and demos, simulations and tests want to read what
was said without a server. :class:`OutboxChannel` hears plain records like the standard channels
and delivers each :class:`~clientvoice.Message` as a file: an RFC 5322 ``.eml`` for e-mail (any
mail client opens it), a ``.txt`` otherwise. Register it from a host plugin to replace a standard
channel of the same name::

    class Delivery:
        @clientvoice.hookimpl
        def clientvoice_register_channels(self, register):
            register(OutboxChannel("email", "outbox/"))
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from clientvoice.channels.records import RecordChannel
from clientvoice.models import Delivery, DeliveryStatus, Heard, Message

__all__ = ["OutboxChannel"]


class OutboxChannel:
    """Hears records on ``name``; delivers messages as files in ``folder`` (created if needed).

    :param name: the channel name, such as ``"email"`` or ``"sms"``.
    :param folder: where message files go.
    :param sender: the ``From`` address of e-mail files.
    """

    def __init__(
        self, name: str, folder: str | os.PathLike[str], *, sender: str = "care@example.com"
    ) -> None:
        self.name = name
        self.folder = Path(folder)
        self.sender = sender
        self._records = RecordChannel(name)

    def parse(self, payload: Any, *, now: datetime) -> Sequence[Heard]:
        """Parse a plain record, as the standard channels do."""
        return self._records.parse(payload, now=now)

    def send(self, message: Message) -> Delivery:
        """Write ``message`` to a new file; a file system error is reported as a failure."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self.name == "email":
                path, external_id = self._write_email(message)
            else:
                path = self.folder / f"{message.id}.txt"
                _write_new(path, f"To: {message.to}\nSubject: {message.subject}\n\n{message.body}")
                external_id = path.name
        except OSError as error:
            return Delivery(
                message_id=message.id,
                channel=self.name,
                status=DeliveryStatus.FAILED,
                at=message.created_at,
                detail=f"could not write to {self.folder}: {error}",
            )
        return Delivery(
            message_id=message.id,
            channel=self.name,
            status=DeliveryStatus.SENT,
            at=message.created_at,
            external_id=external_id,
            detail=str(path),
        )

    def _write_email(self, message: Message) -> tuple[Path, str]:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(message.created_at)
        message_id = make_msgid(idstring=message.id, domain="clientvoice.invalid")
        mail["Message-ID"] = message_id
        if message.in_reply_to:
            reference = message.in_reply_to
            if not reference.startswith("<"):
                reference = f"<{reference}>"
            mail["In-Reply-To"] = reference
            mail["References"] = reference
        mail["Content-Language"] = message.language
        mail.set_content(message.body)
        path = self.folder / f"{message.id}.eml"
        _write_new(path, mail.as_string())
        return path, message_id

    def __repr__(self) -> str:
        return f"OutboxChannel({self.name!r}, {str(self.folder)!r})"


def _write_new(path: Path, text: str) -> None:
    """Write a file whole or not at all: a reader never sees half a message."""
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
