"""Built-in plugin: the default route of a case, by what kind of feedback opened it.

Marked ``trylast``: any host or third-party implementation of ``clientvoice_route_case`` that
returns a route is used instead.
"""

from __future__ import annotations

from types import MappingProxyType

from clientvoice.hookspecs import hookimpl
from clientvoice.models import Case, Feedback, FeedbackKind, Route

__all__ = ["DEFAULT_TEAMS", "clientvoice_route_case"]

DEFAULT_TEAMS = MappingProxyType(
    {
        FeedbackKind.COMPLAINT: "customer-care",
        FeedbackKind.QUESTION: "support",
        FeedbackKind.REQUEST: "support",
        FeedbackKind.SUGGESTION: "product",
        FeedbackKind.IDEA: "product",
        FeedbackKind.PRAISE: "customer-care",
        FeedbackKind.OTHER: "customer-care",
    }
)
"""The team each kind of feedback goes to when no other plugin decides."""


@hookimpl(trylast=True)
def clientvoice_route_case(case: Case, feedback: Feedback | None) -> Route:
    """Send the case to the team for its feedback's kind (``customer-care`` when unknown)."""
    kind = feedback.kind if feedback is not None and feedback.kind is not None else None
    team = DEFAULT_TEAMS.get(kind, "customer-care") if kind else "customer-care"
    return Route(
        team=team, reason=f"default route for {kind.value if kind else 'unknown'} feedback"
    )
