"""A hand-built store for report tests: six pieces of feedback over two weeks, two cases worked
through the real Workflow on a manual clock (one closed on time with a gesture, one breached)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clientvoice import (
    Delivery,
    DeliveryStatus,
    Listener,
    ManualClock,
    MemoryStore,
    Message,
    RecoveryGesture,
    SQLiteStore,
    hookimpl,
)
from clientvoice.channels import parse_record

START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)  # a Monday
MADRID = ZoneInfo("Europe/Madrid")
SINCE = datetime(2026, 3, 2, tzinfo=MADRID)  # two whole weeks, Monday to Sunday, in Madrid
UNTIL = datetime(2026, 3, 16, tzinfo=MADRID)
LUCIA_SAYS = "Soy Lucía: el pedido llegó roto. Escribidme a lucia@example.com o al 612 345 678"


class Mailbox:
    """An e-mail channel that hears record dicts and delivers every message at once."""

    name = "email"

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def parse(self, payload: Any, *, now: datetime) -> list[Any]:
        return [parse_record(payload, channel=self.name, now=now)]

    def send(self, message: Message) -> Delivery:
        self.sent.append(message)
        return Delivery(
            message_id=message.id,
            channel=self.name,
            status=DeliveryStatus.SENT,
            at=message.created_at,
            external_id=f"<{message.id}@test>",
        )

    @hookimpl
    def clientvoice_register_channels(self, register: Any) -> None:
        register(self)


def record(n: int, name: str, text: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "external_id": f"m{n}",
        "occurred_at": at.isoformat(),
        "customer": {"email": f"c{n}@example.com", "name": name},
        "text": text,
        **fields,
    }


@pytest.fixture(params=["memory", "sqlite"])
def worked(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Listener]:
    """The listener after two weeks: its store is what the report tests read."""
    clock = ManualClock(START)
    store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "r.db")
    with Listener(store, plugins=[Mailbox()], autoload=False, clock=clock) as listener:
        hear = listener.hear
        (first,) = hear("email", record(1, "Lucía Fernández", LUCIA_SAYS, START, nps=3))
        hear("email", record(2, "Bruno Díaz", "El pedido llegó roto otra vez", START, nps=2))
        hear("email", record(3, "Carla", "Great service, thank you", START, nps=10, csat=5))
        hear("email", record(4, "Dan", "Please add a dark mode", START, kind="suggestion"))
        later = START + timedelta(hours=2)
        hear("email", record(5, "Eve", "Add a dark mode to the app", later, kind="suggestion"))
        workflow = listener.workflow
        case_of = {c.customer_id: c for c in listener.store.iter_cases()}
        lucia = case_of[first.feedback.customer_id]
        clock.set(START + timedelta(hours=1))
        workflow.acknowledge(lucia.id, by="luis")
        workflow.understand(lucia.id, by="luis", root_cause="weak packaging")
        workflow.act(lucia.id, by="luis", plan="send a new order")
        gesture = RecoveryGesture(kind="discount", description="20 % off", cost=8.0)
        workflow.resolve(
            lucia.id, by="luis", resolution="New order sent", apology=True, gesture=gesture
        )
        workflow.close(lucia.id, by="luis")
        clock.set(datetime(2026, 3, 4, 12, 0, tzinfo=timezone.utc))  # Bruno's deadlines passed
        listener.tick()
        clock.set(datetime(2026, 3, 9, 10, 0, tzinfo=timezone.utc))
        six = record(6, "Fran", "Good, fast delivery", clock.now(), nps=9, csat=4, ces=6)
        hear("email", {**six, "kind": "praise"})
        yield listener
