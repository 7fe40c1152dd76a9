"""A case from received to closed: every stage, its event, its message, and the illegal moves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clientvoice import (
    CasePolicy,
    CaseStage,
    DeliveryStatus,
    Listener,
    MessageKind,
    RecoveryGesture,
    TransitionError,
    ValidationError,
)
from clientvoice.workflow.stages import MOVES, allowed_moves

from .conftest import START, complaint


def events_of(listener: Listener, case_id: str) -> list[str]:
    return [e.event.type for e in listener.store.iter_events() if e.event.case_id == case_id]


def test_a_complaint_goes_through_every_stage_and_the_customer_is_told(listener, mailbox):
    (heard,) = listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    assert case.feedback_id == heard.feedback.id
    assert case.stage is CaseStage.RECEIVED and case.opened_because == "it is a complaint"
    assert case.team == "customer-care"

    case = listener.workflow.acknowledge(case.id, by="luis")
    assert case.stage is CaseStage.ACKNOWLEDGED and case.acknowledged_at == START
    assert [m.kind for m in mailbox.sent] == [MessageKind.ACKNOWLEDGEMENT]
    assert mailbox.sent[0].to == "c1@example.com"
    assert mailbox.sent[0].in_reply_to == "m1"

    case = listener.workflow.understand(case.id, by="luis", note="caja aplastada")
    case = listener.workflow.understand(case.id, by="luis", root_cause="embalaje débil")
    assert case.stage is CaseStage.UNDERSTANDING
    assert case.notes == ("caja aplastada",) and case.root_cause == "embalaje débil"

    due = START + timedelta(days=2)
    case = listener.workflow.act(
        case.id, by="luis", plan="reenviar el pedido", owner="ana", due=due
    )
    assert (case.stage, case.owner, case.acting_due_at) == (CaseStage.ACTING, "ana", due)

    gesture = RecoveryGesture(kind="discount", description="20 % en tu próximo pedido", cost=8.0)
    case = listener.workflow.resolve(
        case.id, by="ana", resolution="Te enviamos un pedido nuevo.", apology=True, gesture=gesture
    )
    # The resolution message went out at once, so the case is already informed.
    assert case.stage is CaseStage.INFORMED
    resolution = mailbox.sent[-1]
    assert resolution.kind is MessageKind.RESOLUTION
    assert "El pedido llegó roto" in resolution.body
    assert "Te enviamos un pedido nuevo." in resolution.body
    assert "20 % en tu próximo pedido" in resolution.body
    assert resolution.body.startswith("Hola, Cliente 1:")
    assert case.apology and case.gesture == gesture

    case = listener.workflow.close(case.id, by="ana")
    assert case.stage is CaseStage.CLOSED and not case.is_open
    assert events_of(listener, case.id) == [
        "case.opened",
        "case.acknowledged",
        "message.queued",
        "message.sent",
        "case.understanding",
        "case.understanding",
        "case.acting",
        "case.resolved",
        "message.queued",
        "message.sent",
        "case.informed",
        "case.closed",
    ]
    resolved = next(
        e.event for e in listener.store.iter_events() if e.event.type == "case.resolved"
    )
    assert resolved.actor == "ana"
    assert resolved.data["gesture"] == "discount" and resolved.data["gesture_cost"] == 8.0


def test_illegal_moves_name_the_stage_and_the_allowed_moves(listener):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    with pytest.raises(TransitionError) as caught:
        listener.workflow.resolve(case.id, by="luis", resolution="done")
    error = caught.value
    assert error.stage == "received" and error.move == "resolve"
    assert "acknowledge" in error.allowed and "resolve" not in error.allowed
    assert "'received'" in str(error) and "acknowledge" in str(error)
    # Nothing changed.
    assert listener.store.get_case(case.id).version == case.version
    with pytest.raises(TransitionError):
        listener.workflow.close(case.id, by="luis")


def test_every_stage_allows_some_move_and_closed_only_reopens():
    for stage in CaseStage:
        assert allowed_moves(stage), stage
    assert allowed_moves(CaseStage.CLOSED) == ("reopen",)
    assert set(MOVES) >= {"acknowledge", "understand", "act", "resolve", "inform", "close"}


def test_a_case_is_not_closed_until_the_customer_is_informed(listener, mailbox):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    for move in ("acknowledge", "understand", "act"):
        kwargs = {"plan": "x"} if move == "act" else {}
        case = getattr(listener.workflow, move)(case.id, by="luis", **kwargs)
    case = listener.workflow.resolve(case.id, by="luis", resolution="arreglado", inform=False)
    assert case.stage is CaseStage.RESOLVED
    with pytest.raises(TransitionError, match="allowed moves: inform"):
        listener.workflow.close(case.id, by="luis")
    # Told by phone: recorded as such, and then the case may close.
    case = listener.workflow.inform(case.id, by="luis", told_by="llamada del 3 de marzo")
    assert case.stage is CaseStage.INFORMED and case.informed_how == "llamada del 3 de marzo"
    assert listener.workflow.close(case.id, by="luis").stage is CaseStage.CLOSED


def test_an_unreachable_customer_closes_only_with_the_reason_recorded(listener, mailbox):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    listener.workflow.acknowledge(case.id, by="luis")
    listener.workflow.understand(case.id, by="luis")
    listener.workflow.act(case.id, by="luis", plan="x")
    mailbox.status = DeliveryStatus.UNREACHABLE
    case = listener.workflow.resolve(case.id, by="luis", resolution="arreglado")
    assert case.stage is CaseStage.RESOLVED
    stored = next(listener.store.iter_messages(case_id=case.id, since=START + timedelta(0)))
    assert stored.message.kind is MessageKind.ACKNOWLEDGEMENT
    last = list(listener.store.iter_messages(case_id=case.id))[-1]
    assert last.status is DeliveryStatus.UNREACHABLE
    with pytest.raises(TransitionError):
        listener.workflow.close(case.id, by="luis")
    case = listener.workflow.close(case.id, by="luis", unreachable="el correo rebota")
    assert case.stage is CaseStage.CLOSED
    assert case.unreachable_reason == "el correo rebota"
    assert case.close_reason == "customer unreachable"


def test_a_customer_without_a_channel_that_can_answer_is_unreachable(tmp_path):
    with Listener(autoload=False) as listener:  # no built-in channel sends text messages
        record = complaint(channel="web")
        record["customer"] = {"phone": "+34 600 000 001", "name": "Rosa", "language": "es"}
        listener.hear("web", record)
        (case,) = listener.store.iter_cases()
        listener.workflow.acknowledge(case.id, by="luis")
        (stored,) = listener.store.iter_messages(case_id=case.id)
        assert stored.status is DeliveryStatus.UNREACHABLE
        assert "no channel" in stored.last_delivery.detail


def test_praise_takes_the_no_action_path_and_closes_once_thanked(listener, mailbox):
    (heard,) = listener.hear(
        "email", complaint(kind="praise", text="¡Gracias! El repartidor fue muy amable.")
    )
    assert list(listener.store.iter_cases()) == []  # praise opens no case by default
    case = listener.workflow.open_case(heard.feedback.id, by="marta", reason="agradecer")
    case = listener.workflow.no_action(case.id, by="marta", reason="solo agradecer")
    assert case.stage is CaseStage.CLOSED
    assert case.close_reason == "no action needed" and case.informed_at is not None
    assert mailbox.sent[-1].kind is MessageKind.THANKS
    assert "muy amable" in mailbox.sent[-1].body


def test_reopen_starts_again_with_fresh_deadlines(listener, clock):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    wf = listener.workflow
    wf.acknowledge(case.id, by="l")
    wf.understand(case.id, by="l")
    wf.act(case.id, by="l", plan="p")
    wf.resolve(case.id, by="l", resolution="r")
    wf.close(case.id, by="l")
    clock.advance(days=1)
    case = wf.reopen(case.id, by="l", reason="sigue roto")
    assert case.stage is CaseStage.RECEIVED and case.reopened == 1
    assert case.acknowledged_at is None and case.closed_at is None
    assert case.acknowledge_due_at > clock.now()
    kinds = {t.kind for t in listener.store.iter_timers(case_id=case.id)}
    assert {"acknowledge.breach", "resolve.breach"} <= kinds
    assert "follow_up" not in kinds


def test_moves_require_who_and_words(listener):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    with pytest.raises(ValidationError, match="by"):
        listener.workflow.acknowledge(case.id, by="")
    listener.workflow.acknowledge(case.id, by="l")
    listener.workflow.understand(case.id, by="l")
    with pytest.raises(ValidationError, match="plan"):
        listener.workflow.act(case.id, by="l", plan="  ")


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (complaint(kind="question", follow_up_requested=True), "asked to be contacted"),
        (complaint(kind="question", nps=4), "NPS answer 4"),
        (complaint(kind="question", csat=1), "CSAT answer 1"),
        (complaint(kind="question", ces=2), "CES answer 2"),
        (complaint(kind="question", text="¿A qué hora abre la tienda el sábado?"), None),
        (complaint(kind="praise", nps=10), None),
    ],
)
def test_the_default_policy_opens_cases_for_what_needs_action(listener, record, reason):
    listener.hear("email", record)
    cases = list(listener.store.iter_cases())
    if reason is None:
        assert cases == []
    else:
        (case,) = cases
        assert reason in case.opened_because


def test_the_policy_is_configurable(mailbox, clock):
    policy = CasePolicy(
        kinds={"question"}, nps_at_most=None, negative_sentiment=False, auto_acknowledge=True
    )
    with Listener(plugins=[mailbox], autoload=False, clock=clock, case_policy=policy) as listener:
        listener.hear("email", complaint(1, kind="question"))
        listener.hear("email", complaint(2, kind="praise", nps=2, text="Todo perfecto, gracias."))
        (case,) = listener.store.iter_cases()
        assert case.kind.value == "question"
        assert case.stage is CaseStage.ACKNOWLEDGED  # acknowledged automatically
        assert [m.kind for m in mailbox.sent] == [MessageKind.ACKNOWLEDGEMENT]
    with Listener(autoload=False, case_policy=CasePolicy.never()) as listener:
        listener.hear("web", complaint(follow_up_requested=True, channel="web"))
        assert list(listener.store.iter_cases()) == []


def test_routing_rules_choose_the_team_first_match_wins_and_hooks_come_first(mailbox, clock):
    from clientvoice import Route, RouteRule, RoutingRules, hookimpl

    rules = RoutingRules(
        [
            RouteRule(team="vip-care", owner="marta", membership="club=gold"),
            RouteRule(team="atencion-es", language="es", kind="complaint"),
        ]
    )
    with Listener(plugins=[mailbox, rules], autoload=False, clock=clock) as listener:
        gold = complaint(1)
        gold["customer"]["memberships"] = {"club": "gold"}
        listener.hear("email", gold)
        listener.hear("email", complaint(2))
        english = complaint(3)
        english["customer"]["language"] = "en"
        listener.hear("email", english)
        teams = {c.customer_id: (c.team, c.owner) for c in listener.store.iter_cases()}
        by_n = {
            n: teams[listener.store.find_customer("email", f"c{n}@example.com").id]
            for n in (1, 2, 3)
        }
        assert by_n == {
            1: ("vip-care", "marta"),
            2: ("atencion-es", None),
            3: ("customer-care", None),  # no rule matched: the built-in default
        }

    class Host:
        @hookimpl
        def clientvoice_route_case(self, case):
            return Route(team="night-shift", reason="host decides first")

    with Listener(plugins=[mailbox, rules, Host()], autoload=False, clock=clock) as listener:
        listener.hear("email", complaint(4))
        (case,) = listener.store.iter_cases()
        assert case.team == "night-shift"


def test_a_route_rule_needs_a_destination():
    from clientvoice import RouteRule

    with pytest.raises(ValidationError, match="team"):
        RouteRule(kind="complaint")
