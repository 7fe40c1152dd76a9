"""Quality on the public labeled sets in ``../shared/data`` (skipped when the folder is absent).

The full comparison with VADER and py3langid, with speed, is ``benchmarks/bench_analysis.py``;
these tests hold the quality floors that the benchmark reports, so a change that breaks them
fails here first. The floors are what the analyzer achieves today, rounded down.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from clientvoice.analysis import analyze, detect_language

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from _analysis_data import (
    app_reviews,
    complaints,
    data_folder,
    f1_scores,
    sentiment_sets,
)

FOLDER = data_folder()
pytestmark = pytest.mark.skipif(FOLDER is None, reason="../shared/data is absent")


def test_language_is_right_on_at_least_99_percent_of_the_texts() -> None:
    assert FOLDER is not None
    right = total = 0
    for language, rows in sentiment_sets(FOLDER).values():
        right += sum(detect_language(text, ("es", "en")) == language for text, _ in rows)
        total += len(rows)
    for text, _ in [*complaints(FOLDER), *app_reviews(FOLDER)]:
        right += detect_language(text, ("es", "en")) == "en"
        total += 1
    assert total > 20_000
    assert right / total >= 0.99


def test_sentiment_floors() -> None:
    assert FOLDER is not None
    floors = {  # weighted F1
        "en tweets (VADER GT)": 0.86,
        "en Amazon snippets (VADER GT)": 0.62,
        "en Amazon sentences (UCI)": 0.80,
        "en Yelp sentences (UCI)": 0.75,
        "es tourist reviews (Rest-Mex 2021)": 0.76,
    }
    for name, (language, rows) in sentiment_sets(FOLDER).items():
        predicted = [analyze(text, language).sentiment.value for text, _ in rows]
        scores = f1_scores([gold for _, gold in rows], predicted)
        assert scores["weighted_f1"] >= floors[name], name
        if language == "es":  # the negative class is rare (4 %) and matters most
            assert scores["recall:negative"] >= 0.77, name


def test_kind_floors() -> None:
    assert FOLDER is not None
    rows = complaints(FOLDER)
    predicted = [
        "complaint" if analyze(text, "en").kind.value == "complaint" else "other"
        for text, _ in rows
    ]
    gold = ["complaint" if is_complaint else "other" for _, is_complaint in rows]
    assert f1_scores(gold, predicted)["macro_f1"] >= 0.73
    kinds = {"complaint": "complaint", "suggestion": "suggestion", "idea": "suggestion"}
    reviews = app_reviews(FOLDER)
    predicted = [kinds.get(analyze(text, "en").kind.value, "other") for text, _ in reviews]
    assert f1_scores([gold for _, gold in reviews], predicted)["macro_f1"] >= 0.60
