"""After erasure, the SQLite file itself holds nothing of the customer: not in live rows, not in
free pages, not in the write-ahead log. Read as raw bytes, the way an attacker with the disk
would read them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from clientvoice import Listener, ManualClock, SQLiteStore
from clientvoice.stores.base import Store

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)

ANA = {
    "email": "Ana.Lopez@Example.com",
    "phone": "+34 611 222 333",
    "name": "Ana López Ferrándiz",
    "preferred_name": "Anita",
    "contacts": {"x": "@analopezf"},
    "segments": ["madrid"],
}
ANA_TEXTS = (
    "El paquete llegó abollado y nadie contesta en el 611 222 333",
    "Sigo esperando la devolución del pedido 7781",
    # Longer than a page: its bytes live in overflow pages, which erasure frees.
    "Relato completo de lo ocurrido con el envío a Ferrándiz: "
    + " ".join(f"día {n}, otra llamada sin respuesta;" for n in range(400)),
)
NEEDLES = (
    "ana.lopez@example.com",
    "611222333",
    "611 222 333",
    "ana lópez ferrándiz",
    "lópez",
    "ferrándiz",
    "anita",
    "analopezf",
    "el paquete llegó abollado",
    "sigo esperando la devolución",
    "día 399, otra llamada sin respuesta",
)


def _files(path: Path) -> bytes:
    """The database, its write-ahead log and shared-memory index, lower-cased."""
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            data += part.read_bytes()
    return data.lower()


def _hear_everyone(listener: Listener) -> None:
    for n, text in enumerate(ANA_TEXTS):
        listener.hear(
            "web",
            {
                "external_id": f"ana-{n}",
                "occurred_at": (NOW - timedelta(hours=3 - n)).isoformat(),
                "customer": ANA,
                "text": text,
                "kind": "complaint",
                "nps": 2 + n,
                "follow_up_requested": True,
            },
        )
    for n in range(5):
        listener.hear(
            "web",
            {
                "external_id": f"other-{n}",
                "occurred_at": (NOW - timedelta(hours=2, minutes=n)).isoformat(),
                "customer": {"email": f"other{n}@example.com", "name": f"Other {n}"},
                "text": f"Muy buen servicio, gracias {n}",
                "nps": 9,
            },
        )
    # A dead letter that names her phone, as a bad export row would.
    listener.ingest([{"channel": "web", "external_id": "bad", "text": "611222333", "nps": 99}])


def _aggregates(store: Store) -> tuple[list[int], int, list[str]]:
    nps = sorted(f.nps for f in store.iter_feedback() if f.nps is not None)
    stages = sorted(case.stage.value for case in store.iter_cases())
    return nps, store.counts()["cases"], stages


def test_no_trace_of_an_erased_customer_remains_in_the_file(tmp_path):
    path = tmp_path / "clientvoice.db"
    clock = ManualClock(NOW)
    with Listener(SQLiteStore(path), clock=clock, autoload=False) as listener:
        _hear_everyone(listener)
        ana = listener.store.find_customer("email", ANA["email"])
        assert ana is not None
        for case in listener.store.iter_cases(customer_id=ana.id):
            listener.workflow.acknowledge(case.id, by="agent-1")
            listener.workflow.understand(
                case.id, by="agent-1", root_cause="carrier", note=f"Spoke to {ANA['name']}"
            )
        clock.advance(timedelta(days=5))
        listener.tick()
        assert list(listener.store.iter_messages(customer_id=ana.id)), "a message was sent"
        before = _aggregates(listener.store)
        # What the test looks for is really there before erasure (so the test can fail).
        raw = _files(path)
        for needle in NEEDLES:
            assert needle.encode() in raw, needle
        assert ana.id.encode() in raw

        report = listener.store.erase_customer(ana.id, at=clock.now(), actor="dpo")
        assert report.feedback == len(ANA_TEXTS)
        assert _aggregates(listener.store) == before
        # As soon as the call returns, with the store still open and its log in use.
        raw = _files(path)
        for needle in (*NEEDLES, ana.id):
            assert needle.encode() not in raw, needle
        listener.hear("web", {"external_id": "after", "customer": {"email": "z@example.com"}})

    raw = _files(path)
    for needle in (*NEEDLES, ana.id):
        assert needle.encode() not in raw, needle
    with SQLiteStore(path) as reopened:  # still a healthy database with the same aggregates
        assert _aggregates(reopened) == before
        assert reopened.find_customer("email", ANA["email"]) is None
        erased = [f.text for f in reopened.iter_feedback(customer_id=report.customer_id)]
        assert erased == ["[redacted]"] * len(ANA_TEXTS)
