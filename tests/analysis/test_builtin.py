"""The built-in analyzer as a plugin: registered through the hook, run on ingestion."""

from __future__ import annotations

from datetime import datetime, timezone

from clientvoice import Listener
from clientvoice.analysis import Analyzer, builtin
from clientvoice.models import Customer, Feedback, FeedbackKind, Sentiment
from clientvoice.plugins import DEFAULT_PLUGINS

WHEN = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def feedback(text: str, **fields: object) -> Feedback:
    return Feedback(
        id="f1", customer_id="c1", interaction_id="i1", created_at=WHEN, text=text, **fields
    )


def test_it_is_an_analyzer() -> None:
    assert isinstance(builtin.BuiltinAnalyzer(), Analyzer)


def test_it_fills_every_field_and_fuses_ratings() -> None:
    analyzer = builtin.BuiltinAnalyzer()
    customer = Customer(id="c1")
    found = analyzer.analyze(feedback("El envío llegó roto, llámenme por favor"), customer)
    assert found is not None
    assert found.language == "es" and found.sentiment is Sentiment.NEGATIVE
    assert found.kind is FeedbackKind.COMPLAINT and found.follow_up_intent is True
    assert found.analyzers == ("builtin",)
    rated = analyzer.analyze(feedback("", nps=0), customer)
    assert rated is not None and rated.sentiment is Sentiment.NEGATIVE and rated.kind is None
    assert analyzer.analyze(feedback("   "), customer) is None


def test_ingestion_stores_the_analysis() -> None:
    record = {
        "channel": "web",
        "external_id": "w1",
        "occurred_at": "2026-03-02T09:15:00+01:00",
        "customer": {"email": "ana@example.com"},
        "text": "I was charged twice and I will call my lawyer",
    }
    extra = [] if builtin.__name__ in DEFAULT_PLUGINS else [builtin]
    with Listener(plugins=extra, autoload=False) as listener:
        assert "builtin" in listener.analyzers
        (heard,) = listener.hear("web", record)
    analysis = heard.feedback.analysis
    assert analysis is not None
    assert {"fraud", "legal"} <= analysis.risks
    assert heard.feedback.kind is FeedbackKind.COMPLAINT and heard.feedback.language == "en"
