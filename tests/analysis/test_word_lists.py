"""The shipped word lists are well formed: each entry once, each cue category known."""

from __future__ import annotations

from collections import Counter

import pytest

from clientvoice.analysis._lexicon import _GRAMMAR, CUE_CATEGORIES, DATA


def _rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize(
    "name", ["en_feedback.tsv", "es_lexicon.tsv", "emoji.tsv", "ratings.tsv", "en_base.tsv"]
)
def test_every_valence_is_given_once(name: str) -> None:
    counts = Counter(row[0] for row in _rows(name))
    assert [entry for entry, count in counts.items() if count > 1] == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_cue_category_is_known(language: str) -> None:
    categories = {row[0] for row in _rows(f"{language}_cues.tsv")}
    assert categories - set(CUE_CATEGORIES) - set(_GRAMMAR) == set()


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_phrase_is_listed_twice_in_one_category(language: str) -> None:
    seen: Counter[tuple[str, str, str]] = Counter()
    for row in _rows(f"{language}_cues.tsv"):
        weight = row[2].strip() if len(row) > 2 else "1"
        for phrase in row[1].split("|"):
            seen[(row[0], phrase.strip(), weight)] += 1
    assert [key for key, count in seen.items() if count > 1] == []
