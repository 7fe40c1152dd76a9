"""The listening workflow: how a case moves from received to closed, on time, and who takes care.

* :mod:`~clientvoice.workflow.stages` — which moves each stage allows;
* :mod:`~clientvoice.workflow.calendar` — business hours, time zones and holidays;
* :mod:`~clientvoice.workflow.sla` — service levels and escalation chains;
* :mod:`~clientvoice.workflow.policy` — which feedback opens a case, and its priority;
* :mod:`~clientvoice.workflow.engine` — the :class:`Workflow` that moves cases and runs ``tick``;
* :mod:`~clientvoice.workflow.routing` — the built-in routing plugin.
"""

from __future__ import annotations

from clientvoice.workflow.calendar import BusinessCalendar
from clientvoice.workflow.engine import ProblemResolution, TickReport, Workflow
from clientvoice.workflow.policy import CasePolicy
from clientvoice.workflow.routing import DEFAULT_TEAMS, RouteRule, RoutingRules
from clientvoice.workflow.sla import (
    Escalation,
    ServiceLevel,
    ServiceLevels,
    SLARule,
    default_service_levels,
)

__all__ = [
    "DEFAULT_TEAMS",
    "BusinessCalendar",
    "CasePolicy",
    "Escalation",
    "ProblemResolution",
    "RouteRule",
    "RoutingRules",
    "SLARule",
    "ServiceLevel",
    "ServiceLevels",
    "TickReport",
    "Workflow",
    "default_service_levels",
]
