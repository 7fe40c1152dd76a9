"""Benchmark input: a JSONL feedback export, from :mod:`clientvoice.demodata` when it exists.

The fallback generator below writes realistic records of the same shape (Spanish and English
text of 80-200 characters, about one customer per eight records with e-mail, name, language,
time zone, segments and memberships, a kind, sometimes a score, a follow-up flag, a timestamp with
its offset and the source's id), so the benchmark runs before ``demodata`` lands.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

__all__ = ["source_name", "write_jsonl"]


def source_name() -> str:
    """Where the benchmark data comes from, for the report."""
    try:
        import clientvoice.demodata  # noqa: F401
    except ImportError:
        return "benchmarks/_data.py generator"
    return "clientvoice.demodata"


def write_jsonl(path: Path, count: int, *, seed: int = 0) -> int:
    """Write ``count`` records to ``path``; returns how many were written."""
    try:
        from clientvoice.demodata import write_jsonl as demodata_write
    except ImportError:
        return _write(path, count, seed)
    return int(demodata_write(path, count, seed=seed))


# --------------------------------------------------------------------------------------------

_CHANNELS = ("web", "email", "chat", "review", "survey", "phone", "social")
_KINDS = ("complaint", "suggestion", "idea", "praise", "question", "request", "other")
_ZONES = {
    "es": ("Europe/Madrid", "America/Mexico_City", "America/Bogota", "America/Argentina/Buenos_Aires"),
    "en": ("Europe/London", "America/New_York", "America/Chicago", "Australia/Sydney"),
}
_OFFSETS = (1, 2, -5, -6, 0, 0, -3, 10)  # hours; half of the zero offsets are written "Z"
_FIRST = {
    "es": ("Ana", "Lucía", "Carmen", "Javier", "Pablo", "Marta", "Sergio", "Elena", "Raúl", "Sofía"),
    "en": ("Emma", "Olivia", "James", "Liam", "Grace", "Noah", "Amelia", "Jack", "Ella", "Harry"),
}
_LAST = {
    "es": ("López", "García", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz", "Díaz", "Moreno"),
    "en": ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker"),
}
_SEGMENTS = ("smb", "enterprise", "retail", "mexico", "spain", "uk", "us", "students", "vip")
_TEXT = {
    "es": (
        "El pedido llegó con dos días de retraso y la caja estaba rota.",
        "La atención por teléfono fue muy amable, gracias a Lucía por su paciencia.",
        "No consigo cambiar la dirección de envío desde la aplicación.",
        "Me cobraron dos veces la misma factura este mes.",
        "Sería genial poder pagar con Bizum o con transferencia.",
        "El producto funciona perfectamente, lo recomendaré a mis amigos.",
        "Llevo una semana esperando respuesta a mi reclamación.",
        "¿Podrían abrir la tienda de Valencia también los domingos?",
        "La nueva versión de la web es mucho más rápida, enhorabuena.",
        "El repartidor dejó el paquete en la portería sin avisar.",
    ),
    "en": (
        "My order arrived two days late and the box was damaged.",
        "The agent on the phone was very kind and solved it in minutes.",
        "I cannot change my delivery address in the app.",
        "I was charged twice for the same invoice this month.",
        "It would be great to pay with PayPal or by bank transfer.",
        "The product works perfectly, I will recommend it to my friends.",
        "I have been waiting a week for an answer to my complaint.",
        "Could the Leeds store open on Sundays as well?",
        "The new website is much faster, well done.",
        "The courier left the parcel at reception without telling me.",
    ),
}
_SUBJECTS = {
    "es": ("Pedido retrasado", "Factura duplicada", "Sugerencia", "Gracias"),
    "en": ("Late order", "Double charge", "Suggestion", "Thank you"),
}


def _write(path: Path, count: int, seed: int) -> int:
    rng = random.Random(seed)
    customers = [_customer(rng, n) for n in range(max(1, count // 8))]
    start = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
    step = max(1.0, 90 * 86400 / max(count, 1))
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            customer = rng.choice(customers)
            language = customer["language"]
            channel = rng.choice(_CHANNELS)
            zone = timezone(timedelta(hours=rng.choice(_OFFSETS)))
            when = start + timedelta(seconds=n * step + rng.random() * step)
            stamp = when.astimezone(zone).isoformat(timespec="seconds")
            if stamp.endswith("+00:00") and n % 2:
                stamp = stamp[:-6] + "Z"
            record: dict[str, object] = {
                "channel": channel,
                "external_id": f"{channel}-{n:09d}",
                "occurred_at": stamp,
                "customer": customer,
                "text": _text(rng, language),
                "kind": rng.choice(_KINDS),
                "language": language,
                "follow_up_requested": rng.random() < 0.2,
            }
            if channel == "email":
                record["subject"] = rng.choice(_SUBJECTS[language])
            if channel == "survey" or rng.random() < 0.3:
                record["nps"] = rng.randint(0, 10)
            if rng.random() < 0.1:
                record["csat"] = rng.randint(1, 5)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return count


def _customer(rng: random.Random, n: int) -> dict[str, object]:
    language = "es" if rng.random() < 0.55 else "en"
    first, last = rng.choice(_FIRST[language]), rng.choice(_LAST[language])
    customer: dict[str, object] = {
        "email": f"{first.lower()}.{last.lower()}.{n}@example.{'es' if language == 'es' else 'com'}",
        "name": f"{first} {last}",
        "language": language,
        "timezone": rng.choice(_ZONES[language]),
        "segments": sorted(rng.sample(_SEGMENTS, rng.randint(0, 3))),
        "memberships": {"loyalty": rng.choice(("bronze", "silver", "gold"))}
        if rng.random() < 0.5
        else {},
    }
    return customer


def _text(rng: random.Random, language: str) -> str:
    sentences = _TEXT[language]
    text = rng.choice(sentences)
    target = rng.randint(80, 200)
    while len(text) < target:
        text += " " + rng.choice(sentences)
    if len(text) > 200:
        text = text[:200].rsplit(" ", 1)[0]
    return text
