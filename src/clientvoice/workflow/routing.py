"""Routing: who takes care of a case.

The module is the built-in plugin with the default route, by what kind of feedback opened the
case, marked ``trylast``: any host or third-party implementation of ``clientvoice_route_case``
that returns a route is used instead. :class:`RoutingRules` is a ready-made plugin of that kind
that routes by rules on kind, priority, channel, language, segment and membership.
"""

from __future__ import annotations

from types import MappingProxyType

import attrs

from clientvoice.errors import ValidationError
from clientvoice.hookspecs import hookimpl
from clientvoice.models import Case, Customer, Feedback, FeedbackKind, Priority, Route

__all__ = ["DEFAULT_TEAMS", "RouteRule", "RoutingRules", "clientvoice_route_case"]

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


@attrs.frozen
class RouteRule:
    """Send matching cases to ``team`` and/or ``owner``. Conditions left None match anything.

    ``membership`` is a membership name (``"club"``) or ``"name=value"`` (``"plan=gold"``);
    ``language`` matches the customer's base language (``"es"`` matches ``"es-MX"``).
    """

    team: str | None = None
    owner: str | None = None
    kind: FeedbackKind | None = attrs.field(
        default=None, converter=attrs.converters.optional(FeedbackKind)
    )
    priority: Priority | None = attrs.field(
        default=None, converter=attrs.converters.optional(Priority)
    )
    channel: str | None = None
    language: str | None = None
    segment: str | None = None
    membership: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.team is None and self.owner is None:
            raise ValidationError("team", None, "a route rule needs a team or an owner")

    def matches(self, case: Case, customer: Customer) -> bool:
        """Whether ``case`` of ``customer`` meets every condition of this rule."""
        checks = (
            self.kind is None or case.kind is self.kind,
            self.priority is None or case.priority is self.priority,
            self.channel is None or case.channel == self.channel,
            self.language is None
            or customer.language.replace("_", "-").split("-")[0].lower() == self.language,
            self.segment is None or self.segment in customer.segments,
            self.membership is None or _holds(customer, self.membership),
        )
        return all(checks)


class RoutingRules:
    """A plugin that routes cases by rules, the first matching rule winning.

    Pass it to the listener like any plugin; it answers ``clientvoice_route_case`` before the
    built-in default, and returns None (letting others decide) when no rule matches::

        Listener(plugins=[RoutingRules([
            RouteRule(team="vip-care", membership="club=gold"),
            RouteRule(team="atencion-es", language="es", kind="complaint"),
        ])])
    """

    def __init__(
        self, rules: list[RouteRule] | tuple[RouteRule, ...], *, name: str = "routing-rules"
    ):
        self.rules = tuple(rules)
        for index, rule in enumerate(self.rules):
            if not isinstance(rule, RouteRule):
                raise ValidationError(f"rules[{index}]", rule, "must be a RouteRule")
        self.name = name

    @hookimpl
    def clientvoice_route_case(self, case: Case, customer: Customer) -> Route | None:
        """The route of the first rule ``case`` matches, or None."""
        for index, rule in enumerate(self.rules):
            if rule.matches(case, customer):
                return Route(owner=rule.owner, team=rule.team, reason=f"routing rule {index + 1}")
        return None


def _holds(customer: Customer, membership: str) -> bool:
    name, _, value = membership.partition("=")
    held = customer.memberships.get(name)
    return held is not None and (not value or held == value)
