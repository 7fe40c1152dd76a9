"""The e-mail channel: real RFC 5322 messages in, real SMTP out (aiosmtpd on a local port)."""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from clientvoice import (
    DeliveryStatus,
    Direction,
    Listener,
    ManualClock,
    Message,
    MessageKind,
    ValidationError,
    hookimpl,
)
from clientvoice.channels.mail import EmailChannel, SmtpSettings, read_email
from clientvoice.channels.mailtext import (
    html_to_text,
    new_words,
    strip_quoted_reply,
    strip_signature,
)
from clientvoice.errors import ConfigurationError
from clientvoice.testing import ChannelContract

EMAIL_DATA = Path(__file__).resolve().parents[1] / "data" / "email"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
SENDER = "Acme Care <care@acme.example>"


def eml(name: str) -> bytes:
    return (EMAIL_DATA / name).read_bytes()


def hear_one(channel: EmailChannel, raw: bytes) -> Any:
    (item,) = channel.parse(raw, now=NOW)
    return item


# -- reading real messages ---------------------------------------------------------------------


def test_a_spanish_latin1_quoted_printable_reply_keeps_only_the_new_words():
    item = hear_one(EmailChannel(), eml("es-latin1-qp-reply.eml"))
    assert item.customer.contact("email") == "ana.lopez@correo.example"
    assert item.customer.name == "Ana López"
    assert item.customer.language == "es"
    assert item.interaction.subject == "Re: Pedido 4411 llegó roto"
    assert item.interaction.occurred_at == datetime(2026, 3, 4, 8, 12, 27, tzinfo=timezone.utc)
    text = item.feedback.text
    assert text.startswith("Hola:\n\nOs escribo otra vez porque el pedido nº 4411 llegó")
    assert text.endswith("no es la primera vez que pasa.")
    for gone in ("Saludos", "600 11 22 33", "escribió", "Gracias por escribirnos", ">"):
        assert gone not in text
    assert item.interaction.body == text
    assert item.interaction.metadata["trimmed"] is True


def test_threads_come_from_message_id_in_reply_to_and_references():
    item = hear_one(EmailChannel(), eml("es-latin1-qp-reply.eml"))
    assert item.interaction.external_id == "<CAF7x2Qk9=ana.0304@mail.correo.example>"
    # References starts with the first message of the conversation: that is the thread.
    assert item.interaction.thread_id == "<CAF7x1Zp3=ana.0302@mail.correo.example>"
    assert item.interaction.metadata["in_reply_to"] == "<ack-8812@tienda.example>"

    only_reply_to = eml("es-latin1-qp-reply.eml").replace(
        b"References: <CAF7x1Zp3=ana.0302@mail.correo.example> <ack-8812@tienda.example>\r\n", b""
    )
    assert hear_one(EmailChannel(), only_reply_to).interaction.thread_id == (
        "<ack-8812@tienda.example>"
    )
    first = read_email(
        eml("en-autoreply.eml").replace(b"In-Reply-To: <ack-1183@acme.example>\r\n", b"")
    )
    assert first.thread_root == first.message_id == "<ooo-1183@example.org>"


def test_an_html_only_windows_1252_base64_body_becomes_text_without_the_quote():
    item = hear_one(EmailChannel(), eml("es-cp1252-base64-html.eml"))
    text = item.feedback.text
    assert "49,90 € por un servicio que di de baja el día 3" in text
    assert "“lo arreglamos esta semana”" in text  # Windows-1252 curly quotes, not C1 controls
    assert "¿Podéis devolverme el importe?" in text
    for gone in ("<p>", "&nbsp;", "margin", "Gracias", "Jorge Martín", "Le enviamos"):
        assert gone not in text
    assert item.interaction.metadata["html_only"] is True
    assert item.customer.name == "Jorge Martín"
    assert item.interaction.subject == "Re: Factura de marzo - cobro indebido"
    assert item.interaction.occurred_at.utcoffset() == timedelta(hours=-6)


def test_multipart_alternative_prefers_plain_text_and_notes_attachments_without_storing_them():
    item = hear_one(EmailChannel(), eml("en-utf8-mixed-attachments.eml"))
    text = item.feedback.text
    assert text == (
        "Hi team,\n\nThe replacement kettle you sent (order 7731) leaks from the base as well "
        "— photo and\nthe delivery note attached. I'd like a refund rather than a third kettle."
    )
    metadata = item.interaction.metadata
    assert metadata["attachment_count"] == 2
    assert metadata["attachments"] == (
        "delivery-note-7731.pdf (application/pdf, 73 bytes); IMG_2044.jpg (image/jpeg, 1030 bytes)"
    )
    assert "%PDF" not in repr(item)  # noted, not stored
    assert item.interaction.thread_id == "<msg_ack_7731@acme.example>"


def test_an_outlook_reply_in_spanish_with_a_dash_dash_signature():
    item = hear_one(EmailChannel(), eml("es-utf8-8bit-outlook.eml"))
    assert item.feedback.text == (
        "Buenos días,\n\nQuería felicitar a Lucía, de la tienda de Valencia: me ayudó a cambiar "
        "la talla sin\nticket y con una sonrisa. ¡Así da gusto!"
    )
    assert item.interaction.subject == "RE: Tu pedido 5120 está listo para recoger"


def test_an_out_of_office_reply_is_an_interaction_without_feedback():
    item = hear_one(EmailChannel(), eml("en-autoreply.eml"))
    assert item.feedback is None
    assert item.interaction.metadata["auto_submitted"] == "Auto-Submitted: auto-replied"


def test_malformed_messages_are_refused_with_the_field_and_the_reason():
    channel = EmailChannel()
    with pytest.raises(ValidationError) as no_from:
        channel.parse(eml("malformed-no-from.eml"), now=NOW)
    assert no_from.value.field == "from"
    assert "without a sender" in no_from.value.reason
    with pytest.raises(ValidationError) as bad_bytes:
        channel.parse(eml("malformed-bad-charset.eml"), now=NOW)
    assert bad_bytes.value.field == "body"
    assert "not valid utf-8" in bad_bytes.value.reason
    assert "0xf3" in bad_bytes.value.reason
    with pytest.raises(ValidationError) as not_an_address:
        channel.parse(b"From: just a name\r\nSubject: hi\r\n\r\nhello\r\n", now=NOW)
    assert not_an_address.value.field == "from"
    with pytest.raises(ValidationError) as too_big:
        EmailChannel(max_bytes=100).parse(eml("es-latin1-qp-reply.eml"), now=NOW)
    assert too_big.value.field == "email"
    assert "larger than the limit of 100 bytes" in too_big.value.reason
    with pytest.raises(ValidationError, match="is empty"):
        channel.parse(b"   \r\n", now=NOW)


def test_a_message_without_message_id_or_date_is_still_heard_once():
    raw = b"From: eva@example.es\r\nSubject: hola\r\n\r\nEl pedido no llega.\r\n"
    channel = EmailChannel()
    first = hear_one(channel, raw)
    again = channel.parse(raw, now=NOW + timedelta(hours=3))[0]
    assert first.interaction.external_id == again.interaction.external_id
    assert first.interaction.occurred_at == NOW  # no Date: when it was received


def test_undeclared_8bit_text_and_raw_utf8_headers_are_repaired_not_garbled():
    latin = (
        b"From: =?utf-8?q?Jos=C3=A9?= <jose@example.es>\r\nSubject: Pedido retrasado\r\n\r\n"
        + "Llegó tarde y la caja venía rota.\r\n".encode("cp1252")
    )
    assert hear_one(EmailChannel(), latin).feedback.text == "Llegó tarde y la caja venía rota."
    raw_utf8 = "From: Núria <nuria@example.es>\r\nSubject: Queja: envío\r\n\r\nHola\r\n"
    item = hear_one(EmailChannel(), raw_utf8.encode("utf-8"))
    assert item.interaction.subject == "Queja: envío"
    assert item.customer.name == "Núria"


def test_a_charset_name_no_codec_can_have_falls_back_instead_of_crashing():
    # found by the fuzz test: a NUL inside the declared charset made the codec lookup raise a
    # bare ValueError ("embedded null character") instead of the LookupError of an unknown name
    raw = (
        b"From: eva@example.es\r\nSubject: hola\r\n"
        b'Content-Type: text/plain; charset="windows-12\x0052"\r\n\r\n'
        b"El pedido no llega.\r\n"
    )
    assert hear_one(EmailChannel(), raw).feedback.text == "El pedido no llega."


def test_records_and_json_records_are_still_heard():
    record = {
        "external_id": "<m1@mail.example.com>",
        "occurred_at": "2026-03-02T09:15:00+01:00",
        "customer": {"email": "ana@example.com"},
        "subject": "Pedido",
        "text": "Sigue sin llegar.",
    }
    channel = EmailChannel()
    from_dict = hear_one(channel, record)
    import json

    assert hear_one(channel, json.dumps(record).encode()) == from_dict
    assert from_dict.interaction.channel == "email"


# -- the text helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "kept"),
    [
        (
            "Thanks, fixed!\n\nOn Mon, 2 Mar 2026 at 10:00, Care <c@x.example> wrote:\n> old",
            "Thanks, fixed!",
        ),
        (
            "Sigue roto.\n\nEl lun, 2 mar 2026 a las 10:00, Soporte (<s@x.example>)\n"
            "escribió:\n> viejo",
            "Sigue roto.",
        ),
        (
            "Still broken.\n\n-----Original Message-----\nFrom: Care\nSent: today\n\nold",
            "Still broken.",
        ),
        (
            "No funciona.\n\n-----Mensaje original-----\nDe: Soporte\nEnviado: hoy\nviejo",
            "No funciona.",
        ),
        (
            "Vale.\n________________________________\nDe: Soporte <s@x.example>\n"
            "Enviado: martes\nPara: Ana\nAsunto: x\n\nviejo",
            "Vale.",
        ),
        ("> quoted first\nmy answer\n> more quote\nsecond line", "my answer\nsecond line"),
        ("Nothing quoted here.", "Nothing quoted here."),
    ],
)
def test_quoted_replies_are_taken_off(reply, kept):
    assert strip_quoted_reply(reply) == kept


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ("The app crashes.\n\n-- \nBo Berg\nACME Ltd", "The app crashes."),
        ("La app falla.\n\nEnviado desde mi iPhone", "La app falla."),
        ("La app falla.\n\nUn saludo,\nAna\n600112233", "La app falla."),
        ("Works now.\n\nBest regards,\nBo", "Works now."),
        (
            "Gracias por nada: el pedido sigue sin llegar.",
            "Gracias por nada: el pedido sigue sin llegar.",
        ),
        ("Saludos,\nAna", "Saludos,\nAna"),  # nothing else: keep it all (see new_words)
    ],
)
def test_signatures_are_taken_off(body, kept):
    assert new_words(body) == kept
    if body != kept:
        assert strip_signature(body) == kept


def test_a_sign_off_far_from_the_end_is_part_of_the_message():
    body = "Gracias,\n" + "\n".join(f"line {n} of a long complaint" for n in range(10))
    assert strip_signature(body) == body


def test_html_to_text_keeps_blocks_lists_and_entities_and_drops_scripts_and_quotes():
    html = (
        "<html><head><title>t</title><script>alert(1)</script></head><body>"
        "<p>Hola&nbsp;equipo,</p><p>La app <b>no</b> abre.<br>Nada.</p>"
        "<ul><li>Android 14</li><li>v2.3</li></ul>"
        "<blockquote>old <blockquote>older</blockquote> old</blockquote><p>Fin</p></body></html>"
    )
    assert (
        html_to_text(html)
        == "Hola equipo,\n\nLa app no abre.\nNada.\n\n- Android 14\n- v2.3\n\nFin"
    )


# -- sending through a real SMTP server ------------------------------------------------------


def message(**changes: Any) -> Message:
    fields = {
        "id": "msg_ack_4411",
        "customer_id": "cus_ana",
        "channel": "email",
        "to": "Ana.Lopez@Correo.example",
        "kind": MessageKind.ACKNOWLEDGEMENT,
        "language": "es",
        "subject": "Re: Pedido 4411 llegó roto",
        "body": (
            "Hola Ana:\n\nSentimos lo del pedido 4411. Te llamamos hoy antes de las 18:00.\n\nMarta"
        ),
        "created_at": NOW,
        "in_reply_to": "<CAF7x2Qk9=ana.0304@mail.correo.example>",
    }
    fields.update(changes)
    return Message(**fields)


def channel_for(server: Any, **settings: Any) -> EmailChannel:
    return EmailChannel(
        smtp=SmtpSettings(server.host, server.port, timeout=10, **settings),
        sender=SENDER,
        clock=ManualClock(NOW),
    )


def test_send_delivers_a_proper_threaded_message(smtp_server):
    delivery = channel_for(smtp_server).send(message())
    assert delivery.status is DeliveryStatus.SENT, delivery.detail
    assert delivery.external_id == "<msg_ack_4411@acme.example>"
    assert delivery.at == NOW
    (received,) = smtp_server.messages
    assert received.rcpt_tos == ("ana.lopez@correo.example",)
    assert received.mail_from == "care@acme.example"
    email = BytesParser(policy=policy.default).parsebytes(received.data)
    assert email["From"].addresses[0].addr_spec == "care@acme.example"
    assert email["From"].addresses[0].display_name == "Acme Care"
    assert str(email["To"]) == "ana.lopez@correo.example"
    assert str(email["Subject"]) == "Re: Pedido 4411 llegó roto"
    assert email["Date"].datetime == NOW
    assert str(email["Message-ID"]) == delivery.external_id
    assert str(email["In-Reply-To"]) == "<CAF7x2Qk9=ana.0304@mail.correo.example>"
    assert str(email["References"]) == "<CAF7x2Qk9=ana.0304@mail.correo.example>"
    assert str(email["Content-Language"]) == "es"
    assert email.get_content().replace("\r\n", "\n").rstrip("\n") == message().body


def test_a_retried_message_keeps_its_message_id(smtp_server):
    channel = channel_for(smtp_server)
    assert channel.send(message()).external_id == channel.send(message()).external_id


def test_send_then_hear_round_trip_threads_the_conversation(smtp_server):
    """The customer's first message, our answer through SMTP, and the customer's reply (sent as
    a mail client would) end up as one thread; our answer, heard back, is outbound."""
    channel = channel_for(smtp_server)

    class Mailbox:
        @hookimpl
        def clientvoice_register_channels(self, register):
            register(channel)

    with Listener(plugins=[Mailbox()], autoload=False, clock=ManualClock(NOW)) as listener:
        (first,) = listener.hear("email", eml("es-latin1-qp-reply.eml"))
        thread = first.interaction.thread_id
        # Answer under the thread's root: a reply's References then start with it, as ours do.
        answer = message(in_reply_to=thread)
        delivery = channel.send(answer)
        assert delivery.status is DeliveryStatus.SENT, delivery.detail

        (ours,) = listener.hear("email", smtp_server.messages[-1].data)
        assert ours.interaction.direction is Direction.OUTBOUND
        assert ours.feedback is None
        assert ours.customer.id == first.customer.id  # recognised by Ana's address
        assert ours.interaction.external_id == delivery.external_id
        assert ours.interaction.thread_id == thread
        assert listener.hear("email", smtp_server.messages[-1].data) == []  # heard once

        reply = EmailMessage()
        reply["From"] = "Ana López <ana.lopez@correo.example>"
        reply["To"] = SENDER
        reply["Subject"] = "Re: " + answer.subject
        reply["Message-ID"] = "<reply-2@mail.correo.example>"
        reply["In-Reply-To"] = delivery.external_id
        reply["References"] = f"{thread} {delivery.external_id}"  # the parent's, then the parent
        reply.set_content(
            "Vale, gracias. Espero la llamada.\n\n"
            "El mar, 10 mar 2026 a las 12:00, Acme Care <care@acme.example> escribió:\n"
            + "".join(f"> {line}\n" for line in answer.body.splitlines())
        )
        with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
            client.send_message(reply)
        (heard,) = listener.hear("email", smtp_server.messages[-1].data)
        assert heard.interaction.direction is Direction.INBOUND
        assert heard.feedback.text == "Vale, gracias. Espero la llamada."
        assert heard.interaction.thread_id == thread
        assert heard.customer.id == first.customer.id
        threads = {i.thread_id for i in listener.store.iter_interactions()}
        assert threads == {thread}


def test_starttls_and_login(tls_smtp_server):
    context = ssl.create_default_context(cafile=str(tls_smtp_server.certificate))
    channel = channel_for(
        tls_smtp_server,
        starttls=True,
        username=tls_smtp_server.user,
        password=tls_smtp_server.password,
        tls_context=context,
    )
    delivery = channel.send(message())
    assert delivery.status is DeliveryStatus.SENT, delivery.detail
    assert len(tls_smtp_server.messages) == 1

    wrong = channel_for(
        tls_smtp_server,
        starttls=True,
        username=tls_smtp_server.user,
        password="nope",
        tls_context=context,
    ).send(message())
    assert wrong.status is DeliveryStatus.FAILED
    assert wrong.detail.startswith("SMTP 535")
    untrusted = channel_for(
        tls_smtp_server,
        starttls=True,
        username=tls_smtp_server.user,
        password=tls_smtp_server.password,
    )
    refused = untrusted.send(message())
    assert refused.status is DeliveryStatus.FAILED
    assert "CERTIFICATE_VERIFY_FAILED" in refused.detail
    assert len(tls_smtp_server.messages) == 1


def test_delivery_failures_are_reported_not_raised(smtp_server, free_port):
    refused = channel_for(smtp_server).send(message(to=f"ana@{smtp_server.refused_domain}"))
    assert refused.status is DeliveryStatus.UNREACHABLE
    assert "550" in refused.detail
    assert refused.external_id is None

    not_an_address = channel_for(smtp_server).send(message(to="+34 600 11 22 33"))
    assert not_an_address.status is DeliveryStatus.UNREACHABLE

    nobody = EmailChannel(smtp=SmtpSettings("127.0.0.1", free_port, timeout=5), sender=SENDER).send(
        message()
    )
    assert nobody.status is DeliveryStatus.FAILED
    assert "ConnectionRefusedError" in nobody.detail

    unconfigured = EmailChannel().send(message())
    assert unconfigured.status is DeliveryStatus.FAILED
    assert "no SMTP server configured" in unconfigured.detail
    assert smtp_server.messages == []


def test_bad_smtp_settings_are_configuration_errors():
    with pytest.raises(ConfigurationError, match="starttls"):
        SmtpSettings("mail.example", starttls=True, ssl=True)
    with pytest.raises(ConfigurationError, match="port"):
        SmtpSettings("mail.example", port=0)
    with pytest.raises(ConfigurationError, match="both username and password"):
        SmtpSettings("mail.example", username="me")
    with pytest.raises(ConfigurationError, match="not an e-mail address"):
        EmailChannel(sender="Acme Care")
    assert "s3cret" not in repr(SmtpSettings("mail.example", username="u", password="s3cret"))


# -- the channel contract ----------------------------------------------------------------------


class TestEmailChannelContract(ChannelContract):
    @pytest.fixture
    def channel(self):
        return EmailChannel()

    @pytest.fixture
    def good_payloads(self):
        return [
            eml(name)
            for name in (
                "es-latin1-qp-reply.eml",
                "es-cp1252-base64-html.eml",
                "en-utf8-mixed-attachments.eml",
                "es-utf8-8bit-outlook.eml",
                "en-autoreply.eml",
            )
        ]

    @pytest.fixture
    def bad_payloads(self):
        return [
            eml("malformed-no-from.eml"),
            eml("malformed-bad-charset.eml"),
            b"",
            "From: nobody\n\nhi",
            42,
            {"text": "a record without a customer is fine, but not with a bad field", "nps": 11},
        ]
