"""The report's numbers, checked against a store whose history is known case by case."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta

import pytest

from clientvoice import MemoryStore, ValidationError
from clientvoice.reports import build_report, to_json, to_markdown
from clientvoice.reports.model import Bucket, SLACompliance

from .conftest import SINCE, START, UNTIL

Z95 = 1.959963984540054


def report_of(listener, **options):
    return build_report(
        listener.store, SINCE, UNTIL, "Europe/Madrid", listener.clock.now(), **options
    )


def test_volumes_by_channel_kind_and_week(worked):
    report = report_of(worked)
    assert report.feedback == 6 and report.unit == "week"
    assert report.by_channel == {"email": 6}
    assert report.by_kind == {"complaint": 2, "praise": 2, "suggestion": 2}
    assert [(b.start, n) for b, n in report.volume] == [
        (date(2026, 3, 2), 5),
        (date(2026, 3, 9), 1),
    ]
    assert report.volume[0][0].label == "week of 2026-03-02"


def test_score_trends_carry_their_margin_of_error(worked):
    report = report_of(worked)
    first, second = report.nps_trend
    assert first.bucket == Bucket(date(2026, 3, 2), "week")
    assert first.score.count == 3
    assert first.score.value == pytest.approx(100 * (1 - 2) / 3)
    assert first.score.margin == pytest.approx(100 * Z95 * math.sqrt((1 - 1 / 9) / 3))
    assert (second.score.value, second.score.count) == (100.0, 1)
    assert report.nps.count == 4 and report.nps.value == pytest.approx(0.0)
    assert [p.score.value for p in report.csat_trend] == [100.0, 100.0]
    assert [(p.bucket.start, p.score.count) for p in report.ces_trend] == [
        (date(2026, 3, 2), 0),  # every week of the period has a point, answered or not
        (date(2026, 3, 9), 1),
    ]
    nps_change, csat_change, ces_change = report.changes
    # the last two weeks with answers, compared by clientvoice.surveys.metrics
    assert (nps_change.before.count, nps_change.after.count) == (3, 1)
    assert nps_change.test == "z-test"
    assert (csat_change.before.count, csat_change.after.count) == (1, 1)
    assert ces_change is None  # one week only has CES answers


def test_sentiment_trend_counts_what_the_analyzers_stored(worked):
    report = report_of(worked)
    first, second = report.sentiment
    assert first.counts["negative"] == 2 and first.total == 5
    assert second.counts == {"negative": 0, "neutral": 0, "positive": 1}
    assert second.mean_score is not None and second.mean_score > 0


def test_service_levels_from_the_workflows_deadlines_and_breaches(worked):
    levels = {level.deadline: level for level in report_of(worked).service_levels}
    # Lucía's case met every promise; Bruno's was never acknowledged nor resolved.
    assert (levels["acknowledge"].met, levels["acknowledge"].breached) == (1, 1)
    assert (levels["resolve"].met, levels["resolve"].breached) == (1, 1)
    assert (levels["inform"].met, levels["inform"].breached, levels["inform"].pending) == (1, 0, 0)
    assert levels["acknowledge"].compliance.share == 0.5


def test_deadlines_not_yet_passed_are_pending(worked):
    report = build_report(worked.store, SINCE, UNTIL, now=START + timedelta(minutes=30))
    levels = {level.deadline: level for level in report.service_levels}
    assert (levels["acknowledge"].met, levels["acknowledge"].pending) == (1, 0)
    assert levels["acknowledge"].breached == 1  # the engine recorded the breach


def test_a_promise_counted_on_its_own_matches_the_report(worked):
    now = START + timedelta(minutes=30)
    report = build_report(worked.store, SINCE, UNTIL, now=now)
    cases = list(worked.store.iter_cases())
    for level in report.service_levels:
        assert SLACompliance.of(cases, level.deadline, now) == level
    with pytest.raises(ValidationError) as caught:
        SLACompliance.of(cases, "reply", now)
    assert caught.value.field == "deadline"


def test_loop_closure_health_and_recovery(worked):
    report = report_of(worked)
    loop = report.loop
    assert (loop.resolved, loop.informed, loop.rate.share) == (1, 1, 1.0)
    assert loop.median_hours_to_inform == pytest.approx(1.0)
    health = report.health
    assert (health.feedback, health.customers, health.channels, health.cases) == (6, 6, 1, 2)
    assert health.acknowledged_on_time.share == 0.5
    assert (health.root_cause_found.part, health.acted.part, health.informed.part) == (1, 1, 1)
    recovery = report.recovery
    assert (recovery.apologies, recovery.gestures) == (1, 1)
    assert recovery.cost == {"EUR": 8.0} and recovery.by_kind == {"discount": 1}


def test_themes_mask_names_emails_and_phones_in_quotes(worked):
    report = report_of(worked)
    theme = report.themes[0]
    assert (theme.count, theme.customers) == (2, 2)
    quotes = " ".join(theme.quotes)
    assert "llegó roto" in quotes
    for personal in ("Lucía", "lucia@example.com", "612 345 678"):
        assert personal not in quotes
    assert "[redacted]" in quotes


def test_ideas_backlog_names_the_customers_behind_each_idea(worked):
    (idea,) = report_of(worked).ideas
    assert idea.label == "dark mode" and idea.count == 2
    customers = {c.id for c in worked.store.iter_customers() if c.name in ("Dan", "Eve")}
    assert set(idea.customer_ids) == customers


def test_the_period_bounds_what_is_counted(worked):
    first_week = build_report(
        worked.store, SINCE, SINCE + timedelta(days=7), now=worked.clock.now()
    )
    assert first_week.feedback == 5 and first_week.unit == "day"
    assert first_week.cases == 2
    nothing = build_report(worked.store, UNTIL, UNTIL + timedelta(days=7), now=UNTIL)
    assert nothing.feedback == 0 and nothing.cases == 0 and nothing.themes == ()
    assert nothing.loop.rate.share is None and str(nothing.loop.rate) == "n/a"


def test_json_and_markdown_carry_the_same_numbers(worked):
    report = report_of(worked)
    data = json.loads(to_json(report))
    assert data["feedback"] == 6
    assert data["loop"]["rate"]["share"] == 1.0
    assert data["nps_trend"][0]["bucket"]["label"] == "week of 2026-03-02"
    assert data["period"] == "2026-03-02 to 2026-03-15"
    assert data["volume"][1] == {
        "bucket": {"start": "2026-03-09", "unit": "week", "label": "week of 2026-03-09"},
        "feedback": 1,
    }
    markdown = to_markdown(report)
    assert markdown.startswith("# Customer listening report, 2026-03-02 to 2026-03-15")
    assert "| acknowledge | 1 | 1 | 0 | 50.0% (1/2) |" in markdown
    assert "Lucía" not in markdown


def test_bad_periods_and_zones_are_refused():
    store = MemoryStore()
    with pytest.raises(ValidationError, match="until"):
        build_report(store, UNTIL, SINCE)
    with pytest.raises(ValidationError, match="since"):
        build_report(store, datetime(2026, 3, 1))
    with pytest.raises(ValidationError, match="tz"):
        build_report(store, tz="Mars/Olympus")
