"""A listener with a channel that can answer customers, on a manual clock, for workflow tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from clientvoice import (
    Delivery,
    DeliveryStatus,
    Listener,
    ManualClock,
    MemoryStore,
    Message,
    SQLiteStore,
    hookimpl,
)
from clientvoice.channels import parse_record

START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)  # a Monday, before opening


class Mailbox:
    """A channel plugin that hears record dicts and "sends" by keeping each message.

    ``status`` chooses what ``send`` reports, so tests can make delivery fail.
    """

    name = "email"

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.status = DeliveryStatus.SENT

    def parse(self, payload: Any, *, now: datetime) -> list[Any]:
        return [parse_record(payload, channel=self.name, now=now)]

    def send(self, message: Message) -> Delivery:
        if self.status is DeliveryStatus.SENT:
            self.sent.append(message)
        return Delivery(
            message_id=message.id,
            channel=self.name,
            status=self.status,
            at=message.created_at,
            external_id=f"<{message.id}@test>" if self.status is DeliveryStatus.SENT else None,
            detail=None if self.status is DeliveryStatus.SENT else "mailbox full",
        )

    @hookimpl
    def clientvoice_register_channels(self, register: Any) -> None:
        register(self)


def complaint(n: int = 1, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "external_id": f"m{n}",
        "occurred_at": START.isoformat(),
        "customer": {"email": f"c{n}@example.com", "name": f"Cliente {n}", "language": "es"},
        "text": "El pedido llegó roto y nadie me contesta.",
        "kind": "complaint",
    }
    record.update(changes)
    return record


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(params=["memory", "sqlite"])
def listener(
    request: pytest.FixtureRequest, tmp_path: Any, mailbox: Mailbox, clock: ManualClock
) -> Iterator[Listener]:
    store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "w.db")
    with Listener(store, plugins=[mailbox], autoload=False, clock=clock) as listener:
        yield listener
