"""The invitation policy: trigger, consent, sampling, fatigue, quiet hours, contact budget."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientvoice import ValidationError
from clientvoice.models import Consents, ContactPoint, Customer, Interaction
from clientvoice.surveys import (
    Contact,
    ContactBudget,
    InvitationPolicy,
    MemoryContactHistory,
    Occasion,
    QuietHours,
    Trigger,
)
from clientvoice.surveys.invitations import SURVEY_INVITATION

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
ANA = Customer(
    id="ana",
    name="Ana",
    language="es",
    timezone="America/Mexico_City",
    contacts=(ContactPoint("email", "ana@example.com"),),
    consents=Consents(surveys=True),
)


def occasion(
    n: int = 1,
    *,
    customer: Customer = ANA,
    at: datetime = NOW,
    channel: str = "web",
    **metadata: str,
) -> Occasion:
    interaction = Interaction(
        id=f"int-{n}", customer_id=customer.id, channel=channel, occurred_at=at, metadata=metadata
    )
    return Occasion(customer, interaction)


def codes(reasons: list) -> list[str]:
    return [reason.code for reason in reasons]


def test_a_matching_occasion_is_invited_after_the_delay():
    policy = InvitationPolicy("nps", delay=timedelta(hours=2), quiet_hours=None)
    decision = policy.decide(occasion(), MemoryContactHistory(), NOW)
    assert decision.invitation is not None
    assert decision.invitation.send_at == NOW + timedelta(hours=2)
    assert decision.invitation.to == "ana@example.com"
    assert decision.invitation.expires_at == decision.invitation.send_at + timedelta(days=14)
    again = policy.decide(occasion(), MemoryContactHistory(), NOW)
    assert again.invitation == decision.invitation  # the same occasion, the same invitation


def test_every_reason_not_to_invite_is_listed_with_its_code_and_words():
    silent = Customer(id="bo", timezone="Europe/Madrid")  # no consent, no e-mail
    policy = InvitationPolicy(
        "nps", trigger=Trigger(kinds={"purchase"}, channels={"email"}), sampling_rate=0.0
    )
    reasons = policy.why_not(occasion(customer=silent, kind="support"), MemoryContactHistory(), NOW)
    assert codes(reasons) == ["trigger", "trigger", "consent", "contact_point", "sampling"]
    assert "'support'" in reasons[0].detail
    assert all(reason.detail for reason in reasons)


def test_trigger_matches_kind_channel_and_outcome():
    policy = InvitationPolicy("csat", trigger=Trigger("support", "email", "resolved"))
    history = MemoryContactHistory()
    good = occasion(kind="support", outcome="resolved", channel="email")
    assert policy.why_not(good, history, NOW) == []
    bad = occasion(kind="support", outcome="refund", channel="email")
    assert codes(policy.why_not(bad, history, NOW)) == ["trigger"]


def test_sampling_is_reproducible_and_keeps_about_the_rate():
    policy = InvitationPolicy("nps", sampling_rate=0.3, quiet_hours=None)
    history = MemoryContactHistory()
    kept = [policy.decide(occasion(n), history, NOW).invite for n in range(2000)]
    assert 0.26 < sum(kept) / len(kept) < 0.34
    assert kept == [policy.decide(occasion(n), history, NOW).invite for n in range(2000)]
    reseeded = InvitationPolicy("nps", sampling_rate=0.3, seed="other", quiet_hours=None)
    assert kept != [reseeded.decide(occasion(n), history, NOW).invite for n in range(2000)]


def test_fatigue_counts_invitations_to_every_survey():
    history = MemoryContactHistory({"ana": [Contact(NOW - timedelta(days=10), SURVEY_INVITATION)]})
    csat = InvitationPolicy("csat", fatigue=timedelta(days=30), quiet_hours=None)
    reasons = csat.why_not(occasion(), history, NOW)
    assert codes(reasons) == ["fatigue"]
    assert "30 days" in reasons[0].detail
    later = NOW + timedelta(days=21)
    assert csat.why_not(occasion(at=later), history, later) == []
    # other kinds of contact are not survey fatigue
    busy = MemoryContactHistory({"ana": [Contact(NOW - timedelta(days=1), "acknowledgement")]})
    assert csat.why_not(occasion(), busy, NOW) == []


def test_quiet_hours_are_the_customers_own():
    policy = InvitationPolicy("nps", quiet_hours=QuietHours(time(21, 0), time(9, 0)))
    night = datetime(2026, 3, 2, 3, 0, tzinfo=ZoneInfo("America/Mexico_City"))  # 10:00 in Madrid
    decision = policy.decide(occasion(at=night), MemoryContactHistory(), night)
    assert decision.invitation is not None
    assert decision.moved_by_quiet_hours
    local = decision.invitation.send_at.astimezone(ZoneInfo("America/Mexico_City"))
    assert (local.date().isoformat(), local.time()) == ("2026-03-02", time(9, 0))
    # the same instant is mid-morning in Madrid: nothing moves
    madrid = Customer(
        id="eva",
        timezone="Europe/Madrid",
        contacts=(ContactPoint("email", "eva@example.com"),),
        consents=Consents(surveys=True),
    )
    morning = policy.decide(occasion(customer=madrid, at=night), MemoryContactHistory(), night)
    assert morning.invitation is not None
    assert not morning.moved_by_quiet_hours


def test_the_contact_budget_counts_answers_but_never_refuses_them():
    budget = ContactBudget(max_contacts=2, period=timedelta(days=7))
    history = MemoryContactHistory(
        {
            "ana": [
                Contact(NOW - timedelta(days=2), "acknowledgement", answered_request=True),
                Contact(NOW - timedelta(days=1), "resolution", answered_request=True),
            ]
        }
    )
    policy = InvitationPolicy("nps", budget=budget, quiet_hours=None)
    reasons = policy.why_not(occasion(), history, NOW)
    assert codes(reasons) == ["budget"]
    assert budget.why_not("ana", NOW, history, answered_request=True) == []
    # both answers fall in a 7-day window with the 4th day from now, not with the 5th
    assert budget.allows("ana", NOW + timedelta(days=4), history) is False
    assert budget.allows("ana", NOW + timedelta(days=5), history) is True


def test_the_budget_sees_contacts_already_scheduled():
    budget = ContactBudget(max_contacts=1, period=timedelta(days=3))
    history = MemoryContactHistory({"ana": [Contact(NOW + timedelta(days=2), "progress")]})
    assert not budget.allows("ana", NOW, history)
    assert budget.allows("ana", NOW - timedelta(days=1, hours=1), history)


def test_bad_settings_are_refused_naming_the_field():
    with pytest.raises(ValidationError, match="sampling_rate"):
        InvitationPolicy("nps", sampling_rate=1.5)
    with pytest.raises(ValidationError, match="max_contacts"):
        ContactBudget(0, timedelta(days=1))
    with pytest.raises(ValidationError, match="now"):
        InvitationPolicy("nps").decide(occasion(), MemoryContactHistory(), datetime(2026, 1, 1))


ZONES = st.sampled_from(
    ["UTC", "Europe/Madrid", "America/Mexico_City", "Asia/Tokyo", "America/New_York"]
)
TIMES = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2026, 12, 31),
    timezones=st.just(timezone.utc),
)


@given(
    zone=ZONES,
    at=TIMES,
    past=st.lists(st.integers(-60, 60), max_size=6),
    start=st.integers(18, 23),
    end=st.integers(6, 10),
)
def test_an_invitation_is_never_quiet_nor_fatigued(zone, at, past, start, end):
    customer = Customer(
        id="c",
        timezone=zone,
        contacts=(ContactPoint("email", "c@example.com"),),
        consents=Consents(surveys=True),
    )
    history = MemoryContactHistory(
        {"c": [Contact(at + timedelta(days=days), SURVEY_INVITATION) for days in past]}
    )
    quiet = QuietHours(time(start), time(end))
    policy = InvitationPolicy("nps", quiet_hours=quiet, fatigue=timedelta(days=14))
    decision = policy.decide(occasion(customer=customer, at=at), history, at)
    if decision.invitation is None:
        assert decision.reasons
        return
    send_at = decision.invitation.send_at
    assert send_at >= at
    assert not quiet.contains(send_at.astimezone(ZoneInfo(zone)).time())
    for days in past:
        assert abs(at + timedelta(days=days) - send_at) >= timedelta(days=14)
