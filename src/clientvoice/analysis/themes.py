"""Themes across many texts: which feedback is really about the same thing, and who said it.

:func:`find_themes` takes ``(feedback_id, customer_id, text)`` items (or
:class:`~clientvoice.Feedback` records) and groups them in three steps:

1. **Near-duplicates become one unit.** Each text is reduced to its content words, lightly
   stemmed (plurals folded). Texts whose word sets are near-identical (MinHash signatures over
   the words, compared in bands) are joined: the same complaint pasted by forty customers is one
   unit that weighs forty.
2. **Terms.** Every content word and every pair of adjacent content words is a candidate term;
   a term's support is the number of feedback items (not units) that contain it. Terms that
   appear in almost everything ("app" in app reviews) say nothing and are dropped.
3. **Greedy cover.** The term that covers the most still-unassigned feedback becomes a theme
   and takes those items (pairs of words are preferred to single words of the same support);
   repeat until no term covers ``min_count`` items. Every item ends in at most one theme.

It is linear in the number of texts and runs in pure Python: about 100,000 short texts in
seconds (see ``benchmarks/bench_analysis.py``).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence

import attrs

from clientvoice.analysis._lexicon import Lexicon, lexicon, normalize
from clientvoice.analysis.language import LANGUAGES, language_of, tokenize
from clientvoice.errors import ValidationError
from clientvoice.models import Feedback

__all__ = ["Theme", "find_themes"]

_MAX_SHARE = 0.35  # a term in more than this share of all feedback is too general to name a theme
_PAIR_BONUS = 1.5
_BANDS = 3  # MinHash: three bands of two hashes find pairs with Jaccard >= ~0.6 most of the time
_ROWS = 2
_PRIME = (1 << 61) - 1
_SEEDS = tuple(
    ((2_654_435_761 * (i + 1)) % _PRIME or 1, (40_503 * (i + 7)) % _PRIME)
    for i in range(_BANDS * _ROWS)
)
_QUOTE_LENGTH = 240


@attrs.frozen
class Theme:
    """Feedback about the same thing, with the customers behind it.

    ``count`` is the number of feedback items in the theme; ``customer_ids`` lists each customer
    once, in the order their first item came. ``quotes`` are representative texts, one per
    group of near-duplicates, the most repeated first.
    """

    label: str
    key_phrases: tuple[str, ...]
    count: int
    feedback_ids: tuple[str, ...]
    customer_ids: tuple[str, ...]
    quotes: tuple[str, ...]

    @property
    def customers(self) -> int:
        """How many different customers gave feedback in this theme."""
        return len(self.customer_ids)


def find_themes(
    items: Iterable[tuple[str, str, str] | Feedback],
    *,
    language: str | None = None,
    min_count: int = 2,
    max_themes: int = 50,
    quotes: int = 3,
) -> list[Theme]:
    """Group feedback into themes, the largest first.

    :param items: ``(feedback_id, customer_id, text)`` tuples or :class:`~clientvoice.Feedback`
        records, in Spanish, English or both.
    :param language: ``"es"`` or ``"en"`` when all texts are in that language; None detects each.
    :param min_count: the least number of feedback items a theme has.
    :param max_themes: the most themes returned.
    :param quotes: how many representative quotes each theme keeps.
    :raises ValidationError: if an item is not a triple of strings or a parameter is off.

    >>> themes = find_themes([
    ...     ("f1", "ana", "The app crashes when I open the camera"),
    ...     ("f2", "ben", "the app crashes when I open the camera!!"),
    ...     ("f3", "eva", "Camera keeps crashing on open"),
    ...     ("f4", "dan", "Love the new colours"),
    ... ])
    >>> themes[0].label, themes[0].count, themes[0].customer_ids
    ('app crashes', 3, ('ana', 'ben', 'eva'))
    """
    if type(min_count) is not int or min_count < 1:
        raise ValidationError("min_count", min_count, "must be a whole number >= 1")
    if type(max_themes) is not int or max_themes < 1:
        raise ValidationError("max_themes", max_themes, "must be a whole number >= 1")
    if type(quotes) is not int or quotes < 0:
        raise ValidationError("quotes", quotes, "must be a whole number >= 0")
    if language is not None and language not in LANGUAGES:
        raise ValidationError("language", language, "must be 'es', 'en' or None")
    corpus = _Corpus(language)
    for position, item in enumerate(items):
        corpus.add(*_triple(item, position))
    return corpus.themes(min_count, max_themes, quotes)


# --------------------------------------------------------------------------------------------


def _triple(item: object, position: int) -> tuple[str, str, str]:
    if isinstance(item, Feedback):
        return item.id, item.customer_id, item.text
    if isinstance(item, tuple) and len(item) == 3 and all(type(part) is str for part in item):
        return item
    raise ValidationError(
        f"items[{position}]", item, "must be a (feedback_id, customer_id, text) triple of strings"
    )


class _Corpus:
    """The texts added so far, reduced to term ids, and the near-duplicate units."""

    def __init__(self, language: str | None) -> None:
        self.language = language
        self.feedback_ids: list[str] = []
        self.customer_ids: list[str] = []
        self.texts: list[str] = []
        self.terms: list[tuple[int, ...]] = []  # per item: ids of its terms
        self.words: list[tuple[int, ...]] = []  # per item: ids of its single words
        self.term_ids: dict[str, int] = {}
        self.term_names: list[str] = []
        self.display: list[Counter[str]] = []  # per term id: how it was written

    def add(self, feedback_id: str, customer_id: str, text: str) -> None:
        normalized = normalize(text)
        tokens = tokenize(normalized)
        code = self.language or language_of(tokens, text, LANGUAGES)
        lex = lexicon(code if code in LANGUAGES else "en")  # "und": no letters, no words
        written = _written(text, normalized, tokens)
        words: list[int] = []
        terms: list[int] = []
        previous: tuple[str, str] | None = None
        for index, token in enumerate(tokens):
            stem = _content_stem(token, lex)
            if stem is None:
                previous = None
                continue
            shown = written[index] if written is not None else token
            word_id = self._term(stem, shown)
            words.append(word_id)
            terms.append(word_id)
            if previous is not None:
                terms.append(self._term(f"{previous[0]} {stem}", f"{previous[1]} {shown}"))
            previous = (stem, shown)
        self.feedback_ids.append(feedback_id)
        self.customer_ids.append(customer_id)
        self.texts.append(text)
        self.words.append(tuple(sorted(set(words))))
        self.terms.append(tuple(set(terms)))

    def _term(self, name: str, shown: str) -> int:
        found = self.term_ids.get(name)
        if found is None:
            found = self.term_ids[name] = len(self.term_names)
            self.term_names.append(name)
            self.display.append(Counter())
        self.display[found][shown] += 1
        return found

    # ------------------------------------------------------------------ grouping

    def units(self) -> list[list[int]]:
        """Items grouped into near-duplicate units (each a list of item indexes)."""
        parent = list(range(len(self.words)))

        def root(item: int) -> int:
            while parent[item] != item:
                parent[item] = parent[parent[item]]
                item = parent[item]
            return item

        seen: dict[object, int] = {}
        for item, words in enumerate(self.words):
            if not words:
                continue
            keys: list[object]
            if len(words) < 4:  # too few words for sampling: only identical sets join
                keys = [words]
            else:
                signature = [min((a * word + b) % _PRIME for word in words) for a, b in _SEEDS]
                keys = [
                    (band, *signature[band * _ROWS : (band + 1) * _ROWS]) for band in range(_BANDS)
                ]
            mine = set(words)
            for key in keys:
                other = seen.setdefault(key, item)
                if other != item and _similar(mine, self.words[other]):
                    parent[root(item)] = root(other)
        groups: dict[int, list[int]] = {}
        for item in range(len(self.words)):
            groups.setdefault(root(item), []).append(item)
        return list(groups.values())

    def themes(self, min_count: int, max_themes: int, quotes: int) -> list[Theme]:
        units = self.units()
        size = len(self.texts)
        postings: dict[int, list[int]] = {}
        for unit_index, members in enumerate(units):
            unit_terms: set[int] = set()
            for item in members:
                unit_terms.update(self.terms[item])
            for term in unit_terms:
                postings.setdefault(term, []).append(unit_index)
        weights = [len(members) for members in units]
        limit = max(min_count, int(size * _MAX_SHARE))
        heap: list[tuple[float, int, int]] = []
        for term, posted in postings.items():
            support = sum(weights[unit] for unit in posted)
            if support < min_count or (support > limit and size >= 20):
                continue
            heapq.heappush(heap, (-self._priority(term, support), -support, term))
        taken = [False] * len(units)
        found: list[Theme] = []
        while heap and len(found) < max_themes:
            _, _, term = heapq.heappop(heap)
            free = [unit for unit in postings[term] if not taken[unit]]
            support = sum(weights[unit] for unit in free)
            if support < min_count:
                continue
            priority = self._priority(term, support)
            if heap and priority < -heap[0][0]:
                heapq.heappush(heap, (-priority, -support, term))  # no longer the best
                continue
            for unit in free:
                taken[unit] = True
            found.append(self._theme(term, [units[unit] for unit in free], quotes))
        found.sort(key=lambda theme: (-theme.count, theme.label))
        return found

    def _priority(self, term: int, support: int) -> float:
        return support * (_PAIR_BONUS if " " in self.term_names[term] else 1.0)

    def _theme(self, term: int, units: list[list[int]], quotes: int) -> Theme:
        items = sorted(item for members in units for item in members)
        counts: Counter[int] = Counter()
        for item in items:
            counts.update(self.terms[item])
        label = self._shown(term)
        if " " not in self.term_names[term]:  # a word: name it by its usual pair, if one
            pairs = [
                (count, other)
                for other, count in counts.items()
                if " " in self.term_names[other]
                and self.term_names[term] in self.term_names[other].split()
            ]
            if pairs:
                count, other = max(pairs)
                if count * 2 >= len(items):
                    label = self._shown(other)
        phrases = tuple(
            self._shown(other)
            for other, _ in counts.most_common(12)
            if other != term and self._shown(other) != label
        )[:5]
        customers = tuple(dict.fromkeys(self.customer_ids[item] for item in items))
        ranked = sorted(units, key=lambda members: (-len(members), members[0]))
        chosen = tuple(_quote(self.texts[members[0]]) for members in ranked[:quotes])
        return Theme(
            label=label,
            key_phrases=phrases,
            count=len(items),
            feedback_ids=tuple(self.feedback_ids[item] for item in items),
            customer_ids=customers,
            quotes=chosen,
        )

    def _shown(self, term: int) -> str:
        return self.display[term].most_common(1)[0][0]


def _similar(words: set[int], others: tuple[int, ...]) -> bool:
    """Whether two word sets are near-duplicates (Jaccard similarity of at least 0.6)."""
    shared = len(words.intersection(others))
    return shared * 5 >= (len(words) + len(others) - shared) * 3


def _content_stem(token: str, lex: Lexicon) -> str | None:
    """The folded form of a content word, or None for anything else."""
    if not token[0].isalpha() or len(token) < 3:
        return None
    word = lex.word(token)
    if word is None or not word.content:
        return None
    if lex.language == "en":
        if token.endswith("ies") and len(token) > 4:
            return token[:-3] + "y"
        if token.endswith(("shes", "ches", "xes", "sses")):
            return token[:-2]
        if token.endswith("s") and not token.endswith(("ss", "us", "is")) and len(token) > 3:
            return token[:-1]
        if token.endswith("ing") and len(token) > 5:
            return token[:-3]
        return token
    if token.endswith("es") and len(token) > 4 and token[-3] not in "aeiou":
        return token[:-2]
    if token.endswith("s") and len(token) > 3:
        return token[:-1]
    return token


def _written(text: str, normalized: str, tokens: Sequence[str]) -> list[str] | None:
    """The tokens as written (accents kept), when they line up with the normalized ones."""
    if normalized is text or text.isascii():
        return None
    written = tokenize(text.lower().replace("’", "'"))
    return written if len(written) == len(tokens) else None


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _QUOTE_LENGTH:
        return text
    return text[: _QUOTE_LENGTH - 1].rsplit(" ", 1)[0] + "…"
