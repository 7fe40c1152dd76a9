"""Seeded, realistic demo data: customer feedback records, in Spanish and English, for demos and
benchmarks.

This module has one job: to make up plausible feedback in the record format of
:mod:`clientvoice.channels.records`, reproducibly. The same arguments always give the same records
(byte for byte, in a file), and records are produced one at a time, so a million of them need no
more memory than a hundred::

    >>> from clientvoice.demodata import generate, plan
    >>> records = list(generate(3, seed=7))
    >>> sorted(records[0])[:3]
    ['channel', 'customer', 'external_id']
    >>> plan(1000, seed=7, bad_share=0.05).bad  # how many of 1,000 the library will reject
    56

What it makes up: customers (half Spanish-speaking, half English-speaking, about 5 % of them
colleagues or departments of the organisation itself) with names, e-mail addresses at
``example.com``-style domains, some phone numbers and social handles, segments and memberships;
and what they said on the web form, by e-mail, in chat, on the phone (an agent's note), in a survey,
in a review or on social media, with ratings that agree with what they wrote. About 15 % of the
complaints describe one shared problem in nearly the same words (a checkout failure), so theme
grouping has something to find.

``bad_share`` of the records are deliberately wrong, as real exports are (an NPS of 11, an NPS
written ``"8"``, ``true`` as a CSAT score, a timestamp without offset, an unknown channel or field,
an invalid e-mail address, an unknown kind); :func:`write_jsonl` writes about one in five of them
as a line of broken JSON and :func:`write_csv` as a row with missing cells. ``duplicate_share`` of
the records repeat a recent one exactly, as a source resending. :func:`plan` tells how many of each
a call produces, without generating anything: ingesting the output stores ``plan(...).unique``
records, reports ``plan(...).duplicates`` duplicates and rejects ``plan(...).bad`` records.

Records share their ``customer`` dicts with one another: treat generated records as read-only.
"""

from __future__ import annotations

import csv
import json
import math
import random
import string
import unicodedata
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from hashlib import blake2b
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_START",
    "ChannelTraffic",
    "DemoEmail",
    "Plan",
    "channel_traffic",
    "generate",
    "plan",
    "survey_answers",
    "write_csv",
    "write_jsonl",
]

DEFAULT_START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
"""Where generated time begins unless ``start`` is given (a Monday morning)."""

CSV_COLUMNS: tuple[str, ...] = (
    "channel",
    "external_id",
    "occurred_at",
    "customer.email",
    "customer.name",
    "customer.preferred_name",
    "customer.kind",
    "customer.language",
    "customer.timezone",
    "customer.phone",
    "customer.contacts",
    "customer.segments",
    "customer.memberships",
    "subject",
    "text",
    "agent",
    "thread_id",
    "kind",
    "language",
    "nps",
    "csat",
    "ces",
    "follow_up_requested",
    "metadata",
)
"""The header of :func:`write_csv`: record fields, ``customer.<field>`` for customer fields."""


@attrs.frozen
class Plan:
    """How many records of each sort one call of the generator produces (see :func:`plan`).

    ``records`` is the total. ``bad`` records are rejected by the library when ingested (``broken``
    of them are written by :func:`write_jsonl` as broken JSON lines and by :func:`write_csv` as
    rows with missing cells; :func:`generate` yields them as invalid records like the others).
    ``duplicates`` repeat an earlier record exactly. ``unique`` records are stored.
    """

    records: int
    bad: int
    broken: int
    duplicates: int

    @property
    def unique(self) -> int:
        """The records stored when the output is ingested into an empty store."""
        return self.records - self.bad - self.duplicates


def generate(
    count: int,
    *,
    seed: int = 0,
    start: datetime | None = None,
    days: int = 30,
    bad_share: float = 0.0,
    duplicate_share: float = 0.0,
) -> Iterator[dict[str, Any]]:
    """``count`` feedback records (dicts in the record format), made one at a time.

    :param count: how many records, including the bad ones and the duplicates.
    :param seed: the seed; the same arguments always give the same records.
    :param start: when the generated period begins (timezone-aware); :data:`DEFAULT_START` if
        omitted. Records are spread over ``days`` days from there, roughly in time order, with
        more of them in the daytime of each customer's own time zone and fewer at weekends.
    :param days: how many days the records span.
    :param bad_share: the fraction of records that are deliberately invalid.
    :param duplicate_share: the fraction of records that repeat a recent record exactly.
    :raises ValueError: at once, for a negative count, fewer than one day, a naive ``start`` or
        shares outside 0..1 (or adding up to more than 1).
    """
    return _records(_Generator(count, seed, start, days, bad_share, duplicate_share))


def plan(
    count: int,
    *,
    seed: int = 0,
    start: datetime | None = None,
    days: int = 30,
    bad_share: float = 0.0,
    duplicate_share: float = 0.0,
) -> Plan:
    """How many bad, broken and duplicate records :func:`generate`, :func:`write_jsonl` and
    :func:`write_csv` produce with the same arguments, counted without generating them."""
    _check_arguments(count, start, days, bad_share, duplicate_share)
    bad = broken = duplicates = 0
    for fate, _ in _fates(count, seed, bad_share, duplicate_share):
        if fate == _BAD:
            bad += 1
        elif fate == _BROKEN:
            bad += 1
            broken += 1
        elif fate == _DUPLICATE:
            duplicates += 1
    return Plan(records=count, bad=bad, broken=broken, duplicates=duplicates)


def write_jsonl(
    path: str | Path,
    count: int,
    *,
    seed: int = 0,
    start: datetime | None = None,
    days: int = 30,
    bad_share: float = 0.0,
    duplicate_share: float = 0.0,
) -> int:
    """Write the records of :func:`generate` to ``path`` as JSON Lines (UTF-8, one object a line).

    About one bad record in five is written as a line of broken JSON instead (cut short, with
    Python quoting, a trailing comma or an unescaped quote). Returns the number of lines written.
    """
    encode = _ENCODE
    written = 0
    lines: list[str] = []  # written a thousand at a time: fewer, larger writes
    add = lines.append
    with Path(path).open("w", encoding="utf-8", newline="\n") as out:
        for fate, record, choice, customer in _Generator(
            count, seed, start, days, bad_share, duplicate_share
        ).items():
            if fate == _GOOD and customer is not None:
                add(_encode_with(record, customer))
            elif fate == _DUPLICATE:
                add(encode(record))
            elif fate == _BAD:
                add(encode(_spoil(record, choice, _JSON_MISTAKES)))
            else:
                add(_broken_json(record, choice))
            if len(lines) == 1000:
                lines.append("")
                out.write("\n".join(lines))
                written += len(lines) - 1
                lines.clear()
        if lines:
            lines.append("")
            out.write("\n".join(lines))
            written += len(lines) - 1
    return written


def write_csv(
    path: str | Path,
    count: int,
    *,
    seed: int = 0,
    start: datetime | None = None,
    days: int = 30,
    bad_share: float = 0.0,
    duplicate_share: float = 0.0,
) -> int:
    """Write the records of :func:`generate` to ``path`` as CSV with a :data:`CSV_COLUMNS` header.

    Cells follow the conversions of :mod:`clientvoice.channels.files`: segments joined with ``;``,
    memberships as ``name=level`` pairs joined with ``;``, booleans as ``true``/``false``, contacts
    and metadata as JSON; consents, which CSV imports do not read, are left out. Bad records carry
    mistakes a CSV can hold (an NPS of ``8/10`` rather than ``"8"``, a follow-up of ``maybe``
    rather than an unknown field), and the broken ones are rows with missing cells. Returns the
    number of rows written, without the header.
    """
    written = 0
    with Path(path).open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for fate, record, choice, _ in _Generator(
            count, seed, start, days, bad_share, duplicate_share
        ).items():
            if fate in (_GOOD, _DUPLICATE):
                writer.writerow(_csv_row(record))
            elif fate == _BAD:
                writer.writerow(_csv_row(_spoil(record, choice, _CSV_MISTAKES)))
            else:
                row = _csv_row(record)
                writer.writerow(row[: 3 + int(choice * (len(row) - 4))])
            written += 1
    return written


@attrs.frozen
class DemoEmail:
    """One e-mail a customer sends: the envelope (``sender``, ``recipient``) and the message as
    the bytes an SMTP client transmits (RFC 5322, CRLF line ends)."""

    sender: str
    recipient: str
    raw: bytes
    message_id: str


@attrs.frozen
class ChannelTraffic:
    """What customers send on the richer channels: raw e-mails, web-form submissions (records, to
    post as JSON) and chat transcripts and phone notes (records with a ``transcript``)."""

    emails: tuple[DemoEmail, ...]
    forms: tuple[dict[str, Any], ...]
    transcripts: tuple[dict[str, Any], ...]


def channel_traffic(
    *,
    emails: int = 36,
    forms: int = 30,
    transcripts: int = 10,
    seed: int = 0,
    start: datetime | None = None,
    days: int = 2,
    mailbox: str = "care@acme.example",
) -> ChannelTraffic:
    """E-mails, web-form submissions and transcripts written by the customers of :func:`generate`
    (the same ``seed`` gives the same people), from ``start`` over ``days`` days.

    The e-mails mix the ways mail clients write: plain UTF-8, ``multipart/alternative`` with an
    HTML part, ISO-8859-1 in quoted-printable, HTML only; the last one is a customer's reply in
    the thread of an earlier message, with the quoted history below it. Ids (Message-IDs, form
    and call ids) are this function's own, so they never collide with :func:`generate`'s.
    Forms carry the customer's consents, as a form's checkboxes do.

    :param emails: how many e-mails (at least 2: one is the reply).
    :param forms: how many form submissions.
    :param transcripts: how many chat transcripts and phone notes (about two thirds chats).
    :param mailbox: where customers write to.
    """
    wanted = {"email": max(emails - 1, 0), "web": forms, "chat": 0, "phone": 0}
    wanted["chat"] = transcripts - transcripts // 3
    wanted["phone"] = transcripts // 3
    picked: dict[str, list[_Record]] = {name: [] for name in wanted}
    total = max(8 * sum(wanted.values()), 64)
    for record in generate(total, seed=seed, start=start, days=days):
        bucket = picked.get(record["channel"])
        internal = record["customer"].get("kind") == "internal"
        if bucket is not None and len(bucket) < wanted[record["channel"]] and not internal:
            bucket.append(record)
    rng = random.Random(f"clientvoice.demodata.traffic:{seed}")
    mail = [_email(record, position, rng, mailbox) for position, record in
            enumerate(picked["email"])]  # fmt: skip
    if emails >= 2 and mail:
        mail.append(_reply(picked["email"][0], mail[0], rng, mailbox))
    posts = tuple(_form(record, position, rng) for position, record in enumerate(picked["web"]))
    talks = [_transcript(record, position, rng) for position, record in
             enumerate(picked["chat"] + picked["phone"])]  # fmt: skip
    talks.sort(key=lambda record: str(record["occurred_at"]))
    return ChannelTraffic(tuple(mail), posts, tuple(talks))


def survey_answers(
    survey: str, language: str, feeling: int, *, key: str, seed: int = 0
) -> dict[str, str]:
    """The fields a customer fills in on a survey form: the score (``nps`` 0-10, ``csat`` 1-5 or
    ``ces`` 1-7, as text, as a form posts it) and sometimes a ``comment``.

    :param feeling: -1 for an unhappy customer, 0 neutral, 1 happy; scores follow it.
    :param key: what makes the answer (e.g. the invitation id): the same key, the same answer.
    """
    rng = random.Random(f"clientvoice.demodata.answers:{seed}:{key}")
    low = {"nps": _NPS_LOW, "csat": _CSAT_LOW, "ces": _CES_LOW}[survey]
    score = low + bisect_right(_SCALES[survey][feeling], rng.random())
    fields = {survey: str(score)}
    lang = _LANGUAGES["es" if language.startswith("es") else "en"]
    if rng.random() < 0.6:
        kind = {-1: "complaint", 0: "suggestion", 1: "praise"}[feeling]
        fields["comment"] = _choice(rng.random, lang.survey[kind])
    return fields


def _records(generator: _Generator) -> Iterator[_Record]:
    for fate, record, choice, _ in generator.items():
        if fate in (_GOOD, _DUPLICATE):
            yield record
        else:
            yield _spoil(record, choice, _JSON_MISTAKES)


# --------------------------------------------------------------------------------------------
# Fates: which records are good, bad, broken or resent. A stream of its own, so plan() can count
# them without making records, and so the records themselves do not depend on the shares.

_GOOD, _BAD, _BROKEN, _DUPLICATE = 0, 1, 2, 3
_BROKEN_SHARE = 0.2  # of the bad records
_RECENT = 512  # duplicates repeat one of the last this many good records


def _fates(
    count: int, seed: int, bad_share: float, duplicate_share: float
) -> Iterator[tuple[int, float]]:
    """Each record's fate and a number in [0, 1) that picks its mistake or its original."""
    rng = random.Random(f"clientvoice.demodata.fates:{seed}")
    draw = rng.random
    broken_below = bad_share * _BROKEN_SHARE
    duplicate_below = bad_share + duplicate_share
    seen_good = False
    for _ in range(count):
        u = draw()
        if u < bad_share:
            if u < broken_below:
                yield _BROKEN, u / broken_below
            else:
                yield _BAD, (u - broken_below) / (bad_share - broken_below)
        elif u < duplicate_below and seen_good:
            yield _DUPLICATE, draw()
        else:
            seen_good = True
            yield _GOOD, 0.0


def _check_arguments(
    count: int, start: datetime | None, days: int, bad_share: float, duplicate_share: float
) -> None:
    if type(count) is not int or count < 0:
        raise ValueError(f"count must be a whole number >= 0, not {count!r}")
    if type(days) is not int or days < 1:
        raise ValueError(f"days must be a whole number >= 1, not {days!r}")
    if start is not None and (start.tzinfo is None or start.utcoffset() is None):
        raise ValueError("start must be timezone-aware (e.g. datetime(..., tzinfo=timezone.utc))")
    for name, share in (("bad_share", bad_share), ("duplicate_share", duplicate_share)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} must be from 0 to 1, not {share!r}")
    if bad_share + duplicate_share > 1.0:
        raise ValueError("bad_share and duplicate_share add up to more than 1")


# --------------------------------------------------------------------------------------------
# Mistakes. Each takes a good record and a number in [0, 1) choosing a variant, and returns a new
# record the library rejects; the good record (and its shared customer dict) is left alone.

_Record = dict[str, Any]
_Mistake = Callable[[_Record, float], _Record]


def _nps_out_of_range(record: _Record, choice: float) -> _Record:
    return {**record, "nps": (11, -1, 12, 100)[int(choice * 4)]}


def _nps_as_text(record: _Record, choice: float) -> _Record:
    return {**record, "nps": str(int(choice * 11))}


def _nps_as_fraction(record: _Record, choice: float) -> _Record:
    return {**record, "nps": ("8/10", "9.5", "ocho", "7 of 10")[int(choice * 4)]}


def _csat_as_boolean(record: _Record, choice: float) -> _Record:
    return {**record, "csat": True}


def _naive_time(record: _Record, choice: float) -> _Record:
    return {**record, "occurred_at": record["occurred_at"][:19]}


def _local_date_format(record: _Record, choice: float) -> _Record:
    when = record["occurred_at"]
    day, month, year = when[8:10], when[5:7], when[:4]
    text = f"{day}/{month}/{year} {when[11:16]}" if choice < 0.5 else f"{month}/{day}/{year}"
    return {**record, "occurred_at": text}


def _unknown_channel(record: _Record, choice: float) -> _Record:
    return {**record, "channel": ("fax", "telefax", "carrier_pigeon")[int(choice * 3)]}


def _unknown_field(record: _Record, choice: float) -> _Record:
    bad = dict(record)
    if choice < 0.6:
        bad["nsp"] = bad.pop("nps", int(choice * 16))  # a misspelt score column
    else:
        bad["comment"] = bad.pop("text", "")  # another tool's name for the text
    return bad


def _follow_up_maybe(record: _Record, choice: float) -> _Record:
    return {**record, "follow_up_requested": ("maybe", "quizás", "2")[int(choice * 3)]}


def _invalid_email(record: _Record, choice: float) -> _Record:
    customer = dict(record["customer"])
    email = customer["email"]
    local, _, domain = email.partition("@")
    variant = int(choice * 4)
    if variant == 0:
        broken = f"{local}.{domain}"  # the @ lost
    elif variant == 1:
        broken = f"{local}@{domain.replace('.', '')}"  # the dots lost
    elif variant == 2:
        broken = f"{local} @{domain}"  # a space typed in
    else:
        broken = f"{local}@@{domain}"
    customer["email"] = broken
    return {**record, "customer": customer}


def _unknown_kind(record: _Record, choice: float) -> _Record:
    return {
        **record,
        "kind": ("queja", "Complaint", "complain", "feature-request")[int(choice * 4)],
    }


_JSON_MISTAKES: tuple[_Mistake, ...] = (
    _nps_out_of_range,
    _nps_as_text,
    _csat_as_boolean,
    _naive_time,
    _local_date_format,
    _unknown_channel,
    _unknown_field,
    _invalid_email,
    _unknown_kind,
)
# A CSV cell is always text, and its columns are fixed: the same mistakes, except the two a CSV
# cannot hold, which become the nearest ones it can.
_CSV_MISTAKES: tuple[_Mistake, ...] = tuple(
    _nps_as_fraction
    if mistake is _nps_as_text
    else _follow_up_maybe
    if mistake is _unknown_field
    else mistake
    for mistake in _JSON_MISTAKES
)


def _spoil(record: _Record, choice: float, mistakes: Sequence[_Mistake]) -> _Record:
    """``record`` with one mistake: ``choice`` in [0, 1) picks which one and its variant."""
    scaled = choice * len(mistakes)
    index = min(int(scaled), len(mistakes) - 1)
    return mistakes[index](record, scaled - index)


def _broken_json(record: _Record, choice: float) -> str:
    """A line that is not valid JSON, made from ``record`` the ways exports break."""
    line = _ENCODE(record)
    scaled = choice * 4
    variant = int(scaled)
    rest = scaled - variant
    if variant == 1:
        return repr(record)  # Python quoting: 'text', True, None
    if variant == 2:
        return line[:-1] + ",}"  # a trailing comma
    if variant == 3:
        at = line.find('"text": "')
        if at >= 0:  # an unescaped quote inside the text
            at += 9
            return f'{line[:at]}"{line[at:]}'
    # Cut short, as by a crashed export: never valid, since the closing brace is gone.
    return line[: max(1, int(len(line) * (0.3 + 0.6 * rest)))]


def _encode_with(record: _Record, customer: _Customer) -> str:
    """``record`` as JSON, its customer written from the customer's cached JSON text: the
    customer is most of a record, and the same customer is written many times."""
    text = customer.json
    if text is None:
        text = customer.json = _ENCODE(customer.record)
    record["customer"] = _PLACEHOLDER  # the same key, so the same place in the object
    try:
        line = _ENCODE(record)
    finally:
        record["customer"] = customer.record
    return line.replace(_PLACEHOLDER_JSON, text, 1)


_PLACEHOLDER = "\x00customer\x00"  # no generated text holds a NUL character
_PLACEHOLDER_JSON = json.dumps(_PLACEHOLDER)


def _csv_row(record: _Record) -> list[str]:
    customer = record.get("customer") or {}
    row: list[str] = []
    add = row.append
    for column in CSV_COLUMNS:
        value = customer.get(column[9:]) if column[:9] == "customer." else record.get(column)
        if value is None:
            add("")
        elif value is True:
            add("true")
        elif value is False:
            add("false")
        elif type(value) is str:
            add(value)
        elif type(value) is int:
            add(str(value))
        elif column == "customer.segments":
            add(";".join(value))
        elif column == "customer.memberships":
            add(";".join(f"{name}={level}" for name, level in value.items()))
        else:
            add(_ENCODE(value))
    return row


def _json_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False)``, with the C encoder made once instead of once a
    call (a fifth of the cost of a record), where the C accelerator exists."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.JSONEncoder(ensure_ascii=False).encode

    def refuse(value: Any) -> Any:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    encoder = make(
        None, refuse, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
    )
    join = "".join

    def encode(value: Any) -> str:
        return join(encoder(value, 0))

    return encode


_ENCODE = _json_encoder()


# --------------------------------------------------------------------------------------------
# Picking from weighted tables: cumulative weights and bisect, one random number a pick.


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = float(sum(weights))
    running = 0.0
    cumulative = []
    for weight in weights:
        running += weight
        cumulative.append(running / total)
    cumulative[-1] = 2.0  # random() < 1 always lands inside, despite rounding
    return cumulative


def _ascii(text: str) -> str:
    """Lower-case ASCII for e-mail addresses and handles: "Núñez" -> "nunez"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


# --------------------------------------------------------------------------------------------
# Customers: each one made from the seed and its number alone, so a bounded cache suffices.

_COUNTRIES: dict[str, tuple[str, str]] = {
    # zone: (segment, phone prefix). The phone's last six digits make it unique.
    "Europe/Madrid": ("spain", "+34 6"),
    "Atlantic/Canary": ("spain", "+34 6"),
    "America/Mexico_City": ("mexico", "+52 55"),
    "America/Monterrey": ("mexico", "+52 81"),
    "America/Bogota": ("colombia", "+57 3"),
    "America/Argentina/Buenos_Aires": ("argentina", "+54 9 11"),
    "America/Lima": ("peru", "+51 9"),
    "America/Santiago": ("chile", "+56 9"),
    "Europe/London": ("uk", "+44 7"),
    "Europe/Dublin": ("ireland", "+353 8"),
    "America/New_York": ("usa", "+1 212"),
    "America/Chicago": ("usa", "+1 312"),
    "America/Denver": ("usa", "+1 303"),
    "America/Los_Angeles": ("usa", "+1 213"),
    "America/Toronto": ("canada", "+1 416"),
    "Australia/Sydney": ("australia", "+61 4"),
}
_PHONE_FILL = {  # random digits between the prefix and the unique six
    "+34 6": 2, "+52 55": 2, "+52 81": 2, "+57 3": 3, "+54 9 11": 2, "+51 9": 2, "+56 9": 2,
    "+44 7": 3, "+353 8": 2, "+1 212": 1, "+1 312": 1, "+1 303": 1, "+1 213": 1, "+1 416": 1,
    "+61 4": 2,
}  # fmt: skip
_LATAM = frozenset({"mexico", "colombia", "argentina", "peru", "chile"})


class _People:
    """Names, nicknames, zones and domains of one language's customers."""

    def __init__(
        self,
        women: Sequence[str],
        men: Sequence[str],
        surnames: Sequence[str],
        nicknames: Mapping[str, str],
        zones: Mapping[str, float],
        double_surname: float,
        departments: Sequence[tuple[str, str, str, str]],
    ) -> None:
        self.first = (tuple(women), tuple(men))
        self.surnames = tuple(surnames)
        self.nicknames = dict(nicknames)
        self.zones = tuple(zones)
        self.zone_weights = _cumulative(tuple(zones.values()))
        self.double_surname = double_surname
        self.departments = tuple(departments)
        self.ascii = {name: _ascii(name) for name in (*women, *men, *surnames)}


_SPANISH = _People(
    women=(
        "María", "Lucía", "Carmen", "Ana", "Laura", "Marta", "Elena", "Paula", "Sofía", "Isabel",
        "Rocío", "Pilar", "Nuria", "Cristina", "Beatriz", "Alba", "Ximena", "Valentina", "Camila",
        "Guadalupe", "Dolores", "Concepción", "Rosario", "María Isabel", "Begoña", "Itziar",
        "Montserrat", "Inés", "Noelia", "Daniela", "Fernanda", "Mariana", "Mercedes", "Yolanda",
        "Catalina", "Renata", "Araceli", "Macarena", "Ainhoa", "Luz Marina",
    ),
    men=(
        "José", "Antonio", "Manuel", "Francisco", "Javier", "David", "Carlos", "Jesús",
        "Alejandro", "Miguel", "Pablo", "Sergio", "Rafael", "Ignacio", "Enrique", "Santiago",
        "Íñigo", "Andrés", "Diego", "Mateo", "Joaquín", "Álvaro", "Raúl", "Rubén", "Fernando",
        "Eduardo", "Luis", "Jorge", "Guillermo", "Gonzalo", "Julián", "Emilio", "Óscar",
        "Sebastián", "Iker", "Rodrigo", "Hernán", "Agustín", "Juan Carlos", "Xavier",
    ),
    surnames=(
        "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez",
        "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
        "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos",
        "Gil", "Ramírez", "Serrano", "Blanco", "Molina", "Castillo", "Ortega", "Delgado",
        "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez", "Iglesias", "Medina", "Garrido",
        "Cortés", "Peña", "Ibáñez", "Cuesta", "Echeverría", "Zubizarreta", "Cabañas", "Montaño",
        "Ordóñez", "Patiño", "Villaseñor", "Quiñones", "Aguirre", "Salazar", "Mendoza",
        "Cárdenas", "Arrieta", "Londoño",
    ),
    nicknames={
        "José": "Pepe", "Francisco": "Paco", "Manuel": "Manolo", "Ignacio": "Nacho",
        "Enrique": "Quique", "Jesús": "Chucho", "Santiago": "Santi", "Alejandro": "Álex",
        "Guillermo": "Memo", "Eduardo": "Lalo", "Fernando": "Nando", "Antonio": "Toño",
        "Rafael": "Rafa", "Javier": "Javi", "Dolores": "Lola", "Concepción": "Concha",
        "Rosario": "Charo", "Guadalupe": "Lupe", "María Isabel": "Maribel", "Montserrat": "Montse",
        "Cristina": "Cris", "Beatriz": "Bea", "Mercedes": "Merche", "Valentina": "Vale",
        "Fernanda": "Fer", "Sebastián": "Sebas", "Juan Carlos": "Juanca", "Catalina": "Cata",
    },
    zones={
        "Europe/Madrid": 45, "America/Mexico_City": 16, "America/Bogota": 10,
        "America/Argentina/Buenos_Aires": 8, "America/Lima": 6, "America/Santiago": 5,
        "Atlantic/Canary": 5, "America/Monterrey": 5,
    },
    double_surname=0.7,
    departments=(
        # name, mailbox, zone, area
        ("Facturación", "facturacion", "Europe/Madrid", "finanzas"),
        ("Recursos Humanos", "rrhh", "Europe/Madrid", "personas"),
        ("Almacén Getafe", "almacen.getafe", "Europe/Madrid", "logistica"),
        ("Tienda Valencia Centro", "tienda.valencia", "Europe/Madrid", "tiendas"),
        ("Atención al Cliente México", "atencion.mx", "America/Mexico_City", "atencion"),
        ("Contabilidad Bogotá", "contabilidad.bog", "America/Bogota", "finanzas"),
    ),
)  # fmt: skip

_ENGLISH = _People(
    women=(
        "Emma", "Olivia", "Sophie", "Grace", "Emily", "Charlotte", "Amelia", "Jessica", "Hannah",
        "Lauren", "Megan", "Rachel", "Elizabeth", "Katherine", "Margaret", "Jennifer", "Patricia",
        "Samantha", "Rebecca", "Victoria", "Abigail", "Priya", "Aisha", "Chloe", "Zoe", "Siobhan",
        "Niamh", "Harriet", "Imogen", "Tamara",
    ),
    men=(
        "James", "William", "Robert", "Michael", "Thomas", "Richard", "Edward", "Daniel",
        "Matthew", "Christopher", "Benjamin", "Alexander", "Jack", "Harry", "Oliver", "George",
        "Liam", "Noah", "Ethan", "Samuel", "Joseph", "Anthony", "Andrew", "Kevin", "Ryan",
        "Mohammed", "Arjun", "Connor", "Declan", "Tyrone",
    ),
    surnames=(
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
        "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
        "Wood", "Jackson", "Clarke", "Patel", "Khan", "Murphy", "O'Brien", "Kelly", "Miller",
        "Davis", "Anderson", "Martin", "Lee", "Harris", "Clark", "Lewis", "Young", "King", "Scott",
        "Baker", "Nguyen", "Campbell", "Mitchell", "Carter", "Turner", "Phillips", "Parker",
        "Collins", "Edwards", "Stewart", "Morris", "Rogers", "Cook", "Morgan", "Bell", "Murray",
        "Ward", "Hughes", "Price", "Bennett", "Gray", "Fisher", "Okafor",
    ),
    nicknames={
        "James": "Jim", "William": "Bill", "Robert": "Bob", "Michael": "Mike", "Thomas": "Tom",
        "Richard": "Rick", "Edward": "Ted", "Daniel": "Dan", "Matthew": "Matt",
        "Christopher": "Chris", "Benjamin": "Ben", "Alexander": "Alex", "Samuel": "Sam",
        "Joseph": "Joe", "Anthony": "Tony", "Andrew": "Andy", "Elizabeth": "Liz",
        "Katherine": "Kate", "Margaret": "Peggy", "Jennifer": "Jen", "Patricia": "Patty",
        "Samantha": "Sam", "Rebecca": "Becky", "Victoria": "Vicky", "Abigail": "Abby",
        "Harriet": "Hattie",
    },
    zones={
        "Europe/London": 38, "America/New_York": 20, "America/Chicago": 12,
        "America/Los_Angeles": 12, "America/Denver": 4, "America/Toronto": 6,
        "Europe/Dublin": 5, "Australia/Sydney": 3,
    },
    double_surname=0.0,
    departments=(
        ("IT Helpdesk", "it-helpdesk", "Europe/London", "it"),
        ("Payroll", "payroll", "Europe/London", "people"),
        ("Warehouse Leeds", "warehouse.leeds", "Europe/London", "logistics"),
        ("Store 14 Boston", "store14.boston", "America/New_York", "stores"),
        ("Finance", "finance", "America/New_York", "finance"),
        ("Customer Care Chicago", "care.chicago", "America/Chicago", "care"),
    ),
)  # fmt: skip

_DOMAINS = (
    "example.com", "example.com", "example.org", "example.net", "mail.example.com",
    "correo.example.net", "inbox.example.org",
)  # fmt: skip
_AREAS = {"es": ("finanzas", "logistica", "tiendas", "atencion", "it", "personas"),
          "en": ("finance", "logistics", "stores", "care", "it", "people")}  # fmt: skip


class _Customer:
    """A pool customer: the record's ``customer`` object and what composing a text needs.

    ``json`` is the object as JSON text, made the first time a JSON Lines writer needs it.
    """

    __slots__ = ("index", "internal", "json", "language", "record", "signature", "zone")

    def __init__(
        self,
        index: int,
        record: dict[str, Any],
        language: str,
        zone: str,
        signature: str,
        internal: bool,
    ) -> None:
        self.index = index
        self.record = record
        self.language = language
        self.zone = zone
        self.signature = signature
        self.internal = internal
        self.json: str | None = None


def _make_customer(rolls: bytes, index: int, phone_salt: int) -> _Customer:
    """Customer number ``index``. Every choice is one byte of ``rolls``, a hash of the seed and
    the number (cheaper than seeding a Random for each customer): a roll below ``p * 256``
    happens with probability ``p``, and ``seq[roll * len(seq) >> 8]`` picks from ``seq``."""
    (
        language_roll, internal_roll, department_roll, department_pick, gender_roll, given_roll,
        surname_roll, double_roll, second_roll, zone_roll, nickname_roll, style_roll,
        domain_roll, capital_roll, kind_roll, size_roll, latam_roll, extra_roll, area_roll,
        loyalty_roll, loyalty_level, plan_roll, plan_level, phone_roll, spaced_roll, fill_high,
        fill_low, social_roll, network_roll, whatsapp_roll, consent_roll, contact_roll,
        surveys_roll,
    ) = rolls[:33]  # fmt: skip
    language = "es" if language_roll < 128 else "en"
    people = _SPANISH if language == "es" else _ENGLISH
    internal = internal_roll < 13  # 5 %
    if internal and department_roll < 102:  # 40 % of them write for a whole department
        departments = people.departments
        name, mailbox, zone, area = departments[department_pick * len(departments) >> 8]
        record: dict[str, Any] = {
            "name": name,
            "kind": "internal",
            "language": language,
            "timezone": zone,
            "segments": ["internal", area],
            "email": f"{mailbox}@intranet.example.org",
        }
        return _Customer(index, record, language, zone, name, internal=True)
    first = people.first[gender_roll & 1]
    given = first[given_roll * len(first) >> 8]
    surnames = people.surnames
    surname = surnames[surname_roll * len(surnames) >> 8]
    full_surname = surname
    if double_roll < 256 * people.double_surname:
        second = surnames[second_roll * len(surnames) >> 8]
        if second == surname:  # "Ordóñez Ordóñez" happens, but rarely
            second = surnames[(surnames.index(surname) + 1) % len(surnames)]
        full_surname = f"{surname} {second}"
    zone = people.zones[bisect_right(people.zone_weights, zone_roll / 256)]
    nickname = people.nicknames.get(given)
    preferred = nickname if nickname is not None and nickname_roll < 115 else None  # 45 %
    a_given, a_surname = people.ascii[given], people.ascii[surname]
    number = index + 7  # in every address and handle: no two customers share one
    style = style_roll * 5 >> 8
    if style == 0:
        local = f"{a_given}.{a_surname}.{number}"
    elif style == 1:
        local = f"{a_given[0]}{a_surname}{number}"
    elif style == 2:
        local = f"{a_given}_{a_surname}{number}"
    elif style == 3:
        local = f"{a_surname}.{a_given}{number}"
    else:
        local = f"{a_given}{number}"
    if internal:
        email = f"{a_given}.{a_surname}.{number}@staff.example.org"
    else:
        email = f"{local}@{_DOMAINS[domain_roll * len(_DOMAINS) >> 8]}"
        if capital_roll < 20:
            email = email.capitalize()  # as typed; the library lower-cases it
    record = {"name": f"{given} {full_surname}"}
    if preferred is not None:
        record["preferred_name"] = preferred
    if internal:
        record["kind"] = "internal"
    elif kind_roll < 26:
        record["kind"] = "external"
    record["language"] = language
    record["timezone"] = zone
    country, prefix = _COUNTRIES[zone]
    if internal:
        segments = ["internal", _AREAS[language][area_roll * 6 >> 8]]
    else:
        size = "consumer" if size_roll < 179 else "smb" if size_roll < 236 else "enterprise"
        segments = [country, size]
        if country in _LATAM and latam_roll < 128:
            segments.append("latam")
        if extra_roll < 15:
            segments.append("students")
        elif extra_roll < 26:
            segments.append("vip")
        segments.sort()
    record["segments"] = segments
    if not internal and (loyalty_roll < 128 or plan_roll < 90):
        memberships: dict[str, str] = {}
        if loyalty_roll < 128:
            memberships["loyalty"] = (
                "bronze" if loyalty_level < 128 else "silver" if loyalty_level < 205 else "gold"
            )
        if plan_roll < 90:
            memberships["plan"] = (
                "free" if plan_level < 141 else "pro" if plan_level < 230 else "business"
            )
        record["memberships"] = memberships
    record["email"] = email
    phone = None
    if phone_roll < (77 if internal else 102):
        unique = (index * 7919 + phone_salt) % 1_000_000  # a bijection: no two share a number
        digits = _PHONE_FILL[prefix]
        fill = ((fill_high << 8) | fill_low) % 10**digits
        phone = f"{prefix}{fill:0{digits}d}{unique:06d}"
        if spaced_roll >= 77:
            phone = phone.replace(" ", "")
        record["phone"] = phone
    if not internal and (social_roll < 38 or (phone is not None and country in _LATAM)):
        contacts: dict[str, str] = {}
        if social_roll < 38:
            network = "x" if network_roll < 179 else "instagram"
            contacts[network] = f"@{a_given}{a_surname[:4]}_{number}"
        if phone is not None and country in _LATAM and whatsapp_roll < 128:
            contacts["whatsapp"] = phone
        if contacts:
            record["contacts"] = contacts
    if consent_roll < 230:  # 90 % have said, on a form or at sign-up, what they agree to
        # About 63 % of external customers agree to surveys; staff less often (about 35 %).
        surveys = surveys_roll < (90 if internal else 179)
        record["consents"] = {"contact": contact_roll < 230, "surveys": surveys}
    return _Customer(index, record, language, zone, preferred or given, internal)


# --------------------------------------------------------------------------------------------
# Words. Templates are str.format strings; a field names a slot filled from a group (a product
# fills all its forms at once, so articles and adjectives agree). Each language defines every
# group; compiled once at import, so composing a text is a few table picks and one format_map.

_Group = tuple[dict[str, str], ...] | Callable[[random.Random], dict[str, str]]
_Template = tuple[str, tuple[tuple[str, _Group], ...]]


def _table(key: str, *values: str, capital: str | None = None) -> tuple[dict[str, str], ...]:
    if capital is None:
        return tuple({key: value} for value in values)
    return tuple({key: value, capital: value[0].upper() + value[1:]} for value in values)


def _spanish_products() -> tuple[dict[str, str], ...]:
    products = (
        ("cafetera", "f"), ("portátil", "m"), ("colchón", "m"), ("freidora de aire", "f"),
        ("aspiradora robot", "f"), ("chaqueta impermeable", "f"), ("móvil", "m"),
        ("silla de oficina", "f"), ("patinete eléctrico", "m"), ("tablet", "f"),
        ("microondas", "m"), ("mochila", "f"), ("router", "m"), ("lámpara de pie", "f"),
        ("reloj inteligente", "m"), ("cargador", "m"), ("sofá", "m"), ("bicicleta estática", "f"),
        ("altavoz inalámbrico", "m"), ("televisor", "m"), ("lavavajillas", "m"), ("batidora", "f"),
        ("impresora", "f"), ("edredón nórdico", "m"), ("cámara de fotos", "f"), ("taladro", "m"),
    )  # fmt: skip
    table = []
    for item, gender in products:
        feminine = gender == "f"
        article = "la" if feminine else "el"
        table.append(
            {
                "item": item,
                "product": f"{article} {item}",
                "of_product": f"de la {item}" if feminine else f"del {item}",
                "Product": f"{article.capitalize()} {item}",
                "my_product": f"mi {item}",
                "a_product": f"{'una' if feminine else 'un'} {item}",
                "this_product": f"{'esta' if feminine else 'este'} {item}",
                "it": "la" if feminine else "lo",
                "broken": "rota" if feminine else "roto",
                "faulty": "defectuosa" if feminine else "defectuoso",
                "new": "nueva" if feminine else "nuevo",
            }
        )
    return tuple(table)


def _english_products() -> tuple[dict[str, str], ...]:
    products = (
        "coffee machine", "laptop", "mattress", "air fryer", "robot vacuum", "rain jacket",
        "phone", "office chair", "electric scooter", "tablet", "microwave", "backpack", "router",
        "floor lamp", "smartwatch", "charger", "sofa", "exercise bike", "wireless speaker", "TV",
        "dishwasher", "blender", "printer", "duvet", "camera", "cordless drill",
    )  # fmt: skip
    return tuple(
        {
            "item": item,
            "product": f"the {item}",
            "of_product": f"of the {item}",
            "Product": f"The {item}",
            "my_product": f"my {item}",
            "a_product": f"{'an' if item[0] in 'aeio' else 'a'} {item}",
            "this_product": f"this {item}",
            "it": "it",
            "broken": "broken",
            "faulty": "faulty",
            "new": "new",
        }
        for item in products
    )


def _order(rng: random.Random) -> dict[str, str]:
    draw = rng.random
    style = draw()
    digits = int(draw() * 9_000_000) + 1_000_000
    if style < 0.4:
        return {"order": f"#{digits // 10}"}
    if style < 0.7:
        return {"order": f"{digits}"}
    if style < 0.9:
        return {"order": f"ORD-{digits}"}
    return {"order": f"A{digits % 100_000:05d}-{int(draw() * 90) + 10}"}


def _ticket(rng: random.Random) -> dict[str, str]:
    return {"ticket": f"INC-{int(rng.random() * 900_000) + 100_000}"}


def _minutes(rng: random.Random) -> dict[str, str]:
    return {"minutes": str((5, 10, 15, 20, 25, 30, 40, 45, 50, 60, 90)[int(rng.random() * 11)])}


def _euros(rng: random.Random) -> dict[str, str]:
    draw = rng.random
    whole = int(draw() ** 2 * 400) + 4
    if draw() < 0.2:
        return {"amount": f"{whole * 18} pesos"}
    cents = (0, 0, 50, 90, 95, 99)[int(draw() * 6)]
    return {"amount": f"{whole},{cents:02d} €"}


def _pounds_or_dollars(rng: random.Random) -> dict[str, str]:
    draw = rng.random
    whole = int(draw() ** 2 * 400) + 4
    cents = (0, 0, 50, 90, 95, 99)[int(draw() * 6)]
    return {"amount": f"{'£' if draw() < 0.5 else '$'}{whole}.{cents:02d}"}


_SPANISH_GROUPS: dict[str, _Group] = {
    "product": _spanish_products(),
    "order": _order,
    "ticket": _ticket,
    "minutes": _minutes,
    "amount": _euros,
    "days": _table("days", "dos", "tres", "cuatro", "cinco", "seis", "siete", "diez", "doce"),
    "wait": _table(
        "wait", "dos semanas", "tres semanas", "un mes", "mes y medio", "casi un mes",
        "diez días", "más de quince días", "varias semanas",
    ),
    "when": _table(
        "when", "ayer", "el lunes", "el martes pasado", "esta mañana", "el fin de semana",
        "hace unos días", "anoche", "el viernes", "la semana pasada", "el día 3",
        capital="When",
    ),
    "city": _table(
        "city", "Valencia", "Sevilla", "Zaragoza", "Málaga", "Bilbao", "Alicante", "Valladolid",
        "Guadalajara", "Monterrey", "Puebla", "Medellín", "Cali", "Córdoba", "Rosario",
        "A Coruña", "Murcia", "Gijón", "Cádiz", "Querétaro", "Arequipa", "Valparaíso",
    ),
    "staff": _table(
        "staff", "Lucía", "Carlos", "Marta", "Andrés", "Rocío", "Íñigo", "Nuria", "Diego",
        "Pilar", "Álvaro", "Begoña", "Rubén", "Ximena", "Mateo", "Noemí", "Esteban",
    ),
    "courier": _table(
        "courier", "el repartidor", "la mensajería", "el transportista", "la empresa de reparto",
        capital="Courier",
    ),
    "app_part": _table(
        "app_part", "la pantalla de pago", "el carrito", "el historial de pedidos", "la búsqueda",
        "el inicio de sesión", "la página de ofertas", "el buscador de tiendas",
        "la lista de deseos", "el seguimiento del envío",
    ),
    "device": _table(
        "device", "en Android", "en el iPhone", "desde el ordenador", "en la tablet",
        "desde el móvil", "en el portátil del trabajo",
    ),
    "feature": _table(
        "feature", "pagar con Bizum", "elegir la franja horaria de entrega",
        "recoger el pedido en tienda", "guardar listas de la compra", "activar un modo oscuro",
        "dividir el pago en tres meses", "descargar todas las facturas de una vez",
        "ver al repartidor en el mapa", "devolver en un punto de recogida",
        "cambiar la fecha de entrega", "añadir una nota para el repartidor",
        "juntar varios pedidos en un solo envío", "pagar en efectivo al recibir el pedido",
    ),
    "month": _table(
        "month", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
        "septiembre", "octubre", "noviembre", "diciembre",
    ),
    "years": _table("years", "dos", "tres", "cinco", "siete", "diez", "más de ocho"),
    "calls": _table("calls", "tres", "cuatro", "cinco", "seis", "mil"),
    "country": _table(
        "country", "Portugal", "Andorra", "Canarias", "Chile", "Estados Unidos", "Francia",
        "Uruguay",
    ),
    "team": _table(
        "team", "Contabilidad", "el almacén de Getafe", "la tienda de Valencia", "Compras",
        "Marketing", "Atención al Cliente", "Logística",
    ),
    "system": _table(
        "system", "el ERP", "la VPN", "la intranet", "el programa de nóminas",
        "el terminal de caja", "el correo", "la impresora de la segunda planta",
        "el portal de proveedores",
        capital="System",
    ),
}  # fmt: skip

_ENGLISH_GROUPS: dict[str, _Group] = {
    "product": _english_products(),
    "order": _order,
    "ticket": _ticket,
    "minutes": _minutes,
    "amount": _pounds_or_dollars,
    "days": _table("days", "two", "three", "four", "five", "six", "seven", "ten", "twelve"),
    "wait": _table(
        "wait", "two weeks", "three weeks", "a month", "six weeks", "almost a month", "ten days",
        "over a fortnight", "several weeks",
    ),
    "when": _table(
        "when", "yesterday", "on Monday", "last Tuesday", "this morning", "at the weekend",
        "a few days ago", "last night", "on Friday", "last week", "on the 3rd",
        capital="When",
    ),
    "city": _table(
        "city", "Leeds", "Manchester", "Bristol", "Glasgow", "Cardiff", "Boston", "Denver",
        "Austin", "Portland", "Chicago", "Leicester", "Norwich", "Seattle", "Atlanta", "Belfast",
        "Cork", "Toronto", "Brighton", "Phoenix", "Nottingham",
    ),
    "staff": _table(
        "staff", "Sarah", "Tom", "Priya", "Dan", "Megan", "Josh", "Aisha", "Ben", "Chloe",
        "Ryan", "Olivia", "Marcus", "Fiona", "Kwame", "Hannah", "Luke",
    ),
    "courier": _table(
        "courier", "the courier", "the delivery driver", "the carrier", "the delivery company",
        capital="Courier",
    ),
    "app_part": _table(
        "app_part", "the payment screen", "the basket", "my order history", "search",
        "the login page", "the deals page", "the store finder", "my wishlist", "order tracking",
    ),
    "device": _table(
        "device", "on Android", "on my iPhone", "on my laptop", "on the iPad", "on my phone",
        "on my work computer",
    ),
    "feature": _table(
        "feature", "pay with a digital wallet", "choose a delivery time slot",
        "collect orders in store", "save shopping lists", "switch on a dark mode",
        "split the payment over three months", "download all my invoices at once",
        "see the driver on a map", "return items at a drop-off point", "change the delivery date",
        "add a note for the driver", "combine several orders into one delivery",
        "pay by bank transfer",
    ),
    "month": _table(
        "month", "January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December",
    ),
    "years": _table("years", "two", "three", "five", "seven", "ten", "more than eight"),
    "calls": _table("calls", "three", "four", "five", "six", "a dozen"),
    "country": _table(
        "country", "Ireland", "Canada", "France", "Germany", "Northern Ireland", "Jersey",
        "Mexico",
    ),
    "team": _table(
        "team", "Accounts", "the Leeds warehouse", "Store 14", "Procurement", "Marketing",
        "Customer Care", "Logistics",
    ),
    "system": _table(
        "system", "the ERP", "the VPN", "the intranet", "the payroll system", "the tills",
        "email", "the second-floor printer", "the supplier portal",
        capital="System",
    ),
}  # fmt: skip

_KINDS = ("complaint", "praise", "question", "request", "suggestion", "idea", "other")
_SENTIMENT = {
    "complaint": -1, "praise": 1, "question": 0, "request": 0, "suggestion": 0, "idea": 0,
    "other": 0,
}  # fmt: skip

# The texts. For each language: per kind, main sentences ("body"), optional second sentences
# ("detail"), agents' notes of phone calls ("phone"), short survey comments ("survey") and what
# colleagues write ("internal"); then openers, closers, e-mail greetings, urgency cues and the
# shared problem, all written for this module.
_SPANISH_TEXTS: dict[str, Any] = {
    "body": {
        "complaint": (
            "El pedido {order} llegó con {days} días de retraso.",
            "El pedido llegó tarde y además incompleto: faltaba {product}.",
            "{Product} llegó {broken} y nadie me da una solución.",
            "Me cobraron dos veces {amount} por el mismo pedido.",
            "Devolví {my_product} hace {wait} y todavía no me han devuelto el dinero.",
            "No me devolvieron el dinero {of_product} que devolví {when}.",
            "La aplicación se cierra sola cada vez que abro {app_part} {device}.",
            "{Courier} dejó el paquete en la portería sin avisar y ahora no aparece.",
            "Llamé {calls} veces al servicio de atención y nadie supo decirme dónde está mi "
            "pedido.",
            "En la tienda de {city} me atendieron fatal, el dependiente ni me miró.",
            "La factura de {month} tiene un cargo de {amount} que no reconozco.",
            "{Product} dejó de funcionar a las dos semanas de uso.",
            "Me prometieron una llamada {when} y nunca llamaron.",
            "El chat me tuvo esperando {minutes} minutos para al final cortarse.",
            "Cambiaron la tarifa sin avisar y ahora pago {amount} más al mes.",
            "No puedo iniciar sesión desde {when}, dice que mi contraseña es incorrecta.",
            "Compré {a_product} y me mandaron otro modelo distinto.",
            "El pedido {order} aparece como entregado pero yo no he recibido nada.",
            "{Courier} vino {when} cuando había elegido entregar el sábado.",
            "{Product} vino {faulty} de fábrica y me piden que pague yo el envío de vuelta.",
            "Llevo {wait} esperando respuesta a mi reclamación {ticket}.",
            "La app me cobra los gastos de envío aunque el pedido supera el mínimo.",
            "En la tienda de {city} no aceptaron mi cupón y en la web dice que vale.",
            "Pedí la factura a nombre de mi empresa hace {wait} y sigo sin recibirla.",
        ),
        "praise": (
            "Muchas gracias a {staff} por su paciencia, me resolvió todo en {minutes} minutos.",
            "{Product} funciona de maravilla, ha sido una gran compra.",
            "El pedido llegó antes de lo previsto y muy bien empaquetado.",
            "La atención en la tienda de {city} fue excelente.",
            "Me devolvieron el dinero en {days} días, sin preguntas.",
            "La nueva versión de la app va mucho más rápida, enhorabuena.",
            "{staff}, del chat, fue muy amable y resolvió mi problema enseguida.",
            "Llevo {years} años con vosotros y nunca me habéis fallado.",
            "Buen precio y mejor calidad: {product} es justo lo que buscaba.",
            "{Courier} fue muy amable y me subió el paquete hasta casa.",
            "Me cambiaron {my_product} sin ningún problema aunque ya había pasado el plazo.",
            "Qué gusto que alguien conteste al teléfono a la primera.",
            "Gracias por avisarme del retraso antes de que yo preguntara.",
            "{staff} en la tienda de {city} me ayudó a elegir {product} con mucha paciencia.",
        ),
        "question": (
            "¿Cuándo llegará mi pedido {order}?",
            "¿Puedo cambiar la dirección de entrega de un pedido ya enviado?",
            "¿Tenéis {product} en otro color?",
            "¿Cómo pido una factura a nombre de mi empresa?",
            "¿La garantía {of_product} cubre la batería?",
            "¿Abre la tienda de {city} los domingos?",
            "¿Hacéis envíos a {country}?",
            "¿Cuánto tarda el reembolso si devuelvo {product}?",
            "¿Por qué me habéis cobrado {amount} si el pedido ya estaba pagado?",
            "¿Se puede pagar a plazos?",
            "¿Dónde veo el número de seguimiento del pedido {order}?",
            "¿Puedo recoger {my_product} en la tienda de {city}?",
            "¿Cómo cambio la contraseña de mi cuenta?",
            "¿Está incluido el montaje {of_product}?",
        ),
        "request": (
            "Por favor, cancelad el pedido {order}, lo hice por error.",
            "Necesito una copia de la factura de {month}.",
            "Quiero cambiar {product} por otro modelo.",
            "Por favor, quitad mi correo de la lista de publicidad.",
            "Solicito la devolución de los {amount} que me cobrasteis de más.",
            "¿Podéis llamarme mañana por la tarde? Mi número está en la ficha.",
            "Necesito cambiar el titular de la cuenta.",
            "Por favor, actualizad mi dirección de envío, ahora vivo en {city}.",
            "Quiero darme de alta en el programa de puntos.",
            "Enviadme las instrucciones {of_product} en PDF, por favor.",
            "Necesito que me recojáis {product} para devolverlo.",
        ),
        "suggestion": (
            "Sería útil poder {feature}.",
            "Estaría bien que la tienda de {city} abriera más temprano.",
            "Podríais avisar por SMS cuando el repartidor esté cerca.",
            "Os sugiero mejorar el buscador: cuesta mucho encontrar {product}.",
            "Deberíais abrir más cajas en la tienda de {city} los sábados.",
            "Quizá podríais enviar los pedidos en cajas más pequeñas, sobra mucho cartón.",
            "Echo de menos poder {feature} desde la app.",
            "Las fotos {of_product} en la web no se parecen al producto real; mejoradlas.",
        ),
        "idea": (
            "Idea: una suscripción con envío gratis todo el año.",
            "¿Y si la app permitiera {feature}?",
            "Podríais organizar talleres en la tienda de {city} para aprender a usar "
            "{product}.",
            "Una idea: un programa para recompraros productos usados.",
            "Propongo un punto de recogida en {city}.",
            "Se me ocurre que podríais alquilar {product} por días.",
            "Estaría genial un asistente en la web que te ayude a elegir {product}.",
        ),
        "other": (
            "Ayer vi vuestro anuncio en la tele, muy gracioso.",
            "Solo quería deciros que he cambiado de correo electrónico.",
            "Recibí una encuesta, pero ya la había contestado.",
            "Ya está resuelto, gracias.",
            "Prueba, por favor ignorad este mensaje.",
            "Mi hijo usa mi cuenta, por si veis pedidos raros.",
            "Me ha llegado un correo vuestro que parece un fraude, os lo reenvío.",
            "Os escribo desde la cuenta de mi madre.",
        ),
    },
    "detail": {
        "complaint": (
            "Es la segunda vez que me pasa este mes.",
            "Ya lo reclamé por teléfono y no sirvió de nada.",
            "Nadie contesta a mis correos.",
            "Tengo abierta la incidencia {ticket} desde hace {wait}.",
            "Adjunto fotos del paquete.",
            "El seguimiento dice entregado, pero aquí no ha llegado nada.",
            "Pagué el envío urgente para nada.",
            "En la tienda me dijeron que lo gestionara por la web.",
            "Me han pasado de un departamento a otro {calls} veces.",
            "Así no se trata a un cliente.",
            "Necesito una solución cuanto antes.",
            "Y encima nadie me pidió disculpas.",
        ),
        "praise": (
            "Lo recomendaré a mis amigos.",
            "Seguiré comprando aquí, sin duda.",
            "Da gusto un trato así.",
            "Todo llegó perfectamente embalado.",
            "Me ahorrasteis un montón de tiempo.",
            "Así da gusto.",
            "Diez de diez.",
        ),
        "question": (
            "Lo pregunto porque no lo encuentro en la web.",
            "En la app no aparece nada.",
            "Mi número de pedido es {order}.",
            "Gracias por la información.",
            "Lo necesito antes del fin de semana.",
        ),
        "request": (
            "Mi número de pedido es {order}.",
            "Podéis contestarme por correo.",
            "Es bastante urgente.",
            "Gracias por gestionarlo.",
        ),
        "suggestion": (
            "Creo que mucha gente lo usaría.",
            "Lo he visto en otras tiendas y funciona muy bien.",
            "Ahorraría muchas llamadas al servicio de atención.",
            "Sería un detalle.",
        ),
        "idea": (
            "Creo que mucha gente lo usaría.",
            "Yo sería el primero en apuntarme.",
            "Pensadlo.",
        ),
        "other": ("No hace falta que me respondáis.", "Es solo para que lo sepáis.", "Gracias."),
    },
    "phone": {
        "complaint": (
            "Cliente llama por el pedido {order}, entregado con {days} días de retraso. Pide "
            "compensación.",
            "Cliente indica que {product} llegó {broken}.",
            "Llamada por cobro duplicado de {amount}. Cliente muy molesto.",
            "Cliente reclama el reembolso {of_product}, devuelto hace {wait}.",
            "Cliente comenta que la app se cierra al abrir {app_part}.",
            "Cliente se queja del trato recibido en la tienda de {city}.",
            "Cliente no ha recibido el pedido {order} aunque figura como entregado.",
        ),
        "praise": (
            "Cliente llama para agradecer la atención de {staff} en la tienda de {city}.",
            "Cliente llama solo para decir que {product} funciona de maravilla.",
            "Cliente agradece la rapidez con la devolución.",
        ),
        "question": (
            "Cliente pregunta cuándo llegará el pedido {order}.",
            "Consulta sobre la garantía {of_product}.",
            "Cliente pregunta si se puede pagar a plazos.",
            "Cliente pregunta por el horario de la tienda de {city}.",
        ),
        "request": (
            "Cliente solicita cancelar el pedido {order}.",
            "Cliente pide duplicado de la factura de {month}.",
            "Cliente solicita cambiar la dirección de entrega a {city}.",
        ),
        "suggestion": (
            "Cliente sugiere poder {feature}.",
            "Cliente propone ampliar el horario de la tienda de {city}.",
        ),
        "idea": ("Cliente comenta como idea poder {feature}.",),
        "other": (
            "Cliente llama para actualizar sus datos de contacto.",
            "Llamada cortada; no vuelve a llamar.",
            "Cliente confirma que ya recibió el pedido {order}.",
        ),
    },
    "survey": {
        "complaint": (
            "Muy lento.", "El envío tardó demasiado.", "Caro para lo que es.", "Nadie me ayudó.",
            "La web va fatal.", "Mala atención.", "El producto llegó dañado.",
            "Tuve que llamar tres veces.", "No me devolvieron el dinero",
        ),
        "praise": (
            "Todo perfecto.", "Muy buena atención.", "Rápido y fácil.", "Genial, gracias.",
            "Repetiré.", "Muy amables", "Todo genial 👍",
        ),
        "question": ("¿Por qué no puedo cambiar la fecha de entrega?",
                     "¿Hay descuentos para estudiantes?"),
        "request": ("Llamadme, por favor.", "Quiero hablar con alguien."),
        "suggestion": ("Más opciones de entrega.", "Más cajas abiertas los sábados."),
        "idea": ("Una app para el reloj.", "Tarjetas regalo digitales."),
        "other": ("Bien.", "Normal.", "Sin comentarios.", "Nada que añadir.", "ok"),
    },
    "internal": {
        "complaint": (
            "{System} lleva caído desde {when} y no podemos trabajar.",
            "Abrimos un ticket a IT hace {wait} y sigue sin respuesta.",
            "El portátil nuevo no se conecta a la VPN desde {when}.",
            "Las nóminas de {month} llegaron con errores otra vez.",
            "{System} va lentísimo, tardamos {minutes} minutos en cada pedido.",
        ),
        "praise": (
            "Gracias al equipo de IT por arreglar {system} tan rápido.",
            "Muy buena la formación de {when} sobre {system}.",
            "Gracias a {team} por ayudarnos con el cierre de {month}.",
        ),
        "question": (
            "¿Cuándo vuelve a estar disponible {system} después del mantenimiento?",
            "¿Dónde se piden las tarjetas de visita?",
            "¿Quién aprueba los gastos de viaje de {team}?",
        ),
        "request": (
            "Necesitamos acceso a {system} para dos personas nuevas de {team}.",
            "Por favor, dad de alta a la nueva compañera en {system}.",
            "Necesitamos un portátil de préstamo para {when}.",
        ),
        "suggestion": (
            "Estaría bien que {system} avisara antes de que caduque la contraseña.",
            "Podríamos compartir los informes de {team} en la intranet.",
        ),
        "idea": ("Idea: un canal interno para avisar de las incidencias de {system}.",),
        "other": (
            "Aviso: la semana que viene estaré de vacaciones.",
            "Os reenvío el correo de {team} por si os afecta.",
        ),
    },
    "opener": {
        "-1": ("Hola.", "Buenas tardes.", "Buenos días.", "Qué decepción.",
               "Otra vez lo mismo.", "No es la primera vez que escribo.",
               "Ya no sé a quién acudir.", "Lamento tener que escribir esto."),
        "0": ("Hola.", "Buenos días.", "Buenas tardes.", "Una consulta rápida.",
              "Hola, ¿qué tal?"),
        "1": ("Hola.", "¡Hola!", "Buenas.", "Quería daros las gracias.",
              "Solo unas líneas para felicitaros."),
    },
    "closer": {
        "-1": ("Espero una respuesta pronto.", "Quedo a la espera.", "Un saludo.",
               "Gracias de antemano.", "No es normal."),
        "0": ("Gracias.", "Un saludo.", "Gracias de antemano.", "Saludos."),
        "1": ("¡Gracias!", "Un saludo.", "Seguid así.", "Muchas gracias."),
    },
    "greeting": ("Hola,", "Buenos días,", "Buenas tardes:", "Estimados señores:", "Hola de nuevo,"),
    "signoff": ("Un saludo,", "Saludos,", "Gracias,", "Atentamente,", "Un abrazo,"),
    "urgent": (
        "Si no me lo solucionan esta semana, voy a dar de baja mi cuenta.",
        "Quiero darme de baja ya.",
        "Voy a dar de baja todos mis servicios con vosotros.",
        "Ya he consultado con mi abogado.",
        "Lo dejo en manos de mi abogado.",
        "Esto es peligroso: {product} se calentó muchísimo y olía a quemado.",
        "Es peligroso, el enchufe echó chispas.",
        "Pondré una hoja de reclamaciones y lo denunciaré en consumo.",
    ),
    "shared": (
        "No puedo pagar: al confirmar la compra sale un error y se vacía el carrito.",
        "No puedo pagar, al confirmar la compra sale un error y se vacía el carrito.",
        "No puedo pagar: al confirmar la compra da error y se vacía el carrito.",
        "Desde esta mañana no puedo pagar: al confirmar la compra sale un error y se vacía el "
        "carrito.",
        "Otra vez no puedo pagar: al confirmar la compra sale un error y se vacía el carrito.",
        "no puedo pagar, al confirmar la compra sale un error y se me vacía el carrito",
    ),
    "shared_tail": ("", "", " ¿Qué pasa con la web?", " Lo he intentado tres veces.",
                    " Con dos tarjetas distintas."),
    "hashtag": {
        "-1": (" #atencionalcliente", " #fail", " #nuncamas", "", ""),
        "0": (" #atencionalcliente", "", "", ""),
        "1": (" #gracias", " #genial", " #recomendado", "", ""),
    },
    "brand": ("@TiendaEjemplo ", "@TiendaEjemplo_ES ", ""),
    "chat_hello": ("hola, ", "Hola! ", "buenas, ", ""),
    "agent": ("Lucía M.", "Carlos R.", "Marta G.", "Andrés P.", "Rocío F.", "Diego S."),
    "action": (  # after a complaint
        "", "", "Se escala a segundo nivel.", "Queda pendiente de devolver la llamada.",
        "Se le ofrece un cupón de 10 €.", "Se envía correo con la información.",
        "Resuelto en la llamada.", "Se registra la incidencia {ticket}.", "Cliente muy molesto.",
    ),
    "action_calm": ("", "", "", "Se envía correo con la información.", "Resuelto en la llamada.",
                    "Se le pasa con el departamento correspondiente."),
}  # fmt: skip

_ENGLISH_TEXTS: dict[str, Any] = {
    "body": {
        "complaint": (
            "Order {order} arrived {days} days late.",
            "My order came late and incomplete: {product} was missing.",
            "{Product} arrived {broken} and nobody will sort it out.",
            "I was charged {amount} twice for the same order.",
            "I returned {my_product} {wait} ago and I still haven't had my money back.",
            "No refund yet for {product} I sent back {when}.",
            "The app crashes every time I open {app_part} {device}.",
            "{Courier} left the parcel with a neighbour without telling me and now it's gone.",
            "I've called customer service {calls} times and nobody can tell me where my order "
            "is.",
            "The staff at the {city} store were rude and ignored me.",
            "My {month} invoice has a charge of {amount} I don't recognise.",
            "{Product} stopped working after two weeks.",
            "I was promised a call back {when} and nobody ever rang.",
            "I waited {minutes} minutes in the chat and then it disconnected.",
            "You changed the price without warning and now I pay {amount} more a month.",
            "I haven't been able to log in since {when}, it says my password is wrong.",
            "I ordered {a_product} and you sent a completely different model.",
            "Order {order} shows as delivered but I never received anything.",
            "{Courier} came {when} even though I chose Saturday delivery.",
            "{Product} was {faulty} out of the box and you want me to pay for the return.",
            "I've been waiting {wait} for an answer to complaint {ticket}.",
            "The app charges me for delivery even though my order is over the minimum.",
            "The {city} store wouldn't accept my voucher although the website says it's valid.",
            "I asked for a VAT invoice {wait} ago and I'm still waiting.",
        ),
        "praise": (
            "Huge thanks to {staff} for being so patient, sorted everything in {minutes} minutes.",
            "{Product} works brilliantly, really happy with it.",
            "My order arrived early and beautifully packed.",
            "Excellent service at the {city} store.",
            "Refund came through in {days} days, no questions asked.",
            "The new version of the app is so much faster, well done.",
            "{staff} on the chat was lovely and fixed my problem straight away.",
            "I've been with you for {years} years and you've never let me down.",
            "Great price and even better quality: {product} is exactly what I wanted.",
            "{Courier} was really friendly and carried the box upstairs for me.",
            "You swapped {my_product} without any fuss even though I was past the deadline.",
            "So nice to get through to a real person on the first ring.",
            "Thanks for warning me about the delay before I had to ask.",
            "{staff} at the {city} store helped me choose {product} and was very patient.",
        ),
        "question": (
            "When will order {order} arrive?",
            "Can I change the delivery address on an order that has already shipped?",
            "Do you have {product} in another colour?",
            "How do I get an invoice in my company's name?",
            "Does the warranty on {product} cover the battery?",
            "Is the {city} store open on Sundays?",
            "Do you ship to {country}?",
            "How long does a refund take if I return {product}?",
            "Why have I been charged {amount} when the order was already paid?",
            "Can I pay in instalments?",
            "Where can I find the tracking number for order {order}?",
            "Can I pick up {my_product} at the {city} store?",
            "How do I change my account password?",
            "Is assembly included with {product}?",
        ),
        "request": (
            "Please cancel order {order}, I placed it by mistake.",
            "I need a copy of my {month} invoice.",
            "I'd like to exchange {product} for a different model.",
            "Please take my email off your marketing list.",
            "Please refund the {amount} you overcharged me.",
            "Could you call me tomorrow afternoon? My number is on my account.",
            "I need to change the account holder.",
            "Please update my delivery address, I've moved to {city}.",
            "I'd like to join the loyalty scheme.",
            "Please send me the manual for {product} as a PDF.",
            "I need you to collect {product} so I can return it.",
        ),
        "suggestion": (
            "It would be useful to be able to {feature}.",
            "It would be nice if the {city} store opened earlier.",
            "You could text me when the driver is nearby.",
            "Please improve search: it's really hard to find {product}.",
            "You should open more tills at the {city} store on Saturdays.",
            "Maybe use smaller boxes, there's far too much cardboard.",
            "I miss being able to {feature} in the app.",
            "The photos of {product} on the website don't look like the real thing.",
        ),
        "idea": (
            "Idea: a yearly subscription with free delivery.",
            "What if the app let you {feature}?",
            "You could run workshops at the {city} store on how to use {product}.",
            "An idea: a buy-back scheme for used products.",
            "How about a pick-up point in {city}?",
            "You could rent out {product} by the day.",
            "A chat assistant on the website to help choose {product} would be great.",
        ),
        "other": (
            "Saw your TV advert yesterday, very funny.",
            "Just letting you know I've changed my email address.",
            "I got a survey but I had already answered it.",
            "All sorted now, thanks.",
            "Test, please ignore this message.",
            "My son uses my account, in case you see odd orders.",
            "I got an email from you that looks like a scam, forwarding it to you.",
            "I'm writing from my mum's account.",
        ),
    },
    "detail": {
        "complaint": (
            "This is the second time this month.",
            "I already complained by phone and got nowhere.",
            "Nobody answers my emails.",
            "I've had ticket {ticket} open for {wait}.",
            "Photos of the parcel attached.",
            "Tracking says delivered, but nothing has arrived here.",
            "I paid for express delivery for nothing.",
            "The store told me to sort it out online.",
            "I've been passed from one department to another {calls} times.",
            "This is no way to treat a customer.",
            "I need this fixed as soon as possible.",
            "And nobody even apologised.",
        ),
        "praise": (
            "Will recommend you to my friends.",
            "I'll definitely shop here again.",
            "That's what good service looks like.",
            "Everything arrived perfectly packed.",
            "You saved me loads of time.",
            "Ten out of ten.",
        ),
        "question": (
            "I'm asking because I can't find it on the website.",
            "Nothing shows up in the app.",
            "My order number is {order}.",
            "Thanks for the info.",
            "I need it before the weekend.",
        ),
        "request": (
            "My order number is {order}.",
            "You can reply by email.",
            "It's fairly urgent.",
            "Thanks for sorting it.",
        ),
        "suggestion": (
            "I think lots of people would use it.",
            "Other shops do it and it works really well.",
            "It would save a lot of calls to customer service.",
            "It would be a nice touch.",
        ),
        "idea": ("I think lots of people would use it.", "I'd be the first to sign up.",
                 "Just a thought."),
        "other": ("No need to reply.", "Just so you know.", "Thanks."),
    },
    "phone": {
        "complaint": (
            "Customer called about order {order}, delivered {days} days late. Wants "
            "compensation.",
            "Customer says {product} arrived {broken}.",
            "Call about a double charge of {amount}. Customer very upset.",
            "Customer chasing refund for {product}, returned {wait} ago.",
            "Customer reports the app crashes when opening {app_part}.",
            "Customer unhappy with how staff treated them at the {city} store.",
            "Customer hasn't received order {order} although it shows as delivered.",
        ),
        "praise": (
            "Customer called to thank {staff} at the {city} store.",
            "Customer called just to say {product} works brilliantly.",
            "Customer grateful for the quick refund.",
        ),
        "question": (
            "Customer asked when order {order} will arrive.",
            "Question about the warranty on {product}.",
            "Customer asked whether they can pay in instalments.",
            "Customer asked for the opening hours of the {city} store.",
        ),
        "request": (
            "Customer wants to cancel order {order}.",
            "Customer asked for a copy of the {month} invoice.",
            "Customer wants the delivery address changed to {city}.",
        ),
        "suggestion": (
            "Customer suggests being able to {feature}.",
            "Customer suggests longer opening hours at the {city} store.",
        ),
        "idea": ("Customer floated the idea of being able to {feature}.",),
        "other": (
            "Customer called to update contact details.",
            "Call dropped; customer did not call back.",
            "Customer confirms order {order} has now arrived.",
        ),
    },
    "survey": {
        "complaint": (
            "Too slow.", "Delivery took far too long.", "Overpriced.", "Nobody helped me.",
            "Website is awful.", "Poor service.", "Item arrived damaged.",
            "Had to call three times.", "still no refund",
        ),
        "praise": (
            "All perfect.", "Great service.", "Quick and easy.", "Brilliant, thanks.",
            "Will buy again.", "Very friendly", "Spot on 👍",
        ),
        "question": ("Why can't I change the delivery date?", "Are there student discounts?"),
        "request": ("Please call me.", "I want to speak to someone."),
        "suggestion": ("More delivery options.", "More tills open on Saturdays."),
        "idea": ("A smartwatch app.", "Digital gift cards."),
        "other": ("Fine.", "OK.", "No comment.", "Nothing to add.", "n/a"),
    },
    "internal": {
        "complaint": (
            "{System} has been down since {when} and we can't work.",
            "We raised a ticket with IT {wait} ago and still no answer.",
            "My new laptop hasn't connected to the VPN since {when}.",
            "The {month} payslips were wrong again.",
            "{System} is painfully slow, every order takes {minutes} minutes.",
        ),
        "praise": (
            "Thanks to the IT team for fixing {system} so quickly.",
            "The training {when} on {system} was really good.",
            "Thanks to {team} for helping us with the {month} close.",
        ),
        "question": (
            "When will {system} be back after the maintenance?",
            "Where do we order business cards?",
            "Who approves travel expenses for {team}?",
        ),
        "request": (
            "We need access to {system} for two new starters in {team}.",
            "Please set up our new colleague on {system}.",
            "We need a loan laptop for {when}.",
        ),
        "suggestion": (
            "It would help if {system} warned us before passwords expire.",
            "We could share the {team} reports on the intranet.",
        ),
        "idea": ("Idea: an internal channel to announce {system} outages.",),
        "other": (
            "Heads-up: I'm on holiday next week.",
            "Forwarding the email from {team} in case it affects you.",
        ),
    },
    "opener": {
        "-1": ("Hi.", "Hello.", "Really disappointed.", "Here we go again.",
               "This isn't the first time I've written.", "I don't know who else to ask.",
               "Sorry to have to write this."),
        "0": ("Hi.", "Hello.", "Good morning.", "Quick question.", "Hi there!"),
        "1": ("Hi!", "Hello.", "Just wanted to say thank you.",
              "A quick note to say well done."),
    },
    "closer": {
        "-1": ("I expect a reply soon.", "Waiting to hear from you.", "Regards.",
               "Thanks in advance.", "Not acceptable."),
        "0": ("Thanks.", "Regards.", "Thanks in advance.", "Cheers."),
        "1": ("Thanks!", "Keep it up.", "Many thanks.", "Cheers."),
    },
    "greeting": ("Hi,", "Hello,", "Dear team,", "Good morning,", "Hi again,"),
    "signoff": ("Thanks,", "Best,", "Regards,", "Kind regards,", "Cheers,"),
    "urgent": (
        "If this isn't fixed this week I'm going to cancel my account.",
        "Cancel my account.",
        "I want to cancel my subscription today.",
        "I have already spoken to my lawyer.",
        "You'll be hearing from my lawyer.",
        "This is dangerous: {product} got extremely hot and smelled of burning.",
        "This is dangerous, the plug sparked.",
        "I'm reporting this to consumer protection.",
    ),
    "shared": (
        "I can't pay: when I confirm the order I get an error and my basket empties.",
        "I can't pay, when I confirm the order I get an error and my basket empties.",
        "I can't pay: confirming the order gives an error and my basket empties.",
        "Since this morning I can't pay: when I confirm the order I get an error and my basket "
        "empties.",
        "Again I can't pay: when I confirm the order I get an error and my basket empties.",
        "cant pay, when i confirm the order i get an error and my basket empties",
    ),
    "shared_tail": ("", "", " What's going on with the website?", " Tried three times.",
                    " With two different cards."),
    "hashtag": {
        "-1": (" #customerservice", " #fail", " #neveragain", "", ""),
        "0": (" #customerservice", "", "", ""),
        "1": (" #thankyou", " #happycustomer", " #recommended", "", ""),
    },
    "brand": ("@ShopExample ", "@ShopExampleHelp ", ""),
    "chat_hello": ("hi, ", "Hi! ", "hello, ", ""),
    "agent": ("Sarah K.", "Tom B.", "Priya N.", "Dan W.", "Megan O.", "Josh L."),
    "action": (  # after a complaint
        "", "", "Escalated to tier 2.", "Callback pending.", "Offered a 10 pound voucher.",
        "Follow-up email sent.", "Resolved on the call.", "Logged as {ticket}.",
        "Customer very frustrated.",
    ),
    "action_calm": ("", "", "", "Follow-up email sent.", "Resolved on the call.",
                    "Transferred to the right team."),
}  # fmt: skip

_SUBJECTS = {
    "es": {
        "complaint": ("Reclamación", "Pedido {order} sin entregar", "Cobro duplicado", "Queja",
                      "Muy mal servicio", "URGENTE", "Re: Incidencia abierta"),
        "praise": ("Gracias", "Enhorabuena", "Felicitaciones al equipo"),
        "question": ("Consulta", "Duda sobre mi pedido {order}", "Pregunta"),
        "request": ("Solicitud", "Cancelación del pedido {order}", "Factura"),
        "suggestion": ("Sugerencia", "Propuesta de mejora"),
        "idea": ("Una idea", "Idea para la app"),
        "other": ("Información", "Cambio de datos", "Fwd: aviso"),
    },
    "en": {
        "complaint": ("Complaint", "Order {order} not delivered", "Charged twice", "Unhappy",
                      "Terrible service", "URGENT", "Re: Open ticket"),
        "praise": ("Thank you", "Well done", "Kudos to the team"),
        "question": ("Question", "Query about order {order}", "Quick question"),
        "request": ("Request", "Cancel order {order}", "Invoice"),
        "suggestion": ("Suggestion", "Improvement idea"),
        "idea": ("An idea", "Idea for the app"),
        "other": ("Info", "Change of details", "Fwd: notice"),
    },
}  # fmt: skip
_REVIEW_TITLES = {
    "es": {-1: ("Decepcionante", "No lo recomiendo", "Mal servicio", "Nunca más"),
           0: ("Correcto", "Bien, sin más", "Cumple"),
           1: ("Muy recomendable", "Genial", "Cumple de sobra", "Cinco estrellas")},
    "en": {-1: ("Disappointing", "Would not recommend", "Poor service", "Never again"),
           0: ("OK", "Fine, nothing special", "Does the job"),
           1: ("Highly recommend", "Brilliant", "Better than expected", "Five stars")},
}  # fmt: skip
_EMOJI = {-1: (" 😡", " 😤", " 🙄", " 👎", " 😠"), 0: (" 🙂", " 🤔"),
          1: (" 😊", " 👏", " ❤️", " 🙌", " ⭐⭐⭐⭐⭐")}  # fmt: skip

_FIELDS = string.Formatter()


def _compile(text: str, groups: Mapping[str, _Group]) -> _Template:
    """A template: the format string and the groups that fill its fields, each with a key."""
    needed: dict[str, _Group] = {}
    for _, field, _, _ in _FIELDS.parse(text):
        if field is None:
            continue
        group = _FIELD_GROUP[field]
        if group not in needed:
            needed[group] = groups[group]
    return text, tuple((_GROUP_KEY[name], group) for name, group in needed.items())


_PRODUCT_FIELDS = ("item", "product", "of_product", "Product", "my_product", "a_product",
                   "this_product", "it", "broken", "faulty", "new")  # fmt: skip
_FIELD_GROUP = {
    **dict.fromkeys(_PRODUCT_FIELDS, "product"),
    "When": "when",
    "Courier": "courier",
    "System": "system",
    **{name: name for name in (
        "order", "ticket", "minutes", "amount", "days", "wait", "when", "city", "staff",
        "courier", "app_part", "device", "feature", "month", "years", "calls", "country", "team",
        "system",
    )},
}  # fmt: skip
_GROUP_KEY = {name: ("product" if name == "product" else name) for name in _FIELD_GROUP.values()}


class _Language:
    """One language's compiled texts."""

    def __init__(
        self,
        code: str,
        texts: Mapping[str, Any],
        groups: Mapping[str, _Group],
        people: _People,
    ) -> None:
        def many(items: Sequence[str]) -> tuple[_Template, ...]:
            return tuple(_compile(item, groups) for item in items)

        def per_kind(name: str) -> dict[str, tuple[_Template, ...]]:
            return {kind: many(texts[name][kind]) for kind in _KINDS}

        self.code = code
        self.people = people
        self.body = per_kind("body")
        self.detail = per_kind("detail")
        self.phone = per_kind("phone")
        self.internal = per_kind("internal")
        self.survey: dict[str, tuple[str, ...]] = dict(texts["survey"])
        self.opener = {int(k): v for k, v in texts["opener"].items()}
        self.closer = {int(k): v for k, v in texts["closer"].items()}
        self.greeting: tuple[str, ...] = texts["greeting"]
        self.signoff: tuple[str, ...] = texts["signoff"]
        self.urgent = many(texts["urgent"])
        self.shared: tuple[str, ...] = texts["shared"]
        self.shared_tail: tuple[str, ...] = texts["shared_tail"]
        self.hashtag = {int(k): v for k, v in texts["hashtag"].items()}
        self.brand: tuple[str, ...] = texts["brand"]
        self.chat_hello: tuple[str, ...] = texts["chat_hello"]
        self.agent: tuple[str, ...] = texts["agent"]
        self.action = many(texts["action"])
        self.action_calm = many(texts["action_calm"])
        self.subjects = {
            kind: (
                tuple(s for s in _SUBJECTS[code][kind] if "{" not in s),
                tuple(s for s in _SUBJECTS[code][kind] if "{" in s),
            )
            for kind in _KINDS
        }
        self.titles = _REVIEW_TITLES[code]


_LANGUAGES = {
    "es": _Language("es", _SPANISH_TEXTS, _SPANISH_GROUPS, _SPANISH),
    "en": _Language("en", _ENGLISH_TEXTS, _ENGLISH_GROUPS, _ENGLISH),
}


def _fill(template: _Template, rng: random.Random, values: dict[str, str]) -> str:
    """The template with its fields filled; groups already in ``values`` are reused."""
    text, groups = template
    if not groups:
        return text
    for key, group in groups:
        if key not in values:
            if type(group) is tuple:
                values.update(group[int(rng.random() * len(group))])
            else:
                values.update(group(rng))  # type: ignore[operator]
    return text.format_map(values)


# --------------------------------------------------------------------------------------------
# Channels, kinds, ratings and times.

_CHANNELS = ("web", "email", "chat", "survey", "review", "phone", "social")
_CHANNEL_WEIGHTS = _cumulative((22, 20, 17, 15, 10, 9, 7))
_INTERNAL_CHANNELS = ("email", "chat", "web", "phone")
_INTERNAL_CHANNEL_WEIGHTS = _cumulative((45, 30, 15, 10))
_KIND_WEIGHTS = {  # complaint, praise, question, request, suggestion, idea, other
    "web": (30, 16, 18, 14, 10, 6, 6),
    "email": (33, 14, 17, 16, 8, 5, 7),
    "chat": (32, 14, 22, 16, 6, 3, 7),
    "survey": (26, 34, 5, 5, 14, 6, 10),
    "review": (33, 45, 3, 2, 9, 3, 5),
    "phone": (33, 9, 24, 20, 5, 2, 7),
    "social": (45, 25, 12, 5, 5, 3, 5),
}
_KIND_TABLES = {channel: _cumulative(weights) for channel, weights in _KIND_WEIGHTS.items()}
_FOLLOW_UP = {"complaint": 0.33, "praise": 0.02, "question": 0.15, "request": 0.2,
              "suggestion": 0.04, "idea": 0.03, "other": 0.04}  # fmt: skip
_SCALES = {  # sentiment: cumulative weights of the answers, lowest first
    "nps": {-1: _cumulative((13, 8, 10, 12, 12, 11, 10, 6, 3, 2, 1)),
            0: _cumulative((1, 1, 1, 2, 4, 8, 14, 22, 20, 15, 12)),
            1: _cumulative((0.2, 0.2, 0.2, 0.3, 0.5, 1, 2, 4, 10, 30, 52))},
    "csat": {-1: _cumulative((45, 28, 15, 7, 5)), 0: _cumulative((5, 10, 30, 35, 20)),
             1: _cumulative((1, 1, 4, 24, 70))},
    "ces": {-1: _cumulative((25, 25, 20, 12, 8, 6, 4)), 0: _cumulative((3, 6, 12, 20, 25, 20, 14)),
            1: _cumulative((1, 2, 3, 6, 14, 30, 44))},
}  # fmt: skip
_NPS_LOW = 0
_CSAT_LOW = 1
_CES_LOW = 1
# Local hours people write at: quiet nights, busy mornings, an after-work bump. Calls are taken in
# business hours only.
_HOURS = _cumulative((1, 0.5, 0.3, 0.2, 0.3, 0.6, 1.5, 3, 5, 7, 8, 8, 7, 6, 5, 5.5, 6, 6, 6, 6.5,
                      6, 5, 3.5, 2))  # fmt: skip
_CALL_HOURS = _cumulative((0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 9, 9, 7, 6, 7, 8, 8, 7, 5, 3, 2, 0, 0, 0))
_WEEKDAY_WEIGHTS = (1.0, 1.0, 0.95, 0.95, 0.9, 0.55, 0.45)  # Monday first
_SURVEYS = {"es": ("postcompra", "nps-trimestral", "post-chat", "tienda"),
            "en": ("post-purchase", "nps-quarterly", "post-chat", "in-store")}  # fmt: skip
_PAGES = ("/contacto", "/ayuda", "/pedidos", "/checkout", "/cuenta", "/contact", "/help")
_QUEUES = {"es": ("general", "facturacion", "devoluciones", "soporte"),
           "en": ("general", "billing", "returns", "support")}  # fmt: skip
_REVIEW_SITES = ("reviews.example.net", "opiniones.example.org", "app-store")
_CACHE_SIZE = 16_384
_PERSON = b"cv.demodata"


class _ZoneDays:
    """A zone's UTC offset on each generated day, and how to write a local time with it.

    A day whose offset changes (a daylight-saving switch) is written exactly, with zoneinfo;
    every other day with its one offset, by arithmetic.
    """

    def __init__(self, zone: str, start: int, days: int) -> None:
        info = ZoneInfo(zone)
        self.info = info
        self.offsets: list[int | None] = []
        self.suffixes: list[str] = []
        for day in range(days):
            first = datetime.fromtimestamp(start + day * 86400, info).utcoffset()
            last = datetime.fromtimestamp(start + day * 86400 + 86399, info).utcoffset()
            assert first is not None
            assert last is not None
            seconds = int(first.total_seconds())
            self.offsets.append(seconds if first == last else None)
            sign = "-" if seconds < 0 else "+"
            hours, minutes = divmod(abs(seconds) // 60, 60)
            self.suffixes.append(f"{sign}{hours:02d}:{minutes:02d}")


class _Generator:
    """The record stream of one call: fates, customers, texts, ratings and times."""

    def __init__(
        self,
        count: int,
        seed: int,
        start: datetime | None,
        days: int,
        bad_share: float,
        duplicate_share: float,
    ) -> None:
        _check_arguments(count, start, days, bad_share, duplicate_share)
        self.count = count
        self.seed = seed
        self.bad_share = bad_share
        self.duplicate_share = duplicate_share
        self.start = math.ceil((start or DEFAULT_START).timestamp())  # whole seconds
        self.days = days
        self.rng = random.Random(seed)
        self.pool = min(count // 8 + 1, 200_000)
        self.customer_key = f"{seed}:".encode()
        self.regulars = max(1, self.pool // 10)
        self.phone_salt = random.Random(f"clientvoice.demodata.phones:{seed}").randrange(1_000_000)
        self.customers: OrderedDict[int, _Customer] = OrderedDict()
        self.zones: dict[str, _ZoneDays] = {}
        self.dates: dict[int, str] = {}
        first_day = datetime.fromtimestamp(self.start, timezone.utc).date()
        self.day_weights = _cumulative(
            [_WEEKDAY_WEIGHTS[(first_day + timedelta(days=k)).weekday()] for k in range(days)]
        )
        salt = random.Random(f"clientvoice.demodata.ids:{seed}")
        self.id_salt = salt.randrange(1 << 40)

    def items(self) -> Iterator[tuple[int, _Record, float, _Customer | None]]:
        """Each record with its fate (good; bad or broken: a good record to spoil; duplicate), the
        number that picks its mistake, and its pool customer (None for a duplicate)."""
        recent: list[_Record] = []
        make = self._record
        for position, (fate, choice) in enumerate(
            _fates(self.count, self.seed, self.bad_share, self.duplicate_share)
        ):
            if fate == _DUPLICATE:
                yield fate, recent[int(choice * len(recent))], choice, None
                continue
            record, customer = make(position)
            if fate == _GOOD:
                if len(recent) < _RECENT:
                    recent.append(record)
                else:
                    recent[position % _RECENT] = record
            yield fate, record, choice, customer

    # -- one record -------------------------------------------------------------------------

    def _new_customer(self, index: int) -> _Customer:
        """Customer number ``index``, made and cached (the least recently used one dropped)."""
        cache = self.customers
        rolls = blake2b(self.customer_key + str(index).encode(), digest_size=40, person=_PERSON)
        customer = _make_customer(rolls.digest(), index, self.phone_salt)
        cache[index] = customer
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
        return customer

    def _record(self, position: int) -> tuple[_Record, _Customer]:
        rng = self.rng
        draw = rng.random
        # A tenth of the customers (the regulars) say 60 % of everything; the rest speak rarely.
        pick = draw()
        if pick < 0.6:
            index = int(pick / 0.6 * self.regulars)
        else:
            index = int((pick - 0.6) / 0.4 * self.pool)
        customer = self.customers.get(index)
        if customer is None:
            customer = self._new_customer(index)
        else:
            self.customers.move_to_end(index)
        lang = _LANGUAGES[customer.language]
        if customer.internal:
            channel = _INTERNAL_CHANNELS[bisect_right(_INTERNAL_CHANNEL_WEIGHTS, draw())]
        else:
            channel = _CHANNELS[bisect_right(_CHANNEL_WEIGHTS, draw())]
        kind = _KINDS[bisect_right(_KIND_TABLES[channel], draw())]
        sentiment = _SENTIMENT[kind]
        text, subject, agent = self._text(rng, lang, customer, channel, kind, sentiment)

        record: _Record = {
            "channel": channel,
            "external_id": self._external_id(channel, position),
            "occurred_at": self._when(position, customer.zone, channel),
            "customer": customer.record,
        }
        if subject is not None:
            record["subject"] = subject
        record["text"] = text
        if agent is not None:
            record["agent"] = agent
        if (channel == "email" or channel == "chat") and draw() < 0.35:
            # A customer's e-mails of one week form a thread; chats of one day a conversation.
            day = position * self.days // self.count
            record["thread_id"] = (
                f"<thread-{customer.index:x}.{day // 7}@mail.example.com>"
                if channel == "email"
                else f"conv-{customer.index:x}-{day}"
            )
        if draw() < 0.7:
            record["kind"] = kind
        if draw() < 0.5:
            record["language"] = lang.code
        if channel == "survey":
            scales = _SCALES
            answered = False
            if draw() < 0.85:
                record["nps"] = _NPS_LOW + bisect_right(scales["nps"][sentiment], draw())
                answered = True
            if draw() < 0.4 or not answered:
                record["csat"] = _CSAT_LOW + bisect_right(scales["csat"][sentiment], draw())
            if draw() < 0.3:
                record["ces"] = _CES_LOW + bisect_right(scales["ces"][sentiment], draw())
        elif channel == "review" or (channel == "chat" and draw() < 0.25):
            # A review's stars, or the chat window's closing rating.
            record["csat"] = _CSAT_LOW + bisect_right(_SCALES["csat"][sentiment], draw())
        elif channel == "phone" and draw() < 0.1:
            record["ces"] = _CES_LOW + bisect_right(_SCALES["ces"][sentiment], draw())
        if draw() < _FOLLOW_UP[kind]:
            record["follow_up_requested"] = True
        elif channel == "web" or channel == "survey":
            record["follow_up_requested"] = False  # the form's unticked box
        record["metadata"] = self._metadata(rng, channel, lang.code)
        return record, customer

    def _text(
        self,
        rng: random.Random,
        lang: _Language,
        customer: _Customer,
        channel: str,
        kind: str,
        sentiment: int,
    ) -> tuple[str, str | None, str | None]:
        """The text, the subject (e-mail and reviews) and the agent (calls, some chats)."""
        draw = rng.random
        values: dict[str, str] = {}
        if channel == "phone":
            note = _fill(_choice(draw, lang.phone[kind]), rng, values)
            actions = lang.action if kind == "complaint" else lang.action_calm
            action = _fill(_choice(draw, actions), rng, values)
            return (f"{note} {action}" if action else note), None, _choice(draw, lang.agent)
        if channel == "survey":
            roll = draw()
            if roll < 0.25:
                return "", None, None
            if roll < 0.85:
                return _choice(draw, lang.survey[kind]), None, None
        shared = kind == "complaint" and not customer.internal and draw() < 0.15
        if shared:
            text = _choice(draw, lang.shared) + _choice(draw, lang.shared_tail)
        else:
            bodies = lang.internal[kind] if customer.internal else lang.body[kind]
            text = _fill(_choice(draw, bodies), rng, values)
            if draw() < 0.5:
                text = f"{text} {_fill(_choice(draw, lang.detail[kind]), rng, values)}"
            if kind == "complaint" and draw() < 0.12:
                text = f"{text} {_fill(_choice(draw, lang.urgent), rng, values)}"
        if draw() < (0.5 if channel == "social" else 0.1):
            if sentiment < 0 and draw() < 0.4 and text.endswith("."):
                text = text[:-1] + "!!!"
            else:
                text += _choice(draw, _EMOJI[sentiment])

        subject = None
        agent = None
        if channel == "email":
            plain, with_order = lang.subjects[kind]
            if "order" in values and with_order and draw() < 0.6:
                subject = _choice(draw, with_order).format_map(values)
            else:
                subject = _choice(draw, plain)
            greeting = _choice(draw, lang.greeting)
            text = f"{greeting}\n\n{text}\n\n{_choice(draw, lang.signoff)}\n{customer.signature}"
        elif channel == "chat":
            hello = _choice(draw, lang.chat_hello)
            # "hola, " runs on into the message, as typed.
            text = hello + (text[0].lower() + text[1:] if hello.endswith(", ") else text)
            if draw() < 0.15:
                text = text.lower()
            if draw() < 0.5:
                agent = _choice(draw, lang.agent)
        elif channel == "social":
            text = _choice(draw, lang.brand) + text + _choice(draw, lang.hashtag[sentiment])
        elif channel != "survey":  # web form and reviews
            if draw() < 0.45:
                text = f"{_choice(draw, lang.opener[sentiment])} {text}"
            if draw() < 0.35:
                text = f"{text} {_choice(draw, lang.closer[sentiment])}"
            if channel == "review" and draw() < 0.8:
                subject = _choice(draw, lang.titles[sentiment])
        return text, subject, agent

    def _external_id(self, channel: str, position: int) -> str:
        # Every id is made from the position alone (the hex ones by a bijection on 40 bits), so
        # no two records share one.
        if channel == "web":
            return f"web-{position:06d}"
        if channel == "phone":
            return f"call-{position:07d}"
        if channel == "review":
            return f"rev-{position:06d}"
        mixed = (position * 0x9E3779B1 + self.id_salt) & 0xFFFFFFFFFF
        if channel == "email":
            return f"<msg-{position}.{mixed:010x}@mail.example.com>"
        if channel == "chat":
            return f"chat-{mixed:010x}"
        if channel == "survey":
            return f"resp-{mixed:010x}"
        return str(1_890_000_000_000_000_000 + position * 1000 + mixed % 1000)  # a post's id

    def _when(self, position: int, zone: str, channel: str) -> str:
        """A local time in ``zone``, on the day the position's progress reaches, written with
        its offset."""
        draw = self.rng.random
        day = bisect_right(self.day_weights, (position + draw()) / self.count)  # < days
        hours = _CALL_HOURS if channel == "phone" else _HOURS
        second_of_day = bisect_right(hours, draw()) * 3600 + int(draw() * 3600)
        table = self.zones.get(zone)
        if table is None:
            table = self.zones[zone] = _ZoneDays(zone, self.start, self.days)
        base = self.start + day * 86400
        offset = table.offsets[day]
        exact = offset is None
        if offset is None:
            utc = datetime.fromtimestamp(base + 43200, table.info).utcoffset()
            offset = int(utc.total_seconds()) if utc is not None else 0
        local_base = base + offset
        local = local_base + (second_of_day - local_base % 86400) % 86400
        if exact:  # a daylight-saving day: let zoneinfo write it
            moment = datetime.fromtimestamp(local - offset, table.info)
            return moment.isoformat()
        epoch_day, second = divmod(local, 86400)
        text = self.dates.get(epoch_day)
        if text is None:
            text = self.dates[epoch_day] = _EPOCH.fromordinal(
                _EPOCH.toordinal() + epoch_day
            ).isoformat()
        minute, second = divmod(second, 60)
        return f"{text}T{_CLOCK[minute]}:{second:02d}{table.suffixes[day]}"

    def _metadata(self, rng: random.Random, channel: str, language: str) -> dict[str, Any]:
        draw = rng.random
        if channel == "web":
            return {"form": "contacto" if language == "es" else "contact",
                    "page": _choice(draw, _PAGES)}  # fmt: skip
        if channel == "survey":
            return {"survey": _choice(draw, _SURVEYS[language])}
        if channel == "phone":
            return {"queue": _choice(draw, _QUEUES[language]),
                    "duration_s": 60 + int(draw() * draw() * 1500)}  # fmt: skip
        if channel == "review":
            return {"site": _choice(draw, _REVIEW_SITES)}
        if channel == "social":
            return {"network": "x" if draw() < 0.6 else "instagram", "public": draw() < 0.8}
        if channel == "chat":
            return {"widget": "app" if draw() < 0.4 else "web"}
        return {"mailbox": "atencion@example.com" if language == "es" else "help@example.com"}


_EPOCH = date(1970, 1, 1)
_CLOCK = tuple(f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in range(60))


def _choice(draw: Callable[[], float], items: Sequence[Any]) -> Any:
    return items[int(draw() * len(items))]


# -- channel traffic ------------------------------------------------------------------------------

_AGENT_REPLIES = {
    "es": ("Lo siento mucho, lo reviso ahora mismo.", "Gracias por avisarnos, lo paso al equipo.",
           "Entiendo. Te abro una incidencia y te escribimos hoy.", "Vale, lo miro y te digo."),
    "en": ("I'm so sorry, let me look into it right now.", "Thanks for telling us, I'll pass it on",
           "I understand. I'm opening a ticket and we'll email you today.", "OK, let me check."),
}  # fmt: skip
_CUSTOMER_THANKS = {"es": ("Gracias.", "Vale, espero noticias.", "Ok"),
                    "en": ("Thanks.", "OK, I'll wait to hear.", "cheers")}  # fmt: skip
_CUSTOMER_LABEL = {"es": "Cliente", "en": "Customer"}
_AGENT_LABEL = {"es": "Agente", "en": "Agent"}
_REPLY_TEXT = {
    "es": ("Os vuelvo a escribir porque sigo sin respuesta. ¿Alguien puede mirarlo, por favor?",
           "El {date} a las {time}, {name} <{address}> escribió:",
           "Gracias por escribirnos. Te responderemos en 48 horas."),
    "en": ("Writing again as I still have no answer. Could someone look at it, please?",
           "On {date} at {time}, {name} <{address}> wrote:",
           "Thank you for writing to us. We will answer within 48 hours."),
}  # fmt: skip


def _moment(record: _Record) -> datetime:
    return datetime.fromisoformat(str(record["occurred_at"]))


def _message_id(record: _Record, position: int, rng: random.Random) -> str:
    domain = str(record["customer"]["email"]).rsplit("@", 1)[1]
    return f"<{rng.getrandbits(48):012x}.{position}@{domain}>"


def _email(record: _Record, position: int, rng: random.Random, mailbox: str) -> DemoEmail:
    from email.message import EmailMessage
    from email.utils import format_datetime, formataddr

    customer = record["customer"]
    text = str(record["text"])
    message = EmailMessage()
    message["From"] = formataddr((str(customer["name"]), str(customer["email"])))
    message["To"] = formataddr(("Acme Care", mailbox))
    message["Subject"] = str(record.get("subject") or "Consulta")
    message["Date"] = format_datetime(_moment(record))
    message_id = _message_id(record, position, rng)
    message["Message-ID"] = message_id
    style = position % 4
    if style == 0 and str(customer["language"]).startswith("es"):
        style = 2  # Spanish mail clients still write Latin-1
    _set_body(message, text, style)
    if message.is_multipart():  # the default boundary is random: make it the seed's
        message.set_boundary(f"----=_Part_{position}_{rng.getrandbits(40):010x}")
    message["Content-Language"] = str(customer["language"])
    return DemoEmail(str(customer["email"]), mailbox, _wire(message), message_id)


def _set_body(message: Any, text: str, style: int) -> None:
    """Plain UTF-8, multipart/alternative, ISO-8859-1 quoted-printable, or HTML only."""
    html = "".join(f"<p>{_escape(part)}</p>" for part in text.split("\n\n"))
    if style == 1:
        message.set_content(text)
        message.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    elif style == 2:
        try:
            text.encode("iso-8859-1")
        except UnicodeEncodeError:
            message.set_content(text, cte="quoted-printable")
        else:
            message.set_content(text, charset="iso-8859-1", cte="quoted-printable")
    elif style == 3:
        message.set_content(f"<html><body>{html}</body></html>", subtype="html")
    else:
        message.set_content(text)


def _reply(record: _Record, first: DemoEmail, rng: random.Random, mailbox: str) -> DemoEmail:
    from email.message import EmailMessage
    from email.utils import format_datetime, formataddr

    customer = record["customer"]
    language = "es" if str(customer["language"]).startswith("es") else "en"
    acknowledged = _moment(record) + timedelta(hours=2)
    moment = acknowledged + timedelta(hours=18)
    answer = f"<ack-{rng.getrandbits(32):08x}@{mailbox.rsplit('@', 1)[1]}>"
    again, quote, acknowledgement = _REPLY_TEXT[language]
    header = quote.format(
        date=f"{acknowledged:%d/%m/%Y}",
        time=f"{acknowledged:%H:%M}",
        name="Acme Care",
        address=mailbox,
    )
    name = customer.get("preferred_name") or customer["name"]
    body = f"{again}\n\n{name}\n\n{header}\n> {acknowledgement}\n"
    message = EmailMessage()
    message["From"] = formataddr((str(customer["name"]), str(customer["email"])))
    message["To"] = formataddr(("Acme Care", mailbox))
    message["Subject"] = f"Re: {record.get('subject') or 'Consulta'}"
    message["Date"] = format_datetime(moment)
    message_id = _message_id(record, 10_000, rng)
    message["Message-ID"] = message_id
    message["In-Reply-To"] = answer
    message["References"] = f"{first.message_id} {answer}"
    message.set_content(body)
    return DemoEmail(first.sender, mailbox, _wire(message), message_id)


def _wire(message: Any) -> bytes:
    from email.policy import SMTP

    return bytes(message.as_bytes(policy=SMTP))


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
    )


def _form(record: _Record, position: int, rng: random.Random) -> dict[str, Any]:
    customer = dict(record["customer"])
    customer["consents"] = {"contact": True, "surveys": rng.random() < 0.65}
    data: dict[str, Any] = {
        "customer": customer,
        "text": record["text"],
        "follow_up_requested": bool(record.get("follow_up_requested")),
        "metadata": dict(record.get("metadata") or {}),
    }
    if "kind" in record:
        data["kind"] = record["kind"]
    return {
        "type": "form.submitted",
        "timestamp": record["occurred_at"],
        "id": f"msg_form{position:04d}{rng.getrandbits(24):06x}",
        "data": data,
    }


def _transcript(record: _Record, position: int, rng: random.Random) -> dict[str, Any]:
    customer = record["customer"]
    language = "es" if str(customer["language"]).startswith("es") else "en"
    moment = _moment(record)
    agent = str(record.get("agent") or _choice(rng.random, _LANGUAGES[language].agent))
    them, us = _CUSTOMER_LABEL[language], f"{_AGENT_LABEL[language]} ({agent})"
    reply = _choice(rng.random, _AGENT_REPLIES[language])
    thanks = _choice(rng.random, _CUSTOMER_THANKS[language])
    if record["channel"] == "phone":
        lines = [str(record["text"])]  # the note the agent typed after the call
    else:
        lines = [
            f"[{moment:%H:%M}] {them}: {record['text']}",
            f"[{moment + timedelta(minutes=2):%H:%M}] {us}: {reply}",
            f"[{moment + timedelta(minutes=4):%H:%M}] {them}: {thanks}",
        ]
    prefix = "call" if record["channel"] == "phone" else "chat"
    return {
        "channel": record["channel"],
        "external_id": f"{prefix}-live-{position:04d}-{rng.getrandbits(24):06x}",
        "occurred_at": record["occurred_at"],
        "customer": customer,
        "agent": agent,
        "transcript": "\n".join(lines),
    }
