"""Problems that resolve many cases at once; messages in the customer's words and language."""

from __future__ import annotations

import pytest

from clientvoice import (
    CaseStage,
    Listener,
    MessageKind,
    MessageTemplate,
    ProblemStatus,
    RecoveryGesture,
    TemplateError,
    ValidationError,
    hookimpl,
)

from .conftest import complaint


def test_resolving_a_problem_resolves_every_case_and_tells_every_customer(listener, mailbox):
    for n in range(1, 6):
        lang = "es" if n % 2 else "en"
        record = complaint(n, text=f"Customer {n}: the app crashes at checkout")
        record["customer"]["language"] = lang
        listener.hear("email", record)
    cases = list(listener.store.iter_cases())
    assert len(cases) == 5
    listener.workflow.acknowledge(cases[0].id, by="l")
    problem = listener.workflow.open_problem(
        "Checkout crash in app 4.2",
        by="marta",
        theme="checkout crash",
        cases=[c.id for c in cases[:4]],
    )
    assert {c.problem_id for c in listener.store.iter_cases(problem_id=problem.id)} == {problem.id}
    listener.workflow.link_to_problem(cases[4].id, problem.id, by="marta")
    mailbox.sent.clear()

    done = listener.workflow.resolve_problem(
        problem.id,
        by="marta",
        resolution="We released version 4.2.1, which fixes the crash.",
        root_cause="a null price in the cart",
        gesture=RecoveryGesture(kind="voucher", description="a 10 EUR voucher", cost=10.0),
    )
    assert done.problem.status is ProblemStatus.RESOLVED
    assert len(done.cases) == 5 and len(done.messages) == 5
    assert {m.kind for m in mailbox.sent} == {MessageKind.RESOLUTION}
    assert sorted(m.to for m in mailbox.sent) == sorted(f"c{n}@example.com" for n in range(1, 6))
    assert {m.language for m in mailbox.sent} == {"es", "en"}
    english = next(m for m in mailbox.sent if m.language == "en")
    assert "We released version 4.2.1" in english.body and "10 EUR voucher" in english.body
    for case in listener.store.iter_cases():
        assert case.stage is CaseStage.INFORMED
        assert case.root_cause == "a null price in the cart"
    with pytest.raises(ValidationError, match="already resolved"):
        listener.workflow.resolve_problem(problem.id, by="marta", resolution="again")


def test_a_plugin_template_wins_over_the_built_in_one(mailbox, clock):
    class Brand:
        @hookimpl
        def clientvoice_message_template(self, kind, language):
            if kind is MessageKind.ACKNOWLEDGEMENT and language == "es":
                return MessageTemplate("Acme: {reference}", "{greeting} Recibido. {sender}")
            return None

    with Listener(plugins=[mailbox, Brand()], autoload=False, clock=clock, sender="Acme") as lis:
        lis.hear("email", complaint())
        (case,) = lis.store.iter_cases()
        lis.workflow.acknowledge(case.id, by="l")
        assert mailbox.sent[-1].subject == f"Acme: {case.id}"
        assert mailbox.sent[-1].body == "Hola, Cliente 1: Recibido. Acme\n"


def test_a_template_that_cannot_be_filled_is_an_error_and_nothing_changes(mailbox, clock):
    class Broken:
        @hookimpl
        def clientvoice_message_template(self, kind, language):
            return MessageTemplate("Hi", "{greeting} your order {order_number} is late")

    with Listener(plugins=[mailbox, Broken()], autoload=False, clock=clock) as lis:
        lis.hear("email", complaint())
        (case,) = lis.store.iter_cases()
        with pytest.raises(TemplateError, match=r"\{order_number\}") as caught:
            lis.workflow.acknowledge(case.id, by="l")
        assert caught.value.fields == ("order_number",)
        assert lis.store.get_case(case.id).stage is CaseStage.RECEIVED
        assert mailbox.sent == []


def test_a_customer_without_a_name_gets_a_message_that_says_so(listener, mailbox):
    record = complaint()
    record["customer"] = {"email": "anon@example.com", "language": "en"}
    listener.hear("email", record)
    (case,) = listener.store.iter_cases()
    listener.workflow.acknowledge(case.id, by="l")
    message = mailbox.sent[-1]
    assert message.personalised is False and message.body.startswith("Hello,\n")
    queued = next(e for e in listener.store.iter_events() if e.event.type == "message.queued")
    assert queued.event.data["personalised"] is False


def test_preferred_name_is_used_and_unknown_languages_fall_back_to_english(listener, mailbox):
    record = complaint()
    record["customer"].update(name="Margarida Sousa", preferred_name="Guida", language="pt")
    listener.hear("email", record)
    (case,) = listener.store.iter_cases()
    listener.workflow.acknowledge(case.id, by="l")
    assert mailbox.sent[-1].body.startswith("Hello Guida,")
    assert mailbox.sent[-1].language == "en"


def test_progress_and_apology_messages(listener, mailbox):
    listener.hear("email", complaint())
    (case,) = listener.store.iter_cases()
    wf = listener.workflow
    wf.acknowledge(case.id, by="l")
    wf.progress(case.id, by="l", update="el transportista ha recogido el paquete.")
    wf.apologise(
        case.id,
        by="l",
        apology="Sentimos mucho el retraso.",
        gesture=RecoveryGesture(kind="gift", description="una caja de bombones"),
    )
    progress, apology = mailbox.sent[-2:]
    assert progress.kind is MessageKind.PROGRESS and "transportista" in progress.body
    assert apology.kind is MessageKind.APOLOGY and "bombones" in apology.body
    assert listener.store.get_case(case.id).apology is True


def test_events_reach_plugins_after_commit_at_least_once_with_stable_ids(mailbox, clock):
    seen = []

    class Audit:
        fail = True

        @hookimpl
        def clientvoice_on_event(self, event):
            if event.type == "case.acknowledged" and self.fail:
                self.fail = False
                raise RuntimeError("webhook down")
            seen.append(event.id)

    with Listener(plugins=[mailbox, Audit()], autoload=False, clock=clock) as lis:
        lis.hear("email", complaint())
        (case,) = lis.store.iter_cases()
        with pytest.raises(RuntimeError):
            lis.workflow.acknowledge(case.id, by="l")
        # The change was committed before the hook failed.
        assert lis.store.get_case(case.id).stage is CaseStage.ACKNOWLEDGED
        lis.deliver_events()
        types = [e.event.type for e in lis.store.iter_events()]
        assert len(seen) == len(types) == len(set(seen))
