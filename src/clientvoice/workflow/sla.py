"""Service levels: how soon a case must be acknowledged, resolved and the customer informed.

A :class:`ServiceLevel` holds three targets in business time on a
:class:`~clientvoice.BusinessCalendar`, when to warn before a breach, and the
:class:`Escalation` chain a breach climbs. :class:`ServiceLevels` chooses the level of each case
by rules on priority, kind, segment and membership; the first rule that matches wins.

    >>> from datetime import timedelta
    >>> from clientvoice import BusinessCalendar, Priority, ServiceLevel, ServiceLevels, SLARule
    >>> office = BusinessCalendar.weekdays("09:00", "18:00", timezone="Europe/Madrid")
    >>> levels = ServiceLevels(
    ...     [SLARule(ServiceLevel(timedelta(hours=1), timedelta(hours=8), calendar=office),
    ...              priority=Priority.URGENT),
    ...      SLARule(ServiceLevel(timedelta(hours=2), timedelta(days=1), calendar=office),
    ...              membership="club")],
    ...     default=ServiceLevel(timedelta(hours=8), timedelta(hours=40), calendar=office),
    ... )
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from clientvoice.errors import ValidationError
from clientvoice.models import Case, Customer, FeedbackKind, Priority
from clientvoice.workflow.calendar import BusinessCalendar

__all__ = [
    "DEADLINES",
    "Escalation",
    "SLARule",
    "ServiceLevel",
    "ServiceLevels",
    "default_service_levels",
]

DEADLINES: tuple[str, ...] = ("acknowledge", "resolve", "inform")
"""The three promises a service level makes, in the order a case meets them."""


def _duration(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(attribute.name, value, "must be a positive timedelta or None")


def _fraction(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ValidationError(attribute.name, value, "must be a fraction between 0 and 1")


def _levels(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError(attribute.name, value, "must be a list of non-empty names")


@attrs.frozen
class Escalation:
    """Who hears of a breach: the first breach goes to ``levels[0]``, the next to ``levels[1]``...

    Each missed deadline escalates exactly once. With ``repeat_after``, a deadline still unmet
    that long (in business time) after its breach escalates again, one level higher, until the
    chain ends.
    """

    levels: tuple[str, ...] = attrs.field(
        default=("team lead", "manager", "director"), converter=tuple, validator=_levels
    )
    repeat_after: timedelta | None = attrs.field(default=None, validator=_duration)

    def level_name(self, level: int) -> str:
        """Who is told at escalation ``level`` (1-based); the top of the chain beyond its end."""
        return self.levels[min(level, len(self.levels)) - 1]


@attrs.frozen
class ServiceLevel:
    """The promises made for one kind of case, in business time on ``calendar``.

    :param acknowledge: from opening to acknowledgement (None: no promise).
    :param resolve: from opening to resolution.
    :param inform: from resolution to the customer being told what was done.
    :param calendar: the business hours the times run on (24/7 if omitted).
    :param warn_at: the fraction of each target after which a warning is raised (0.8: when 80 %
        of the time is used).
    :param escalation: the chain a breach climbs.
    :param name: a label for reports.
    """

    acknowledge: timedelta | None = attrs.field(default=None, validator=_duration)
    resolve: timedelta | None = attrs.field(default=None, validator=_duration)
    inform: timedelta | None = attrs.field(default=timedelta(hours=8), validator=_duration)
    calendar: BusinessCalendar = attrs.field(
        factory=BusinessCalendar.always,
        validator=attrs.validators.instance_of(BusinessCalendar),
    )
    warn_at: float = attrs.field(default=0.8, validator=_fraction)
    escalation: Escalation = attrs.field(
        factory=Escalation, validator=attrs.validators.instance_of(Escalation)
    )
    name: str = ""

    def target(self, deadline: str) -> timedelta | None:
        """The business time allowed for ``deadline`` (one of :data:`DEADLINES`)."""
        if deadline not in DEADLINES:
            raise ValidationError("deadline", deadline, f"must be one of {', '.join(DEADLINES)}")
        value: timedelta | None = getattr(self, deadline)
        return value

    def due(self, deadline: str, start: datetime) -> datetime | None:
        """When ``deadline`` falls for a clock started at ``start``; None without a target."""
        target = self.target(deadline)
        return None if target is None else self.calendar.add(start, target)

    def warning(self, deadline: str, start: datetime) -> datetime | None:
        """When to warn that ``deadline`` is near; None without a target."""
        target = self.target(deadline)
        return None if target is None else self.calendar.add(start, target * self.warn_at)


@attrs.frozen
class SLARule:
    """Use ``level`` for cases that match every condition given (None matches anything).

    ``membership`` is a membership name (``"club"``) or ``"name=value"`` (``"plan=gold"``).
    """

    level: ServiceLevel = attrs.field(validator=attrs.validators.instance_of(ServiceLevel))
    priority: Priority | None = attrs.field(
        default=None, converter=attrs.converters.optional(Priority)
    )
    kind: FeedbackKind | None = attrs.field(
        default=None, converter=attrs.converters.optional(FeedbackKind)
    )
    segment: str | None = None
    membership: str | None = None

    @property
    def needs_customer(self) -> bool:
        """Whether the rule looks at the customer (segment or membership)."""
        return self.segment is not None or self.membership is not None

    def matches(self, case: Case, customer: Customer | None) -> bool:
        """Whether this rule applies to ``case`` of ``customer``.

        :raises ValidationError: if the rule looks at the customer and none is given.
        """
        if customer is None and self.needs_customer:
            raise ValidationError("customer", None, "this rule needs the customer to match")
        if self.priority is not None and case.priority is not self.priority:
            return False
        if self.kind is not None and case.kind is not self.kind:
            return False
        if customer is None:
            return True
        if self.segment is not None and self.segment not in customer.segments:
            return False
        if self.membership is not None:
            name, _, value = self.membership.partition("=")
            held = customer.memberships.get(name)
            if held is None or (value and held != value):
                return False
        return True


class ServiceLevels:
    """Chooses the :class:`ServiceLevel` of each case: the first matching rule, else the default.

    :param rules: :class:`SLARule` items, most specific first.
    :param default: the level of cases no rule matches.
    """

    def __init__(self, rules: Iterable[SLARule] = (), *, default: ServiceLevel) -> None:
        self.rules: tuple[SLARule, ...] = tuple(rules)
        for index, rule in enumerate(self.rules):
            if not isinstance(rule, SLARule):
                raise ValidationError(f"rules[{index}]", rule, "must be an SLARule")
        if not isinstance(default, ServiceLevel):
            raise ValidationError("default", default, "must be a ServiceLevel")
        self.default = default

    @property
    def needs_customer(self) -> bool:
        """Whether any rule looks at the customer (so :meth:`for_case` needs one)."""
        return any(rule.needs_customer for rule in self.rules)

    def for_case(self, case: Case, customer: Customer | None) -> ServiceLevel:
        """The service level promised for ``case`` of ``customer``.

        ``customer`` may be None when no rule :attr:`needs_customer`.
        """
        for rule in self.rules:
            if rule.matches(case, customer):
                return rule.level
        return self.default

    @property
    def levels(self) -> Sequence[ServiceLevel]:
        """Every level in use: the rules' in order, then the default."""
        return [*(rule.level for rule in self.rules), self.default]

    def __repr__(self) -> str:
        return f"ServiceLevels({len(self.rules)} rules)"


def default_service_levels(calendar: BusinessCalendar | None = None) -> ServiceLevels:
    """Sensible promises to start from, by priority, on ``calendar`` (9–17 weekdays, UTC).

    ==========  ===========  ===========  ==========
    priority    acknowledge  resolve      inform
    ==========  ===========  ===========  ==========
    urgent      1 h          8 h          2 h
    high        4 h          16 h         4 h
    normal      8 h          40 h         8 h
    low         16 h         80 h         16 h
    ==========  ===========  ===========  ==========

    Times are business hours: "40 h" is a working week on a 9–17 calendar.
    """
    office = calendar or BusinessCalendar.weekdays("09:00", "17:00", name="office hours")
    hours = timedelta(hours=1)

    def level(name: str, acknowledge: int, resolve: int, inform: int) -> ServiceLevel:
        return ServiceLevel(
            acknowledge * hours, resolve * hours, inform * hours, calendar=office, name=name
        )

    return ServiceLevels(
        [
            SLARule(level("urgent", 1, 8, 2), priority=Priority.URGENT),
            SLARule(level("high", 4, 16, 4), priority=Priority.HIGH),
            SLARule(level("low", 16, 80, 16), priority=Priority.LOW),
        ],
        default=level("normal", 8, 40, 8),
    )
