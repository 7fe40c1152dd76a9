"""Themes across many texts: which feedback is really about the same thing, and who said it.

:func:`find_themes` takes ``(feedback_id, customer_id, text)`` items (or
:class:`~clientvoice.Feedback` records) and groups them in five steps:

1. **Reading.** Greeting and sign-off lines, links and reference numbers are dropped; the rest
   is reduced to content words (plurals folded), and the words of common customer-service
   concepts are mapped to the concept through a bilingual word list (``data/concepts.tsv``:
   "pedido" and "order" are one term). A text's terms are its words and its pairs of
   neighbouring words (at most two function words apart: "error al pagar").
2. **Near-duplicates become one unit.** Texts whose word sets are near-identical (MinHash
   signatures over the words, compared in bands) are joined: the same complaint pasted by forty
   customers is one unit that weighs forty.
3. **Seeds.** The term that covers the most still-unassigned feedback starts a group (pairs
   count double), repeated until no term covers ``min_count`` items. Terms that cannot say what
   a theme is about never start one: terms in almost everything, words of feeling ("gusto"),
   hub words that lead many different pairs ("order"), terms whose texts share nothing else
   (a sign-off formula), and boilerplate: a phrase that is not most of what its texts say and
   is either a sentence of its own next to content that recurs as other topics (the benefit
   line added to any idea: "it would save a lot of calls") or an opening followed by several
   recurring topics ("customer called to ..."). A pasted complaint is most of what its texts
   say and stays one theme.
4. **Merging and joining.** Groups whose distinctive words are much the same are merged (so
   Spanish and English meet); texts left out join the group whose description they share.
5. **Labels.** The most distinctive phrase of the group against all feedback (count times the
   log of its lift, pairs first), extended to three words when the pair usually has the same
   neighbour, written as the majority language's customers wrote it; never a boilerplate
   phrase, and words of an opening formula only when nothing else will do.

Every item ends in at most one theme. It is linear in the number of texts and runs in pure
Python: 100,000 texts in four to seven seconds (see ``benchmarks/bench_themes.py``).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache

import attrs

from clientvoice.analysis._lexicon import DATA, Lexicon, lexicon, normalize
from clientvoice.analysis.language import LANGUAGES, language_of, tokenize
from clientvoice.errors import ValidationError
from clientvoice.models import Feedback

__all__ = ["Theme", "find_themes"]

_MAX_SHARE = 0.35  # a term in more than this share of all feedback is too general to name a theme
_GAP = 2  # a pair of words may have this many function words between them ("error al pagar")
_PAIR_BONUS = 2.0  # two words next to each other say what is wrong better than one
_HUB_PAIRS = 3  # a word in this many frequent pairs, none of which covers
_HUB_SHARE = 0.5  # this share of its texts, is too broad to make a theme alone
_PROFILE_SHARE = 0.15  # terms in at least this share of a group describe it
_MERGE_SIMILARITY = 0.5  # groups whose descriptions are this similar (cosine) are one theme
_COHESION = 0.5  # a single word names a theme when another word is in this share of its texts
_CONCEPT_COHESION = 1 / 3  # the same for a word of the bilingual concept list
_PAIR_COHESION = 0.25  # and for a pair of words
_PHRASE_SAMPLE = 60  # texts read again to find the sentence a seed term is part of
_SENTENCE_ENDS = frozenset(".!?;…")  # a token starting with one of these ends a sentence
_TOPIC_SHARE = 0.1  # a pair after an opening in this share of its texts is a topic of its own
_OTHER_TOPIC_SHARE = 0.05  # a word in other sentences than a formula's: this share is enough
_TOPIC_TEXTS = 3  # a topic is in at least this many texts
_TOPIC_LIFT = 2.0  # and this many times as common there as in all feedback
_FEW_WORDS = 3  # a pair with fewer other words than this per text is most of what they say
_JOIN_SHARE = 0.35  # a text left out joins a theme if it has this share of its description
_LABEL_SHARE = 0.2  # a label is a term in at least this share of the theme's texts
_LABEL_SAMPLE = 60  # texts read again to find a label of three words
_BANDS = 3  # MinHash: three bands of two hashes find pairs with Jaccard >= ~0.6 most of the time
_ROWS = 2
_PRIME = (1 << 61) - 1
_SEEDS = tuple(
    ((2_654_435_761 * (i + 1)) % _PRIME or 1, (40_503 * (i + 7)) % _PRIME)
    for i in range(_BANDS * _ROWS)
)
_QUOTE_LENGTH = 240
_DIGIT = re.compile(r"\d")
_LINK = re.compile(r"https?://\S+|www\.\S+|(?<![\w.-])[\w-]+(?:\.[\w-]+)+/\S*")
_NUMBER = re.compile(r"(?<![\w-])[A-Za-z]{0,5}[-_#]?\d[\w-]*")  # "ORD-2963013", "#165808", "3"
_LONG_NUMBER = re.compile(r"\d{3,}")
_IDENTIFIER = re.compile(r"#\d{3,}|(?<![\w-])[A-Za-z]{1,5}[-_#]?\d{3,}|\d{6,}")  # not a price
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_REFERENCE_WORDS = 6  # a sentence this short with a reference number in it is only a reference


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
    ...     ("f3", "eva", "App crashes every time I open the camera"),
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
        self.codes: list[str] = []  # per item: its language
        self.terms: list[tuple[int, ...]] = []  # per item: ids of its terms
        self.words: list[tuple[int, ...]] = []  # per item: ids of its single words
        self.word_ids: dict[str, int] = {}  # term key of a word -> term id
        self.pair_ids: dict[tuple[int, int], int] = {}  # two word ids, smaller first -> term id
        self.concept: list[bool] = []  # per term id: a word of the bilingual concept list
        self.parts: list[tuple[int, int] | None] = []  # per term id: its two words, if a pair
        self.evaluative: list[bool] = []  # per term id: says how, not what (only feeling words)
        self.felt: list[bool] = []  # per term id: a word of blame or praise ("crashes", "late")
        self.apart: list[bool] = []  # per term id: a pair never seen side by side
        self.support: list[int] = []  # per term id: how many items contain it (set by themes)
        self.known: dict[str, dict[str, int]] = {}  # language -> token -> word id, -1 for none
        self.boilerplate: set[int] = set()  # term ids found to be part of a formula
        self.openers: set[int] = set()  # words of a formula that opens texts ("customer called")
        # or of a pair in too much of the feedback, but not concepts ("order"): last in labels

    def add(self, feedback_id: str, customer_id: str, text: str) -> None:
        code, read = self._read(text, None)
        words: list[int] = []
        terms: list[int] = []
        pair_ids = self.pair_ids
        previous = -1  # the word before, while the chain holds (as in _chains)
        gap = 0
        for word, shown in read:
            if word < 0:
                if previous >= 0 and gap < _GAP and shown[:1].isalpha():
                    gap += 1
                else:
                    previous, gap = -1, 0
                continue
            words.append(word)
            if previous >= 0 and previous != word:
                pair = (previous, word) if previous < word else (word, previous)
                found = pair_ids.get(pair)
                if found is None:
                    found = pair_ids[pair] = len(self.parts)
                    self.parts.append(pair)
                    self.concept.append(False)
                    self.evaluative.append(self.evaluative[previous] and self.evaluative[word])
                    self.felt.append(False)
                    self.apart.append(gap > 0)
                elif not gap:
                    self.apart[found] = False
                terms.append(found)
            previous = word
            gap = 0
        self.feedback_ids.append(feedback_id)
        self.customer_ids.append(customer_id)
        self.texts.append(text)
        self.codes.append(code)
        unique = tuple(sorted(set(words)))
        self.words.append(unique)
        self.terms.append(unique + tuple(set(terms)))

    def _read(
        self, text: str, code: str | None, *, lines: bool = False
    ) -> tuple[str, list[tuple[int, str]]]:
        """The text's language (``code``, when known) and its tokens as (word id, or -1 for
        anything but a content word; the token as written); with ``lines``, a line break ends a
        sentence as a full stop does."""
        body = _body(text)
        if lines and "\n" in body:
            body = body.replace("\n", " .\n")
        normalized = normalize(body)
        tokens = tokenize(normalized)
        if code is None:
            code = self.language or language_of(tokens, text, LANGUAGES)
            code = code if code in LANGUAGES else "en"  # "und": no letters, no words
        known = self.known.get(code)
        if known is None:
            known = self.known[code] = {}
        written = _written(body, normalized, tokens)
        read: list[tuple[int, str]] = []
        for index, token in enumerate(tokens):
            try:
                word = known[token]
            except KeyError:
                word = known[token] = self._word(token, code)
            read.append((word, written[index] if written is not None else token))
        return code, read

    def _word(self, token: str, code: str) -> int:
        """The term id of a token's word (its concept, else its folded form); -1 for a token that
        is not a content word."""
        found = _content_stem(token, lexicon(code))
        if found is None:
            return -1
        stem, valence = found
        concepts = _concepts(code)
        concept = concepts.get(token) or concepts.get(stem)
        key = concept or stem
        word = self.word_ids.get(key)
        if word is None:
            word = self.word_ids[key] = len(self.parts)
            self.parts.append(None)
            self.concept.append(concept is not None)
            self.evaluative.append(valence is not None)
            self.felt.append(bool(valence))
            self.apart.append(False)
        elif valence:  # a concept is felt when one of its words is ("crashes", "se cuelga")
            self.felt[word] = True
        return word

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
        self.support = [0] * len(self.parts)
        for term, posted in postings.items():
            self.support[term] = sum(weights[unit] for unit in posted)
        limit = max(min_count, int(size * _MAX_SHARE))
        hubs = self._hubs(min_count)
        heap: list[tuple[float, int, int]] = []
        for term in postings:
            support = self.support[term]
            if support > limit and size >= 20:
                parts = self.parts[term]
                if parts is not None:  # a phrase in so much feedback is a formula ("we called")
                    self.openers.update(word for word in parts if not self.concept[word])
                continue
            if support < min_count or self.evaluative[term] or term in hubs:
                continue
            heapq.heappush(heap, (-self._priority(term, support), -support, term))
        taken = [False] * len(units)
        seeds: list[list[list[int]]] = []
        while heap and len(seeds) < max_themes * 2:
            _, _, term = heapq.heappop(heap)
            free = [unit for unit in postings[term] if not taken[unit]]
            support = sum(weights[unit] for unit in free)
            if support < min_count:
                continue
            priority = self._priority(term, support)
            if heap and priority < -heap[0][0]:
                heapq.heappush(heap, (-priority, -support, term))  # no longer the best
                continue
            if not self._cohesive(term, free, units):
                continue
            for unit in free:
                taken[unit] = True
            seeds.append([units[unit] for unit in free])
        groups = self._merged(seeds)
        self._join(groups, [unit for index, unit in enumerate(units) if not taken[index]])
        found = [self._theme(group, quotes) for group in groups]
        found.sort(key=lambda theme: (-theme.count, theme.label))
        return found[:max_themes]

    def _priority(self, term: int, support: int) -> float:
        return support * (_PAIR_BONUS if self.parts[term] is not None else 1.0)

    def _cohesive(self, term: int, free: list[int], units: list[list[int]]) -> bool:
        """Whether a term can name a theme: its texts are about one thing. For a single word,
        another word is in half of them (a third for a customer-service concept such as
        "refund"), so texts merely all about "orders" are not a theme. For a pair, another word
        is in a quarter of them, or the pair is most of what they say, so a formula at the end
        of texts about anything ("you can reply by email") is not a theme. Then its phrase must
        not be boilerplate (see :meth:`_beyond_phrase`)."""
        parts = self.parts[term]
        own = {term} if parts is None else set(parts)
        if parts is not None:
            need = _PAIR_COHESION
        else:
            need = _CONCEPT_COHESION if self.concept[term] else _COHESION
        counts: Counter[int] = Counter()
        total = 0
        for unit in free:
            for item in units[unit]:
                counts.update(self.words[item])
                total += 1
        if parts is not None:
            others = sum(counts.values()) - sum(counts[word] for word in own)
            if others <= total * _FEW_WORDS:  # the pair is most of what its texts say
                return True
        if parts is None:  # a word next to it is its pair's business, not a sign of cohesion
            own.update(o for o in counts if _ordered(term, o) in self.pair_ids)
        return any(
            count >= total * need
            and other not in own
            and (parts is not None or not self.evaluative[other])  # "excellent" store service
            for other, count in counts.most_common(len(own) + 3)
        ) and self._beyond_phrase(term, free, units)

    def _beyond_phrase(self, term: int, free: list[int], units: list[list[int]]) -> bool:
        """Whether a term's texts are about what its phrase says, not only framed by it.

        The term's *phrase* is its words and the words in the same sentence as it in most of
        its texts. The texts are about the phrase when it is most of what they say (the
        complaint pasted by forty customers, with a greeting or a "please fix it"). Otherwise
        the phrase is boilerplate when it is a sentence of its own in most of them (a closing
        line added to any idea: "it would save a lot of calls") or when it opens most of them
        and what follows falls into several different recurring topics (a note-taking formula:
        "customer called to update contact details", "... about a late order"). A boilerplate
        term is remembered, so that it names no theme either."""
        parts = self.parts[term]
        own = {term} if parts is None else set(parts)
        inside: Counter[int] = Counter()
        sampled: list[tuple[int, set[int], set[int], bool, str, int]] = []  # language, item
        total = 0
        for unit in free[:_PHRASE_SAMPLE]:
            members = units[unit]
            weight = len(members)
            item = next((item for item in members if term in self.terms[item]), members[0])
            _, read = self._read(self.texts[item], self.codes[item], lines=True)
            mine: set[int] = set()
            rest: set[int] = set()
            sentence: list[int] = []
            opens = False  # the term is in the first two words of its sentence
            for word, shown in [*read, (-1, ".")]:
                if word >= 0:
                    sentence.append(word)
                elif shown[:1] in _SENTENCE_ENDS:
                    if own.issubset(sentence):
                        mine.update(sentence)
                        opens = opens or not own.isdisjoint(sentence[:2])
                    else:
                        rest.update(sentence)
                    sentence = []
            for word in mine:
                inside[word] += weight
            sampled.append((weight, mine, rest - mine, opens, self.codes[item], item))
            total += weight
        if not total:
            return True
        phrase = own | {word for word, count in inside.items() if count * 2 >= total}
        if sum(weight * len((mine | rest) - phrase) for weight, mine, rest, *_ in sampled) <= (
            total * len(phrase)
        ):
            return True  # the phrase is most of what they say
        whole = sum(weight for weight, mine, *_ in sampled if mine and mine <= phrase)
        if whole * 2 >= total:  # a sentence of its own: what else do its texts say?
            others = [
                (weight, rest - phrase, code, item)
                for weight, mine, rest, _, code, item in sampled
                if mine and mine <= phrase
            ]
            covered, _ = self._topics(others, whole, _OTHER_TOPIC_SHARE, single=True)
            if covered * 2 < whole:
                return True  # nothing that recurs: the sentence is what they have in common
        else:
            opening = sum(weight for weight, _, _, opens, *_ in sampled if opens)
            if opening * 2 < total or any(self.felt[word] for word in phrase):
                return True  # not an opening, or one that says what went wrong ("app crashes")
            after = [
                (weight, (mine | rest) - phrase, code, item)
                for weight, mine, rest, _, code, item in sampled
            ]
            covered, top = self._topics(after, total, _TOPIC_SHARE)
            if covered * 2 < total or top * 2 >= total:
                return True  # one thing follows the opening, or nothing that recurs
            self.openers.update(word for word in own if not self.concept[word])
        self.boilerplate.add(term)  # and the formula's other pairs: "calls to customer service"
        self.boilerplate.update(
            pair
            for one in phrase
            for other in phrase
            if one < other and (pair := self.pair_ids.get((one, other))) is not None
        )
        return False

    def _topics(
        self,
        texts: list[tuple[int, set[int], str, int]],
        total: int,
        share: float,
        *,
        single: bool = False,
    ) -> tuple[int, int]:
        """Of sampled texts (weight, words beyond a phrase, language, item): how many have a
        recurring topic, and how many the main topic of each language has, summed. A topic is a
        pair of those words (or with ``single``, one word) in ``share`` of the texts and at
        least ``_TOPIC_TEXTS`` of them, ``_TOPIC_LIFT`` times as common as in all feedback."""
        counts: dict[str, Counter[int]] = {}  # per language
        found_in: list[set[int]] = []
        for weight, words, code, item in texts:
            terms = (
                words
                if single
                else {
                    pair
                    for pair in self.terms[item]
                    if (parts := self.parts[pair]) is not None and words.issuperset(parts)
                }
            )
            found = counts.setdefault(code, Counter())
            for term in terms:
                found[term] += weight
            found_in.append(terms)
        size = len(self.texts)
        least = max(_TOPIC_TEXTS, total * share)
        topics = {
            term
            for found in counts.values()
            for term, count in found.items()
            if count >= least and count * size >= total * self.support[term] * _TOPIC_LIFT
        }
        covered = sum(
            text[0]
            for text, terms in zip(texts, found_in, strict=True)
            if not terms.isdisjoint(topics)
        )
        top = sum(
            max((count for term, count in found.items() if term in topics), default=0)
            for found in counts.values()
        )
        return covered, top

    def _hubs(self, min_count: int) -> set[int]:
        """Words that name several different problems with the words next to them ("order":
        "order late", "order damaged", "wrong order"): too broad to make a theme alone."""
        pairs_of: dict[int, list[int]] = {}
        floor = max(min_count, 2)
        for term, parts in enumerate(self.parts):
            if parts is not None and self.support[term] >= floor:
                for word in parts:
                    pairs_of.setdefault(word, []).append(self.support[term])
        return {
            word
            for word, supports in pairs_of.items()
            if len(supports) >= _HUB_PAIRS and max(supports) < self.support[word] * _HUB_SHARE
        }

    def _merged(self, seeds: list[list[list[int]]]) -> list[list[list[int]]]:
        """Seed groups (lists of units) joined when their distinctive terms are much the same."""
        profiles = [
            self._profile([item for unit in group for item in unit], self.words) for group in seeds
        ]
        parent = list(range(len(seeds)))

        def root(index: int) -> int:
            while parent[index] != index:
                index = parent[index]
            return index

        for one in range(len(seeds)):
            for other in range(one):
                if _cosine(profiles[one], profiles[other]) >= _MERGE_SIMILARITY:
                    parent[root(one)] = root(other)
        merged: dict[int, list[list[int]]] = {}
        for index, group in enumerate(seeds):
            merged.setdefault(root(index), []).extend(group)
        return list(merged.values())

    def _join(self, groups: list[list[list[int]]], left: list[list[int]]) -> None:
        """Units left out join the group whose description (its distinctive terms, weighted)
        they share most, when they have at least a third of it."""
        by_term: dict[int, list[tuple[int, float]]] = {}
        mass: list[float] = []
        for index, group in enumerate(groups):
            profile = self._profile([item for unit in group for item in unit], self.terms)
            mass.append(sum(profile.values()))
            for term, weight in profile.items():
                by_term.setdefault(term, []).append((index, weight))
        for unit in left:
            scores: dict[int, float] = {}
            for term in {term for item in unit for term in self.terms[item]}:
                for index, weight in by_term.get(term, ()):
                    scores[index] = scores.get(index, 0.0) + weight
            if scores:
                index, score = max(scores.items(), key=lambda entry: (entry[1], -entry[0]))
                if score >= mass[index] * _JOIN_SHARE:
                    groups[index].append(unit)

    def _profile(self, items: list[int], terms: list[tuple[int, ...]]) -> dict[int, float]:
        """The terms (of ``terms``: words, or words and pairs) most distinctive of a group: their
        share in it times the log of how much more often it has them than all feedback."""
        counts: Counter[int] = Counter()
        for item in items:
            counts.update(terms[item])
        size = len(self.texts)
        profile: dict[int, float] = {}
        for term, count in counts.items():
            share = count / len(items)
            lift = share * size / self.support[term]
            if (
                share >= _PROFILE_SHARE
                and lift > 1.0
                and not self.evaluative[term]
                and term not in self.boilerplate
            ):
                profile[term] = share * math.log(lift)
        return profile

    def _theme(self, units: list[list[int]], quotes: int) -> Theme:
        items = sorted(item for members in units for item in members)
        counts: Counter[int] = Counter()
        for item in items:
            counts.update(self.terms[item])
        languages = Counter(self.codes[item] for item in items)
        code = languages.most_common(1)[0][0]
        ranked = self._distinctive(counts, len(items))
        head = ranked[0] if ranked else counts.most_common(1)[0][0]
        forms, longer = self._forms(items, head)
        label = longer.get(code) or _form(forms, head, code)
        other = [
            (longer.get(language) or _form(forms, head, language))
            if (head, language) in forms
            else self._named(items, language)  # its texts in that language lack the head
            for language in sorted(languages)
            if language != code
        ]
        phrases = list(dict.fromkeys(other + [_form(forms, t, code) for t in ranked[1:8]]))
        phrases = [phrase for phrase in phrases if phrase and phrase != label]
        customers = tuple(dict.fromkeys(self.customer_ids[item] for item in items))
        by_size = sorted(units, key=lambda members: (-len(members), members[0]))
        quoted = tuple(_quote(self.texts[members[0]]) for members in by_size[:quotes])
        return Theme(
            label=label,
            key_phrases=tuple(phrases[:5]),
            count=len(items),
            feedback_ids=tuple(self.feedback_ids[item] for item in items),
            customer_ids=customers,
            quotes=quoted,
        )

    def _named(self, items: list[int], code: str) -> str:
        """What the theme's texts in one language would be named by alone."""
        mine = [item for item in items if self.codes[item] == code]
        counts: Counter[int] = Counter()
        for item in mine:
            counts.update(self.terms[item])
        ranked = self._distinctive(counts, len(mine))
        head = ranked[0] if ranked else counts.most_common(1)[0][0]
        forms, longer = self._forms(mine, head)
        return longer.get(code) or _form(forms, head, code)

    def _distinctive(self, counts: Counter[int], total: int) -> list[int]:
        """The group's terms worth naming it by, best first: phrases of two words before single
        words, each scored by its count times the log of how much more often the group uses it
        than all feedback; on a tie, words side by side ("dark mode") before words apart. Terms
        of a formula name nothing; those with a word of an opening formula come last."""
        size = len(self.texts)
        scored: list[tuple[bool, bool, float, bool, int]] = []
        for term, count in counts.items():
            share = count / total
            if share < _LABEL_SHARE or self.evaluative[term] or term in self.boilerplate:
                continue
            lift = share * size / self.support[term]
            parts = self.parts[term]
            opener = not self.openers.isdisjoint(parts or (term,))
            scored.append(
                (parts is not None, opener, count * math.log(lift), self.apart[term], term)
            )
        scored.sort(key=lambda entry: (-entry[0], entry[1], -entry[2], entry[3], entry[4]))
        return [entry[-1] for entry in scored]

    def _forms(
        self, items: list[int], head: int
    ) -> tuple[dict[tuple[int, str], Counter[str]], dict[str, str]]:
        """How a theme's terms were written, per (term, language), from a sample of its texts
        read again; and per language, a phrase of three words that holds the head pair in most
        texts that have it (the third word right next to the pair: "pedido llegó" + "roto")."""
        forms: dict[tuple[int, str], Counter[str]] = {}
        triples: dict[str, Counter[str]] = {}
        having: Counter[str] = Counter()
        read_so_far: Counter[str] = Counter()
        parts = self.parts[head]
        with_head = [item for item in items if head in self.terms[item]]
        for item in with_head + [item for item in items if head not in self.terms[item]]:
            code = self.codes[item]
            if read_so_far[code] >= _LABEL_SAMPLE:
                continue
            read_so_far[code] += 1
            _, read = self._read(self.texts[item], code)
            if parts is not None and head in self.terms[item]:
                having[code] += 1
            for chain in _chains(read):
                ids = [read[index][0] for index in chain]
                for n, index in enumerate(chain):
                    forms.setdefault((ids[n], code), Counter())[read[index][1]] += 1
                    if not n:
                        continue
                    pair = _ordered(ids[n - 1], ids[n])
                    term = self.pair_ids.get(pair)
                    if term is None:
                        continue
                    shown = " ".join(part for _, part in read[chain[n - 1] : index + 1])
                    forms.setdefault((term, code), Counter())[shown] += 1
                    if (
                        pair == parts
                        and n >= 2
                        and chain[n - 1] == chain[n - 2] + 1
                        and ids[n - 2] not in self.openers
                    ):
                        before = read[chain[n - 2] : index + 1]  # a word right before the pair
                        triples.setdefault(code, Counter())[_joined(before)] += 1
                    if (
                        pair == parts
                        and n + 1 < len(chain)
                        and chain[n + 1] == index + 1
                        and ids[n + 1] not in self.openers
                    ):
                        after = read[chain[n - 1] : index + 2]  # a word right after it
                        triples.setdefault(code, Counter())[_joined(after)] += 1
        longer = {
            code: phrase
            for code, found in triples.items()
            for phrase, count in found.most_common(1)
            if count * 2 > having[code]
        }
        return forms, longer


def _form(forms: dict[tuple[int, str], Counter[str]], term: int, code: str) -> str:
    """How a term was most often written in a language (else in any), "" when never seen."""
    found = forms.get((term, code))
    if found is None:
        found = next((shown for (t, _), shown in forms.items() if t == term), None)
    return found.most_common(1)[0][0] if found else ""


def _joined(read: Sequence[tuple[int, str]]) -> str:
    return " ".join(shown for _, shown in read)


def _ordered(one: int, other: int) -> tuple[int, int]:
    return (one, other) if one < other else (other, one)


def _chains(read: Sequence[tuple[int, str]]) -> list[list[int]]:
    """The positions of a read text's content words, in chains of words that follow each other
    with at most a couple of function words between them ("error al pagar") and no punctuation."""
    chains: list[list[int]] = []
    current: list[int] = []
    gap = 0
    for index, (word, shown) in enumerate(read):
        if word >= 0:
            current.append(index)
            gap = 0
        elif current and gap < _GAP and shown[:1].isalpha():
            gap += 1
        else:
            if current:
                chains.append(current)
                current = []
            gap = 0
    if current:
        chains.append(current)
    return chains


def _cosine(one: dict[int, float], other: dict[int, float]) -> float:
    if not one or not other:
        return 0.0
    dot = sum(weight * other.get(term, 0.0) for term, weight in one.items())
    if not dot:
        return 0.0
    norms = math.sqrt(sum(w * w for w in one.values()) * sum(w * w for w in other.values()))
    return dot / norms


@cache
def _concepts(language: str) -> dict[str, str]:
    """Word (and its folded form) -> concept key, from ``data/concepts.tsv``, for one language."""
    column = 1 if language == "en" else 2
    lex = lexicon(language)
    found: dict[str, str] = {}
    for line in (DATA / "concepts.tsv").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        key = "=" + fields[0].replace(" ", "_")
        for form in fields[column].split():
            word = normalize(form)
            found.setdefault(word, key)
            stemmed = _content_stem(word, lex)
            if stemmed is not None:
                found.setdefault(stemmed[0], key)
    return found


def _similar(words: set[int], others: tuple[int, ...]) -> bool:
    """Whether two word sets are near-duplicates (Jaccard similarity of at least 0.6)."""
    shared = len(words.intersection(others))
    return shared * 5 >= (len(words) + len(others) - shared) * 3


def _content_stem(token: str, lex: Lexicon) -> tuple[str, float | None] | None:
    """The folded form of a content word and, when it only says how something felt (a word of
    praise or blame: "gusto", "terrible"), how (its valence; else None), or None for anything
    else."""
    if not token[0].isalpha() or len(token) < 3:
        return None
    word = lex.word(token)
    if word is None or not word.content:
        return None
    return _folded(token, lex.language), word.valence


def _folded(token: str, language: str) -> str:
    """The word with plurals (and English -ing) folded: "orders" -> "order"."""
    if language == "en":
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


def _body(text: str) -> str:
    """The text without what frames a message: a short greeting line at the top ("Good
    morning,"), short sign-off and signature lines at the bottom ("Thanks,", a name), links,
    numbers and reference numbers ("ORD-2963013", "#165808") whose letters are not words and the
    short sentences that only give one ("Mi número de pedido es 4304569.")."""
    if "\n" in text:
        lines = [line.strip() for line in text.strip().splitlines()]
        if len(lines) > 1 and len(lines[0].split()) <= 4 and lines[0][-1:] in ",:!":
            lines = lines[1:]
        if "" in lines:  # a block of short lines after the last blank line: sign-off, name
            last = len(lines) - lines[::-1].index("")
            block = lines[last:]
            if 0 < len(block) <= 3 and all(len(line.split()) <= 4 for line in block):
                lines = lines[: last - 1]
        text = "\n".join(lines)
    if "/" in text:
        text = _LINK.sub(" ", text)
    if not _DIGIT.search(text):
        return text
    if _LONG_NUMBER.search(text) and _IDENTIFIER.search(text):
        text = "\n".join(  # "My order number is #657002." only gives a reference
            sentence
            for sentence in _SENTENCE.split(text)
            if len(sentence.split()) > _REFERENCE_WORDS or not _IDENTIFIER.search(sentence)
        )
    return _NUMBER.sub(" ", text)


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
