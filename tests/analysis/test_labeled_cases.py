"""Kind, urgency, risks and follow-up intent on sentences we wrote and labeled ourselves.

``labeled_cases.tsv`` holds 163 sentences (82 English, 81 Spanish) covering every kind, every
urgency and every risk: 71 from the first round, 50 added for issue 8 (problems asked as
questions, feature requests phrased as needs, polite requests, risks in other words), 10 for
idioms whose words mislead ("can't wait", "thanks again", "any suggestions?" after a fault,
an outage said as "no power"), 4 for account requests and demands to see a manager, 8 for
exclamations that open like questions ("What a mess", "Qué bonito quedó") and short regional
praise, 6 for a product failing at its job ("does not open", "no me llega el código"), 8 for
questions and requests in call-centre notes, thanks announced and fees, and 6 for irony next
to a fault, polite requests in the conditional and questions without a question mark.
The thresholds are below what the analyzer gets today (kind 100 %, urgency 98 % or more, risks
and follow-up 98 % or more; "How nice of you to call me back" still reads as a request to be
called) with room for a few cases of change, not for a collapse.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clientvoice.analysis import analyze

CASES = [
    line.rstrip("\n").split("\t")
    for line in (Path(__file__).parent / "labeled_cases.tsv").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]


def share(language: str, check: str) -> float:
    rows = [row for row in CASES if row[0] == language]
    right = 0
    for _, kind, urgency, risks, follow_up, text in rows:
        result = analyze(text)
        expected_risks = set() if risks == "-" else set(risks.split(","))
        right += {
            "kind": result.kind.value == kind,
            "urgency": result.urgency.value == urgency,
            "risks": set(result.risks) == expected_risks,
            "follow_up": result.follow_up_intent == (follow_up == "yes"),
            "language": result.language == language,
        }[check]
    return right / len(rows)


def test_the_cases_cover_both_languages_and_every_kind() -> None:
    assert len(CASES) >= 120
    for language in ("es", "en"):
        kinds = {row[1] for row in CASES if row[0] == language}
        assert kinds >= {"complaint", "suggestion", "praise", "question", "request", "other"}


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize(
    ("check", "threshold"),
    [("kind", 0.9), ("urgency", 0.9), ("risks", 0.95), ("follow_up", 0.95), ("language", 1.0)],
)
def test_labeled_cases(language: str, check: str, threshold: float) -> None:
    assert share(language, check) >= threshold
