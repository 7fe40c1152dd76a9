"""One worker process of the reliability tests: ``python _worker.py URL NAME NOW``.

It runs :func:`clientvoice.workers.run_worker` on the PostgreSQL store at ``URL`` with a clock
stopped at ``NOW`` (ISO 8601; every case is overdue then), until SIGTERM. Its
``clientvoice_on_event`` hook counts each delivery of each event in the table ``deliveries``
(the event id is the key), so the test can tell that every event was delivered and how often.
"""

from __future__ import annotations

import signal
import sys
import threading
from datetime import datetime, timedelta

import psycopg

from clientvoice import Listener
from clientvoice.clock import ManualClock
from clientvoice.hookspecs import hookimpl
from clientvoice.models import Event
from clientvoice.workers import run_worker
from clientvoice.workflow.sla import ServiceLevel, ServiceLevels

SERVICE_LEVELS = ServiceLevels(default=ServiceLevel(resolve=timedelta(hours=8), name="test"))
"""One promise per case, on a 24/7 calendar: resolved within 8 h (a warning, then a breach
escalated once)."""


class CountDeliveries:
    """Counts every delivery of every event, keyed by event id."""

    def __init__(self, url: str) -> None:
        self.connection = psycopg.connect(url, autocommit=True)

    @hookimpl
    def clientvoice_on_event(self, event: Event) -> None:
        self.connection.execute(
            "INSERT INTO deliveries (event_id, times) VALUES (%s, 1) "
            "ON CONFLICT (event_id) DO UPDATE SET times = deliveries.times + 1",
            (event.id,),
        )


def main(url: str, name: str, now: str) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    clock = ManualClock(datetime.fromisoformat(now))
    plugins = [CountDeliveries(url)]
    with Listener.open(
        url, plugins=plugins, autoload=False, clock=clock, service_levels=SERVICE_LEVELS
    ) as listener:
        run_worker(listener, stop_event=stop, poll_interval=0.05, batch_size=100, worker_id=name)


if __name__ == "__main__":
    main(*sys.argv[1:4])
