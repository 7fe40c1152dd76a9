"""The listening workflow engine: moves cases through their stages and keeps the promises made.

A :class:`Workflow` belongs to a :class:`~clientvoice.Listener` (``listener.workflow``). Every
move loads the case, checks that its stage allows the move, changes it, and stores the new case
with its :class:`~clientvoice.Event`, its timers and its messages in one transaction; messages are
then sent and events handed to plugins, after the commit. :meth:`Workflow.tick` does what time
brings: warnings before a deadline, breaches and escalations, follow-ups, retried messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import attrs

from clientvoice._ids import stable_id
from clientvoice.channels import Channel, ReplyingChannel
from clientvoice.clock import Clock
from clientvoice.errors import ConflictError, PluginError, ValidationError
from clientvoice.messages.compose import compose, format_when
from clientvoice.models import (
    Case,
    CaseStage,
    Customer,
    Delivery,
    DeliveryStatus,
    Event,
    Feedback,
    Heard,
    Message,
    MessageKind,
    Problem,
    ProblemStatus,
    RecoveryGesture,
    Timer,
)
from clientvoice.plugins import PluginHooks, Registry
from clientvoice.stores import Store
from clientvoice.workflow.policy import CasePolicy
from clientvoice.workflow.sla import DEADLINES, ServiceLevel, ServiceLevels
from clientvoice.workflow.stages import check_move

__all__ = ["CASES_CONSUMER", "ProblemResolution", "TickReport", "Workflow"]

log = logging.getLogger("clientvoice.workflow")

CASES_CONSUMER = "workflow"
"""The outbox consumer under which the workflow reads ``feedback.received`` to open cases."""

_MAX_ATTEMPTS = 5
_FIRST_RETRY = timedelta(minutes=5)
_SEND_LEASE = timedelta(minutes=5)
"""How long a claimed message is held by the worker sending it before another may retry."""
_EXCERPT = 240
_MAX_RECLAIMS = 100
"""How many batches in a row ``tick`` claims again after another worker fired one of their
timers first, before it gives up (a store whose claims keep returning fired timers)."""


@attrs.frozen
class TickReport:
    """What one :meth:`Workflow.tick` did. ``events`` lists every event it wrote, in order."""

    now: datetime
    cases_opened: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    follow_ups: int = 0
    messages_sent: int = 0
    messages_failed: int = 0
    events: tuple[Event, ...] = ()

    @property
    def did_anything(self) -> bool:
        """Whether the tick changed anything at all."""
        return bool(self.cases_opened or self.events or self.messages_sent or self.messages_failed)

    def __str__(self) -> str:
        return (
            f"tick at {self.now.isoformat()}: {self.cases_opened} cases opened, "
            f"{self.warnings} warnings, {self.breaches} breaches, {self.escalations} escalations, "
            f"{self.follow_ups} follow-ups, {self.messages_sent} messages sent, "
            f"{self.messages_failed} failed"
        )


@attrs.frozen
class ProblemResolution:
    """What resolving a problem did: the problem, every case it resolved, the messages queued."""

    problem: Problem
    cases: tuple[Case, ...]
    messages: tuple[str, ...]


@attrs.define
class _Tally:
    cases_opened: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    follow_ups: int = 0
    sent: int = 0
    failed: int = 0
    events: list[Event] = attrs.Factory(list)

    def add(self, other: _Tally) -> None:
        """Count ``other``'s timer work here too (after its batch committed)."""
        self.warnings += other.warnings
        self.breaches += other.breaches
        self.escalations += other.escalations
        self.follow_ups += other.follow_ups
        self.events.extend(other.events)


class Workflow:
    """The listening workflow of one listener's store: cases, problems, deadlines, messages.

    Create it through :class:`~clientvoice.Listener` (``listener.workflow``). Every move takes
    ``by``, who made it (a user name, ``"system"``), recorded as the event's actor.

    :param store: where cases live.
    :param hooks: the listener's plugin hooks (routing, templates, follow-ups).
    :param channels: the listener's channels; those with ``send`` deliver messages.
    :param clock: where "now" comes from.
    :param policy: which feedback opens a case, and priorities.
    :param service_levels: the promises per case.
    :param sender: how messages are signed (``"The Acme customer care team"``).
    :param on_change: called after every committed change (the listener hands new events to
        the ``clientvoice_on_event`` hooks there).
    """

    def __init__(
        self,
        *,
        store: Store,
        hooks: PluginHooks,
        channels: Registry[Channel],
        clock: Clock,
        policy: CasePolicy,
        service_levels: ServiceLevels,
        sender: str,
        on_change: Callable[[], object] | None = None,
    ) -> None:
        self.store = store
        self.hooks = hooks
        self.channels = channels
        self.clock = clock
        self.policy = policy
        self.service_levels = service_levels
        self.sender = sender
        self._on_change = on_change or (lambda: None)

    # -- opening cases --------------------------------------------------------------------------

    def open_cases(self, *, known: Mapping[str, Heard] | None = None) -> list[Case]:
        """Open a case for every newly received feedback that the policy says needs one.

        Reads ``feedback.received`` events the workflow has not yet seen (an outbox consumer,
        so nothing is missed after a crash) and also resumes cases waiting on a customer who
        spoke again. Safe to call at any time; :meth:`tick` calls it too.

        :param known: recently stored items by feedback id, to avoid reading them back.
        """
        opened: list[Case] = []
        while True:
            if not self.store.pending_events(CASES_CONSUMER, limit=1):
                return opened  # nothing new: no write transaction needed
            with self.store.transaction():
                # Claimed inside the transaction: with many workers, one at a time opens cases.
                page, up_to = self.store.claim_events_of(
                    CASES_CONSUMER, ("feedback.received",), limit=2000
                )
                if not up_to:
                    break  # another worker holds the consumer and is opening them
                waiting: dict[str, list[Case]] = {}
                if any(stored.event.type == "feedback.received" for stored in page):
                    for case in self.store.iter_cases(waiting=True):
                        waiting.setdefault(case.customer_id, []).append(case)
                prepared: list[tuple[Case, Event, list[Timer]]] = []
                customers: dict[str, Customer] = {}  # as stored: the first description wins
                for stored in page:
                    event = stored.event
                    if event.type != "feedback.received" or event.feedback_id is None:
                        continue
                    item = known.get(event.feedback_id) if known else None
                    feedback, channel = self._heard(event.feedback_id, item)
                    for paused in waiting.pop(feedback.customer_id, ()):
                        self._resume_waiting(paused, feedback)
                    reason = self.policy.why_open(feedback)
                    if reason is not None:
                        customer = customers.get(feedback.customer_id)
                        if customer is None:
                            customer = self.store.get_customer(feedback.customer_id)
                            customers[customer.id] = customer
                        prepared.append(
                            self._prepare(feedback, customer, channel, reason=reason, by="system")
                        )
                opened.extend(self._add(prepared))
                self.store.confirm_events(CASES_CONSUMER, up_to)
            if self.policy.auto_acknowledge:
                self._deliver(self.clock.now(), _Tally())
            self._on_change()
        return opened

    def open_case(self, feedback_id: str, *, by: str, reason: str, priority: Any = None) -> Case:
        """Open a case for a piece of feedback by hand (say, praise to thank personally).

        Returns the existing case when the feedback already has one.
        """
        _required("by", by)
        _required("reason", reason)
        feedback = self.store.get_feedback(feedback_id)
        customer = self.store.get_customer(feedback.customer_id)
        channel = self.store.get_interaction(feedback.interaction_id).channel
        with self.store.transaction():
            self._add(
                [
                    self._prepare(
                        feedback, customer, channel, reason=reason, by=by, priority=priority
                    )
                ]
            )
        self._deliver(self.clock.now(), _Tally())
        self._on_change()
        return self.store.get_case(_case_id(feedback.id))

    # -- the stages -----------------------------------------------------------------------------

    def acknowledge(self, case_id: str, *, by: str, message: bool = True) -> Case:
        """Tell the customer we heard them and when they will hear back; stops the first clock.

        :param message: send the acknowledgement message (set False when it was given in
            person or by phone).
        """
        return self._move(
            case_id, "acknowledge", by, self._acknowledged(message), event_type="case.acknowledged"
        )

    def understand(
        self, case_id: str, *, by: str, note: str | None = None, root_cause: str | None = None
    ) -> Case:
        """Record what was learned: a note, and the root cause once it is known."""

        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            notes = (*case.notes, note) if note else case.notes
            effects.data = {"note": note, "root_cause": root_cause}
            return attrs.evolve(
                case,
                stage=CaseStage.UNDERSTANDING,
                notes=notes,
                root_cause=root_cause or case.root_cause,
            )

        return self._move(case_id, "understand", by, change, event_type="case.understanding")

    def act(
        self,
        case_id: str,
        *,
        by: str,
        plan: str,
        owner: str | None = None,
        due: datetime | None = None,
    ) -> Case:
        """Decide what will be done, by whom and by when."""
        _required("plan", plan)

        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            effects.data = {"plan": plan, "owner": owner or case.owner}
            if due is not None:
                effects.data["due"] = due.isoformat()
            return attrs.evolve(
                case,
                stage=CaseStage.ACTING,
                plan=plan,
                owner=owner or case.owner,
                acting_due_at=due or case.acting_due_at,
            )

        return self._move(case_id, "act", by, change, event_type="case.acting")

    def resolve(
        self,
        case_id: str,
        *,
        by: str,
        resolution: str,
        apology: bool = False,
        gesture: RecoveryGesture | None = None,
        inform: bool = True,
    ) -> Case:
        """Record what was done, with any apology and recovery gesture.

        :param inform: queue the resolution message ("you said, we did") at once; with False,
            call :meth:`inform` later (the inform deadline runs from now either way).
        """
        _required("resolution", resolution)
        return self._move(
            case_id,
            "resolve",
            by,
            self._resolved(resolution, apology, gesture, inform),
            event_type="case.resolved",
        )

    def inform(self, case_id: str, *, by: str, told_by: str | None = None) -> Case:
        """Tell the customer what was done.

        Without ``told_by`` the resolution message is sent through the customer's channel and
        the case becomes *informed* once it is delivered. With ``told_by`` ("phone call on
        3 March") the customer was told another way and the case is informed at once.
        """

        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            if told_by is None:
                effects.messages.append(MessageKind.RESOLUTION)
                effects.event_type = "case.inform_requested"
                return case
            effects.data = {"how": told_by}
            effects.cancel = ["inform.warning", "inform.breach", "inform.escalation"]
            return attrs.evolve(
                case, stage=CaseStage.INFORMED, informed_at=now, informed_how=told_by
            )

        return self._move(case_id, "inform", by, change, event_type="case.informed")

    def close(self, case_id: str, *, by: str, unreachable: str | None = None) -> Case:
        """Close the loop. Only an informed case closes, unless the customer cannot be reached.

        :param unreachable: why the customer cannot be told (no contact details, bounced
            messages...); allows closing a resolved case that was not informed.
        """
        move = "close" if unreachable is None else "close_unreachable"

        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            effects.cancel = None  # every pending timer
            effects.data = {"unreachable": unreachable} if unreachable else {}
            effects.follow_up = True
            return attrs.evolve(
                case,
                stage=CaseStage.CLOSED,
                closed_at=now,
                close_reason="customer unreachable" if unreachable else "informed",
                unreachable_reason=unreachable,
            )

        return self._move(case_id, move, by, change, event_type="case.closed", why=unreachable)

    def no_action(self, case_id: str, *, by: str, reason: str) -> Case:
        """The no-action path: nothing to fix (praise, a duplicate); thank the customer.

        The case is resolved with ``reason`` and a thank-you message is sent; it closes as soon
        as that message is delivered. No follow-up survey is asked for: there was nothing to
        follow up.
        """
        _required("reason", reason)

        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            effects.messages.append(MessageKind.THANKS)
            effects.cancel = None
            effects.data = {"reason": reason}
            return attrs.evolve(
                case,
                stage=CaseStage.RESOLVED,
                resolved_at=now,
                resolution=reason,
                close_reason="no action needed",
            )

        return self._move(case_id, "no_action", by, change, event_type="case.no_action", why=reason)

    def reopen(self, case_id: str, *, by: str, reason: str) -> Case:
        """The customer says it is not solved: back to *received*, with fresh deadlines."""
        _required("reason", reason)

        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            effects.cancel = None
            reopened = attrs.evolve(
                case,
                stage=CaseStage.RECEIVED,
                reopened=case.reopened + 1,
                acknowledged_at=None,
                resolved_at=None,
                informed_at=None,
                closed_at=None,
                close_reason=None,
                unreachable_reason=None,
                informed_how=None,
                waiting_since=None,
                inform_due_at=None,
                breaches=(),
            )
            reopened = self._routed(reopened, customer=effects.customer)
            return self._with_deadlines(reopened, effects, start=now, deadlines=DEADLINES[:2])

        return self._move(case_id, "reopen", by, change, event_type="case.reopened", why=reason)

    def assign(
        self, case_id: str, *, by: str, owner: str | None = None, team: str | None = None
    ) -> Case:
        """Give the case to another owner or team."""

        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            effects.data = {"owner": owner, "team": team}
            return attrs.evolve(case, owner=owner or case.owner, team=team or case.team)

        return self._move(case_id, "assign", by, change, event_type="case.assigned")

    def apologise(
        self, case_id: str, *, by: str, apology: str, gesture: RecoveryGesture | None = None
    ) -> Case:
        """Say sorry now, before the resolution, optionally with a recovery gesture."""
        _required("apology", apology)

        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            effects.messages.append(MessageKind.APOLOGY)
            effects.values = {"apology": apology}
            effects.data = {"apology": apology}
            return attrs.evolve(case, apology=True, gesture=gesture or case.gesture)

        return self._move(case_id, "progress", by, change, event_type="case.apologised")

    def progress(self, case_id: str, *, by: str, update: str) -> Case:
        """Send the customer an update while work goes on."""
        _required("update", update)

        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            effects.messages.append(MessageKind.PROGRESS)
            effects.values = {"update": update}
            effects.data = {"update": update}
            return case

        return self._move(case_id, "progress", by, change, event_type="case.progress")

    def wait_for_customer(self, case_id: str, *, by: str, reason: str) -> Case:
        """Pause the service-level clocks while we need something from the customer."""
        _required("reason", reason)

        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            if case.waiting_since is not None:
                raise ValidationError("case", case.id, "is already waiting on the customer")
            effects.cancel = [f"{d}.{k}" for d in DEADLINES for k in _DEADLINE_TIMERS]
            return attrs.evolve(case, waiting_since=now, waiting_reason=reason)

        return self._move(
            case_id, "wait_for_customer", by, change, event_type="case.waiting", why=reason
        )

    def resume(self, case_id: str, *, by: str, reason: str = "the customer replied") -> Case:
        """Restart the clocks: each deadline moves by the business time spent waiting."""
        return self._move(
            case_id, "resume", by, self._resumed, event_type="case.resumed", why=reason
        )

    # -- problems -------------------------------------------------------------------------------

    def open_problem(
        self,
        title: str,
        *,
        by: str,
        description: str = "",
        theme: str | None = None,
        owner: str | None = None,
        cases: Iterable[str] = (),
    ) -> Problem:
        """Name one underlying cause behind many cases, and link those cases to it."""
        _required("title", title)
        now = self.clock.now()
        problem = Problem(
            id=stable_id("problem", title, now.isoformat()),
            title=title,
            opened_at=now,
            description=description,
            theme=theme,
            owner=owner,
        )
        event = Event(
            id=stable_id("ev", problem.id, "opened"),
            type="problem.opened",
            occurred_at=now,
            actor=by,
            reason=title,
            data={"problem_id": problem.id, "theme": theme},
        )
        with self.store.transaction():
            saved = self.store.save_problem(problem, [event])
            for case_id in cases:
                self._link(case_id, saved, by)
        self._on_change()
        return saved

    def link_to_problem(self, case_id: str, problem_id: str, *, by: str) -> Case:
        """Link a case to a problem: it will be resolved, and its customer told, with it."""
        with self.store.transaction():
            problem = self.store.get_problem(problem_id)
            case = self._link(case_id, problem, by)
        self._on_change()
        return case

    def resolve_problem(
        self,
        problem_id: str,
        *,
        by: str,
        resolution: str,
        root_cause: str | None = None,
        apology: bool = True,
        gesture: RecoveryGesture | None = None,
    ) -> ProblemResolution:
        """Resolve a problem, every open case linked to it, and tell every affected customer."""
        _required("resolution", resolution)
        now = self.clock.now()
        resolved: list[Case] = []
        queued: list[str] = []
        with self.store.transaction():
            problem = self.store.get_problem(problem_id)
            if problem.status is ProblemStatus.RESOLVED:
                raise ValidationError("problem", problem_id, "is already resolved")
            done = attrs.evolve(
                problem,
                status=ProblemStatus.RESOLVED,
                resolution=resolution,
                root_cause=root_cause or problem.root_cause,
                resolved_at=now,
            )
            event = Event(
                id=stable_id("ev", problem.id, "resolved", str(problem.version)),
                type="problem.resolved",
                occurred_at=now,
                actor=by,
                reason=resolution,
                data={"problem_id": problem.id},
            )
            saved_problem = self.store.save_problem(done, [event])
            for case in list(self.store.iter_cases(problem_id=problem_id)):
                if case.stage not in (
                    CaseStage.RECEIVED,
                    CaseStage.ACKNOWLEDGED,
                    CaseStage.UNDERSTANDING,
                    CaseStage.ACTING,
                ):
                    continue
                change = self._resolved(resolution, apology, gesture, True, root_cause)
                case = self._apply(case, "resolve_with_problem", by, change, now, "case.resolved")
                resolved.append(case)
                queued.extend(
                    m.message.id
                    for m in self.store.iter_messages(case_id=case.id)
                    if m.status is None and m.message.kind is MessageKind.RESOLUTION
                )
        self._deliver(now, _Tally())
        self._on_change()
        return ProblemResolution(
            problem=saved_problem, cases=tuple(resolved), messages=tuple(queued)
        )

    # -- time -----------------------------------------------------------------------------------

    def tick(self, now: datetime | None = None, *, batch_size: int = 1000) -> TickReport:
        """Do what is due at ``now`` (default: the clock's now) and say what was done.

        Opens cases for new feedback, fires due timers (warnings, breaches with their
        escalations, follow-ups) and sends due messages, retrying failed ones. A second tick at
        the same instant does nothing new: every timer fires once, in the transaction that does
        its work. Any number of workers may tick at once: each transaction claims up to
        ``batch_size`` due timers of cases no other worker holds, reads their cases in one call,
        and writes the fired marks, the changed cases (versioned) and the events in one call
        each.
        """
        at = self.clock.now() if now is None else now
        tally = _Tally()
        tally.cases_opened = len(self.open_cases())
        taken = 0
        while self.store.due_timers(at, limit=1):  # a look first: no write lock for nothing
            # Claimed inside the transaction that fires them: with many workers, each takes
            # timers of cases no other worker holds (see Store.claim_due_timers).
            try:
                with self.store.transaction():
                    timers = self.store.claim_due_timers(at, limit=batch_size)
                    if timers:
                        self._fire_in_order(timers, at, tally)
            except _TimerTaken:
                taken += 1  # rolled back: claim again, without the timers another worker fired
                if taken > _MAX_RECLAIMS:
                    raise
                continue
            taken = 0
            if not timers:
                break
        self._deliver(at, tally)
        self._on_change()
        return TickReport(
            now=at,
            cases_opened=tally.cases_opened,
            warnings=tally.warnings,
            breaches=tally.breaches,
            escalations=tally.escalations,
            follow_ups=tally.follow_ups,
            messages_sent=tally.sent,
            messages_failed=tally.failed,
            events=tuple(tally.events),
        )

    @contextmanager
    def changes_reported_to(self, on_change: Callable[[], object]) -> Iterator[None]:
        """Call ``on_change`` instead of the listener's handler after each committed change,
        inside the block (a worker uses it to hand events to plugins its own way)."""
        previous = self._on_change
        self._on_change = on_change
        try:
            yield
        finally:
            self._on_change = previous

    def deliver_messages(self, now: datetime | None = None) -> tuple[int, int]:
        """Send every message that is due; returns (sent, failed)."""
        tally = _Tally()
        self._deliver(self.clock.now() if now is None else now, tally)
        return tally.sent, tally.failed

    # -- moves ----------------------------------------------------------------------------------

    def _move(
        self,
        case_id: str,
        move: str,
        by: str,
        change: _Change,
        *,
        event_type: str | None = None,
        why: str | None = None,
    ) -> Case:
        _required("by", by)
        now = self.clock.now()
        with self.store.transaction():
            case = self.store.get_case(case_id)
            saved = self._apply(case, move, by, change, now, event_type, why)
        self._deliver(now, _Tally())
        self._on_change()
        return self.store.get_case(saved.id)

    def _apply(
        self,
        case: Case,
        move: str,
        by: str,
        change: _Change,
        now: datetime,
        event_type: str | None = None,
        why: str | None = None,
    ) -> Case:
        """Make one move inside the caller's transaction: case, event, timers, messages.

        Timers of the case that fell due before ``now`` fire first, so a deadline met late is
        still recorded as breached (and escalated) at its own instant, however rarely ``tick``
        runs.
        """
        overdue = [t for t in self.store.iter_timers(case_id=case.id) if t.due_at <= now]
        while overdue:
            self._fire_in_order(overdue, now, _Tally())
            overdue = [t for t in self.store.iter_timers(case_id=case.id) if t.due_at <= now]
        case = self.store.get_case(case.id)
        check_move(case, move)
        customer = self.store.get_customer(case.customer_id)
        effects = _Effects(customer=customer, event_type=event_type or f"case.{move}")
        changed = change(case, now, effects)
        events = [
            Event(
                id=stable_id("ev", case.id, str(case.version), effects.event_type),
                type=effects.event_type,
                occurred_at=now,
                actor=by,
                customer_id=case.customer_id,
                case_id=case.id,
                feedback_id=case.feedback_id,
                reason=why,
                data={"stage": changed.stage.value, **_json_data(effects.data)},
            )
        ]
        messages = [
            self._message(kind, changed, customer, now, effects) for kind in effects.messages
        ]
        events.extend(self._queued_events(messages, changed, now, by))
        saved = self.store.save_case(changed, events)
        if effects.cancel is None:
            self.store.cancel_timers(case.id)
        elif effects.cancel:
            self.store.cancel_timers(case.id, effects.cancel)
        timers = list(effects.timers)
        if effects.follow_up and self.policy.follow_up_after is not None:
            due = now + self.policy.follow_up_after
            timers.append(_timer(case.id, "follow_up", due))
        self.store.schedule_timers(timers)
        self.store.queue_messages(messages)
        return saved

    def _acknowledged(self, message: bool) -> _Change:
        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            if message:
                effects.messages.append(MessageKind.ACKNOWLEDGEMENT)
            effects.cancel = ["acknowledge.warning", "acknowledge.breach", "acknowledge.escalation"]
            effects.data = {"on_time": _on_time(now, case.acknowledge_due_at)}
            return attrs.evolve(case, stage=CaseStage.ACKNOWLEDGED, acknowledged_at=now)

        return change

    def _resolved(
        self,
        resolution: str,
        apology: bool,
        gesture: RecoveryGesture | None,
        inform: bool,
        root_cause: str | None = None,
    ) -> _Change:
        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            resolved = attrs.evolve(
                case,
                stage=CaseStage.RESOLVED,
                resolved_at=now,
                resolution=resolution,
                apology=apology or case.apology,
                gesture=gesture or case.gesture,
                root_cause=root_cause or case.root_cause,
            )
            effects.cancel = [
                f"{d}.{k}" for d in ("acknowledge", "resolve") for k in _DEADLINE_TIMERS
            ]
            effects.data = {
                "on_time": _on_time(now, case.resolve_due_at),
                "apology": resolved.apology,
                "gesture": None if resolved.gesture is None else resolved.gesture.kind,
                "gesture_cost": None if resolved.gesture is None else resolved.gesture.cost,
            }
            if inform:
                effects.messages.append(MessageKind.RESOLUTION)
            return self._with_deadlines(resolved, effects, start=now, deadlines=("inform",))

        return change

    def _resumed(self, case: Case, now: datetime, effects: _Effects) -> Case:
        if case.waiting_since is None:
            raise ValidationError("case", case.id, "is not waiting on the customer")
        level = self.service_levels.for_case(case, effects.customer)
        calendar = level.calendar
        paused = calendar.between(case.waiting_since, now)
        effects.data = {"paused_business_seconds": paused.total_seconds()}
        changes: dict[str, Any] = {"waiting_since": None, "waiting_reason": None}
        for deadline in DEADLINES:
            due: datetime | None = getattr(case, f"{deadline}_due_at")
            if due is None or not _unmet(case, deadline) or deadline in case.breaches:
                continue
            remaining = calendar.between(case.waiting_since, due)
            new_due = calendar.add(now, remaining) if remaining > timedelta(0) else due
            changes[f"{deadline}_due_at"] = new_due
            target = level.target(deadline)
            if target is not None:
                warn_left = remaining - target * (1 - level.warn_at)
                if warn_left > timedelta(0):
                    effects.timers.append(
                        _timer(case.id, f"{deadline}.warning", calendar.add(now, warn_left))
                    )
            effects.timers.append(_timer(case.id, f"{deadline}.breach", new_due))
        return attrs.evolve(case, **changes)

    def _with_deadlines(
        self, case: Case, effects: _Effects, *, start: datetime, deadlines: Sequence[str]
    ) -> Case:
        """``case`` with due dates for ``deadlines`` from ``start``, and their timers queued."""
        level = self.service_levels.for_case(case, effects.customer)
        changes: dict[str, Any] = {}
        for deadline in deadlines:
            due = level.due(deadline, start)
            changes[f"{deadline}_due_at"] = due
            if due is None:
                continue
            warning = level.warning(deadline, start)
            if warning is not None and warning < due:
                effects.timers.append(_timer(case.id, f"{deadline}.warning", warning))
            effects.timers.append(_timer(case.id, f"{deadline}.breach", due))
        return attrs.evolve(case, **changes)

    # -- opening --------------------------------------------------------------------------------

    def _prepare(
        self,
        feedback: Feedback,
        customer: Customer,
        channel: str,
        *,
        reason: str,
        by: str,
        priority: Any = None,
    ) -> tuple[Case, Event, list[Timer]]:
        """The new case of ``feedback``, routed and with its deadlines, its event and timers."""
        kind = feedback.kind or (feedback.analysis.kind if feedback.analysis else None)
        case = Case(
            id=_case_id(feedback.id),
            customer_id=customer.id,
            feedback_id=feedback.id,
            opened_at=feedback.created_at,
            priority=priority or self.policy.priority(feedback, customer),
            kind=kind,
            channel=channel,
            opened_because=reason,
        )
        case = self._routed(case, feedback=feedback, customer=customer)
        effects = _Effects(customer=customer, event_type="case.opened")
        case = self._with_deadlines(
            case, effects, start=case.opened_at, deadlines=("acknowledge", "resolve")
        )
        event = Event(
            id=stable_id("ev", case.id, "opened"),
            type="case.opened",
            occurred_at=case.opened_at,
            actor=by,
            customer_id=customer.id,
            case_id=case.id,
            feedback_id=feedback.id,
            reason=reason,
            data={
                "priority": case.priority.value,
                "team": case.team,
                "owner": case.owner,
                "acknowledge_due_at": _iso(case.acknowledge_due_at),
                "resolve_due_at": _iso(case.resolve_due_at),
            },
        )
        return case, event, effects.timers

    def _add(self, prepared: Sequence[tuple[Case, Event, list[Timer]]]) -> list[Case]:
        """Store prepared new cases inside the caller's transaction; acknowledge if the policy
        says so. Cases that exist already are left alone."""
        if not prepared:
            return []
        added = self.store.add_cases(
            [case for case, _, _ in prepared],
            [event for _, event, _ in prepared],
            [timer for _, _, timers in prepared for timer in timers],
        )
        if not self.policy.auto_acknowledge:
            return added
        now = self.clock.now()
        return [
            self._apply(
                case, "acknowledge", "system", self._acknowledged(True), now, "case.acknowledged"
            )
            for case in added
        ]

    def _routed(
        self,
        case: Case,
        *,
        customer: Customer,
        feedback: Feedback | None = None,
    ) -> Case:
        if feedback is None and case.feedback_id is not None:
            feedback = self.store.get_feedback(case.feedback_id)
        route = self.hooks.route_case(case, feedback, customer)
        if route is None:
            return case
        return attrs.evolve(case, owner=route.owner or case.owner, team=route.team or case.team)

    def _heard(self, feedback_id: str, item: Heard | None) -> tuple[Feedback, str]:
        """The feedback and its channel: from ``item`` when given, else from the store."""
        if item is not None and item.feedback is not None:
            return item.feedback, item.interaction.channel
        feedback = self.store.get_feedback(feedback_id)
        return feedback, self.store.get_interaction(feedback.interaction_id).channel

    def _resume_waiting(self, case: Case, feedback: Feedback) -> None:
        if feedback.created_at < (case.waiting_since or feedback.created_at):
            return
        self._apply(
            self.store.get_case(case.id),
            "resume",
            "system",
            self._resumed,
            self.clock.now(),
            "case.resumed",
            "the customer replied",
        )

    def _link(self, case_id: str, problem: Problem, by: str) -> Case:
        case = self.store.get_case(case_id)

        def change(case: Case, now: datetime, effects: _Effects) -> Case:
            effects.data = {"problem_id": problem.id, "title": problem.title}
            return attrs.evolve(case, problem_id=problem.id)

        return self._apply(
            case, "link_to_problem", by, change, self.clock.now(), "case.linked_to_problem"
        )

    # -- timers ---------------------------------------------------------------------------------

    def _fire_in_order(self, timers: Sequence[Timer], now: datetime, tally: _Tally) -> None:
        """Fire ``timers`` (earliest first) inside the caller's transaction, as one batch.

        Their cases are read in one call; the work is done in memory, in time order; then the
        fired marks, the changed cases (versioned), the events and any new timers are written
        with one call each. A timer that schedules another due at ``now`` ends the batch before
        the first timer due after it: the caller claims due timers again, so the new one fires
        in its place in time and a late tick replays what happened in the order it happened.

        :raises _TimerTaken: (a :class:`ConflictError`) if another worker fired one of the
            timers meanwhile; nothing is written, the caller's transaction must roll back.
        """
        firing = _Firing(cases=self.store.get_cases([timer.case_id for timer in timers]))
        done: list[str] = []
        for timer in timers:
            if firing.next_due is not None and firing.next_due < timer.due_at:
                break
            done.append(timer.id)
            scheduled = self._fire(timer, now, firing)
            if scheduled is not None and scheduled <= now:
                firing.next_due = min(scheduled, firing.next_due or scheduled)
        marked = self.store.fire_timers(done, now)
        if len(marked) != len(done):
            raise _TimerTaken(
                f"{len(done) - len(marked)} of {len(done)} due timers were fired by another "
                "worker meanwhile; claim them again"
            )
        self.store.save_cases([firing.cases[case_id] for case_id in firing.changed], firing.events)
        self.store.schedule_timers(firing.timers)
        tally.add(firing.tally)

    def _fire(self, timer: Timer, now: datetime, firing: _Firing) -> datetime | None:
        """Do a timer's work in ``firing``; returns when a timer it scheduled falls due, if it
        did."""
        case = firing.cases.get(timer.case_id)
        if case is None:
            return None
        tally = firing.tally
        deadline, _, what = timer.kind.partition(".")
        if timer.kind == "follow_up":
            self._follow_up(case, timer, now, firing)
            return None
        if deadline not in DEADLINES or not _unmet(case, deadline) or case.is_waiting:
            return None
        due = getattr(case, f"{deadline}_due_at")
        base = {"deadline": deadline, "due_at": _iso(due), "priority": case.priority.value}
        if what == "warning":
            tally.warnings += 1
            self._timer_events(timer, case, firing, [("sla.warning", base)])
            return None
        level = self._level(case)
        if what == "escalation" and case.escalation_level >= len(level.escalation.levels):
            return None  # the top of the chain already knows
        breaches = case.breaches
        if what == "breach":
            if deadline in breaches:
                return None
            tally.breaches += 1
            breaches = (*breaches, deadline)
        new_level = case.escalation_level + 1
        escalated_to = level.escalation.level_name(new_level)
        case = attrs.evolve(
            case, breaches=breaches, escalation_level=new_level, escalated_to=escalated_to
        )
        tally.escalations += 1
        firing.change(case)
        self._timer_events(
            timer,
            case,
            firing,
            [
                *([("sla.breached", base)] if what == "breach" else []),
                ("case.escalated", {**base, "level": case.escalation_level, "to": escalated_to}),
            ],
        )
        repeat = level.escalation.repeat_after
        if repeat is not None and case.escalation_level < len(level.escalation.levels):
            next_at = level.calendar.add(timer.due_at, repeat)  # from the instant, not the tick
            firing.timers.append(_timer(case.id, f"{deadline}.escalation", next_at))
            return next_at
        return None

    def _level(self, case: Case) -> ServiceLevel:
        """The service level of ``case``; the customer is read only when a rule needs them."""
        levels = self.service_levels
        customer = self.store.get_customer(case.customer_id) if levels.needs_customer else None
        return levels.for_case(case, customer)

    def _timer_events(
        self,
        timer: Timer,
        case: Case,
        firing: _Firing,
        items: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        reason: str | None = None,
    ) -> None:
        events = [
            Event(
                id=stable_id("ev", timer.id, kind),
                type=kind,
                occurred_at=timer.due_at,
                actor="system",
                customer_id=case.customer_id,
                case_id=case.id,
                feedback_id=case.feedback_id,
                reason=reason,
                data=dict(data),
            )
            for kind, data in items
        ]
        firing.tally.events.extend(events)
        firing.events.extend(events)

    def _follow_up(self, case: Case, timer: Timer, now: datetime, firing: _Firing) -> None:
        if case.stage is not CaseStage.CLOSED:
            return
        customer = self.store.get_customer(case.customer_id)
        done = self.hooks.request_follow_up(case, customer, now)
        if done is not None:
            firing.tally.follow_ups += 1
            self._timer_events(timer, case, firing, [("case.follow_up_requested", {})], reason=done)
        else:
            self._timer_events(
                timer,
                case,
                firing,
                [("case.follow_up_skipped", {})],
                reason="no survey backend took the follow-up",
            )

    # -- messages -------------------------------------------------------------------------------

    def _message(
        self, kind: MessageKind, case: Case, customer: Customer, now: datetime, effects: _Effects
    ) -> Message:
        route = self._reach(case, customer)
        channel, to = route if route is not None else (case.channel or "none", "")
        values = self._values(kind, case, customer, effects.values)
        interaction = None
        if case.feedback_id is not None:
            feedback = self.store.get_feedback(case.feedback_id)
            interaction = self.store.get_interaction(feedback.interaction_id)
        in_reply_to = None
        if interaction is not None and interaction.channel == channel:
            in_reply_to = interaction.thread_id or interaction.external_id
        return compose(
            kind,
            lookup=self.hooks.message_template,
            customer=customer,
            values=values,
            message_id=stable_id("msg", case.id, str(case.version), kind.value),
            channel=channel,
            to=to,
            created_at=now,
            case_id=case.id,
            in_reply_to=in_reply_to,
        )

    def _values(
        self, kind: MessageKind, case: Case, customer: Customer, extra: Mapping[str, str]
    ) -> dict[str, str]:
        language = customer.language.split("-")[0].lower()
        spanish = language == "es"
        name = (customer.preferred_name or customer.name or "").strip()
        values = {"reference": case.id, "sender": self.sender, **extra}
        if name:
            values["name"] = name
        if kind is MessageKind.ACKNOWLEDGEMENT:
            due = case.resolve_due_at or case.acknowledge_due_at
            if due is not None:
                values["respond_by"] = format_when(due, customer, language)
            else:
                values["respond_by"] = "lo antes posible" if spanish else "as soon as we can"
            team = case.team or ""
            values["team_line"] = (
                (
                    f"El equipo {team} ya se está ocupando."
                    if spanish
                    else f"Our {team} team is on it."
                )
                if team
                else ("Ya nos estamos ocupando." if spanish else "We are already on it.")
            )
        if kind in (MessageKind.RESOLUTION, MessageKind.THANKS) and case.feedback_id:
            text = self.store.get_feedback(case.feedback_id).text
            values["you_said"] = _excerpt(text)
        if kind is MessageKind.RESOLUTION and case.resolution:
            values["we_did"] = case.resolution
        if kind in (MessageKind.RESOLUTION, MessageKind.APOLOGY):
            values["apology_line"] = (
                (
                    "Sentimos de verdad las molestias que le causamos. "
                    if spanish
                    else "We are truly sorry for the trouble we caused you. "
                )
                if case.apology
                else ""
            )
            values["gesture_line"] = _gesture_line(case.gesture, spanish)
        return values

    def _reach(self, case: Case, customer: Customer) -> tuple[str, str] | None:
        """The channel and address to reach ``customer``: the case's channel first."""
        names = [case.channel] if case.channel else []
        names += [point.channel for point in customer.contacts if point.channel not in names]
        for name in names:
            if name is None or name not in self.channels:
                continue
            channel = self.channels[name]
            if not isinstance(channel, ReplyingChannel):
                continue
            for point in customer.contacts:
                if point.channel == name:
                    return name, point.value
        # The case's channel may send to another kind of address (a web form answered by e-mail).
        for point in customer.contacts:
            if point.channel in self.channels and isinstance(
                self.channels[point.channel], ReplyingChannel
            ):
                return point.channel, point.value
        return None

    def _queued_events(
        self, messages: Sequence[Message], case: Case, now: datetime, by: str
    ) -> list[Event]:
        return [
            Event(
                id=stable_id("ev", message.id, "queued"),
                type="message.queued",
                occurred_at=now,
                actor=by,
                customer_id=case.customer_id,
                case_id=case.id,
                data={
                    "message_id": message.id,
                    "kind": message.kind.value,
                    "channel": message.channel,
                    "language": message.language,
                    "personalised": message.personalised,
                },
            )
            for message in messages
        ]

    def _deliver(self, now: datetime, tally: _Tally) -> None:
        while True:
            due = self.store.claim_messages(now, limit=100, lease=_SEND_LEASE)
            if not due:
                return
            for message in due:
                delivery, retry_at = self._send(message, now)
                self._record(message, delivery, retry_at, now, tally)

    def _send(self, message: Message, now: datetime) -> tuple[Delivery, datetime | None]:
        stored = self.store.get_message(message.id)
        channel = (
            self.channels[message.channel]
            if message.to and message.channel in self.channels
            else None
        )
        if channel is None or not isinstance(channel, ReplyingChannel):
            return (
                Delivery(
                    message_id=message.id,
                    channel=message.channel,
                    status=DeliveryStatus.UNREACHABLE,
                    at=now,
                    detail="no channel that can send reaches this customer",
                ),
                None,
            )
        try:
            delivery = channel.send(message)
        except Exception as error:  # a channel must not raise; record it as a failure
            log.exception("channel %r raised while sending %s", message.channel, message.id)
            delivery = Delivery(
                message_id=message.id,
                channel=message.channel,
                status=DeliveryStatus.FAILED,
                at=now,
                detail=f"{type(error).__name__}: {error}",
            )
        if not isinstance(delivery, Delivery) or delivery.message_id != message.id:
            raise PluginError(
                f"channel {message.channel!r} send() must return the Delivery of {message.id}, "
                f"got {delivery!r}"
            )
        retry_at = None
        if delivery.status is DeliveryStatus.FAILED and stored.attempts + 1 < _MAX_ATTEMPTS:
            retry_at = now + _FIRST_RETRY * 2**stored.attempts
        return delivery, retry_at

    def _record(
        self,
        message: Message,
        delivery: Delivery,
        retry_at: datetime | None,
        now: datetime,
        tally: _Tally,
    ) -> None:
        with self.store.transaction():
            self.store.record_delivery(delivery, retry_at=retry_at)
            status = delivery.status.value
            event = Event(
                id=stable_id(
                    "ev", message.id, "delivery", str(self.store.get_message(message.id).attempts)
                ),
                type=f"message.{status}",
                occurred_at=now,
                actor=message.channel,
                customer_id=message.customer_id,
                case_id=message.case_id,
                reason=delivery.detail,
                data={
                    "message_id": message.id,
                    "kind": message.kind.value,
                    "retry_at": _iso(retry_at),
                },
            )
            self.store.add_events([event])
            tally.events.append(event)
            if delivery.status is DeliveryStatus.SENT:
                tally.sent += 1
                self._informed_by(message, delivery, now)
            else:
                tally.failed += 1

    def _informed_by(self, message: Message, delivery: Delivery, now: datetime) -> None:
        """A delivered resolution or thank-you informs the customer; a thank-you also closes."""
        if message.case_id is None or message.kind not in (
            MessageKind.RESOLUTION,
            MessageKind.THANKS,
        ):
            return
        case = self.store.get_case(message.case_id)
        if case.stage is not CaseStage.RESOLVED:
            return
        how = f"{message.kind.value} message {message.id} sent by {message.channel}"

        def informed(case: Case, at: datetime, effects: _Effects) -> Case:
            effects.cancel = ["inform.warning", "inform.breach", "inform.escalation"]
            effects.data = {"how": how, "on_time": _on_time(at, case.inform_due_at)}
            return attrs.evolve(
                case, stage=CaseStage.INFORMED, informed_at=delivery.at, informed_how=how
            )

        case = self._apply(case, "inform", message.channel, informed, now, "case.informed")
        if message.kind is MessageKind.THANKS:

            def closed(case: Case, at: datetime, effects: _Effects) -> Case:
                effects.cancel = None
                return attrs.evolve(case, stage=CaseStage.CLOSED, closed_at=at)

            self._apply(case, "close", "system", closed, now, "case.closed", "no action needed")


# -- helpers --------------------------------------------------------------------------------------

_DEADLINE_TIMERS = ("warning", "breach", "escalation")


@attrs.define
class _Effects:
    """What a move does besides changing the case: filled in by the move's change function."""

    customer: Customer
    event_type: str
    data: dict[str, Any] = attrs.Factory(dict)
    messages: list[MessageKind] = attrs.Factory(list)
    values: Mapping[str, str] = attrs.Factory(dict)
    timers: list[Timer] = attrs.Factory(list)
    cancel: list[str] | None = attrs.Factory(list)
    follow_up: bool = False


_Change = Callable[[Case, datetime, _Effects], Case]


@attrs.define
class _Firing:
    """A batch of timers being fired: their cases as the work leaves them, and what to write."""

    cases: dict[str, Case]
    changed: dict[str, None] = attrs.Factory(dict)  # ids of changed cases, in order
    events: list[Event] = attrs.Factory(list)
    timers: list[Timer] = attrs.Factory(list)
    tally: _Tally = attrs.Factory(_Tally)
    next_due: datetime | None = None  # the earliest new timer already due

    def change(self, case: Case) -> None:
        """Keep ``case`` as changed (still with the version it was read with)."""
        self.cases[case.id] = case
        self.changed[case.id] = None


class _TimerTaken(ConflictError):
    """Another worker fired a timer of the batch first: the batch's transaction rolls back."""


def _case_id(feedback_id: str) -> str:
    return stable_id("case", feedback_id)


def _timer(case_id: str, kind: str, due: datetime) -> Timer:
    return Timer(
        id=stable_id("timer", case_id, kind, due.isoformat()),
        case_id=case_id,
        kind=kind,
        due_at=due,
    )


def _unmet(case: Case, deadline: str) -> bool:
    if deadline == "acknowledge":
        return case.acknowledged_at is None and case.stage is CaseStage.RECEIVED
    if deadline == "resolve":
        return case.resolved_at is None and case.is_open
    return case.informed_at is None and case.stage is CaseStage.RESOLVED


def _on_time(at: datetime, due: datetime | None) -> bool | None:
    return None if due is None else at <= due


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _json_data(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def _required(field: str, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, "is required: say it in words")


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= _EXCERPT:
        return flat
    return flat[: _EXCERPT - 1].rsplit(" ", 1)[0] + "…"


def _gesture_line(gesture: RecoveryGesture | None, spanish: bool) -> str:
    if gesture is None:
        return ""
    what = gesture.description or gesture.kind.replace("_", " ")
    if spanish:
        return f"Como muestra de disculpa, le ofrecemos: {what}."
    return f"To make up for it, we would like to offer you: {what}."
