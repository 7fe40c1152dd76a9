"""Seeded generator of realistic Spanish and English customer feedback, as plain records.

The demo, the benchmarks and the tests use it. Output is deterministic for a seed, streams (memory
stays flat for a million records), and can include deliberately malformed records and resent
duplicates, as real exports do. All texts are composed here from templates written for this
project.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["BAD_MARKER", "generate", "write_jsonl"]

BAD_MARKER = "__bad__"
"""Not a record field: :func:`generate` yields malformed records as ``{BAD_MARKER: reason, ...}``
only when asked with ``mark_bad=True`` (tests use it to count them); ``write_jsonl`` never writes
the marker."""

_START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)

_ZONES = {
    "es": [
        "Europe/Madrid",
        "America/Mexico_City",
        "America/Bogota",
        "America/Argentina/Buenos_Aires",
    ],
    "en": ["Europe/London", "America/New_York", "America/Chicago", "Europe/Dublin"],
}
_FIRST = {
    "es": [
        "Ana",
        "José",
        "María",
        "Lucía",
        "Carlos",
        "Javier",
        "Carmen",
        "Sofía",
        "Diego",
        "Pilar",
        "Andrés",
        "Elena",
        "Raúl",
        "Begoña",
        "Iñaki",
        "Marta",
        "Paco",
        "Nuria",
        "Tomás",
        "Rocío",
    ],
    "en": [
        "Emma",
        "Oliver",
        "Amelia",
        "George",
        "Olivia",
        "Harry",
        "Grace",
        "Jack",
        "Chloe",
        "William",
        "Sophie",
        "James",
        "Lily",
        "Thomas",
        "Megan",
        "Daniel",
        "Ruby",
        "Noah",
    ],
}
_LAST = {
    "es": [
        "García",
        "Martínez",
        "López",
        "Sánchez",
        "Pérez",
        "Gómez",
        "Fernández",
        "Ruiz",
        "Díaz",
        "Muñoz",
        "Ortega",
        "Castillo",
        "Navarro",
        "Rojas",
        "Vargas",
        "Núñez",
    ],
    "en": [
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Johnson",
        "Davies",
        "Walker",
        "Hughes",
        "Green",
        "Hall",
        "Wood",
        "Clarke",
        "Turner",
        "Murphy",
    ],
}
_NICK = {"José": "Pepe", "Francisco": "Paco", "William": "Bill", "Elena": "Nena", "Thomas": "Tom"}
_DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com"]
_INTERNAL = {
    "es": ["Facturación", "Logística", "Recursos Humanos"],
    "en": ["IT Helpdesk", "Finance", "Warehouse"],
}

_SLOTS = {
    "es": {
        "product": [
            "el pedido",
            "la lavadora",
            "el portátil",
            "la suscripción",
            "la factura",
            "el envío",
            "la app",
            "el reembolso",
            "la tarjeta regalo",
            "el colchón",
        ],
        "delay": ["una semana", "diez días", "tres semanas", "casi un mes", "cinco días"],
        "place": [
            "la tienda de Sol",
            "el centro de Guadalajara",
            "la web",
            "la sucursal de Bogotá",
        ],
        "staff": ["la chica de caja", "el repartidor", "el técnico", "la agente del chat"],
    },
    "en": {
        "product": [
            "my order",
            "the washing machine",
            "the laptop",
            "my subscription",
            "the invoice",
            "the delivery",
            "the app",
            "my refund",
            "the gift card",
            "the mattress",
        ],
        "delay": ["a week", "ten days", "three weeks", "almost a month", "five days"],
        "place": [
            "the Oxford Street store",
            "the Chicago branch",
            "the website",
            "the Dublin shop",
        ],
        "staff": ["the cashier", "the driver", "the technician", "the chat agent"],
    },
}

_TEXTS: dict[str, dict[str, list[str]]] = {
    "es": {
        "complaint": [
            "{product} lleva {delay} de retraso y nadie me avisa.",
            "Me cobraron dos veces {product}. Quiero que me devuelvan el dinero.",
            "{product} llegó roto y el embalaje estaba abierto.",
            "Llevo {delay} esperando {product}; es la tercera vez que llamo.",
            "El trato en {place} fue muy malo, {staff} ni me miró.",
            "No funciona {product} desde la actualización, se cierra sola.",
            "Si no me solucionan lo de {product} voy a dar de baja el servicio.",
            "Esto es inaceptable, hablaré con mi abogado si no devuelven {product}!!!",
            "{product} desprende un olor a quemado, me parece peligroso.",
        ],
        "praise": [
            "Muchas gracias, {staff} fue amabilísimo 😊",
            "{product} llegó antes de lo previsto, ¡genial!",
            "Excelente atención en {place}, volveré seguro.",
            "Todo perfecto con {product}, muy contenta.",
        ],
        "question": [
            "¿Cuándo llegará {product}?",
            "¿Puedo cambiar la dirección de entrega de {product}?",
            "¿Qué horario tiene {place} los domingos?",
        ],
        "request": [
            "Necesito una copia de la factura de {product}.",
            "Por favor, cancelen {product} y llámenme.",
            "Quiero cambiar el método de pago de {product}.",
        ],
        "suggestion": [
            "Estaría bien poder seguir {product} desde la app.",
            "Deberían abrir {place} también por la tarde.",
        ],
        "idea": [
            "Una idea: un programa de reciclaje para {product}.",
            "¿Y si avisan por WhatsApp cuando sale {product}?",
        ],
        "other": ["Hola, solo quería dejar constancia de mi visita a {place}.", "Sin comentarios."],
    },
    "en": {
        "complaint": [
            "{product} is {delay} late and nobody tells me anything.",
            "I was charged twice for {product}. I want my money back.",
            "{product} arrived broken and the box was open.",
            "I've been waiting {delay} for {product}; this is my third call.",
            "Service at {place} was awful, {staff} ignored me.",
            "{product} keeps crashing since the update.",
            "If {product} isn't fixed I will cancel my account.",
            "This is unacceptable, my lawyer will hear about {product}!!!",
            "{product} smells of burning, it looks dangerous.",
        ],
        "praise": [
            "Thank you so much, {staff} was lovely 🙂",
            "{product} arrived early, great job!",
            "Excellent service at {place}, will come back.",
            "Everything perfect with {product}, very happy.",
        ],
        "question": [
            "When will {product} arrive?",
            "Can I change the delivery address for {product}?",
            "What are the opening hours of {place} on Sundays?",
        ],
        "request": [
            "Please send me a copy of the invoice for {product}.",
            "Please cancel {product} and call me back.",
            "I need to update the payment method for {product}.",
        ],
        "suggestion": [
            "It would be nice to track {product} in the app.",
            "You should open {place} in the evenings too.",
        ],
        "idea": [
            "An idea: a recycling scheme for {product}.",
            "What about a text message when {product} ships?",
        ],
        "other": ["Hi, just recording my visit to {place}.", "No comment."],
    },
}
# The same problem reported by many: near-identical wording, so themes have something to find.
_OUTAGE = {
    "es": "No puedo pagar en la web, el checkout da error {code}.",
    "en": "I can't pay on the website, checkout fails with error {code}.",
}
_KINDS = ["complaint", "praise", "question", "request", "suggestion", "idea", "other"]
_KIND_WEIGHTS = [30, 20, 15, 12, 9, 6, 8]
_CHANNELS = ["web", "email", "chat", "phone", "survey", "social", "review"]
_CHANNEL_WEIGHTS = [22, 25, 15, 10, 14, 6, 8]
_MISTAKES = [
    "nps_range",
    "nps_string",
    "csat_bool",
    "naive_time",
    "unknown_channel",
    "unknown_field",
    "bad_email",
    "broken_json",
]


def generate(
    count: int,
    *,
    seed: int = 0,
    start: datetime = _START,
    days: int = 30,
    bad_share: float = 0.0,
    duplicate_share: float = 0.0,
    mark_bad: bool = False,
) -> Iterator[dict[str, Any]]:
    """Yield ``count`` records; ``bad_share`` of them malformed, ``duplicate_share`` resent.

    A malformed record of the ``broken_json`` kind is yielded as ``{"__raw__": text}``:
    :func:`write_jsonl` writes that text as a broken line.
    """
    rng = random.Random(seed)
    pool = max(1, min(count // 8 + 1, 200_000))
    recent: list[dict[str, Any]] = []
    for n in range(count):
        roll = rng.random()
        if recent and roll < duplicate_share:
            yield dict(rng.choice(recent))
            continue
        record = _record(rng, n, rng.randrange(pool), seed, start, days)
        if roll > 1 - bad_share:
            record = _spoil(rng, record, mark_bad)
        else:
            if len(recent) < 1000:
                recent.append(record)
            else:
                recent[rng.randrange(1000)] = record
        yield record


def write_jsonl(path: str | Path, count: int, **options: Any) -> int:
    """Write :func:`generate`'s records as JSON Lines; returns the number of lines written."""
    written = 0
    with Path(path).open("w", encoding="utf-8") as handle:
        for record in generate(count, **options):
            raw = record.get("__raw__")
            handle.write(raw if raw is not None else json.dumps(record, ensure_ascii=False))
            handle.write("\n")
            written += 1
    return written


# --------------------------------------------------------------------------------------------


_CUSTOMERS: dict[tuple[int, int], dict[str, Any]] = {}


def _customer(index: int, seed: int) -> dict[str, Any]:
    """The description of customer ``index``: the same every time it is asked for."""
    known = _CUSTOMERS.get((seed, index))
    if known is None:
        if len(_CUSTOMERS) >= 20_000:
            _CUSTOMERS.clear()
        known = _CUSTOMERS[(seed, index)] = _describe_customer(index, seed)
    return known


def _describe_customer(index: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed * 1_000_003 + index)
    language = "es" if rng.random() < 0.5 else "en"
    internal = rng.random() < 0.05
    customer: dict[str, Any] = {"language": language, "timezone": rng.choice(_ZONES[language])}
    if internal:
        name = rng.choice(_INTERNAL[language])
        customer.update(name=name, kind="internal", email=f"{_slug(name)}{index}@corp.example.com")
        customer["segments"] = ["internal"]
        return customer
    first, last = rng.choice(_FIRST[language]), rng.choice(_LAST[language])
    customer["name"] = f"{first} {last}"
    if first in _NICK and rng.random() < 0.6:
        customer["preferred_name"] = _NICK[first]
    customer["email"] = f"{_slug(first)}.{_slug(last)}{index}@{rng.choice(_DOMAINS)}"
    if rng.random() < 0.4:
        prefix = {
            "Europe/Madrid": "+34 6",
            "America/Mexico_City": "+52 55",
            "Europe/London": "+44 7",
        }
        customer["phone"] = (
            f"{prefix.get(customer['timezone'], '+1 312')}{rng.randrange(10**7, 10**8)}"
        )
    if rng.random() < 0.15:
        customer["contacts"] = {"x": f"@{_slug(first)}_{index}"}
    customer["segments"] = rng.sample(["consumer", "smb", "enterprise", "north", "south"], 2)
    customer["memberships"] = {
        "loyalty": rng.choice(["bronze", "silver", "gold"]),
        "plan": rng.choice(["free", "pro", "business"]),
    }
    if rng.random() < 0.5:
        customer["consents"] = {"contact": True, "surveys": rng.random() < 0.7}
    return customer


def _record(
    rng: random.Random, n: int, who: int, seed: int, start: datetime, days: int
) -> dict[str, Any]:
    customer = _customer(who, seed)
    language = customer["language"]
    channel = rng.choices(_CHANNELS, _CHANNEL_WEIGHTS)[0]
    kind = rng.choices(_KINDS, _KIND_WEIGHTS)[0]
    if kind == "complaint" and rng.random() < 0.15:
        text = _OUTAGE[language].format(code=rng.choice(["500", "502"]))
    else:
        slots = {name: rng.choice(values) for name, values in _SLOTS[language].items()}
        text = rng.choice(_TEXTS[language][kind]).format(**slots)
        text = text[0].upper() + text[1:]
    # Daytime-weighted local time within the period.
    day = rng.randrange(max(days, 1))
    hour = min(23, max(7, int(rng.gauss(13, 3.5))))
    local = (start + timedelta(days=day)).astimezone(ZoneInfo(customer["timezone"]))
    when = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
    record: dict[str, Any] = {
        "channel": channel,
        "external_id": f"{channel}-{seed}-{n:07d}",
        "occurred_at": when.isoformat(),
        "customer": dict(customer),
        "text": text,
    }
    if rng.random() < 0.7:
        record["kind"] = kind
    if rng.random() < 0.8:
        record["language"] = language
    if channel == "email":
        record["subject"] = text.split(",")[0][:60]
        record["external_id"] = f"<msg-{seed}-{n}@mail.example.com>"
    if channel in ("chat", "email") and rng.random() < 0.3:
        record["thread_id"] = f"t-{who}-{day}"
    if channel == "phone":
        record["agent"] = rng.choice(["lucia.agent", "mark.agent", "sara.agent"])
    mood = {"complaint": 0, "praise": 2}.get(kind, 1)
    if channel == "survey" or rng.random() < 0.25:
        record["nps"] = _clamp(rng.gauss((2.5, 7.5, 9.3)[mood], 1.5), 0, 10)
    if channel == "survey" and rng.random() < 0.5:
        record["ces"] = _clamp(rng.gauss((2.5, 4.5, 6.2)[mood], 1.0), 1, 7)
    if channel == "review":
        record["csat"] = _clamp(rng.gauss((1.7, 3.3, 4.7)[mood], 0.7), 1, 5)
    if rng.random() < (0.35 if kind == "complaint" else 0.05):
        record["follow_up_requested"] = True
    return record


def _spoil(rng: random.Random, record: dict[str, Any], mark: bool) -> dict[str, Any]:
    mistake = rng.choice(_MISTAKES)
    spoiled = dict(record)
    if mistake == "nps_range":
        spoiled["nps"] = rng.choice([11, -1, 42])
    elif mistake == "nps_string":
        spoiled["nps"] = "8"
    elif mistake == "csat_bool":
        spoiled["csat"] = True
    elif mistake == "naive_time":
        spoiled["occurred_at"] = spoiled["occurred_at"][:19]
    elif mistake == "unknown_channel":
        spoiled["channel"] = "fax"
    elif mistake == "unknown_field":
        spoiled["nsp"] = 7
    elif mistake == "bad_email":
        spoiled["customer"] = {**spoiled["customer"], "email": "ana(at)example"}
    else:
        spoiled = {"__raw__": json.dumps(record, ensure_ascii=False)[:-7]}
    if mark:
        spoiled[BAD_MARKER] = mistake
    return spoiled


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _slug(text: str) -> str:
    table = str.maketrans("áéíóúñüÁÉÍÓÚÑ ", "aeiounuAEIOUN-")
    return text.translate(table).lower()
