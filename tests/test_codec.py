"""Models survive dump → JSON → load unchanged, and load never coerces."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientvoice import Analysis, Case, CaseStage, Event, Priority, RecoveryGesture, ValidationError
from clientvoice._codec import dump, load

_when = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)
) | st.builds(
    lambda d, m: d.replace(tzinfo=timezone(timedelta(minutes=m))),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(-600, 600),
)
_words = st.text(min_size=1, max_size=12).filter(lambda s: s.strip() == s)


@given(
    stage=st.sampled_from(CaseStage),
    priority=st.sampled_from(Priority),
    opened=_when,
    resolved=st.none() | _when,
    notes=st.lists(_words, max_size=3),
    gesture=st.none()
    | st.builds(
        RecoveryGesture,
        kind=st.sampled_from(["voucher", "refund", "gift"]),
        value=st.floats(0, 1e6),
        cost=st.floats(0, 1e6),
    ),
    level=st.integers(0, 5),
)
def test_cases_round_trip_through_json(stage, priority, opened, resolved, notes, gesture, level):
    case = Case(
        id="k1",
        customer_id="c1",
        feedback_id="f1",
        opened_at=opened,
        stage=stage,
        priority=priority,
        resolved_at=resolved,
        notes=notes,
        gesture=gesture,
        escalation_level=level,
    )
    assert load(Case, json.loads(json.dumps(dump(case)))) == case


def test_analysis_and_events_round_trip():
    analysis = Analysis(sentiment="negative", risks={"legal", "churn"}, themes=("refund",))
    assert load(Analysis, json.loads(json.dumps(dump(analysis)))) == analysis
    event = Event(
        id="e",
        type="case.opened",
        occurred_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        data={"a": [1]},
    )
    assert load(Event, json.loads(json.dumps(dump(event)))) == event


def test_load_refuses_instead_of_coercing():
    data = dump(
        Case(
            id="k1",
            customer_id="c1",
            feedback_id=None,
            opened_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
        )
    )
    with pytest.raises(ValidationError, match="escalation_level"):
        load(Case, {**data, "escalation_level": "2"})
    with pytest.raises(ValidationError, match="opened_at"):
        load(Case, {**data, "opened_at": "2026-01-01T00:00:00"})
    with pytest.raises(ValidationError, match=r"gesture\.cost"):
        load(Case, {**data, "gesture": {"kind": "gift", "cost": "free"}})
    with pytest.raises(ValidationError, match="is not a field of Case"):
        load(Case, {**data, "colour": "red"})
