"""Chat transcripts and phone notes: speaker turns, the customer's words as feedback."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice import ConfigurationError, Listener, ValidationError
from clientvoice.channels.transcripts import (
    AGENT,
    CUSTOMER,
    TranscriptChannel,
    read_transcript,
)
from clientvoice.testing import ChannelContract

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)

CHAT = """Chat #8812 · tienda online
[10:02] Cliente: Hola, el pedido 4411 no ha llegado.
[10:03] Agente (Marta): Lo reviso ahora mismo.
Pedido: 4411
[10:05] Cliente: Es la segunda vez que pasa.
   Necesito que me llaméis.
[10:09] Agente (Marta): Te llamamos hoy antes de las 18:00.
"""

CALL = """Llamada entrante 2026-03-02, duración 6 min
10:40 - Caller: My kettle leaks again, second replacement.
10:41 - Agent: Offered a refund; customer accepted.
10:46 - Caller: Thanks, that works.
"""


def test_turns_roles_timestamps_and_continuation_lines():
    transcript = read_transcript(CHAT)
    assert [(t.role, t.at) for t in transcript.turns] == [
        (CUSTOMER, "10:02"),
        (AGENT, "10:03"),
        (CUSTOMER, "10:05"),
        (AGENT, "10:09"),
    ]
    assert transcript.turns[1].text == "Lo reviso ahora mismo.\nPedido: 4411"  # seen once: text
    assert transcript.customer_text == (
        "Hola, el pedido 4411 no ha llegado.\nEs la segunda vez que pasa.\nNecesito que me llaméis."
    )
    assert transcript.agents == ("Marta",)
    assert transcript.preamble == "Chat #8812 · tienda online"
    assert transcript.duration_seconds() == 7 * 60


def test_a_chat_becomes_one_interaction_whose_feedback_is_the_customers_words():
    record = {
        "transcript": CHAT,
        "external_id": "chat-8812",
        "occurred_at": "2026-03-02T10:02:00+01:00",
        "customer": {"email": "ana@example.com", "name": "Ana", "language": "es"},
    }
    (item,) = TranscriptChannel("chat").parse(record, now=NOW)
    assert item.feedback.text.startswith("Hola, el pedido 4411 no ha llegado.")
    assert "Lo reviso" not in item.feedback.text
    assert item.interaction.body == CHAT.strip()
    assert item.interaction.agent == "Marta"
    assert item.interaction.external_id == "chat-8812"
    assert item.interaction.metadata == {
        "turns": 4,
        "customer_turns": 2,
        "agent_turns": 2,
        "agents": "Marta",
        "duration_seconds": 420,
    }


def test_phone_notes_in_english_and_free_form_notes():
    (call,) = TranscriptChannel("phone").parse(CALL, now=NOW)
    assert call.feedback.text == "My kettle leaks again, second replacement.\nThanks, that works."
    assert call.interaction.metadata["duration_seconds"] == 6 * 60
    assert call.interaction.occurred_at == NOW
    note = "Motivo: retraso\nPedido: 4411\nCliente enfadado, pide que le llamemos."
    (free,) = TranscriptChannel("phone").parse(note.encode("utf-8"), now=NOW)
    assert free.feedback.text == note
    assert free.interaction.metadata["turns"] == 0


def test_speakers_by_name_from_the_record_or_an_explicit_mapping():
    chat = "Ana: Hola\nMarta: Buenas, ¿en qué te ayudo?\nAna: La app no abre\nMarta: Lo miro"
    with pytest.raises(ValidationError) as caught:
        TranscriptChannel().parse(chat, now=NOW)
    assert caught.value.field == "transcript"
    assert "'Ana' and 'Marta'" in caught.value.reason
    (by_agent,) = TranscriptChannel().parse({"transcript": chat, "agent": "Marta"}, now=NOW)
    assert by_agent.feedback.text == "Hola\nLa app no abre"
    (by_name,) = TranscriptChannel().parse(
        {"transcript": chat, "customer": {"email": "ana@example.com", "name": "Ana"}}, now=NOW
    )
    assert by_name.feedback.text == "Hola\nLa app no abre"
    assert by_name.interaction.agent == "Marta"
    mapped = {"transcript": chat, "speakers": {"ana": "customer", "MARTA": "agent"}}
    assert TranscriptChannel().parse(mapped, now=NOW)[0].feedback.text == "Hola\nLa app no abre"
    always = TranscriptChannel(speakers={"Marta": "agent"})
    assert always.parse(chat, now=NOW)[0].feedback.text == "Hola\nLa app no abre"
    with pytest.raises(ValidationError) as bad_role:
        TranscriptChannel().parse({"transcript": chat, "speakers": {"Ana": "boss"}}, now=NOW)
    assert bad_role.value.field == "speakers.Ana"
    with pytest.raises(ConfigurationError):
        TranscriptChannel(speakers={"Ana": "boss"})


def test_the_same_transcript_heard_twice_is_stored_once():
    with Listener(autoload=False) as listener:
        assert len(listener.hear("chat", CHAT)) == 1
        later = listener.hear("chat", CHAT.encode("utf-8"))
        assert later == []
        assert listener.store.counts()["interactions"] == 1
    channel = TranscriptChannel()
    first = channel.parse(CHAT, now=NOW)[0]
    assert (
        channel.parse(CHAT, now=NOW + timedelta(days=1))[0].interaction.id == first.interaction.id
    )


def test_plain_records_and_json_records_are_still_heard():
    record = {
        "external_id": "c-1",
        "customer": {"email": "ana@example.com"},
        "text": "Chat summary",
        "agent": "marta",
    }
    channel = TranscriptChannel("chat")
    (plain,) = channel.parse(record, now=NOW)
    assert plain.feedback.text == "Chat summary"
    assert channel.parse(json.dumps(record), now=NOW) == [plain]
    transcript_json = json.dumps({"transcript": CALL, "external_id": "call-1"}).encode()
    assert channel.parse(transcript_json, now=NOW)[0].interaction.external_id == "call-1"


def test_bad_transcripts_are_refused_with_the_field():
    channel = TranscriptChannel(max_chars=100)
    cases = [
        ("x" * 101, "transcript", "longer than the limit of 100 characters"),
        (b"Cliente: hola \xff", "transcript", "not UTF-8"),
        ({"transcript": 42}, "transcript", "must be a string"),
        ({"transcript": "hi", "text": "hi"}, "text", "not both"),
        ({"transcript": "hi", "speakers": ["Ana"]}, "speakers", "must map"),
        ({"transcript": "hi", "mood": "angry"}, "mood", "is not a record field"),
        ({"transcript": "hi", "nps": 11}, "nps", "from 0 to 10"),
        (3.5, "transcript", "must be text"),
    ]
    for payload, field, reason in cases:
        with pytest.raises(ValidationError) as caught:
            channel.parse(payload, now=NOW)
        assert caught.value.field == field, payload
        assert reason in caught.value.reason, payload


@settings(max_examples=100, deadline=None)
@given(
    turns=st.lists(
        st.tuples(
            st.sampled_from(["Cliente", "Customer", "Agente", "Agent (Bo)", "Usuario"]),
            st.text(
                alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40
            ),
        ),
        max_size=12,
    )
)
def test_every_customer_word_and_no_agent_word_reaches_the_feedback(turns):
    text = "\n".join(f"{speaker}: {said}" for speaker, said in turns)
    transcript = read_transcript(text)
    assert len(transcript.turns) == len(turns)
    expected = [said.strip() for speaker, said in turns if not speaker.startswith("Agen")]
    assert transcript.customer_text == "\n".join(s for s in expected if s)


class TestTranscriptChannelContract(ChannelContract):
    @pytest.fixture
    def channel(self):
        return TranscriptChannel("phone")

    @pytest.fixture
    def good_payloads(self):
        return [CALL, CHAT.encode(), {"transcript": "Cliente: hola", "external_id": "t-3"}]

    @pytest.fixture
    def bad_payloads(self):
        return ["Ana: a\nBo: b\nAna: c\nBo: d", b"\xff\xfe\xfa", {"transcript": None}, 7]
