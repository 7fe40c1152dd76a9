"""Which feedback opens a case, and how urgent the case is: a policy the host can change.

By default a case is opened for a complaint, for the "please follow up" checkbox, for a detractor
score (NPS 0–6, CSAT 1–2, CES 1–3 where 7 is "very easy"), for negative sentiment, and for high
or critical urgency. :meth:`CasePolicy.why_open` says which of these applied, in words that go
into the case (``opened_because``) and its audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import attrs

from clientvoice.errors import ValidationError
from clientvoice.models import (
    Customer,
    Feedback,
    FeedbackKind,
    Priority,
    Sentiment,
    Urgency,
)

__all__ = ["CasePolicy"]

_URGENCY_ORDER = {u: i for i, u in enumerate(Urgency)}


def _kinds(value: Iterable[FeedbackKind | str]) -> frozenset[FeedbackKind]:
    return frozenset(FeedbackKind(v) for v in value)


def _optional_urgency(value: Urgency | str | None) -> Urgency | None:
    return None if value is None else Urgency(value)


def _optional_duration(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, timedelta) or value < timedelta(0)):
        raise ValidationError(attribute.name, value, "must be a non-negative timedelta or None")


@attrs.frozen
class CasePolicy:
    """Decides which feedback needs a case, the case's priority, and what happens after closing.

    :param kinds: feedback kinds that always open a case.
    :param follow_up_requested: open a case when the customer asked to be contacted (always
        recommended: it is a promise the form made).
    :param nps_at_most: open a case for an NPS answer at or below this (None: never).
    :param csat_at_most: open a case for a CSAT answer at or below this (None: never).
    :param ces_at_most: open a case for a CES answer at or below this (None: never).
    :param negative_sentiment: open a case when analysis found the text negative.
    :param urgency_at_least: open a case when analysis found at least this urgency (None: never).
    :param risks: open a case when analysis found any of these risks (cancellation, legal...).
    :param auto_acknowledge: acknowledge new cases at once with an automatic message, instead of
        leaving the acknowledgement (and its service level) to a person.
    :param follow_up_after: after a case closes, ask the customer how it went this long after
        (through the ``clientvoice_request_follow_up`` hook); None to never ask.
    """

    kinds: frozenset[FeedbackKind] = attrs.field(
        default=frozenset({FeedbackKind.COMPLAINT}), converter=_kinds
    )
    follow_up_requested: bool = True
    nps_at_most: int | None = 6
    csat_at_most: int | None = 2
    ces_at_most: int | None = 3
    negative_sentiment: bool = True
    urgency_at_least: Urgency | None = attrs.field(
        default=Urgency.HIGH, converter=_optional_urgency
    )
    risks: frozenset[str] = attrs.field(
        default=frozenset({"cancellation", "legal", "safety"}), converter=frozenset
    )
    auto_acknowledge: bool = False
    follow_up_after: timedelta | None = attrs.field(
        default=timedelta(days=3), validator=_optional_duration
    )

    @classmethod
    def never(cls) -> CasePolicy:
        """A policy that opens no case by itself (cases are then opened by hand)."""
        return cls(
            kinds=(),
            follow_up_requested=False,
            nps_at_most=None,
            csat_at_most=None,
            ces_at_most=None,
            negative_sentiment=False,
            urgency_at_least=None,
            risks=(),
        )

    def why_open(self, feedback: Feedback) -> str | None:
        """Why ``feedback`` needs a case, in words, or None when it does not."""
        analysis = feedback.analysis
        kind = feedback.kind or (analysis.kind if analysis else None)
        if self.follow_up_requested and feedback.follow_up_requested:
            return "the customer asked to be contacted"
        if kind is not None and kind in self.kinds:
            return f"it is a {kind.value}"
        if _at_most(feedback.nps, self.nps_at_most):
            return f"NPS answer {feedback.nps} (detractor)"
        if _at_most(feedback.csat, self.csat_at_most):
            return f"CSAT answer {feedback.csat} (dissatisfied)"
        if _at_most(feedback.ces, self.ces_at_most):
            return f"CES answer {feedback.ces} (hard effort)"
        if analysis is None:
            return None
        found = sorted(self.risks & analysis.risks)
        if found:
            return f"risk of {', '.join(found)}"
        urgency, threshold = analysis.urgency, self.urgency_at_least
        if urgency and threshold and _URGENCY_ORDER[urgency] >= _URGENCY_ORDER[threshold]:
            return f"{urgency.value} urgency"
        if self.negative_sentiment and analysis.sentiment is Sentiment.NEGATIVE:
            return "negative sentiment"
        return None

    def priority(self, feedback: Feedback, customer: Customer) -> Priority:
        """The priority of a case opened for ``feedback``: urgency and risks raise it."""
        analysis = feedback.analysis
        kind = feedback.kind or (analysis.kind if analysis else None)
        if analysis is not None:
            if analysis.urgency is Urgency.CRITICAL or analysis.risks & {"legal", "safety"}:
                return Priority.URGENT
            if analysis.urgency is Urgency.HIGH or "cancellation" in analysis.risks:
                return Priority.HIGH
        if feedback.nps is not None and feedback.nps <= 3:
            return Priority.HIGH
        if kind in (FeedbackKind.PRAISE, FeedbackKind.SUGGESTION, FeedbackKind.IDEA):
            return Priority.LOW
        return Priority.NORMAL


def _at_most(answer: int | None, limit: int | None) -> bool:
    return answer is not None and limit is not None and answer <= limit
