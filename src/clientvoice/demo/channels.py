"""Hearing on real channels: e-mail through a local SMTP server, signed web forms, transcripts."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from clientvoice.channels.mail import EmailChannel
from clientvoice.channels.outbox import OutboxChannel
from clientvoice.channels.webhook import SignedWebhookChannel, sign_webhook
from clientvoice.clock import ManualClock
from clientvoice.demodata import DemoEmail
from clientvoice.errors import ConfigurationError, ValidationError
from clientvoice.hookspecs import hookimpl
from clientvoice.listener import Listener
from clientvoice.models import (
    Delivery,
    Message,
    Rejection,
)

if TYPE_CHECKING:
    from clientvoice.demo.state import DemoState

__all__ = ["FORM_SECRET", "ChannelTally", "hear_on_real_channels"]

FORM_SECRET = "whsec_" + base64.b64encode(hashlib.sha256(b"acme demo web forms").digest()).decode()
"""The secret Acme's form service signs its webhooks with (a demo's: never a real one)."""


@attrs.define
class ChannelTally:
    """What one channel heard in :func:`hear_on_real_channels`: payloads handed to the listener,
    items stored, payloads heard before (stored once), and rejections with their reason;
    for e-mail, ``received`` holds the raw messages as the SMTP server received them."""

    channel: str
    heard: int = 0
    stored: int = 0
    heard_before: int = 0
    rejected: list[str] = attrs.field(factory=list)
    note: str = ""
    received: list[bytes] = attrs.field(factory=list, repr=False)

    def line(self) -> str:
        """The tally as one line of text."""
        return (
            f"{self.channel:<7} heard {self.heard:>3}, stored {self.stored:>3}, "
            f"heard before {self.heard_before}, rejected {len(self.rejected)}"
            + (f"   ({self.note})" if self.note else "")
        )


def hear_on_real_channels(state: DemoState) -> None:
    """Hear what customers send on three real channels in the first days of the month.

    E-mails go through a real SMTP server on a free loopback port (aiosmtpd, stopped after) and
    are heard as the raw bytes it received; web-form submissions are posted signed the Standard
    Webhooks way, and a forged one and a replayed one are refused with their reason; chat
    transcripts and phone notes are heard as the chat tool and the agents wrote them. The
    payloads arrive over the first two days of the month (one if the month is shorter), so the
    report's channel volumes include them: put this step before :func:`listen_for_a_month`,
    which hears each payload at the time it arrived as the simulated days pass (the clock is
    set back to that time, then forward again) and prints what each channel heard.
    """
    from clientvoice.demodata import channel_traffic

    clock = _manual_clock(state.listener)
    start = clock.now()
    traffic = channel_traffic(seed=state.seed, start=start, days=min(2, state.days))
    mail = ChannelTally("email")
    forms = ChannelTally("web")
    talks = ChannelTally("chat/phone")
    arrivals: list[tuple[datetime, int, Callable[[], None]]] = []
    raw_mail = _through_smtp(traffic.emails, mail)
    for position, raw in enumerate(raw_mail):
        arrivals.append(
            (_mail_date(raw) + timedelta(minutes=1), position, _hearing(state, mail, "email", raw))
        )
    for position, post in enumerate(traffic.forms):
        arrivals.extend(_form_posts(state, forms, post, position))
    for position, record in enumerate(traffic.transcripts):
        when = _parse_time(str(record["occurred_at"])) + timedelta(minutes=10)
        arrivals.append((when, position, _hearing(state, talks, str(record["channel"]), record)))
    arrivals.sort(key=lambda item: (item[0], item[1]))
    state.channels = (mail, forms, talks)
    state.echo(
        f"Customers write e-mails, post forms and chat in the first {min(2, state.days)} "
        f"day(s) of the month: {len(arrivals)} payloads, heard as they arrive"
    )
    state.every_day.append(_Arrivals(state, arrivals, start + timedelta(days=state.days)).day)


def _manual_clock(listener: Listener) -> ManualClock:
    clock = listener.clock
    if not isinstance(clock, ManualClock):
        raise ConfigurationError("the demo needs a listener with a ManualClock")
    return clock


def _hearing(
    state: DemoState,
    tally: ChannelTally,
    channel: str,
    payload: Any,
    headers: Mapping[str, str] | None = None,
) -> Callable[[], None]:
    """Hear ``payload`` when called, counting what became of it in ``tally``."""

    def hear() -> None:
        tally.heard += 1
        listener = state.listener
        try:
            stored = listener.hear(channel, payload, headers=headers)
        except ValidationError as error:
            reason = f"{error.field}: {error.reason}"
            tally.rejected.append(reason)
            raw = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
            listener.store.add_rejections(
                [
                    Rejection(
                        source=channel,
                        reason=reason,
                        field=error.field,
                        raw=str(raw)[:2000] or "-",
                        received_at=listener.clock.now(),
                    )
                ]
            )
            return
        if stored:
            tally.stored += len(stored)
        else:
            tally.heard_before += 1

    return hear


def _through_smtp(emails: Sequence[DemoEmail], tally: ChannelTally) -> list[bytes]:
    """Send ``emails`` to a real SMTP server on a free loopback port (one of them twice, as a
    mail client that retries does) and return what the server received, in order."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        tally.note = (
            "skipped: the demo's SMTP server needs aiosmtpd: pip install 'clientvoice[demo]'"
        )
        return []
    import smtplib
    import socket

    class Mailbox:
        def __init__(self) -> None:
            self.received: list[bytes] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.received.append(bytes(envelope.original_content or envelope.content))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    try:
        server.start()
    except (OSError, RuntimeError) as error:
        tally.note = f"skipped: the local SMTP server did not start ({error})"
        return []
    try:
        with smtplib.SMTP(
            "127.0.0.1", port, local_hostname="customers.localhost", timeout=10
        ) as smtp:
            for position, email in enumerate(emails):
                smtp.sendmail(email.sender, [email.recipient], email.raw)
                if position == 1:  # a mail client that timed out sends it again
                    smtp.sendmail(email.sender, [email.recipient], email.raw)
        tally.note = f"through a real SMTP server on 127.0.0.1:{port}"
    except (OSError, smtplib.SMTPException) as error:
        tally.note = f"the SMTP server stopped answering ({error}); heard what it received"
    finally:
        server.stop()
    tally.received = mailbox.received
    return mailbox.received


def _mail_date(raw: bytes) -> datetime:
    from email.parser import BytesHeaderParser
    from email.utils import parsedate_to_datetime

    date = BytesHeaderParser().parsebytes(raw)["Date"]
    return parsedate_to_datetime(str(date)).astimezone(timezone.utc)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


def _form_posts(
    state: DemoState, tally: ChannelTally, post: Mapping[str, Any], position: int
) -> list[tuple[datetime, int, Callable[[], None]]]:
    """The signed request of one form submission; the third is also retried within the
    tolerance window and replayed two hours later, and the fifth arrives forged."""
    body = json.dumps({k: v for k, v in post.items() if k != "id"}, ensure_ascii=False).encode()
    sent = _parse_time(str(post["timestamp"]))
    headers = sign_webhook(FORM_SECRET, body, webhook_id=str(post["id"]), timestamp=sent)
    arrive = sent + timedelta(seconds=2)
    if position == 4:  # someone changed the body on the way, keeping the signature
        forged = body.replace(b'"follow_up_requested": false', b'"follow_up_requested": true')
        forged = forged.replace(b'"text": "', b'"text": "GRATIS: ', 1)
        return [(arrive, position, _hearing(state, tally, "web", forged, headers))]
    requests = [(arrive, position, _hearing(state, tally, "web", body, headers))]
    if position == 2:
        requests.append(
            (arrive + timedelta(seconds=30), position, _hearing(state, tally, "web", body, headers))
        )
        requests.append(
            (arrive + timedelta(hours=2), position, _hearing(state, tally, "web", body, headers))
        )
    return requests


class _Arrivals:
    """The daily round of :func:`hear_on_real_channels`: at the end of each simulated day, hear
    each payload that arrived that day at the time it arrived; print the tallies once all are
    heard (on the last day, whatever is left is heard too)."""

    def __init__(
        self,
        state: DemoState,
        arrivals: list[tuple[datetime, int, Callable[[], None]]],
        end: datetime,
    ) -> None:
        self.state = state
        self.waiting = arrivals
        self.end = end
        self.seconds = 0.0

    def day(self, now: datetime) -> None:
        """Hear what arrived by ``now``, each at its own time, and put the clock back."""
        if not self.waiting:
            return
        began = time.perf_counter()
        clock = _manual_clock(self.state.listener)
        due = [item for item in self.waiting if item[0] <= now or now >= self.end]
        self.waiting = self.waiting[len(due) :]
        for when, _, hear in due:
            clock.set(min(when, now))
            hear()
        clock.set(now)
        self.seconds += time.perf_counter() - began
        if not self.waiting:
            self._print()

    def _print(self) -> None:
        state = self.state
        state.echo(
            f"Heard the first days' mail, forms and chats on real channels ({self.seconds:.1f} s)"
        )
        for tally in state.channels:
            state.echo(f"  {tally.line()}")
            for reason in tally.rejected:
                state.echo(f"    refused: {reason}")


class _Channels:
    """The demo's channels: e-mail heard raw and answered into the outbox folder, and web forms
    heard only when signed with the form service's secret."""

    def __init__(self, folder: Path, clock: ManualClock) -> None:
        self.email = _DemoMail(folder)
        self.web = SignedWebhookChannel("web", secret=FORM_SECRET, clock=clock)

    @hookimpl
    def clientvoice_register_channels(self, register: Callable[[object], None]) -> None:
        register(self.email)
        register(self.web)


class _DemoMail(EmailChannel):
    """Hears raw e-mail like the built-in channel; answers by writing .eml files to a folder."""

    def __init__(self, folder: Path) -> None:
        super().__init__("email", sender="care@acme.example")
        self.outbox = OutboxChannel("email", folder, sender="care@acme.example")

    def send(self, message: Message) -> Delivery:
        """Write ``message`` to the outbox folder."""
        return self.outbox.send(message)
