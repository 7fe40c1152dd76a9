"""Chat transcripts and phone notes: plain text in speaker turns, the customer's words as feedback.

A transcript is what a chat tool exports or an agent types after a call::

    [10:02] Cliente: Hola, el pedido 4411 no ha llegado.
    [10:03] Agente (Marta): Lo reviso ahora mismo.
    [10:05] Cliente: Es la segunda vez que pasa.
            Necesito que me llaméis.

A turn starts with a speaker label and a colon, optionally after a timestamp (``[10:02]``,
``10:02``, ``[2026-03-02 10:02:33]``); lines without one continue the turn above. Labels are told
apart by role words in Spanish and English (*Cliente, Customer, Usuario, Caller...* and *Agente,
Agent, Operador, Soporte, Asesora...*, also as ``Agente (Marta)`` or ``Marta (agente)``), by the
record's ``agent`` and customer name, or by an explicit ``speakers`` mapping. A label that is
written on several lines but cannot be placed is an error naming it; a label seen once
(``Pedido: 4411``) is just text. Text without any turns (a free-form phone note) is taken whole.

The customer's turns become the feedback text; the interaction keeps the whole transcript, and
its metadata counts the turns and, when the turns have times, the minutes the exchange lasted.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

import attrs

from clientvoice._ids import stable_id
from clientvoice.channels._payloads import (
    as_bytes,
    decode_utf8,
    evolve_interaction,
    load_json_object,
    merged_metadata,
)
from clientvoice.channels.records import RECORD_FIELDS, parse_record
from clientvoice.errors import ConfigurationError, ValidationError
from clientvoice.models import Heard

__all__ = [
    "AGENT",
    "CUSTOMER",
    "DEFAULT_MAX_CHARS",
    "Transcript",
    "TranscriptChannel",
    "Turn",
    "read_transcript",
]

CUSTOMER = "customer"
AGENT = "agent"

DEFAULT_MAX_CHARS = 1_000_000
"""Longer transcripts are refused unread."""

CUSTOMER_WORDS = frozenset(
    {
        "cliente",
        "clienta",
        "customer",
        "client",
        "caller",
        "llamante",
        "usuario",
        "usuaria",
        "user",
        "visitor",
        "visitante",
        "guest",
        "invitado",
        "consumidor",
        "consumer",
        "paciente",
        "patient",
    }
)
"""Speaker labels that mean the customer, in Spanish and English."""

AGENT_WORDS = frozenset(
    {
        "agente",
        "agent",
        "operador",
        "operadora",
        "operator",
        "asesor",
        "asesora",
        "advisor",
        "adviser",
        "soporte",
        "support",
        "atención al cliente",
        "customer service",
        "representante",
        "representative",
        "rep",
        "gestor",
        "gestora",
        "teleoperador",
        "teleoperadora",
        "bot",
        "asistente",
        "assistant",
        "staff",
        "empleado",
        "empleada",
    }
)
"""Speaker labels that mean someone answering for the organisation, in Spanish and English."""


@attrs.frozen
class Turn:
    """One speaker's turn: who (as written), in which role, what they said, and when."""

    speaker: str
    role: str
    """:data:`CUSTOMER` or :data:`AGENT`."""
    text: str
    at: str | None = None
    """The timestamp as written (``"10:02"``), if the turn had one."""

    @property
    def name(self) -> str | None:
        """The person's name when the label gives one (``"Agente (Marta)"`` → ``"Marta"``)."""
        return _name_of(self.speaker)


@attrs.frozen
class Transcript:
    """A transcript split into turns; ``preamble`` is any text before the first turn."""

    turns: tuple[Turn, ...]
    preamble: str = ""

    @property
    def customer_text(self) -> str:
        """What the customer said: their turns, one per line; the whole text if no turns."""
        if not self.turns:
            return self.preamble
        return "\n".join(turn.text for turn in self.turns if turn.role == CUSTOMER and turn.text)

    @property
    def agents(self) -> tuple[str, ...]:
        """The names of the agents who spoke, in order of first appearance."""
        names: list[str] = []
        for turn in self.turns:
            name = turn.name
            if turn.role == AGENT and name and name not in names:
                names.append(name)
        return tuple(names)

    def duration_seconds(self) -> int | None:
        """Seconds from the first to the last timed turn (across midnight if need be)."""
        times = [_seconds(turn.at) for turn in self.turns if turn.at]
        known = [moment for moment in times if moment is not None]
        if len(known) < 2:
            return None
        span = known[-1] - known[0]
        return span if span >= 0 else span + 86_400


def read_transcript(
    text: str,
    *,
    speakers: Mapping[str, str] | None = None,
    agent: str | None = None,
    customer: str | None = None,
) -> Transcript:
    """Split a transcript into turns and tell the customer from the agents.

    :param speakers: labels mapped to :data:`CUSTOMER` or :data:`AGENT` (any case).
    :param agent: the agent's name, so a label with just that name is an agent turn.
    :param customer: the customer's name, likewise.
    :raises ValidationError: for a ``speakers`` role that is neither, or for labels written on
        several lines whose role cannot be told (field ``transcript``).
    """
    roles = _roles(speakers)
    for name, side in ((agent, AGENT), (customer, CUSTOMER)):
        if type(name) is str and name.strip():
            roles.setdefault(_fold(name), side)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    candidates = [_TURN.match(line) for line in lines]
    written: dict[str, str] = {}  # each folded label as first written
    for match in candidates:
        if match:
            written.setdefault(_fold(match["speaker"]), match["speaker"].strip())
    counts = Counter(_fold(match["speaker"]) for match in candidates if match)
    resolved = {label: found for label in counts if (found := _role(label, roles)) is not None}
    # A label written on one line only is text ("Pedido: 4411"), not a speaker.
    repeated = [label for label in counts if label not in resolved and counts[label] > 1]
    present = set(resolved.values())
    if len(present) == 1 and len(repeated) == 1:
        # The one other speaker of a two-sided conversation takes the other side.
        resolved[repeated.pop()] = CUSTOMER if present == {AGENT} else AGENT
    if repeated:
        shown = " and ".join(repr(written[label]) for label in repeated)
        raise ValidationError(
            "transcript",
            [written[label] for label in repeated],
            f"cannot tell whether {shown} speak for the customer or the organisation: name "
            "the agent in 'agent' or map the labels in 'speakers'",
        )
    turns: list[Turn] = []
    preamble: list[str] = []
    current: tuple[str, str, str | None, list[str]] | None = None
    for line, match in zip(lines, candidates, strict=True):
        role = resolved.get(_fold(match["speaker"])) if match else None
        if match and role is not None:
            if current is not None:
                turns.append(_turn(current))
            stamp: str | None = match["stamp"] or match["bare"]
            current = (match["speaker"].strip(), role, stamp, [match["text"]])
        elif current is not None:
            current[3].append(line)
        else:
            preamble.append(line)
    if current is not None:
        turns.append(_turn(current))
    return Transcript(turns=tuple(turns), preamble="\n".join(preamble).strip())


class TranscriptChannel:
    """Hears chat transcripts and phone notes, with or without the customer's details.

    A payload is the transcript as text (or UTF-8 bytes), or a record (a dict, or a JSON object
    as text or bytes) whose ``transcript`` field holds it, with any other record field
    (``external_id``, ``customer``, ``occurred_at``, ``agent``, ``nps``...) and optionally
    ``speakers``. A record without ``transcript`` is a plain record.

    :param name: the channel name (``"chat"``, ``"phone"``...).
    :param speakers: labels this source always uses, mapped to ``"customer"`` or ``"agent"``.
    :param max_chars: longer transcripts are refused.
    :param default_timezone: the zone of naive timestamps in records.
    """

    def __init__(
        self,
        name: str = "chat",
        *,
        speakers: Mapping[str, str] | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        default_timezone: tzinfo | None = None,
    ) -> None:
        self.name = name
        try:
            self.speakers = {_fold(label): role for label, role in _roles(speakers).items()}
        except ValidationError as error:
            raise ConfigurationError(f"speakers: {error.reason}") from None
        if type(max_chars) is not int or max_chars < 1:
            raise ConfigurationError(f"max_chars must be a whole number >= 1, not {max_chars!r}")
        self.max_chars = max_chars
        self.default_timezone = default_timezone

    def __repr__(self) -> str:
        return f"TranscriptChannel({self.name!r})"

    def parse(
        self, payload: Any, *, now: datetime, default_timezone: tzinfo | None = None
    ) -> list[Heard]:
        """Parse one transcript (text, bytes, or a record with a ``transcript`` field).

        :param default_timezone: the zone of naive timestamps, instead of the channel's.

        :raises ValidationError: naming the field, for text that is too long or not UTF-8,
            speakers that cannot be told apart, or a bad record field.
        """
        if isinstance(payload, Mapping):
            record: Mapping[str, Any] = payload
        else:
            raw = as_bytes(payload)
            if raw is not None:
                if len(raw) > self.max_chars * 4:
                    raise ValidationError(
                        "transcript",
                        f"{len(raw)} bytes",
                        f"is longer than the limit of {self.max_chars} characters",
                    )
                text = decode_utf8(raw, "transcript")
            elif isinstance(payload, str):
                text = payload
            else:
                raise ValidationError(
                    "transcript", payload, "must be text, bytes or a record (a JSON object)"
                )
            if text.lstrip()[:1] == "{":
                record = load_json_object(
                    text, field="record", max_bytes=self.max_chars * 4, max_depth=32
                )
            else:
                record = {"transcript": text}
        zone = default_timezone or self.default_timezone
        if "transcript" not in record:
            return [parse_record(record, channel=self.name, now=now, default_timezone=zone)]
        return [self._heard(record, now, zone)]

    # -- helpers ------------------------------------------------------------------------------

    def _heard(self, record: Mapping[str, Any], now: datetime, zone: tzinfo | None) -> Heard:
        text = record["transcript"]
        if type(text) is not str:
            raise ValidationError("transcript", text, "must be a string")
        if len(text) > self.max_chars:
            raise ValidationError(
                "transcript",
                f"{len(text)} characters",
                f"is longer than the limit of {self.max_chars} characters",
            )
        if "text" in record:
            raise ValidationError(
                "text", record["text"], "give the transcript or the text, not both"
            )
        speakers = record.get("speakers")
        if speakers is not None and not isinstance(speakers, Mapping):
            raise ValidationError("speakers", speakers, "must map speaker labels to roles")
        extra = set(record) - RECORD_FIELDS - {"transcript", "speakers"}
        if extra:
            name = sorted(extra)[0]
            raise ValidationError(
                name, record[name], "is not a record field, 'transcript' or 'speakers'"
            )
        agent, customer = record.get("agent"), record.get("customer")
        customer_name = customer.get("name") if isinstance(customer, Mapping) else None
        transcript = read_transcript(
            text,
            speakers={**self.speakers, **_roles(speakers)},
            agent=agent if type(agent) is str else None,
            customer=customer_name if type(customer_name) is str else None,
        )
        fields = {key: value for key, value in record.items() if key in RECORD_FIELDS}
        fields["text"] = transcript.customer_text
        if fields.get("agent") is None and transcript.agents:
            fields["agent"] = transcript.agents[0]
        if fields.get("external_id") is None:
            # The transcript is its own identity: the same export heard again is one record.
            digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            fields["external_id"] = stable_id("tr", self.name, digest)
        item = parse_record(fields, channel=self.name, now=now, default_timezone=zone)
        turns = transcript.turns
        metadata = {
            "turns": len(turns),
            "customer_turns": sum(1 for turn in turns if turn.role == CUSTOMER),
            "agent_turns": sum(1 for turn in turns if turn.role == AGENT),
            "agents": ", ".join(transcript.agents) or None,
            "duration_seconds": transcript.duration_seconds(),
        }
        return evolve_interaction(
            item,
            body=text.strip(),
            metadata=merged_metadata(item.interaction.metadata, metadata),
        )


# --------------------------------------------------------------------------------------------

_TURN = re.compile(
    r"^\s*(?:[\[(](?P<stamp>[0-9][0-9:\-/T.,+ ]{2,30})[\])]\s*(?:-\s*)?"
    r"|(?P<bare>[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)\s+(?:-\s*)?)?"
    r"(?P<speaker>[^\W\d_][\w.'’\- ]{0,38}(?:\s*\([^()\n]{1,40}\))?)\s*:(?!//)\s?"
    r"(?P<text>.*)$"
)
_PARENS = re.compile(r"^(?P<outer>[^()]*?)\s*\((?P<inner>[^()]*)\)\s*$")
_CLOCK = re.compile(r"(?:^|[ T])([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")


def _fold(label: str) -> str:
    return " ".join(label.split()).casefold()


def _roles(speakers: Mapping[str, Any] | None) -> dict[str, str]:
    roles: dict[str, str] = {}
    for label, role in (speakers or {}).items():
        if type(label) is not str or type(role) is not str:
            raise ValidationError("speakers", {label: role}, "must map labels to role names")
        folded = role.strip().casefold()
        if folded in ("customer", "cliente"):
            roles[_fold(label)] = CUSTOMER
        elif folded in ("agent", "agente"):
            roles[_fold(label)] = AGENT
        else:
            raise ValidationError(f"speakers.{label}", role, "must be 'customer' or 'agent'")
    return roles


def _role(label: str, roles: Mapping[str, str]) -> str | None:
    if label in roles:
        return roles[label]
    parts = [label]
    match = _PARENS.match(label)
    if match:
        parts = [match["outer"].strip(), match["inner"].strip()]
    for part in parts:
        if part in roles:
            return roles[part]
        if part in CUSTOMER_WORDS:
            return CUSTOMER
        if part in AGENT_WORDS:
            return AGENT
    words = label.replace("(", " ").replace(")", " ").split()
    if words and words[0] in AGENT_WORDS and len(words) <= 3:
        return AGENT  # "Agente Marta"
    if words and words[0] in CUSTOMER_WORDS and len(words) <= 3:
        return CUSTOMER  # "Cliente Ana"
    return None


def _name_of(label: str) -> str | None:
    match = _PARENS.match(label)
    parts = [match["outer"].strip(), match["inner"].strip()] if match else [label.strip()]
    for part in parts:
        words = part.split()
        if words and _fold(words[0]) in AGENT_WORDS | CUSTOMER_WORDS:
            words = words[1:]
        name = " ".join(words)
        if name and _fold(name) not in AGENT_WORDS | CUSTOMER_WORDS:
            return name
    return None


def _turn(current: tuple[str, str, str | None, list[str]]) -> Turn:
    speaker, role, stamp, lines = current
    text = "\n".join(line.strip() for line in lines).strip()
    return Turn(speaker=speaker, role=role, text=text, at=stamp.strip() if stamp else None)


def _seconds(stamp: str) -> int | None:
    match = _CLOCK.search(stamp)
    if match is None:
        return None
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return hours * 3600 + minutes * 60 + seconds
