"""Workers: processes that keep the promises in the background, as many as the work needs.

:func:`run_worker` loops until told to stop: it ticks the workflow (opens cases for new
feedback, fires due SLA warnings, breaches, escalations and follow-ups, sends due messages) and
hands new events to the ``clientvoice_on_event`` hooks. Run one worker per process, on as many
processes and machines as needed, all on one PostgreSQL store: each takes work no other worker
holds (``SELECT ... FOR UPDATE SKIP LOCKED``), so no escalation, message or event is handled twice
and none is skipped. A worker killed at any moment loses nothing: its open transaction is rolled
back and its work goes to the others. On SQLite, workers take turns (one writer at a time).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

import attrs

from clientvoice.errors import (
    ClientVoiceError,
    ConflictError,
    SchemaError,
    StoreError,
    ValidationError,
)
from clientvoice.listener import HOOK_CONSUMER, Listener

__all__ = ["WorkerReport", "deliver_events", "run_worker"]

log = logging.getLogger("clientvoice.workers")


@attrs.define
class WorkerReport:
    """What one worker did until it stopped."""

    worker_id: str
    rounds: int = 0
    cases_opened: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    follow_ups: int = 0
    messages_sent: int = 0
    messages_failed: int = 0
    events_delivered: int = 0
    retries: int = 0
    """Rounds that lost a race (a conflict, a deadlock) or met a store error and were retried."""


def run_worker(
    listener: Listener,
    *,
    stop_event: threading.Event | None = None,
    poll_interval: float = 1.0,
    batch_size: int = 200,
    worker_id: str | None = None,
    max_rounds: int | None = None,
    on_round: Callable[[WorkerReport], object] | None = None,
) -> WorkerReport:
    """Do the listener's background work until ``stop_event`` is set; returns what was done.

    Each round ticks the workflow at the listener clock's now (in transactions of at most
    ``batch_size`` timers) and delivers pending events to the ``clientvoice_on_event`` hooks
    (at most ``batch_size`` per transaction). When a round finds nothing to do, the worker
    sleeps ``poll_interval`` seconds (waking at once when ``stop_event`` is set).

    A round that loses a race with another writer (:class:`~clientvoice.errors.ConflictError`)
    or meets a store error is logged and retried; nothing it did was committed. An exception
    raised by a plugin's hook is logged too, and its events are handed over again later (at
    least once).

    :param stop_event: set it (from another thread, a signal handler) to stop after the
        current round. Without one the worker runs until ``max_rounds``.
    :param worker_id: a name for the logs (default ``host:pid``).
    :param max_rounds: stop after this many rounds (for tests and one-shot runs).
    :param on_round: called with the report after each round.
    :raises ValidationError: naming the argument that is not acceptable.
    """
    if not isinstance(poll_interval, (int, float)) or poll_interval < 0:
        raise ValidationError("poll_interval", poll_interval, "must be a number of seconds >= 0")
    if type(batch_size) is not int or batch_size < 1:
        raise ValidationError("batch_size", batch_size, "must be a whole number >= 1")
    if max_rounds is not None and (type(max_rounds) is not int or max_rounds < 1):
        raise ValidationError("max_rounds", max_rounds, "must be a whole number >= 1")
    if stop_event is None and max_rounds is None:
        raise ValidationError("stop_event", None, "is required unless max_rounds is given")
    stop = stop_event if stop_event is not None else threading.Event()
    report = WorkerReport(worker_id=worker_id or f"{socket.gethostname()}:{os.getpid()}")
    log.info("worker %s started on %r", report.worker_id, listener.store)
    while not stop.is_set():
        report.rounds += 1
        busy = _round(listener, report, batch_size)
        if on_round is not None:
            on_round(report)
        if max_rounds is not None and report.rounds >= max_rounds:
            break
        if not busy:
            stop.wait(poll_interval)
    log.info("worker %s stopped: %s", report.worker_id, report)
    return report


def deliver_events(listener: Listener, *, limit: int = 10_000, batch_size: int = 1000) -> int:
    """Hand pending events to the ``clientvoice_on_event`` hooks, sharing the work with any
    other worker doing the same; returns how many were handed over.

    Each batch is claimed, delivered and confirmed in one transaction that holds the hooks'
    outbox consumer, so two workers never deliver the same events at once; if a hook raises or
    the worker dies, the batch is rolled back and delivered again (each event keeps its id).
    Returns 0 when no plugin listens, or while another worker holds the consumer.
    """
    if not listener.hooks.implemented("clientvoice_on_event"):
        return 0
    store = listener.store
    delivered = 0
    while delivered < limit:
        with store.transaction():
            batch = store.claim_events(HOOK_CONSUMER, limit=min(batch_size, limit - delivered))
            for stored in batch:
                listener.hooks.on_event(stored.event)
            if batch:
                store.confirm_events(HOOK_CONSUMER, batch[-1].seq)
        if not batch:
            break
        delivered += len(batch)
    return delivered


def _round(listener: Listener, report: WorkerReport, batch_size: int) -> bool:
    """One round of work; True if it did anything (so the next one starts at once)."""
    workflow = listener.workflow
    try:
        with workflow.changes_reported_to(lambda: None):
            tick = workflow.tick(listener.clock.now(), batch_size=batch_size)
        delivered = deliver_events(listener, batch_size=batch_size)
    except ConflictError as error:  # lost a race: nothing was committed, try again now
        report.retries += 1
        log.info("worker %s: %s; retrying", report.worker_id, error)
        return True
    except SchemaError:
        raise
    except StoreError as error:  # the server went away, a timeout...: try again after a pause
        report.retries += 1
        log.warning("worker %s: %s; retrying after a pause", report.worker_id, error)
        return False
    except ClientVoiceError:
        raise
    except Exception:  # a plugin's hook failed: its events are delivered again later
        report.retries += 1
        log.exception("worker %s: a hook raised; its events go out again", report.worker_id)
        return False
    report.cases_opened += tick.cases_opened
    report.warnings += tick.warnings
    report.breaches += tick.breaches
    report.escalations += tick.escalations
    report.follow_ups += tick.follow_ups
    report.messages_sent += tick.messages_sent
    report.messages_failed += tick.messages_failed
    report.events_delivered += delivered
    return tick.did_anything or delivered > 0
