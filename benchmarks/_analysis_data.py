"""Loaders and metrics for ``bench_analysis.py``: the labeled sets in ``../shared/data``.

The data is read in place and never copied. :func:`data_folder` is None when the folder is
absent, and every caller then skips.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "app_reviews",
    "complaints",
    "data_folder",
    "f1_scores",
    "sentiment_sets",
    "three_class",
]

ROOT = Path(__file__).resolve().parents[1]


def data_folder() -> Path | None:
    """The shared data folder (``CLIENTVOICE_SHARED_DATA`` or ``../shared/data``), if present."""
    configured = os.environ.get("CLIENTVOICE_SHARED_DATA")
    folder = Path(configured) if configured else ROOT / ".." / "shared" / "data"
    return folder.resolve() if folder.is_dir() else None


def three_class(value: float) -> str:
    """The 3-class label of a score on -1..1 with the ±0.05 thresholds of the data's README."""
    if value > 0.05:
        return "positive"
    if value < -0.05:
        return "negative"
    return "neutral"


def sentiment_sets(folder: Path) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Set name -> (language, [(text, gold label)]) for every sentiment-labeled set."""
    found: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    vader = folder / "english-sentiment-vader-gt"
    for name, file in (
        ("en tweets (VADER GT)", "tweets_GroundTruth.txt"),
        ("en Amazon snippets (VADER GT)", "amazonReviewSnippets_GroundTruth.txt"),
    ):
        path = vader / file
        if path.is_file():
            rows = []
            for line in path.read_text(encoding="latin-1", errors="replace").splitlines():
                parts = line.split("\t")
                if len(parts) >= 3 and parts[2].strip():
                    rows.append((parts[2].strip(), three_class(float(parts[1]) / 4)))
            found[name] = ("en", rows)
    uci = folder / "english-sentences-uci"
    for name, file in (
        ("en Amazon sentences (UCI)", "amazon_cells_labelled.txt"),
        ("en Yelp sentences (UCI)", "yelp_labelled.txt"),
    ):
        path = uci / file
        if path.is_file():
            rows = []
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                text, _, label = line.rpartition("\t")
                if text.strip():
                    gold = "positive" if label.strip() == "1" else "negative"
                    rows.append((text.strip(), gold))
            found[name] = ("en", rows)
    restmex = folder / "spanish-reviews-restmex2021" / "restmex2021.csv"
    if restmex.is_file():
        stars = {1: "negative", 2: "negative", 3: "neutral", 4: "positive", 5: "positive"}
        with restmex.open(encoding="utf-8", newline="") as handle:
            rows = [
                (f"{row['Title']}. {row['Opinion']}".strip(), stars[int(row["Label"])])
                for row in csv.DictReader(handle)
            ]
        found["es tourist reviews (Rest-Mex 2021)"] = ("es", rows)
    return found


def complaints(folder: Path) -> list[tuple[str, bool]]:
    """(tweet, is a complaint) from the complaints-on-Twitter set; empty when absent."""
    path = folder / "english-complaints-twitter" / "complaints-data.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        return [(row[1], row[2].strip() == "1") for row in csv.reader(handle) if len(row) >= 3]


def app_reviews(folder: Path) -> list[tuple[str, str]]:
    """(review, complaint | suggestion | other) from the app-review set; empty when absent."""
    path = folder / "english-app-reviews-kinds" / "app_reviews.csv"
    if not path.is_file():
        return []
    mapping = {"complaint": "complaint", "suggestion": "suggestion"}
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        return [(row["text"], mapping.get(row["kind"], "other")) for row in csv.DictReader(handle)]


def f1_scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Accuracy, macro-F1, weighted F1 and the recall of each class."""
    labels = sorted(set(gold))
    total = len(gold)
    result: dict[str, float] = {
        "accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / total
    }
    macro = weighted = 0.0
    for label in labels:
        pairs = list(zip(gold, predicted, strict=True))
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        support = tp + fn
        macro += f1 / len(labels)
        weighted += f1 * support / total
        result[f"recall:{label}"] = recall
    result["macro_f1"] = macro
    result["weighted_f1"] = weighted
    return result
