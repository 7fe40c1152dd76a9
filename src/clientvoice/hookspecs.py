"""Every hook a clientvoice plugin can implement: this module is the plugin author's reference.

A plugin is any object or module with functions marked ``@clientvoice.hookimpl`` whose names match
the hooks below. An implementation names only the arguments it needs: pluggy passes nothing else,
so hooks can gain arguments in later versions without breaking existing plugins.

Order: the host application's plugins are called first, then plugins found through the
``clientvoice`` entry-point group, then clientvoice's own built-in plugins, which are ordinary
plugins registered through these same hooks. For hooks where one answer wins (``firstresult``),
the built-in default is marked ``trylast``, so any other plugin's answer takes precedence.

The registration hooks (``clientvoice_register_*``) receive a ``register`` callback, so one plugin
can add several channels, backends or analyzers. When two plugins register the same name, the one
called first wins (the host over third parties over built-ins); the other is recorded as
overridden and shown by ``clientvoice plugins``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from clientvoice.analysis import Analyzer
    from clientvoice.channels import Channel
    from clientvoice.messages import MessageTemplate
    from clientvoice.models import Analysis, Case, Customer, Event, Feedback, MessageKind, Route
    from clientvoice.surveys import SurveyBackend

__all__ = [
    "PROJECT_NAME",
    "clientvoice_analyze_feedback",
    "clientvoice_message_template",
    "clientvoice_on_event",
    "clientvoice_register_analyzers",
    "clientvoice_register_channels",
    "clientvoice_register_survey_backends",
    "clientvoice_request_follow_up",
    "clientvoice_route_case",
    "hookimpl",
    "hookspec",
]

PROJECT_NAME = "clientvoice"
"""The pluggy project name and the entry-point group in which plugins are discovered."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a function in this module as a hook specification."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a plugin function as the implementation of the hook of the same name.

Accepts pluggy's options, e.g. ``@hookimpl(tryfirst=True)`` or ``@hookimpl(wrapper=True)``.
"""


@hookspec
def clientvoice_register_channels(register: Callable[[Channel], None]) -> None:
    """Add channels: the places customers speak to the organisation.

    Called once, when a :class:`~clientvoice.Listener` is created.

    :param register: call it once per :class:`~clientvoice.channels.Channel` object the plugin
        provides. A channel's ``name`` is what interactions record as their channel and what
        :meth:`Listener.hear <clientvoice.Listener.hear>` takes as its first argument.
    :return: nothing; the return value is ignored.

    .. code-block:: python

        @clientvoice.hookimpl
        def clientvoice_register_channels(register):
            register(KioskChannel())
    """


@hookspec
def clientvoice_register_survey_backends(register: Callable[[SurveyBackend], None]) -> None:
    """Add survey backends: the tools that ask customers for scores and comments.

    Called once, when a :class:`~clientvoice.Listener` is created.

    :param register: call it once per :class:`~clientvoice.surveys.SurveyBackend` object.
    :return: nothing; the return value is ignored.
    """


@hookspec
def clientvoice_register_analyzers(register: Callable[[Analyzer], None]) -> None:
    """Add analyzers: components that understand text (language, sentiment, kind, themes...).

    Called once, when a :class:`~clientvoice.Listener` is created. Every registered analyzer runs
    on every piece of feedback as it is ingested, host analyzers first; for each field of the
    :class:`~clientvoice.Analysis`, the first analyzer that knows an answer wins.

    :param register: call it once per :class:`~clientvoice.analysis.Analyzer` object.
    :return: nothing; the return value is ignored.
    """


@hookspec
def clientvoice_analyze_feedback(
    feedback: Feedback, customer: Customer, analysis: Analysis
) -> Analysis | None:
    """Adjust what was understood of one piece of feedback, with the business context at hand.

    Called for each piece of feedback during ingestion, after the registered analyzers ran and
    before anything is stored. Analyzers understand text; this hook is where a host application
    adds what only it knows ("a complaint from a gold member is urgent").

    :param feedback: the feedback as the channel parsed it.
    :param customer: who gave it (as parsed; may be a new customer or a known one).
    :param analysis: what the analyzers found so far (fields may be None).
    :return: an :class:`~clientvoice.Analysis` whose known fields override the analyzers' answers
        (results from plugins called earlier win over later ones), or None to change nothing.
    """


@hookspec(firstresult=True)
def clientvoice_route_case(
    case: Case, feedback: Feedback | None, customer: Customer
) -> Route | None:
    """Choose who takes care of a case. The first plugin returning a route wins.

    Called when a case is opened, and again when it is reopened.

    :param case: the new case, not yet stored.
    :param feedback: the feedback that opened it, if any.
    :param customer: the customer behind it.
    :return: a :class:`~clientvoice.Route` naming an owner and/or a team, or None to let the next
        plugin decide. The built-in default (``trylast``) routes by feedback kind.
    """


@hookspec(firstresult=True)
def clientvoice_message_template(kind: MessageKind, language: str) -> MessageTemplate | None:
    """Give the words of one kind of message in one language. The first template returned wins.

    Called each time a message is composed for a customer (acknowledgement, apology, progress,
    resolution, thanks). When nothing is returned for the customer's language, English is asked
    for next. The built-in templates (``trylast``) cover English and Spanish.

    :param kind: the :class:`~clientvoice.MessageKind` being composed.
    :param language: a base language code, lowercase (``"es"``, ``"en"``, ``"pt"``).
    :return: a :class:`~clientvoice.MessageTemplate`, or None to let the next plugin answer. Its
        placeholders must be among those the workflow fills for that kind (listed with
        this hook in the hooks reference); an unknown one makes composing fail with
        :class:`~clientvoice.TemplateError`, so a customer never gets a blank.
    """


@hookspec(firstresult=True)
def clientvoice_request_follow_up(case: Case, customer: Customer, now: datetime) -> str | None:
    """Ask the customer, some days after a case closed, how it went (a follow-up survey).

    Called by :meth:`~clientvoice.Workflow.tick` when a closed case's follow-up is due (see
    :attr:`~clientvoice.CasePolicy.follow_up_after`). Survey backends implement it; the first
    plugin that takes the request wins.

    :param case: the closed case.
    :param customer: the customer to ask.
    :param now: the instant of the tick that found the follow-up due (the host's clock, or the
        ``now`` given to :meth:`~clientvoice.Workflow.tick`): time any invitation from it, not
        from the wall clock, so a simulated or replayed tick stays consistent. An implementation
        may leave this argument out of its signature.
    :return: a short description of what was done (``"invitation inv-42 sent"``), recorded in the
        ``case.follow_up_requested`` event; None to let the next plugin answer. When no plugin
        answers, a ``case.follow_up_skipped`` event records that no survey backend took it.
    """


@hookspec
def clientvoice_on_event(event: Event) -> None:
    """React to something that happened: send a webhook, notify a chat room, feed analytics.

    Called after the change that produced the event was committed. Delivery is *at least once*:
    after a crash an event may be handed over again, with the same ``event.id``, so an
    implementation that must not act twice should remember the ids it has seen.

    :param event: the :class:`~clientvoice.Event` that was stored.
    :return: nothing; the return value is ignored. An exception stops delivery of this and later
        events until the next attempt, so nothing is skipped.
    """
