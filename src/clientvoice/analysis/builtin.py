"""Built-in plugin: the Spanish and English analyzer, registered as a third party would.

It registers one :class:`BuiltinAnalyzer` under the name ``"builtin"``. A host replaces it by
registering its own analyzer under the same name, or adds another beside it (host analyzers run
first, and for each field the first answer wins).
"""

from __future__ import annotations

from collections.abc import Callable

from clientvoice.analysis.text import analyze, rating_score
from clientvoice.hookspecs import hookimpl
from clientvoice.models import Analysis, Customer, Feedback, Sentiment

__all__ = ["BuiltinAnalyzer", "clientvoice_register_analyzers"]


class BuiltinAnalyzer:
    """Language, sentiment (fused with any rating), kind, urgency, risks, follow-up intent and
    key phrases of each piece of feedback, for Spanish and English, from shipped word lists.

    The feedback's own ``language`` is trusted when the channel set it; otherwise it is
    detected. The customer's language is not used: it says what they read, not what they wrote.
    """

    name = "builtin"

    def analyze(self, feedback: Feedback, customer: Customer) -> Analysis | None:
        """What the built-in lists understand of ``feedback``; None for empty feedback."""
        text = feedback.text
        if not text.strip():
            rating = rating_score(nps=feedback.nps, csat=feedback.csat, ces=feedback.ces)
            if rating is None:
                return None
            return Analysis(
                sentiment=_sentiment(rating), sentiment_score=rating, analyzers=(self.name,)
            )
        result = analyze(
            text, feedback.language, nps=feedback.nps, csat=feedback.csat, ces=feedback.ces
        )
        return result.to_analysis(self.name)


@hookimpl(trylast=True)
def clientvoice_register_analyzers(register: Callable[[object], None]) -> None:
    """Register the built-in analyzer."""
    register(BuiltinAnalyzer())


def _sentiment(score: float) -> Sentiment:
    if score >= 0.05:
        return Sentiment.POSITIVE
    if score <= -0.05:
        return Sentiment.NEGATIVE
    return Sentiment.NEUTRAL
