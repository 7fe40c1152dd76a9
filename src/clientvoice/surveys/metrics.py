"""Survey metrics: NPS, CSAT and CES with their margins of error, trends and significant changes.

* **NPS** (Net Promoter Score, 0–10 answers): the percentage of promoters (9–10) minus the
  percentage of detractors (0–6), from -100 to 100. Its margin of error uses the variance of a
  variable worth +1 for a promoter, -1 for a detractor and 0 for a passive.
* **CSAT** (1–5 answers): the percentage of satisfied answers (4 or 5), with the normal (Wald)
  margin of a proportion.
* **CES** (Customer Effort Score, 1–7 answers): the mean answer, where 7 is "very easy", with the
  Student t margin of a mean.

:func:`nps`, :func:`csat` and :func:`ces` score answers you bring; :func:`trend` reads them from a
store by period and group (the store counts, see :meth:`Store.score_counts
<clientvoice.Store.score_counts>`); :func:`compare_scores` and :func:`score_change` say whether a
change between two periods is larger than chance would explain.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import attrs

from clientvoice.errors import ValidationError
from clientvoice.surveys.periods import (
    check_grouping,
    check_metric,
    check_period,
    check_range,
    next_period,
    period_of,
    period_start,
    periods_between,
    zone,
)

if TYPE_CHECKING:
    from clientvoice.stores.base import Store

__all__ = [
    "Breakdown",
    "Score",
    "ScoreChange",
    "TrendPoint",
    "ces",
    "compare_scores",
    "csat",
    "nps",
    "score_change",
    "trend",
]

_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
_NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}
_NORMAL = NormalDist()


@attrs.frozen
class Score:
    """A metric over ``count`` answers: its ``value`` and the ``margin`` of error of that value at
    ``confidence`` (95 % unless asked otherwise); both None without answers, and the margin of
    a CES is None below two answers.

    ``parts`` holds the counts behind the value (promoters, passives and detractors; satisfied and
    not satisfied; easy (5–7) and not easy) and ``answers`` how many times each answer was given,
    which is all it takes to recompute the score, combine it with another (``+``) or compare it
    (:func:`compare_scores`). ``name`` is ``"NPS"``, ``"CSAT"`` or ``"CES"``.
    """

    name: str
    value: float | None
    margin: float | None
    count: int
    parts: dict[str, int] = attrs.field(factory=dict)
    answers: dict[int, int] = attrs.field(factory=dict)
    confidence: float = 0.95

    @classmethod
    def from_counts(
        cls, metric: str, answers: Mapping[int, int], *, confidence: float = 0.95
    ) -> Score:
        """The score of ``metric`` (``"nps"``, ``"csat"`` or ``"ces"``) from how many times each
        answer was given (``{10: 4, 9: 2, 3: 1}``).

        :raises ValidationError: naming ``metric``, ``answers`` or ``confidence`` when one is
            not valid (answers off the scale, negative or non-integer counts).
        """
        metric = check_metric(metric)
        low, high = _SCALES[metric]
        if not isinstance(answers, Mapping):
            raise ValidationError("answers", answers, "must map each answer to how many gave it")
        clean: dict[int, int] = {}
        for answer, times in answers.items():
            answer = _whole(answer, low, high, f"answers[{answer!r}]")
            if isinstance(times, bool) or not isinstance(times, numbers.Integral) or times < 0:
                raise ValidationError(
                    f"answers[{answer}]", times, "must be a whole number of times >= 0"
                )
            times = int(times)
            if times:
                clean[answer] = clean.get(answer, 0) + times
        return _score(metric, dict(sorted(clean.items())), _check_confidence(confidence))

    @property
    def metric(self) -> str:
        """The metric's lowercase name: ``"nps"``, ``"csat"`` or ``"ces"``."""
        return self.name.lower()

    @property
    def low(self) -> float | None:
        """The lower end of the interval ``value ± margin`` (None without a margin)."""
        if self.value is None or self.margin is None:
            return None
        return self.value - self.margin

    @property
    def high(self) -> float | None:
        """The upper end of the interval ``value ± margin`` (None without a margin)."""
        if self.value is None or self.margin is None:
            return None
        return self.value + self.margin

    def __add__(self, other: object) -> Score:
        """The score of both sets of answers together (same metric and confidence)."""
        if not isinstance(other, Score):
            return NotImplemented
        if other.name != self.name:
            raise ValidationError(
                "other", other.name, f"cannot add a {other.name} to a {self.name}"
            )
        merged = Counter(self.answers)
        merged.update(other.answers)
        return Score.from_counts(self.metric, merged, confidence=self.confidence)

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.name}: no answers"
        margin = f" ± {self.margin:.1f}" if self.margin is not None else ""
        return f"{self.name} {self.value:.1f}{margin} (n={self.count})"


def nps(answers: Iterable[int], *, confidence: float = 0.95) -> Score:
    """The Net Promoter Score of 0–10 answers, with its margin of error.

    >>> print(nps([10, 9, 8, 3]))
    NPS 25.0 ± 81.3 (n=4)

    :raises ValidationError: naming the first answer that is not a whole number from 0 to 10
        (``nps[2]``); True and False are not numbers here.
    """
    return _score("nps", _count(answers, "nps"), _check_confidence(confidence))


def csat(answers: Iterable[int], *, confidence: float = 0.95) -> Score:
    """The share (in %) of satisfied (4–5) among 1–5 answers, with its margin of error.

    :raises ValidationError: naming the first answer that is not a whole number from 1 to 5.
    """
    return _score("csat", _count(answers, "csat"), _check_confidence(confidence))


def ces(answers: Iterable[int], *, confidence: float = 0.95) -> Score:
    """The mean of 1–7 effort answers (7 = very easy), with the Student t margin of the mean.

    :raises ValidationError: naming the first answer that is not a whole number from 1 to 7.
    """
    return _score("ces", _count(answers, "ces"), _check_confidence(confidence))


# --------------------------------------------------------------------------------------------
# Comparing two scores


@attrs.frozen
class ScoreChange:
    """How a score changed from ``before`` to ``after``, and whether the change is significant.

    ``difference`` is ``after.value - before.value`` (points of NPS or CSAT, CES units);
    ``low``/``high`` its interval at ``confidence``; ``p_value`` the two-sided p-value of the
    ``test`` (``"z-test"`` for NPS, ``"two-proportion z-test"`` for CSAT, ``"Welch t-test"``
    for CES). Each is None when one side has fewer than two answers: a single answer says
    nothing about how much answers vary.
    """

    name: str
    before: Score
    after: Score
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None
    test: str
    alpha: float = 0.05
    confidence: float = 0.95

    @property
    def significant(self) -> bool:
        """Whether the change is significant at ``alpha`` (``p_value < alpha``)."""
        return self.p_value is not None and self.p_value < self.alpha

    def __str__(self) -> str:
        if self.difference is None or self.p_value is None:
            return f"{self.name} change: not enough answers to compare"
        verdict = "significant" if self.significant else "not significant"
        return (
            f"{self.name} {self.difference:+.1f} "
            f"[{self.low:+.1f}, {self.high:+.1f}] p={self.p_value:.3g} ({verdict} at "
            f"alpha={self.alpha:g})"
        )


def compare_scores(
    before: Score, after: Score, *, alpha: float = 0.05, confidence: float = 0.95
) -> ScoreChange:
    """The change from ``before`` to ``after`` (two scores of the same metric), with its
    interval at ``confidence`` and a two-sided significance test.

    * NPS: a z-test on the difference, whose variance is the sum of each NPS's variance
      (``(p + d - (p - d)²) / n`` for shares ``p`` of promoters and ``d`` of detractors);
    * CSAT: the two-proportion z-test (pooled share for the test, unpooled for the interval);
    * CES: Welch's t-test (unequal variances, Welch–Satterthwaite degrees of freedom).

    :raises ValidationError: naming ``after`` when the metrics differ, or ``alpha`` /
        ``confidence`` when not strictly between 0 and 1.
    """
    if not isinstance(before, Score):
        raise ValidationError("before", before, "must be a Score")
    if not isinstance(after, Score) or after.name != before.name:
        raise ValidationError("after", after, "must be a Score of the same metric as before")
    alpha = _check_share(alpha, "alpha")
    confidence = _check_confidence(confidence)
    metric = before.metric
    test = {"nps": "z-test", "csat": "two-proportion z-test", "ces": "Welch t-test"}[metric]
    result = {"nps": _nps_test, "csat": _csat_test, "ces": _ces_test}[metric](
        before, after, confidence
    )
    if result is None:
        return ScoreChange(
            before.name, before, after, None, None, None, None, test, alpha, confidence
        )
    difference, half_width, p_value = result
    return ScoreChange(
        before.name,
        before,
        after,
        difference,
        difference - half_width,
        difference + half_width,
        p_value,
        test,
        alpha,
        confidence,
    )


def score_change(
    store: Store,
    metric: str,
    before: tuple[datetime, datetime],
    after: tuple[datetime, datetime],
    *,
    alpha: float = 0.05,
    confidence: float = 0.95,
) -> ScoreChange:
    """The change of ``metric`` between the feedback created in ``before = (since, until)`` and
    in ``after = (since, until)``, read from ``store``, tested as :func:`compare_scores` does.
    """
    scores = []
    for name, (since, until) in (("before", before), ("after", after)):
        if not (isinstance(since, datetime) and isinstance(until, datetime) and since < until):
            raise ValidationError(name, (since, until), "must be (since, until) with since < until")
        counts = store.score_counts(metric, since=since, until=until)
        scores.append(Score.from_counts(metric, _answers(counts), confidence=confidence))
    return compare_scores(scores[0], scores[1], alpha=alpha, confidence=confidence)


# --------------------------------------------------------------------------------------------
# Trends and breakdowns


@attrs.frozen
class TrendPoint:
    """The score of one group in one period.

    ``start``/``end`` bound the period (aware datetimes in the breakdown's time zone; both None
    when the breakdown has no period); ``group`` is the segment, channel or membership (None for
    everyone, or for the customers in no group).
    """

    start: datetime | None
    end: datetime | None
    group: str | None
    score: Score


@attrs.frozen
class Breakdown:
    """A metric by period and group, ready to be drawn or tabulated: what :func:`trend` returns.

    ``points`` holds one :class:`TrendPoint` for every period (oldest first, every period between
    the first and the last, empty ones included with a score of value None) and every group
    (sorted, None last). Iterating over a breakdown iterates over its points.
    """

    metric: str
    period: str | None
    by: str | None
    tz: str
    since: datetime | None
    until: datetime | None
    points: tuple[TrendPoint, ...]

    def __iter__(self) -> Iterator[TrendPoint]:
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)

    def periods(self) -> list[datetime | None]:
        """The start of every period, oldest first (``[None]`` without periods)."""
        return list(dict.fromkeys(point.start for point in self.points))

    def groups(self) -> list[str | None]:
        """Every group, in the order of the points (sorted, None last)."""
        return list(dict.fromkeys(point.group for point in self.points))

    def series(self, group: str | None = None) -> list[TrendPoint]:
        """The points of one group, oldest first."""
        return [point for point in self.points if point.group == group]

    def score(self, start: datetime | date | None = None, group: str | None = None) -> Score:
        """The score of ``group`` in the period starting at ``start`` (a datetime, or the local
        date it starts on); an empty score when there is no such point."""
        for point in self.points:
            if point.group == group and _same_start(point.start, start):
                return point.score
        return Score.from_counts(self.metric, {})

    def changes(
        self, *, alpha: float = 0.05, confidence: float = 0.95
    ) -> list[tuple[TrendPoint, ScoreChange]]:
        """Each point after the first of its group, with the change from the previous period
        (:func:`compare_scores`)."""
        found = []
        for group in self.groups():
            series = self.series(group)
            for previous, point in itertools.pairwise(series):
                found.append(
                    (
                        point,
                        compare_scores(
                            previous.score, point.score, alpha=alpha, confidence=confidence
                        ),
                    )
                )
        return found

    def rows(self) -> list[dict[str, Any]]:
        """The points as JSON-ready rows: ``period`` (ISO local start date, or None), ``group``,
        ``value``, ``margin``, ``low``, ``high``, ``count``, and the ``parts``."""
        return [
            {
                "period": None if point.start is None else point.start.date().isoformat(),
                "group": point.group,
                "value": point.score.value,
                "margin": point.score.margin,
                "low": point.score.low,
                "high": point.score.high,
                "count": point.score.count,
                **point.score.parts,
            }
            for point in self.points
        ]

    def __str__(self) -> str:
        lines = [f"{_NAMES[self.metric]} by {self.period or 'all time'}, {self.by or 'everyone'}"]
        for point in self.points:
            when = "all" if point.start is None else point.start.date().isoformat()
            group = "-" if point.group is None else point.group
            lines.append(f"  {when}  {group}: {point.score}")
        return "\n".join(lines)


def trend(
    store: Store,
    metric: str,
    *,
    period: str | None = "month",
    by: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    tz: str = "UTC",
    confidence: float = 0.95,
) -> Breakdown:
    """``metric`` (``"nps"``, ``"csat"`` or ``"ces"``) of the feedback in ``store``, by period
    and group, each score with its margin of error.

    :param period: ``"day"``, ``"week"`` (starting on Monday), ``"month"`` (default),
        ``"quarter"``, or None for one score per group over the whole range. Periods are local
        calendar periods in ``tz``; a response belongs to the period holding its local date.
    :param by: None (everyone), ``"channel"``, ``"segment"``, ``"membership"`` or
        ``"membership:<programme>"``; a customer in several segments (memberships) counts in
        each. See :data:`clientvoice.surveys.periods.GROUPINGS`.
    :param since: only feedback created at or after this aware datetime.
    :param until: only feedback created before this aware datetime.
    :param tz: the IANA time zone the periods are in (default UTC).
    :param confidence: the confidence of the margins (default 0.95).
    :returns: a :class:`Breakdown` with a point for every period from the one holding ``since``
        (else the first answer) to the one holding ``until`` (else the last answer), for every
        group that has answers; periods without answers have an empty score.
    :raises ValidationError: naming the argument that is not valid.

    The store does the counting (:meth:`Store.score_counts <clientvoice.Store.score_counts>`), in
    SQL for the SQL stores.
    """
    metric = check_metric(metric)
    by = check_grouping(by)
    if period is not None:
        check_period(period)
    zone_ = zone(tz)
    confidence = _check_confidence(confidence)
    check_range(since, until)
    counts = store.score_counts(metric, period=period, by=by, since=since, until=until, tz=tz)
    by_key: dict[tuple[date | None, str | None], dict[int, int]] = {}
    for (day, group, answer), times in counts.items():
        by_key.setdefault((day, group), {})[answer] = times
    groups = sorted({group for _, group in by_key}, key=lambda g: (g is None, g or ""))
    if period is None:
        starts: list[date | None] = [None]
    else:
        days = [day for day, _ in by_key if day is not None]
        first = period_of(since, period, zone_) if since is not None else min(days, default=None)
        last = (
            period_of(until - timedelta(microseconds=1), period, zone_)
            if until is not None
            else max(days, default=None)
        )
        starts = [] if first is None or last is None else list(periods_between(first, last, period))
    points = []
    for day in starts:
        start = end = None
        if day is not None and period is not None:
            start = period_start(day, zone_)
            end = period_start(next_period(day, period), zone_)
        for group in groups:
            answers = by_key.get((day, group), {})
            points.append(
                TrendPoint(
                    start, end, group, _score(metric, dict(sorted(answers.items())), confidence)
                )
            )
    return Breakdown(metric, period, by, zone_.key, since, until, tuple(points))


# --------------------------------------------------------------------------------------------
# Helpers


def _count(answers: Iterable[int], name: str) -> dict[int, int]:
    low, high = _SCALES[name]
    if isinstance(answers, (Mapping, str, bytes)) or not isinstance(answers, Iterable):
        raise ValidationError(
            name,
            answers,
            "must be an iterable of answers (use Score.from_counts for counts per answer)",
        )
    counts: dict[int, int] = {}
    for index, answer in enumerate(answers):
        if type(answer) is not int or not low <= answer <= high:
            answer = _whole(answer, low, high, f"{name}[{index}]")
        counts[answer] = counts.get(answer, 0) + 1
    return dict(sorted(counts.items()))


def _whole(answer: Any, low: int, high: int, field: str) -> int:
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral):
        raise ValidationError(field, answer, f"must be a whole number from {low} to {high}")
    value = int(answer)
    if not low <= value <= high:
        raise ValidationError(field, answer, f"must be from {low} to {high}")
    return value


def _answers(counts: Mapping[tuple[Any, Any, int], int]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for (_, _, answer), times in counts.items():
        merged[answer] = merged.get(answer, 0) + times
    return merged


def _score(metric: str, answers: dict[int, int], confidence: float) -> Score:
    """The score from clean, sorted counts per answer."""
    name = _NAMES[metric]
    count = sum(answers.values())
    if metric == "nps":
        promoters = answers.get(9, 0) + answers.get(10, 0)
        passives = answers.get(7, 0) + answers.get(8, 0)
        detractors = count - promoters - passives
        parts = {"promoters": promoters, "passives": passives, "detractors": detractors}
        if not count:
            return Score(name, None, None, 0, parts, answers, confidence)
        p, d = promoters / count, detractors / count
        variance = max(0.0, (p + d) - (p - d) ** 2)
        margin = 100 * _z(confidence) * math.sqrt(variance / count)
        value = 100 * (promoters - detractors) / count
        return Score(name, value, margin, count, parts, answers, confidence)
    if metric == "csat":
        satisfied = answers.get(4, 0) + answers.get(5, 0)
        parts = {"satisfied": satisfied, "not_satisfied": count - satisfied}
        if not count:
            return Score(name, None, None, 0, parts, answers, confidence)
        share = satisfied / count
        margin = 100 * _z(confidence) * math.sqrt(share * (1 - share) / count)
        return Score(name, 100 * satisfied / count, margin, count, parts, answers, confidence)
    easy = answers.get(5, 0) + answers.get(6, 0) + answers.get(7, 0)
    parts = {"easy": easy, "not_easy": count - easy}
    if not count:
        return Score(name, None, None, 0, parts, answers, confidence)
    mean, variance = _mean_variance(answers)
    if count < 2:
        return Score(name, mean, None, count, parts, answers, confidence)
    margin = _t_quantile(confidence, count - 1) * math.sqrt(variance / count)
    return Score(name, mean, margin, count, parts, answers, confidence)


def _mean_variance(answers: Mapping[int, int]) -> tuple[float, float]:
    """The mean and the sample variance (n - 1) of answers given as counts."""
    count = sum(answers.values())
    mean = sum(answer * times for answer, times in answers.items()) / count
    if count < 2:
        return mean, 0.0
    squares = sum(times * (answer - mean) ** 2 for answer, times in answers.items())
    return mean, squares / (count - 1)


def _nps_test(before: Score, after: Score, confidence: float) -> tuple[float, float, float] | None:
    if before.count < 2 or after.count < 2:
        return None
    variance = 0.0
    for score in (before, after):
        p = score.parts["promoters"] / score.count
        d = score.parts["detractors"] / score.count
        variance += max(0.0, (p + d) - (p - d) ** 2) / score.count
    difference = 100 * (
        (after.parts["promoters"] - after.parts["detractors"]) / after.count
        - (before.parts["promoters"] - before.parts["detractors"]) / before.count
    )
    error = 100 * math.sqrt(variance)
    return difference, _z(confidence) * error, _normal_p(difference, error)


def _csat_test(before: Score, after: Score, confidence: float) -> tuple[float, float, float] | None:
    n1, n2 = before.count, after.count
    if n1 < 2 or n2 < 2:
        return None
    s1, s2 = before.parts["satisfied"] / n1, after.parts["satisfied"] / n2
    pooled = (before.parts["satisfied"] + after.parts["satisfied"]) / (n1 + n2)
    test_error = 100 * math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    error = 100 * math.sqrt(s1 * (1 - s1) / n1 + s2 * (1 - s2) / n2)
    difference = 100 * (s2 - s1)
    return difference, _z(confidence) * error, _normal_p(difference, test_error)


def _ces_test(before: Score, after: Score, confidence: float) -> tuple[float, float, float] | None:
    n1, n2 = before.count, after.count
    if n1 < 2 or n2 < 2:
        return None
    mean1, variance1 = _mean_variance(before.answers)
    mean2, variance2 = _mean_variance(after.answers)
    v1, v2 = variance1 / n1, variance2 / n2
    difference = mean2 - mean1
    error = math.sqrt(v1 + v2)
    if error == 0:
        return difference, 0.0, 1.0 if difference == 0 else 0.0
    freedom = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    p_value = _t_two_sided(abs(difference) / error, freedom)
    return difference, _t_quantile(confidence, freedom) * error, p_value


def _normal_p(difference: float, error: float) -> float:
    """The two-sided p-value of ``difference`` for a normal with standard error ``error``."""
    if error == 0:
        return 1.0 if difference == 0 else 0.0
    return math.erfc(abs(difference) / error / math.sqrt(2))


@lru_cache(maxsize=64)
def _z(confidence: float) -> float:
    return _NORMAL.inv_cdf(0.5 + confidence / 2)


def _t_two_sided(t: float, freedom: float) -> float:
    """P(|T| >= t) for Student's t with ``freedom`` degrees of freedom (t >= 0).

    Uses the identity P(|T| >= t) = I_x(freedom / 2, 1 / 2) with x = freedom / (freedom + t²),
    I being the regularised incomplete beta function.
    """
    if t == 0:
        return 1.0
    if math.isinf(t):
        return 0.0
    return _incomplete_beta(
        freedom / 2, 0.5, freedom / (freedom + t * t), t * t / (freedom + t * t)
    )


@lru_cache(maxsize=256)
def _t_quantile(confidence: float, freedom: float) -> float:
    """The t such that P(|T| <= t) = confidence, by bisection on :func:`_t_two_sided`."""
    tail = 1 - confidence
    low, high = 0.0, 2.0
    while _t_two_sided(high, freedom) > tail:
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        if _t_two_sided(middle, freedom) > tail:
            low = middle
        else:
            high = middle
        if high - low <= 1e-12 * high:
            break
    return (low + high) / 2


def _incomplete_beta(a: float, b: float, x: float, y: float) -> float:
    """The regularised incomplete beta function I_x(a, b) for a, b > 0, 0 <= x <= 1 and
    y = 1 - x (given separately, so that neither loses precision when close to 1)."""
    if x <= 0:
        return 0.0
    if y <= 0:
        return 1.0
    if x > (a + 1) / (a + b + 2):  # the continued fraction converges fast on this side only
        return 1.0 - _incomplete_beta(b, a, y, x)
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x)
    log_front += b * math.log(y)
    return math.exp(log_front) * _beta_fraction(a, b, x) / a


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction 1 / (1 + c1 / (1 + c2 / (1 + ...))) of the incomplete beta, with
    c(2m+1) = -(a+m)(a+b+m)x / ((a+2m)(a+2m+1)) and c(2m) = m(b-m)x / ((a+2m-1)(a+2m)),
    evaluated with the modified Lentz method."""
    tiny = 1e-300
    numerator, denominator = 1.0, 1.0 - (a + b) * x / (a + 1)
    denominator = 1.0 / (denominator if abs(denominator) > tiny else tiny)
    result = denominator
    for m in range(1, 1000):
        for coefficient in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            denominator = 1.0 + coefficient * denominator
            denominator = 1.0 / (denominator if abs(denominator) > tiny else tiny)
            numerator = 1.0 + coefficient / numerator
            numerator = numerator if abs(numerator) > tiny else tiny
            step = numerator * denominator
            result *= step
        if abs(step - 1.0) < 1e-15:
            break
    return result


def _check_confidence(confidence: float) -> float:
    return _check_share(confidence, "confidence")


def _check_share(value: float, field: str) -> float:
    if type(value) not in (int, float) or not 0 < value < 1:
        raise ValidationError(field, value, "must be a number strictly between 0 and 1")
    return float(value)


def _same_start(start: datetime | None, wanted: datetime | date | None) -> bool:
    if start is None or wanted is None:
        return start is None and wanted is None
    if isinstance(wanted, datetime):
        return start == wanted
    return start.date() == wanted
