"""Surveys at work on a real store and Listener: invite, answer, refuse, restart, follow up."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice import (
    CasePolicy,
    Listener,
    ManualClock,
    MemoryStore,
    SQLiteStore,
    ValidationError,
    hookimpl,
)
from clientvoice.channels import parse_record
from clientvoice.models import Delivery, Message, MessageKind
from clientvoice.stores.base import Store
from clientvoice.surveys import (
    ContactBudget,
    InvitationPolicy,
    QuietHours,
    TokenSigner,
    Trigger,
    csat_survey,
    nps_survey,
)
from clientvoice.surveys.link import LinkBackend
from clientvoice.surveys.service import Surveys

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc)
KEY = "surveys-test-key-0123456789abcdef"


def customer(email: str, *, surveys: bool = True, zone: str = "Europe/Madrid") -> dict[str, Any]:
    return {
        "email": email,
        "name": email.split("@")[0].title(),
        "language": "es",
        "timezone": zone,
        "consents": {"surveys": surveys},
    }


def record(n: int, email: str, hours_ago: float, **who: Any) -> dict[str, Any]:
    return {
        "channel": "web",
        "external_id": f"order-{n}",
        "occurred_at": (NOW - timedelta(hours=hours_ago)).isoformat(),
        "customer": customer(email, **who),
        "text": "Pedido entregado",
    }


def make_surveys(store: Store, **options: Any) -> Surveys:
    policy = InvitationPolicy(
        "nps",
        trigger=Trigger(channels={"web"}),
        fatigue=timedelta(days=30),
        quiet_hours=QuietHours(),
        budget=options.pop("budget", None),
    )
    return Surveys(
        store,
        signer=TokenSigner(KEY),
        surveys=[nps_survey(), csat_survey()],
        policies=[policy, *options.pop("extra_policies", ())],
        backends=[LinkBackend("https://shop.example/encuesta")],
        **options,
    )


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "s.db")
    with opened:
        yield opened


def token_of(store: Store, customer_id: str) -> str:
    (message,) = [
        stored.message
        for stored in store.iter_messages(customer_id=customer_id)
        if stored.message.kind is MessageKind.SURVEY_INVITATION
    ]
    link = next(word for word in message.body.split() if word.startswith("https://"))
    return parse_qs(urlsplit(link).query)["token"][0]


def heard(listener: Listener) -> dict[str, str]:
    return {c.contact("email"): c.id for c in listener.store.iter_customers()}


def test_invite_after_sends_and_counts_every_refusal_by_reason(store: Store):
    listener = Listener(store, autoload=False)
    listener.ingest(
        [
            record(1, "ana@example.com", 30),
            record(2, "ana@example.com", 20),  # a second order: fatigue
            record(3, "bob@example.com", 10, surveys=False),  # no consent
            record(4, "eva@example.com", 5, zone="America/Mexico_City"),  # 10:00 local
            record(5, "leo@example.com", 1, zone="Asia/Tokyo"),  # 00:00 in Tokyo: quiet
            {**record(6, "zoe@example.com", 2), "channel": "email"},  # not a trigger
        ]
    )
    surveys = make_surveys(store)
    report = surveys.invite_after(NOW)
    assert (report.sent, report.delayed_by_quiet_hours, report.not_triggered) == (3, 1, 1)
    assert report.not_sent == {"fatigue": 1, "consent": 1}
    assert (
        str(report)
        == "invitations sent 3 (1 moved past quiet hours), not sent: consent 1, fatigue 1"
    )
    ids = heard(listener)
    message = next(s.message for s in store.iter_messages(customer_id=ids["ana@example.com"]))
    assert message.kind is MessageKind.SURVEY_INVITATION
    assert message.language == "es"
    assert "https://shop.example/encuesta?token=cv1." in message.body
    assert "recomiende" in message.body
    (leo,) = store.iter_invitations(customer_id=ids["leo@example.com"])
    assert leo.send_at == datetime(2026, 3, 3, 0, 0, tzinfo=timezone.utc)  # 09:00 in Tokyo
    assert [e.event.type for e in store.iter_events()].count("survey.invited") == 3
    again = surveys.invite_after(NOW + timedelta(minutes=5))
    assert (again.sent, again.already_invited) == (0, 3)


def test_an_answer_becomes_feedback_linked_to_the_interaction_it_asked_about(store: Store):
    listener = Listener(store, autoload=False)
    listener.ingest([record(1, "ana@example.com", 30)])
    surveys = make_surveys(store)
    surveys.invite_after(NOW)
    ana = heard(listener)["ana@example.com"]
    (asked,) = store.iter_interactions(customer_id=ana)
    form = {"token": token_of(store, ana), "nps": "9", "comment": "Rápido y amable"}
    received = surveys.receive("link", form, now=NOW + timedelta(hours=1))
    assert received.rejections == []
    report = listener.ingest(received.records, channel="survey", source=received.source)
    assert report.stored == 1
    (feedback,) = [f for f in store.iter_feedback() if f.nps is not None]
    assert (feedback.customer_id, feedback.nps, feedback.text) == (ana, 9, "Rápido y amable")
    survey = store.get_interaction(feedback.interaction_id).metadata["survey"]
    assert survey["about_interaction_id"] == asked.id
    assert survey["id"] == "nps"

    replay = surveys.receive("link", form, now=NOW + timedelta(hours=2))
    assert replay.records == []
    (rejection,) = replay.rejections
    assert rejection.field == "token"
    assert "already used" in rejection.reason
    store.add_rejections(replay.rejections)
    assert listener.dead_letters(source="survey:link") == [rejection]


def test_an_out_of_range_answer_is_refused_without_using_up_the_token(store: Store):
    listener = Listener(store, autoload=False)
    listener.ingest([record(1, "ana@example.com", 30)])
    surveys = make_surveys(store)
    surveys.invite_after(NOW)
    token = token_of(store, heard(listener)["ana@example.com"])
    bad = surveys.receive("link", {"token": token, "nps": "11"}, now=NOW)
    assert bad.rejections[0].field == "answers.nps"
    assert "from 0 to 10" in bad.rejections[0].reason
    good = surveys.receive("link", {"token": token, "nps": "10"}, now=NOW)
    assert [r["nps"] for r in good.records] == [10]


def test_missing_forged_expired_and_unknown_tokens_are_refused_with_the_reason(store: Store):
    listener = Listener(store, autoload=False)
    listener.ingest([record(1, "ana@example.com", 30)])
    surveys = make_surveys(store)
    surveys.invite_after(NOW)
    token = token_of(store, heard(listener)["ana@example.com"])
    (invitation,) = store.iter_invitations()
    other_signer = Surveys(
        MemoryStore(), signer=TokenSigner("another-key-0123456789abcdef"), surveys=[], policies=[]
    ).signer
    cases = [
        ({"nps": "9"}, NOW, "carries no survey token"),
        ({"token": other_signer.issue(invitation), "nps": "9"}, NOW, "bad signature"),
        ({"token": token, "nps": "9"}, invitation.expires_at, "expired"),
        ({"token": "cv1.nonsense", "nps": "9"}, NOW, "not a clientvoice survey token"),
    ]
    for form, when, reason in cases:
        (rejection,) = surveys.receive("link", form, now=when).rejections
        assert reason in rejection.reason
    unknown = attrs_evolve(invitation, id="inv_deleted")
    (rejection,) = surveys.receive(
        "link", {"token": surveys.signer.issue(unknown), "nps": "9"}, now=NOW
    ).rejections
    assert "unknown invitation" in rejection.reason


def attrs_evolve(item: Any, **changes: Any) -> Any:
    import attrs

    return attrs.evolve(item, **changes)


def test_invitations_and_used_tokens_survive_a_restart(tmp_path: Path):
    path = tmp_path / "restart.db"
    with SQLiteStore(path) as first:
        Listener(first, autoload=False).ingest([record(1, "ana@example.com", 30)])
        assert make_surveys(first).invite_after(NOW).sent == 1
        token = token_of(first, next(first.iter_customers()).id)
    with SQLiteStore(path) as second:
        surveys = make_surveys(second)
        assert surveys.invite_after(NOW).already_invited == 1
        assert len(surveys.receive("link", {"token": token, "nps": "7"}, now=NOW).records) == 1
    with SQLiteStore(path) as third:
        rejected = make_surveys(third).receive("link", {"token": token, "nps": "7"}, now=NOW)
        assert "already used" in rejected.rejections[0].reason


class Mailbox:
    """An e-mail channel that keeps what it sends."""

    name = "email"

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def parse(self, payload: Any, *, now: datetime) -> list[Any]:
        return [parse_record(payload, channel=self.name, now=now)]

    def send(self, message: Message) -> Delivery:
        self.sent.append(message)
        return Delivery(
            message_id=message.id, channel=self.name, status="sent", at=message.created_at
        )

    @hookimpl
    def clientvoice_register_channels(self, register: Any) -> None:
        register(self)


CLAIM = """
import sys
from datetime import datetime, timezone
from clientvoice import SQLiteStore
with SQLiteStore(sys.argv[1]) as store:
    print(store.claim_token("inv-race", datetime.now(timezone.utc)))
"""


def test_of_many_processes_claiming_one_token_exactly_one_wins(tmp_path: Path):
    from clientvoice.surveys import Invitation

    path = tmp_path / "race.db"
    with SQLiteStore(path) as store:
        store.save_invitation(
            Invitation(
                id="inv-race",
                survey_id="nps",
                customer_id="c",
                interaction_id="i",
                channel="email",
                to="c@example.com",
                language="es",
                send_at=NOW,
                expires_at=NOW + timedelta(days=1),
            )
        )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIM, str(path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    answers = sorted(worker.communicate(timeout=60)[0].strip() for worker in workers)
    assert answers == ["False", "False", "False", "True"]


def close_a_case(
    tmp_path: Path, budget: ContactBudget | None, acknowledge_by_message: bool
) -> tuple[Listener, Mailbox, Any]:
    """A listener whose one case was closed two days ago, with a csat follow-up policy."""
    clock = ManualClock(NOW)
    store = SQLiteStore(tmp_path / "follow.db")
    follow_up = InvitationPolicy(
        "csat",
        trigger=Trigger(kinds={"case_closed"}),
        quiet_hours=None,
        fatigue=timedelta(days=30),
        budget=budget,
    )
    surveys = make_surveys(store, extra_policies=[follow_up], follow_up_survey="csat", clock=clock)
    mailbox = Mailbox()
    listener = Listener(
        store,
        plugins=[mailbox, surveys],
        autoload=False,
        clock=clock,
        case_policy=CasePolicy(follow_up_after=timedelta(days=2)),
    )
    assert listener.survey_backends["link"] is surveys.backends["link"]
    complaint = {**record(9, "ana@example.com", 1), "kind": "complaint", "channel": "email"}
    listener.ingest([complaint])
    (case,) = store.iter_cases()
    wf = listener.workflow
    wf.acknowledge(case.id, by="l", message=acknowledge_by_message)
    wf.understand(case.id, by="l")
    wf.act(case.id, by="l", plan="p")
    wf.resolve(case.id, by="l", resolution="r")
    wf.close(case.id, by="l")
    clock.set(NOW + timedelta(days=2))
    return listener, mailbox, case


def test_a_closed_case_follow_up_becomes_a_real_invitation(tmp_path: Path):
    listener, mailbox, case = close_a_case(tmp_path, None, acknowledge_by_message=False)
    with listener:
        report = listener.tick(NOW + timedelta(days=2))
        assert report.follow_ups == 1
        (asked,) = [e for e in report.events if e.type == "case.follow_up_requested"]
        assert asked.reason.startswith("invitation inv_")
        (invitation,) = listener.store.iter_invitations()
        assert (invitation.survey_id, invitation.case_id) == ("csat", case.id)
        (sent,) = [m for m in mailbox.sent if m.kind is MessageKind.SURVEY_INVITATION]
        assert sent.case_id == case.id
        assert "https://shop.example/encuesta?token=" in sent.body


def test_a_follow_up_is_timed_by_the_tick_not_by_the_surveys_clock(tmp_path: Path):
    listener, _mailbox, _case = close_a_case(tmp_path, None, acknowledge_by_message=False)
    later = NOW + timedelta(days=5)  # a replayed or simulated tick, ahead of the clock
    with listener:
        assert listener.tick(later).follow_ups == 1
        (invitation,) = listener.store.iter_invitations()
        assert invitation.send_at == later


def test_a_follow_up_respects_the_budget_the_workflow_messages_used(tmp_path: Path):
    budget = ContactBudget(2, timedelta(days=7))
    listener, mailbox, _case = close_a_case(tmp_path, budget, acknowledge_by_message=True)
    with listener:
        kinds = [m.kind for m in mailbox.sent]
        assert kinds == [MessageKind.ACKNOWLEDGEMENT, MessageKind.RESOLUTION]
        report = listener.tick(NOW + timedelta(days=2))
        (asked,) = [e for e in report.events if e.type == "case.follow_up_requested"]
        assert asked.reason.startswith("no invitation: budget:")
        assert list(listener.store.iter_invitations()) == []


def test_the_budget_counts_the_workflows_own_messages(store: Store):
    listener = Listener(store, autoload=False)
    listener.ingest([record(1, "ana@example.com", 30)])
    ana = heard(listener)["ana@example.com"]
    store.queue_messages(
        [
            Message(
                id=f"m{n}",
                customer_id=ana,
                channel="email",
                to="ana@example.com",
                kind=kind,
                language="es",
                subject="s",
                body="b",
                created_at=NOW - timedelta(days=n),
            )
            for n, kind in ((1, MessageKind.ACKNOWLEDGEMENT), (2, MessageKind.PROGRESS))
        ]
    )
    surveys = make_surveys(store, budget=ContactBudget(2, timedelta(days=7)))
    report = surveys.invite_after(NOW)
    assert report.not_sent == {"budget": 1}


FIELD_VALUES = st.text(max_size=12) | st.lists(st.text(max_size=5), max_size=3)


@settings(max_examples=80, deadline=None)
@given(
    fields=st.dictionaries(
        st.sampled_from(["nps", "comment", "token", "other"]) | st.text(max_size=6), FIELD_VALUES
    ),
    with_token=st.booleans(),
)
def test_any_submitted_form_is_accepted_or_refused_with_a_reason(fields, with_token):
    store = MemoryStore()
    Listener(store, autoload=False).ingest([record(1, "ana@example.com", 30)])
    surveys = make_surveys(store)
    surveys.invite_after(NOW)
    if with_token:
        fields = {**fields, "token": token_of(store, next(store.iter_customers()).id)}
    try:
        received = surveys.receive("link", fields, now=NOW)
    except ValidationError as error:  # the form as a whole could not be read
        assert error.field in ("token", "payload") or error.field.startswith("answers")
        return
    assert len(received.records) + len(received.rejections) == 1
    for rejection in received.rejections:
        assert rejection.reason and rejection.source == "survey:link"
    for accepted in received.records:
        assert 0 <= accepted["nps"] <= 10
