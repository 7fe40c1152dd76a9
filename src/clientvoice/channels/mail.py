"""E-mail: hear raw RFC 5322 messages and answer customers through an SMTP server.

``listener.hear("email", raw_bytes)`` reads a message as a mail server delivers it, with the
standard library's :mod:`email` package (``policy.default``): multipart/alternative bodies (the
plain-text part preferred), HTML-only bodies (turned into text), quoted-printable and base64,
any declared charset (ISO-8859-1 read as Windows-1252, as mail clients mean it), quoted replies
and signatures taken off (:mod:`clientvoice.channels.mailtext`), attachments noted in the
interaction's metadata (name, type, size) but not stored. The Message-ID is the idempotency key,
and the thread is the root of the conversation: the first of ``References``, else
``In-Reply-To``, else the message itself.

:meth:`EmailChannel.send` delivers a :class:`~clientvoice.Message` through the SMTP server in
:class:`SmtpSettings` with :mod:`smtplib`, threaded under the message it answers, and reports
failures in the returned :class:`~clientvoice.Delivery` instead of raising.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone, tzinfo
from email import policy
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.message import Message as StdlibMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, parseaddr, parsedate_to_datetime
from ssl import SSLContext
from typing import Any

import attrs

from clientvoice._ids import stable_id
from clientvoice.channels._payloads import as_bytes, load_json_object
from clientvoice.channels.mailtext import html_to_text, new_words
from clientvoice.channels.records import parse_record
from clientvoice.clock import Clock, SystemClock
from clientvoice.errors import ConfigurationError, ValidationError
from clientvoice.models import Delivery, DeliveryStatus, Heard, Message, normalize_contact

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Attachment",
    "EmailChannel",
    "ReceivedEmail",
    "SmtpSettings",
    "read_email",
]

DEFAULT_MAX_BYTES = 25_000_000
"""Larger messages are refused unread (the usual limit of mail servers)."""

# What can go wrong inside the standard library's parsing of hostile input, besides our own.
_PARSE_ERRORS = (
    MessageError,
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
    UnicodeError,
    AssertionError,
    RecursionError,
)


@attrs.frozen
class Attachment:
    """A file that came with an e-mail: noted, never stored."""

    name: str
    content_type: str
    size: int
    """Decoded size in bytes."""

    def __str__(self) -> str:
        return f"{self.name} ({self.content_type}, {self.size} bytes)"


@attrs.frozen
class ReceivedEmail:
    """What :func:`read_email` found in one message."""

    sender: str
    """The normalised address in ``From``."""
    sender_name: str
    subject: str
    text: str
    """The customer's new words: the body without quoted replies and signature."""
    body: str
    """The whole body as text (HTML converted), before anything was taken off."""
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    date: datetime | None
    """The ``Date`` header, timezone-aware, or None when missing or unreadable."""
    to: tuple[str, ...] = ()
    html_only: bool = False
    attachments: tuple[Attachment, ...] = ()
    auto_submitted: str | None = None
    """Why the message looks automatic (an out-of-office reply), or None."""
    language: str | None = None
    """The ``Content-Language`` header, if any."""

    @property
    def thread_root(self) -> str | None:
        """The first message of the conversation: the first reference, else the message this
        one answers, else this message."""
        if self.references:
            return self.references[0]
        return self.in_reply_to or self.message_id


def read_email(
    payload: bytes | str | StdlibMessage, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> ReceivedEmail:
    """Read one RFC 5322 message (bytes as received, text, or a parsed message).

    :raises ValidationError: naming the field: ``email`` for a message over ``max_bytes`` or
        that cannot be read, ``from`` for a missing or unreadable sender, ``body`` for text
        that is not in the charset it declares.
    """
    message = _parse(payload, max_bytes)
    sender, sender_name = _sender(message)
    body_part = _safely(lambda: message.get_body(preferencelist=("plain", "html")))
    html_only = False
    body = ""
    if isinstance(body_part, StdlibMessage):
        body = _part_text(body_part)
        if body_part.get_content_type() == "text/html":
            html_only = True
            body = html_to_text(body)
    body = _clean(body).replace("\r\n", "\n").replace("\r", "\n")
    references = tuple(_message_ids(_header_text(message, "References")))
    in_reply_to = next(iter(_message_ids(_header_text(message, "In-Reply-To"))), None)
    own_ids = _message_ids(_header_text(message, "Message-ID"))
    message_id = own_ids[0] if own_ids else (_header_text(message, "Message-ID").strip() or None)
    return ReceivedEmail(
        sender=sender,
        sender_name=sender_name,
        subject=" ".join(_header_text(message, "Subject").split()),
        text=new_words(body),
        body=body.strip(),
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        date=_date(message),
        to=tuple(_addresses(message, "To")),
        html_only=html_only,
        attachments=tuple(_attachments(message, body_part)),
        auto_submitted=_automatic(message),
        language=_header_text(message, "Content-Language").split(",")[0].strip() or None,
    )


@attrs.frozen
class SmtpSettings:
    """How to reach the SMTP server that sends e-mail.

    :param host: the server's name or address.
    :param port: 25, 587 (submission, usually with ``starttls``) or 465 (with ``ssl``).
    :param starttls: upgrade the connection with STARTTLS before logging in.
    :param ssl: connect with TLS from the start (SMTPS, port 465).
    :param username: log in with this user (and ``password``) when given.
    :param timeout: seconds to wait for the server.
    :param tls_context: the TLS settings (trusted certificates); the system's defaults if None.
    :param local_hostname: the name this host gives in EHLO; the machine's name if None.
    """

    host: str
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    timeout: float = 30.0
    tls_context: SSLContext | None = attrs.field(default=None, repr=False, eq=False)
    local_hostname: str | None = None

    def __attrs_post_init__(self) -> None:
        if type(self.host) is not str or not self.host.strip():
            raise ConfigurationError("SMTP host must be a host name or address")
        if type(self.port) is not int or not 0 < self.port < 65536:
            raise ConfigurationError(f"SMTP port must be 1-65535, not {self.port!r}")
        if self.starttls and self.ssl:
            raise ConfigurationError("choose starttls (port 587) or ssl (port 465), not both")
        if (self.username is None) != (self.password is None):
            raise ConfigurationError("SMTP login needs both username and password")


class EmailChannel:
    """Hears raw e-mail messages (and plain records); answers through an SMTP server.

    :param name: the channel name (``"email"`` by default).
    :param smtp: where to send; without it :meth:`send` reports every message as failed, saying
        that no server is configured (the built-in ``email`` channel has none: a host registers
        its own configured channel under the same name).
    :param sender: the ``From`` of outgoing messages, e.g. ``"Acme Care <care@acme.example>"``;
        its domain also ends every Message-ID this channel makes. A message heard *from* this
        address (a copy of one it sent) is recorded as outbound, to its first ``To``, with no
        feedback.
    :param max_bytes: larger messages are refused unread.
    :param clock: where :meth:`send` gets the time of the ``Date`` header and the delivery.
    :param default_timezone: the zone of naive timestamps in plain records.
    :raises ConfigurationError: for a sender that is not an e-mail address.
    """

    def __init__(
        self,
        name: str = "email",
        *,
        smtp: SmtpSettings | None = None,
        sender: str | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: Clock | None = None,
        default_timezone: tzinfo | None = None,
    ) -> None:
        self.name = name
        self.smtp = smtp
        self.sender = sender
        self._sender_address = _configured_address(sender) if sender is not None else None
        if type(max_bytes) is not int or max_bytes < 1:
            raise ConfigurationError(f"max_bytes must be a whole number >= 1, not {max_bytes!r}")
        self.max_bytes = max_bytes
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.default_timezone = default_timezone

    def __repr__(self) -> str:
        where = f", smtp={self.smtp.host}:{self.smtp.port}" if self.smtp is not None else ""
        return f"EmailChannel({self.name!r}{where})"

    def parse(
        self, payload: Any, *, now: datetime, default_timezone: tzinfo | None = None
    ) -> list[Heard]:
        """Parse one raw message (bytes, text or a parsed :class:`email.message.Message`), or a
        plain record (a dict, or a JSON object as text or bytes).

        :param default_timezone: the zone of naive timestamps in records, instead of the
            channel's (an e-mail's ``Date`` always has an offset; ``-0000`` is read as UTC).

        :raises ValidationError: naming the field (see :func:`read_email`).
        """
        if isinstance(payload, Mapping):
            return [self._record(payload, now, default_timezone)]
        raw = as_bytes(payload)
        if raw is None and isinstance(payload, str):
            raw = payload.encode("utf-8", "surrogatepass")
        if raw is not None and raw.lstrip()[:1] == b"{":
            record = load_json_object(raw, field="record", max_bytes=self.max_bytes, max_depth=32)
            return [self._record(record, now, default_timezone)]
        if raw is None and not isinstance(payload, StdlibMessage):
            raise ValidationError(
                "email", payload, "must be a raw message (bytes or text) or a record"
            )
        mail = read_email(raw if raw is not None else payload, max_bytes=self.max_bytes)
        return [self._heard(mail, raw, now)]

    def send(self, message: Message) -> Delivery:
        """Send ``message`` to ``message.to`` through the configured SMTP server.

        The e-mail has ``From`` (the channel's sender), ``To``, ``Subject``, ``Date``,
        ``Content-Language`` and a ``Message-ID`` derived from ``message.id`` (so a retried
        message keeps its id); when ``message.in_reply_to`` is a Message-ID, ``In-Reply-To`` and
        ``References`` thread it under the customer's message.

        :return: ``sent`` with the Message-ID as ``external_id``; ``unreachable`` when the
            address is not an e-mail address or the server refuses the recipient; ``failed``
            (with the server's answer in ``detail``) for anything else. Never raises for a
            delivery problem.
        """
        at = self.clock.now()
        message_id = self._message_id(message)

        def result(status: DeliveryStatus, detail: str | None = None) -> Delivery:
            return Delivery(
                message_id=message.id,
                channel=self.name,
                status=status,
                at=at,
                external_id=message_id if status is DeliveryStatus.SENT else None,
                detail=detail,
            )

        try:
            to = normalize_contact("email", message.to)
        except ValidationError:
            return result(DeliveryStatus.UNREACHABLE, f"{message.to!r} is not an e-mail address")
        if self.smtp is None or self.sender is None:
            return result(
                DeliveryStatus.FAILED,
                f"no SMTP server configured for channel {self.name!r}: register an "
                "EmailChannel with smtp=SmtpSettings(...) and sender=...",
            )
        email = self.compose(message, to=to, message_id=message_id, date=at)
        try:
            self._deliver(email)
        except smtplib.SMTPRecipientsRefused as error:
            answers = "; ".join(
                f"{code} {_server_text(text)}" for code, text in error.recipients.values()
            )
            return result(DeliveryStatus.UNREACHABLE, f"the server refused {to}: {answers}")
        except smtplib.SMTPResponseException as error:
            return result(
                DeliveryStatus.FAILED,
                f"SMTP {error.smtp_code} {_server_text(error.smtp_error)}",
            )
        except (smtplib.SMTPException, OSError) as error:
            return result(DeliveryStatus.FAILED, f"{type(error).__name__}: {error}")
        return result(DeliveryStatus.SENT)

    def compose(
        self, message: Message, *, to: str, message_id: str, date: datetime
    ) -> EmailMessage:
        """The e-mail :meth:`send` sends for ``message`` (useful to preview or archive it)."""
        email = EmailMessage(policy=policy.SMTP)
        email["From"] = self.sender or ""
        email["To"] = to
        email["Subject"] = message.subject
        email["Date"] = format_datetime(date.astimezone(timezone.utc))
        email["Message-ID"] = message_id
        parent = message.in_reply_to
        if parent and _MESSAGE_ID.fullmatch(parent):
            email["In-Reply-To"] = parent
            email["References"] = parent
        email.set_content(message.body)
        email["Content-Language"] = message.language  # after set_content, which clears Content-*
        return email

    # -- helpers ------------------------------------------------------------------------------

    def _record(
        self, record: Mapping[str, Any], now: datetime, default_timezone: tzinfo | None
    ) -> Heard:
        return parse_record(
            record,
            channel=self.name,
            now=now,
            default_timezone=default_timezone or self.default_timezone,
        )

    def _heard(self, mail: ReceivedEmail, raw: bytes | None, now: datetime) -> Heard:
        if mail.message_id:
            external_id = _key(mail.message_id)
        else:
            # No Message-ID: the bytes are the identity, so a redelivery is still a duplicate.
            source = raw if raw is not None else mail.body.encode("utf-8", "surrogatepass")
            external_id = stable_id("eml", hashlib.sha256(source).hexdigest())
        ours = self._sender_address
        outbound = ours is not None and mail.sender == ours.addr_spec.lower() and bool(mail.to)
        customer: dict[str, Any] = {"email": mail.to[0] if outbound else mail.sender}
        if not outbound and mail.sender_name and mail.sender_name.lower() != mail.sender:
            customer["name"] = mail.sender_name
        if not outbound and mail.language and _LANGUAGE.match(mail.language):
            customer["language"] = re.split("[-_]", mail.language)[0].lower()
        root = mail.thread_root
        metadata = {
            "message_id": mail.message_id,
            "in_reply_to": mail.in_reply_to,
            "to": ", ".join(mail.to) or None,
            "html_only": True if mail.html_only else None,
            "trimmed": True if mail.text != mail.body else None,
            "attachment_count": len(mail.attachments) or None,
            "attachments": "; ".join(str(item) for item in mail.attachments[:50]) or None,
            "auto_submitted": mail.auto_submitted,
        }
        record: dict[str, Any] = {
            "external_id": external_id,
            "customer": customer,
            "subject": mail.subject or None,
            "text": mail.text,
            "thread_id": _key(root) if root else None,
            "metadata": {key: value for key, value in metadata.items() if value is not None},
        }
        if outbound:
            # A copy of what this channel sent (a Bcc to the archive): our side of the thread.
            record["direction"] = "outbound"
            record["agent"] = mail.sender_name or mail.sender
        if mail.date is not None:
            record["occurred_at"] = mail.date
        item = parse_record(
            {key: value for key, value in record.items() if value is not None},
            channel=self.name,
            now=now,
        )
        if item.feedback is not None and (outbound or mail.auto_submitted is not None):
            # Our own message, or an out-of-office reply: part of the exchange, not feedback.
            item = attrs.evolve(item, feedback=None)
        return item

    def _message_id(self, message: Message) -> str:
        domain = self._sender_address.domain if self._sender_address is not None else ""
        local = message.id if _ID_LOCAL.fullmatch(message.id) else stable_id("m", message.id)
        return f"<{local}@{domain or 'clientvoice.invalid'}>"

    def _deliver(self, email: EmailMessage) -> None:
        settings = self.smtp
        assert settings is not None
        context = settings.tls_context or ssl.create_default_context()
        connection: smtplib.SMTP
        if settings.ssl:
            connection = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                local_hostname=settings.local_hostname,
                timeout=settings.timeout,
                context=context,
            )
        else:
            connection = smtplib.SMTP(
                settings.host,
                settings.port,
                local_hostname=settings.local_hostname,
                timeout=settings.timeout,
            )
        with connection:
            if settings.starttls:
                connection.starttls(context=context)
            if settings.username is not None and settings.password is not None:
                connection.login(settings.username, settings.password)
            connection.send_message(email)


# --------------------------------------------------------------------------------------------

_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")
_ANY_ID = re.compile(r"<[^<>\s]{1,900}>")
_ID_LOCAL = re.compile(r"[A-Za-z0-9._\-]{1,150}")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def _parse(payload: bytes | str | StdlibMessage, max_bytes: int) -> EmailMessage:
    if isinstance(payload, EmailMessage):
        return payload
    if isinstance(payload, StdlibMessage):  # parsed with the old compat32 policy: read it again
        payload = _safely(payload.as_bytes) or b""
    raw = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload
    if len(raw) > max_bytes:
        raise ValidationError(
            "email", f"{len(raw)} bytes", f"is larger than the limit of {max_bytes} bytes"
        )
    if not raw.strip():
        raise ValidationError("email", raw[:60], "is empty")
    try:
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
    except _PARSE_ERRORS as error:
        raise ValidationError(
            "email", raw[:60], f"cannot be read as an e-mail ({type(error).__name__}: {error})"
        ) from None
    if not isinstance(parsed, EmailMessage):  # what policy.default always gives
        raise ValidationError("email", raw[:60], "cannot be read as an e-mail")
    return parsed


def _safely(read: Any) -> Any:
    try:
        return read()
    except _PARSE_ERRORS:
        return None


def _header_text(message: StdlibMessage, name: str) -> str:
    """A header's decoded text ("" when missing or unreadable), surrogates repaired."""
    try:
        value = message.get(name)
    except _PARSE_ERRORS:
        value = None
        raw = _raw_header(message, name)
        if raw is not None:
            value = raw
    if value is None:
        return ""
    try:
        return _clean(str(value))
    except _PARSE_ERRORS:
        return _clean(_raw_header(message, name) or "")


def _raw_header(message: StdlibMessage, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _sender(message: StdlibMessage) -> tuple[str, str]:
    raw = _raw_header(message, "From")
    if raw is None or not raw.strip():
        raise ValidationError(
            "from", None, "is missing: an e-mail without a sender cannot be attributed"
        )
    candidates: list[tuple[str, str]] = []
    header = _safely(lambda: message.get("From"))
    for address in _safely(lambda: header.addresses) or ():
        candidates.append((str(address.display_name or ""), str(address.addr_spec or "")))
    if not candidates:
        candidates.append(parseaddr(_clean(raw)))
    for name, address in candidates:
        try:
            return normalize_contact("email", _clean(address)), _clean(name).strip()
        except ValidationError:
            continue
    raise ValidationError("from", _clean(raw)[:200], "is not an e-mail address")


def _addresses(message: StdlibMessage, name: str) -> Iterator[str]:
    text = _header_text(message, name)
    for _, address in _safely(lambda: getaddresses([text])) or ():
        try:
            yield normalize_contact("email", address)
        except ValidationError:
            continue


def _message_ids(text: str) -> list[str]:
    return _ANY_ID.findall(text)


def _date(message: StdlibMessage) -> datetime | None:
    header = _safely(lambda: message.get("Date"))
    when = _safely(lambda: header.datetime) if header is not None else None
    if not isinstance(when, datetime):
        raw = _raw_header(message, "Date")
        when = _safely(lambda: parsedate_to_datetime(raw)) if raw else None
    if not isinstance(when, datetime):
        return None
    if when.tzinfo is None or when.utcoffset() is None:
        when = when.replace(tzinfo=timezone.utc)  # "-0000": UTC, with no local zone known
    return when


def _automatic(message: StdlibMessage) -> str | None:
    submitted = _header_text(message, "Auto-Submitted").strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted}"
    if _header_text(message, "X-Autoreply").strip() or _header_text(message, "X-Autorespond"):
        return "X-Autoreply"
    precedence = _header_text(message, "Precedence").strip().lower()
    if precedence == "auto_reply":
        return "Precedence: auto_reply"
    return None


_LATIN = frozenset(
    {"us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "cp819"}
)


def _part_text(part: StdlibMessage) -> str:
    """The decoded text of a text part, in the charset it declares.

    ISO-8859-1 and US-ASCII are read as Windows-1252, which is what mail clients send under those
    labels (curly quotes, the euro sign); an undeclared charset is tried as UTF-8 first.
    """
    data = _safely(lambda: part.get_payload(decode=True))
    if not isinstance(data, bytes):
        return ""
    declared = (_safely(part.get_content_charset) or "").strip().lower()
    if not declared or declared in _LATIN:
        if declared in ("", "us-ascii", "ascii"):
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    try:
        return data.decode(declared)
    except UnicodeDecodeError as error:
        raise ValidationError(
            "body",
            data[max(0, error.start - 20) : error.start + 20],
            f"is not valid {declared} text, as its Content-Type declares "
            f"(byte {data[error.start]:#04x} at position {error.start})",
        ) from None
    except (LookupError, ValueError):  # no such codec, or a name none can have ("utf\x008")
        for fallback in ("utf-8", "cp1252"):
            try:
                return data.decode(fallback)
            except UnicodeDecodeError:
                continue
        raise ValidationError(
            "body", declared, "declares a charset that does not exist and is not UTF-8"
        ) from None


def _attachments(message: StdlibMessage, body: Any) -> Iterator[Attachment]:
    for part in _leaves(message, 0):
        if part is body:
            continue
        content_type = _safely(part.get_content_type) or "application/octet-stream"
        disposition = _safely(part.get_content_disposition)
        if content_type in ("text/plain", "text/html") and disposition != "attachment":
            continue  # an alternative of the body, not a file
        name = _clean(_safely(part.get_filename) or "")
        yield_size = _decoded_size(part, content_type)
        yield Attachment(name=name or "(unnamed)", content_type=content_type, size=yield_size)


def _decoded_size(part: StdlibMessage, content_type: str) -> int:
    if content_type == "message/rfc822":
        inner = _safely(lambda: part.get_payload(0))
        return len(_safely(inner.as_bytes) or b"") if isinstance(inner, StdlibMessage) else 0
    data = _safely(lambda: part.get_payload(decode=True))
    return len(data) if isinstance(data, bytes) else 0


def _leaves(part: StdlibMessage, depth: int) -> Iterator[StdlibMessage]:
    if depth > 20:
        return
    if part.is_multipart() and part.get_content_type() != "message/rfc822":
        payload = _safely(part.get_payload)
        for child in payload if isinstance(payload, list) else ():
            if isinstance(child, StdlibMessage):
                yield from _leaves(child, depth + 1)
    elif depth > 0 or not part.is_multipart():
        yield part


def _clean(text: str) -> str:
    """Text with lone surrogates (undecodable header bytes) read back as UTF-8 or Windows-1252."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogateescape") if _has_escapes(text) else b""
        if data:
            for encoding in ("utf-8", "cp1252"):
                try:
                    return data.decode(encoding)
                except UnicodeDecodeError:
                    continue
        return text.encode("utf-8", "replace").decode("utf-8")


def _has_escapes(text: str) -> bool:
    try:
        text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return False
    return True


def _key(message_id: str) -> str:
    """A Message-ID as an id: itself when it fits, else a stable hash of it."""
    text = message_id.strip()
    if 0 < len(text) <= 200 and not any(char.isspace() for char in text):
        return text
    return stable_id("mid", text)


def _configured_address(sender: str) -> Address:
    name, address = parseaddr(sender)
    try:
        normalize_contact("email", address)
    except ValidationError:
        raise ConfigurationError(f"sender {sender!r} is not an e-mail address") from None
    local, _, domain = address.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


def _server_text(answer: bytes | str) -> str:
    if isinstance(answer, bytes):
        return answer.decode("utf-8", "replace")
    return str(answer)
