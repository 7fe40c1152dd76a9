"""Surveys through the month: invitations under the demo's policies, and the answers heard."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as dt_time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import attrs

from clientvoice._ids import stable_id
from clientvoice.clock import ManualClock
from clientvoice.errors import ConfigurationError
from clientvoice.stores.base import Store
from clientvoice.surveys.definitions import ces_survey, csat_survey, nps_survey
from clientvoice.surveys.invitations import (
    ContactBudget,
    Invitation,
    InvitationPolicy,
    QuietHours,
    Trigger,
)
from clientvoice.surveys.link import LinkBackend
from clientvoice.surveys.service import Surveys
from clientvoice.surveys.tokens import TokenSigner

if TYPE_CHECKING:
    from clientvoice.demo.state import DemoState

__all__ = [
    "FATIGUE",
    "SURVEY_FORM",
    "SURVEY_KEY",
    "SurveyTally",
    "ask_for_opinions",
    "count_survey_answers",
    "demo_surveys",
    "fatigue_check",
]

SURVEY_KEY = "acme-demo-survey-token-key-not-for-production"
"""The key survey tokens are signed with (a demo's: keep a real one in a vault)."""

SURVEY_FORM = "https://acme.example/encuesta"
"""Where Acme's web application serves the survey form the ``link`` backend points to."""


FATIGUE = timedelta(days=14)
"""At most one survey invitation per customer in this time, across all the demo's surveys."""


def demo_surveys(store: Store, clock: ManualClock) -> Surveys:
    """The demo's surveys: NPS a few days after a case is closed, CSAT after a chat, CES after a
    phone call; each with sampling, quiet hours (21:00-09:00 in the customer's zone), consent,
    the :data:`FATIGUE` window and one contact budget shared with everything else Acme says."""
    budget = ContactBudget(max_contacts=4, period=timedelta(days=7))
    rules: dict[str, Any] = {
        "fatigue": FATIGUE,
        "quiet_hours": QuietHours(start=dt_time(21, 0), end=dt_time(9, 0)),
        "budget": budget,
        "expires_after": timedelta(days=7),
        "seed": "acme-demo",
    }
    policies = [
        InvitationPolicy("nps", trigger=Trigger(kinds={"case_closed"}), sampling_rate=0.8, **rules),
        InvitationPolicy(
            "csat",
            trigger=Trigger(channels={"chat"}),
            delay=timedelta(hours=2),
            sampling_rate=0.5,
            **rules,
        ),
        InvitationPolicy(
            "ces",
            trigger=Trigger(channels={"phone"}),
            delay=timedelta(hours=4),
            sampling_rate=0.6,
            **rules,
        ),
    ]
    return Surveys(
        store,
        signer=TokenSigner(SURVEY_KEY),
        surveys=[nps_survey(), csat_survey(), ces_survey()],
        policies=policies,
        backends=[LinkBackend(SURVEY_FORM)],
        follow_up_survey="nps",
        clock=clock,
        sender="The Acme customer care team",
    )


@attrs.define
class SurveyTally:
    """What the month's survey invitations and answers came to."""

    sent: int = 0
    not_sent: Counter[str] = attrs.field(factory=Counter)
    moved_by_quiet_hours: int = 0
    accepted: Counter[str] = attrs.field(factory=Counter)
    rejected: list[str] = attrs.field(factory=list)
    invitations: int = 0
    closest: timedelta | None = None
    too_close: int = 0
    survey_feedback: int = 0

    def lines(self) -> list[str]:
        """The tally as lines of text."""
        refused = ", ".join(f"{code} {n}" for code, n in self.not_sent.most_common()) or "none"
        answers = ", ".join(f"{survey.upper()} {n}" for survey, n in sorted(self.accepted.items()))
        kinds = Counter(_rejection_kind(reason) for reason in self.rejected)
        closest = (
            f"{self.closest / timedelta(days=1):.1f} days" if self.closest is not None else "n/a"
        )
        return [
            f"invitations sent       {self.sent:>5}   ({self.moved_by_quiet_hours} moved past "
            "the customer's quiet hours)",
            f"not sent, by reason    {refused}",
            f"responses accepted     {sum(self.accepted.values()):>5}   ({answers or 'none'}), "
            f"stored as feedback on the survey channel",
            f"responses rejected     {len(self.rejected):>5}   ("
            + (", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) or "none")
            + ")",
            *(f"    refused: {reason}" for reason in self.rejected),
            f"fatigue holds: {self.too_close} customers got two invitations within "
            f"{FATIGUE.days} days (of {self.invitations} invitations in the store; the "
            f"closest two to one customer are {closest} apart)",
        ]


def ask_for_opinions(state: DemoState) -> None:
    """Send survey invitations as the simulated days pass, and hear the customers who answer.

    At the end of every simulated day the surveys invite after that day's interactions (closed
    cases are invited by the workflow's follow-up, under the same policy); a share of the
    customers whose invitation has gone out open the link and submit the host's form, which is
    posted url-encoded, token in a hidden field, to the ``link`` backend. One customer submits
    twice and one answers after the link expired: both are refused with the reason.
    Put it before :func:`listen_for_a_month`; :func:`count_survey_answers` prints the tally.
    """
    if state.surveys is None:
        raise ConfigurationError("ask_for_opinions needs the demo's surveys")
    month = _SurveyMonth(state, state.surveys)
    state.every_day.append(month.day)
    state.survey_month = month


def count_survey_answers(state: DemoState) -> None:
    """Print the month's invitations and answers, and prove from the store that no customer got
    two invitations within the fatigue window."""
    month = state.survey_month
    if month is None:
        raise ConfigurationError("count_survey_answers must come after ask_for_opinions")
    tally = attrs.evolve(
        month.tally,
        not_sent=Counter(month.tally.not_sent),
        rejected=list(month.tally.rejected),
    )
    store = state.listener.store
    for stored in store.iter_events():
        event = stored.event
        if event.type == "case.follow_up_requested" and event.reason:
            if event.reason.startswith("invitation "):
                tally.sent += 1
            else:
                tally.not_sent[event.reason.removeprefix("no invitation: ").split(":")[0]] += 1
    tally.invitations, tally.too_close, tally.closest = fatigue_check(store, FATIGUE)
    tally.survey_feedback = store.count_feedback(channel="survey")
    state.surveys_tally = tally
    state.echo("")
    state.echo("Asking at the right moment (surveys)")
    state.echo("------------------------------------")
    for line in tally.lines():
        state.echo(line)


def fatigue_check(store: Store, window: timedelta) -> tuple[int, int, timedelta | None]:
    """Read every stored invitation: how many there are, how many customers got two within
    ``window`` of each other, and the smallest gap between two invitations to one customer."""
    by_customer: dict[str, list[datetime]] = {}
    total = 0
    for invitation in store.iter_invitations():
        total += 1
        by_customer.setdefault(invitation.customer_id, []).append(invitation.send_at)
    too_close = 0
    closest: timedelta | None = None
    for times in by_customer.values():
        times.sort()
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        if gaps:
            smallest = min(gaps)
            closest = smallest if closest is None else min(closest, smallest)
            too_close += smallest < window
    return total, too_close, closest


class _SurveyMonth:
    """The daily survey round of :func:`ask_for_opinions`."""

    def __init__(self, state: DemoState, surveys: Surveys) -> None:
        self.state = state
        self.surveys = surveys
        self.tally = SurveyTally()
        self.since = state.listener.clock.now()
        self.end = state.listener.clock.now() + timedelta(days=state.days)
        self.seen: set[str] = set()
        self.waiting: list[tuple[datetime, str, str]] = []  # (answers at, invitation, form body)
        self.resent = False
        self.late: tuple[str, str] | None = None

    def day(self, now: datetime) -> None:
        """Invite after the day's interactions, then hear the answers that came in."""
        report = self.surveys.invite_after(now, since=self.since)
        self.since = now
        self.tally.sent += report.sent
        self.tally.moved_by_quiet_hours += report.delayed_by_quiet_hours
        self.tally.not_sent.update(report.not_sent)
        self._open_new_invitations(now)
        due = [item for item in self.waiting if item[0] <= now]
        self.waiting = [item for item in self.waiting if item[0] > now]
        for answered_at, invitation_id, body in sorted(due):
            if self._post(invitation_id, body, answered_at) and not self.resent:
                # The first customer to answer presses "send" again a minute later.
                self.resent = True
                self._post(invitation_id, body, answered_at + timedelta(minutes=1))
        if now >= self.end:
            self._answer_late(now)

    def _answer_late(self, now: datetime) -> None:
        """On the last day, one customer answers a link that expired."""
        if self.late is not None:
            invitation_id, body = self.late
            expires = self.state.listener.store.get_invitation(invitation_id).expires_at
            self._post(invitation_id, body, max(now, expires + timedelta(hours=5)))

    def _open_new_invitations(self, now: datetime) -> None:
        store = self.state.listener.store
        for invitation in store.iter_invitations(since=now - timedelta(days=8)):
            if invitation.id in self.seen or invitation.send_at > now:
                continue
            stored = store.get_message(stable_id("msg", invitation.id))
            if not stored.delivered:
                continue  # not in the customer's inbox yet
            self.seen.add(invitation.id)
            rng = random.Random(f"{self.state.seed}:{invitation.id}")
            roll = rng.random()
            body = _submission(store, invitation, stored.message.body, self.state.seed)
            if roll < 0.45:
                answered_at = invitation.send_at + timedelta(hours=rng.uniform(0.2, 30))
                self.waiting.append((answered_at, invitation.id, body))
            elif self.late is None:
                self.late = (invitation.id, body)

    def _post(self, invitation_id: str, body: str, at: datetime) -> bool:
        listener = self.state.listener
        received = self.surveys.receive("link", body, now=at)
        if received.rejections:
            listener.store.add_rejections(received.rejections)
            self.tally.rejected.extend(r.reason for r in received.rejections)
        if received.records:
            listener.ingest(received.records, channel="survey", source=received.source)
            survey = listener.store.get_invitation(invitation_id).survey_id
            self.tally.accepted[survey] += len(received.records)
        return bool(received.records)


def _submission(store: Store, invitation: Invitation, email_body: str, seed: int) -> str:
    """What the host's form posts when the customer answers: the token from the link in the
    e-mail in a hidden field, the score and perhaps a comment, url-encoded."""
    from clientvoice.demodata import survey_answers

    link = next(word for word in email_body.split() if word.startswith(SURVEY_FORM))
    token = parse_qs(urlsplit(link).query)["token"][0]
    feeling = 0
    for feedback in store.iter_feedback(customer_id=invitation.customer_id):
        if feedback.interaction_id == invitation.interaction_id:
            sentiment = feedback.analysis.sentiment if feedback.analysis else None
            feeling = _FEELING.get(sentiment.value if sentiment else "", 0)
            break
    if invitation.case_id is not None:
        feeling = min(feeling + 1, 1)  # the case was resolved and they were told
    fields = survey_answers(
        invitation.survey_id, invitation.language, feeling, key=invitation.id, seed=seed
    )
    return urlencode({"token": token, **fields})


_FEELING = {"negative": -1, "positive": 1}


def _rejection_kind(reason: str) -> str:
    if "expired" in reason:
        return "expired"
    if "already used" in reason:
        return "already used"
    return reason.split(":")[0]
