"""The report model: what a store says about one period, computed once, rendered many ways.

:func:`build_report` reads a :class:`~clientvoice.stores.base.Store` for the feedback created
and the cases opened in ``[since, until)`` and returns a :class:`Report`: volumes, survey-score
trends with their margins of error, the sentiment trend, top themes with masked quotes, service
level compliance, loop closure, the listening-health summary, the ideas backlog and the cost of
recovery gestures. Every number is a plain attribute, so renderers only lay them out.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from clientvoice.analysis import find_themes
from clientvoice.errors import ClientVoiceError, ValidationError
from clientvoice.models import Case, Feedback, FeedbackKind, Sentiment
from clientvoice.privacy import anonymise_text
from clientvoice.stores.base import Store
from clientvoice.surveys.metrics import Score, ScoreChange, compare_scores, trend

__all__ = [
    "DEADLINES",
    "Bucket",
    "Idea",
    "ListeningHealth",
    "LoopClosure",
    "Ratio",
    "Recovery",
    "Report",
    "SLACompliance",
    "ScorePoint",
    "SentimentPoint",
    "ThemeSummary",
    "build_report",
]

DEADLINES = ("acknowledge", "resolve", "inform")
"""The promises a case carries, in the order a customer meets them."""

_DONE = {"acknowledge": "acknowledged_at", "resolve": "resolved_at", "inform": "informed_at"}
_IDEA_KINDS = (FeedbackKind.SUGGESTION, FeedbackKind.IDEA)
_METRICS = ("nps", "csat", "ces")


@attrs.frozen
class Ratio:
    """``part`` out of ``whole``; :attr:`share` is None when there is nothing to divide."""

    part: int
    whole: int

    @property
    def share(self) -> float | None:
        """``part / whole`` from 0 to 1, or None when ``whole`` is 0."""
        return self.part / self.whole if self.whole else None

    def __str__(self) -> str:
        share = self.share
        return f"{100 * share:.1f}% ({self.part}/{self.whole})" if share is not None else "n/a"


@attrs.frozen
class Bucket:
    """One step of a trend: the local date it starts on and its length (``day``/``week``/...)."""

    start: date
    unit: str

    @property
    def label(self) -> str:
        """The bucket as people write it: ``2026-03-02``, ``week of 2026-03-02``, ``2026-03``."""
        if self.unit == "month":
            return f"{self.start:%Y-%m}"
        if self.unit == "week":
            return f"week of {self.start.isoformat()}"
        return self.start.isoformat()


@attrs.frozen
class ScorePoint:
    """A survey score over the answers given in one bucket (value None when there were none)."""

    bucket: Bucket
    score: Score


@attrs.frozen
class SentimentPoint:
    """How the feedback of one bucket felt: counts per sentiment and the mean score (-1..1)."""

    bucket: Bucket
    counts: dict[str, int]
    mean_score: float | None

    @property
    def total(self) -> int:
        """How much feedback of the bucket had a sentiment."""
        return sum(self.counts.values())


@attrs.frozen
class ThemeSummary:
    """A theme: how many pieces of feedback, how many customers, and quotes with names masked."""

    label: str
    key_phrases: tuple[str, ...]
    count: int
    customers: int
    quotes: tuple[str, ...]


@attrs.frozen
class Idea:
    """A theme of suggestions in the improvement backlog, with the customers behind it."""

    label: str
    count: int
    customer_ids: tuple[str, ...]
    quotes: tuple[str, ...]


@attrs.frozen
class SLACompliance:
    """Compliance with one promise (acknowledge, resolve or inform) over the period's cases.

    ``met`` were done by the deadline; ``breached`` were done late, are overdue now, or had the
    engine record a breach; ``pending`` are open and not yet due. Cases closed without needing
    the step (no action, unreachable) count in none of them.
    """

    deadline: str
    met: int
    breached: int
    pending: int

    @property
    def compliance(self) -> Ratio:
        """Met out of those decided (met + breached)."""
        return Ratio(self.met, self.met + self.breached)

    @classmethod
    def of(cls, cases: Iterable[Case], deadline: str, now: datetime) -> SLACompliance:
        """Count ``cases`` against one promise (one of :data:`DEADLINES`) as of ``now``.

        :raises ValidationError: naming ``deadline`` if it is not one of :data:`DEADLINES`.
        """
        if deadline not in DEADLINES:
            raise ValidationError("deadline", deadline, f"must be one of {', '.join(DEADLINES)}")
        met = breached = pending = 0
        due_field, done_field = f"{deadline}_due_at", _DONE[deadline]
        for case in cases:
            due: datetime | None = getattr(case, due_field)
            done: datetime | None = getattr(case, done_field)
            if deadline in case.breaches or (done is not None and due is not None and done > due):
                breached += 1
            elif done is not None:
                met += due is not None
            elif due is None or not case.is_open:
                continue
            elif due < now:
                breached += 1
            else:
                pending += 1
        return cls(deadline, met, breached, pending)


@attrs.frozen
class LoopClosure:
    """Whether customers were told what was done, and how long it took them to hear.

    ``rate`` is informed out of resolved cases. The times run from the case opening to the
    customer being informed, in hours.
    """

    resolved: int
    informed: int
    unreachable: int
    median_hours_to_inform: float | None
    p90_hours_to_inform: float | None

    @property
    def rate(self) -> Ratio:
        """Resolved cases whose customer was informed."""
        return Ratio(self.informed, self.resolved)


@attrs.frozen
class ListeningHealth:
    """Hearing (what was collected) set apart from listening (what was done with it).

    Every listening ratio is over the cases opened in the period.
    """

    feedback: int
    customers: int
    channels: int
    cases: int
    acknowledged_on_time: Ratio
    root_cause_found: Ratio
    acted: Ratio
    informed: Ratio


@attrs.frozen
class Recovery:
    """Apologies and recovery gestures of the period's cases, with what they cost."""

    apologies: int
    gestures: int
    cost: dict[str, float]
    by_kind: dict[str, int]


@attrs.frozen
class Report:
    """Everything :func:`build_report` found for one period. ``as_dict()`` gives plain JSON."""

    since: datetime | None
    until: datetime | None
    timezone: str
    generated_at: datetime
    unit: str
    feedback: int
    by_channel: dict[str, int]
    by_kind: dict[str, int]
    volume: tuple[tuple[Bucket, int], ...]
    nps: Score
    csat: Score
    ces: Score
    nps_trend: tuple[ScorePoint, ...]
    csat_trend: tuple[ScorePoint, ...]
    ces_trend: tuple[ScorePoint, ...]
    changes: tuple[ScoreChange | None, ...]
    sentiment: tuple[SentimentPoint, ...]
    themes: tuple[ThemeSummary, ...]
    service_levels: tuple[SLACompliance, ...]
    loop: LoopClosure
    health: ListeningHealth
    ideas: tuple[Idea, ...]
    recovery: Recovery
    cases: int

    @property
    def title(self) -> str:
        """The report's heading, naming its period."""
        return f"Customer listening report, {self.period}"

    @property
    def period(self) -> str:
        """The period in words: ``2026-03-01 to 2026-03-31``, open ends say so."""
        zone = _zone(self.timezone)
        first = f"{self.since.astimezone(zone):%Y-%m-%d}" if self.since else "the beginning"
        last = (
            f"{(self.until - timedelta(microseconds=1)).astimezone(zone):%Y-%m-%d}"
            if self.until
            else "now"
        )
        return f"{first} to {last}"

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (ISO datetimes, shares from 0 to 1)."""
        return _plain(self)  # type: ignore[no-any-return]


def build_report(
    store: Store,
    since: datetime | None = None,
    until: datetime | None = None,
    tz: str = "UTC",
    now: datetime | None = None,
    *,
    themes: int = 8,
    quotes: int = 2,
) -> Report:
    """Read ``store`` once for ``[since, until)`` and compute a :class:`Report`.

    :param since: first instant of the period (timezone-aware); None reads from the start.
    :param until: end of the period, excluded; None reads to the end.
    :param tz: the time zone whose calendar days, weeks and months group the trends.
    :param now: the instant deciding what is overdue (default: the current time).
    :param themes: how many top themes to keep.
    :param quotes: representative quotes per theme and per idea.
    :raises ValidationError: if an instant has no offset, the period is empty or the zone is
        unknown.
    """
    zone = _zone(tz)
    for name, value in (("since", since), ("until", until), ("now", now)):
        if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
            raise ValidationError(name, value, "must be a datetime with a time zone")
    if since is not None and until is not None and until <= since:
        raise ValidationError("until", until, "must be after since")
    now = now or datetime.now(timezone.utc)

    channel_of = {i.id: i.channel for i in store.iter_interactions()}
    feedback = list(store.iter_feedback(since=since, until=until))
    cases = [c for c in store.iter_cases() if _within(c.opened_at, since, until)]
    unit = _unit(since, until, feedback)

    by_channel: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    volume: Counter[Bucket] = Counter()
    feelings: defaultdict[Bucket, Counter[str]] = defaultdict(Counter)
    feeling_scores: defaultdict[Bucket, list[float]] = defaultdict(list)
    for item in feedback:
        bucket = _bucket(item.created_at, zone, unit)
        volume[bucket] += 1
        by_channel[channel_of.get(item.interaction_id, "unknown")] += 1
        by_kind[_kind(item)] += 1
        if item.analysis is not None and item.analysis.sentiment is not None:
            feelings[bucket][item.analysis.sentiment.value] += 1
            if item.analysis.sentiment_score is not None:
                feeling_scores[bucket].append(item.analysis.sentiment_score)

    trends = {name: _trend(store, name, unit, since, until, tz) for name in _METRICS}
    overall = {
        name: trend(store, name, period=None, since=since, until=until, tz=tz).score()
        for name in _METRICS
    }
    sentiment = tuple(
        SentimentPoint(
            bucket,
            {s.value: feelings[bucket][s.value] for s in Sentiment},
            statistics.fmean(feeling_scores[bucket]) if feeling_scores[bucket] else None,
        )
        for bucket in sorted(feelings, key=lambda b: b.start)
    )
    names = _Names(store)
    top = find_themes(
        (f for f in feedback if f.kind not in _IDEA_KINDS and f.text.strip()),
        max_themes=themes,
        quotes=quotes,
    )
    theme_summaries = tuple(
        ThemeSummary(
            label=t.label,
            key_phrases=t.key_phrases,
            count=t.count,
            customers=t.customers,
            quotes=tuple(names.mask(q, t.customer_ids) for q in t.quotes),
        )
        for t in top
    )
    backlog = find_themes(
        (f for f in feedback if f.kind in _IDEA_KINDS and f.text.strip()),
        min_count=1,
        max_themes=themes,
        quotes=quotes,
    )
    ideas = tuple(
        Idea(
            label=t.label,
            count=t.count,
            customer_ids=t.customer_ids,
            quotes=tuple(names.mask(q, t.customer_ids) for q in t.quotes),
        )
        for t in backlog
    )
    levels = tuple(SLACompliance.of(cases, deadline, now) for deadline in DEADLINES)
    loop = _loop(cases)
    acknowledge = levels[0]
    health = ListeningHealth(
        feedback=len(feedback),
        customers=len({f.customer_id for f in feedback}),
        channels=len(by_channel),
        cases=len(cases),
        acknowledged_on_time=Ratio(acknowledge.met, len(cases)),
        root_cause_found=Ratio(sum(c.root_cause is not None for c in cases), len(cases)),
        acted=Ratio(
            sum(c.plan is not None or c.resolved_at is not None for c in cases), len(cases)
        ),
        informed=Ratio(sum(c.informed_at is not None for c in cases), len(cases)),
    )
    return Report(
        since=since,
        until=until,
        timezone=tz,
        generated_at=now,
        unit=unit,
        feedback=len(feedback),
        by_channel=_ranked(by_channel),
        by_kind=_ranked(by_kind),
        volume=tuple(sorted(volume.items(), key=lambda kv: kv[0].start)),
        nps=overall["nps"],
        csat=overall["csat"],
        ces=overall["ces"],
        nps_trend=trends["nps"],
        csat_trend=trends["csat"],
        ces_trend=trends["ces"],
        changes=tuple(_last_change(trends[name]) for name in _METRICS),
        sentiment=sentiment,
        themes=theme_summaries,
        service_levels=levels,
        loop=loop,
        health=health,
        ideas=ideas,
        recovery=_recovery(cases),
        cases=len(cases),
    )


# --------------------------------------------------------------------------------------------
# Helpers


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError("tz", name, "is not a known time zone (e.g. Europe/Madrid)") from None


def _within(instant: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or instant >= since) and (until is None or instant < until)


def _unit(since: datetime | None, until: datetime | None, feedback: Sequence[Feedback]) -> str:
    """Days for up to ten days, weeks up to about four months, months beyond."""
    first = since or (feedback[0].created_at if feedback else None)
    last = until or (feedback[-1].created_at if feedback else None)
    if first is None or last is None:
        return "day"
    span = last - first
    if span <= timedelta(days=10):
        return "day"
    if span <= timedelta(days=120):
        return "week"
    return "month"


def _bucket(instant: datetime, zone: ZoneInfo, unit: str) -> Bucket:
    day = instant.astimezone(zone).date()
    if unit == "week":
        day -= timedelta(days=day.weekday())
    elif unit == "month":
        day = day.replace(day=1)
    return Bucket(day, unit)


def _trend(
    store: Store,
    metric: str,
    unit: str,
    since: datetime | None,
    until: datetime | None,
    tz: str,
) -> tuple[ScorePoint, ...]:
    breakdown = trend(store, metric, period=unit, since=since, until=until, tz=tz)
    return tuple(
        ScorePoint(Bucket(point.start.date(), unit), point.score)
        for point in breakdown.series(None)
        if point.start is not None
    )


def _last_change(points: Sequence[ScorePoint]) -> ScoreChange | None:
    """The change between the last two buckets that have answers, with its significance."""
    answered = [point for point in points if point.score.count]
    if len(answered) < 2:
        return None
    return compare_scores(answered[-2].score, answered[-1].score)


def _kind(item: Feedback) -> str:
    kind = item.kind or (item.analysis.kind if item.analysis is not None else None)
    return kind.value if kind is not None else "unknown"


def _ranked(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _loop(cases: Sequence[Case]) -> LoopClosure:
    resolved = [c for c in cases if c.resolved_at is not None]
    hours = sorted(
        (c.informed_at - c.opened_at).total_seconds() / 3600
        for c in cases
        if c.informed_at is not None
    )
    return LoopClosure(
        resolved=len(resolved),
        informed=sum(c.informed_at is not None for c in resolved),
        unreachable=sum(c.unreachable_reason is not None for c in cases),
        median_hours_to_inform=statistics.median(hours) if hours else None,
        p90_hours_to_inform=_percentile(hours, 0.9) if hours else None,
    )


def _percentile(ordered: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of sorted values."""
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def _recovery(cases: Iterable[Case]) -> Recovery:
    apologies = gestures = 0
    cost: defaultdict[str, float] = defaultdict(float)
    kinds: Counter[str] = Counter()
    for case in cases:
        apologies += case.apology
        if case.gesture is not None:
            gestures += 1
            cost[case.gesture.currency] += case.gesture.cost
            kinds[case.gesture.kind] += 1
    return Recovery(apologies, gestures, dict(cost), _ranked(kinds))


class _Names:
    """Customers' names, looked up once each, to mask them (and any e-mail or phone) in quotes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.known: dict[str, tuple[str, ...]] = {}

    def mask(self, text: str, customer_ids: Iterable[str]) -> str:
        personal: list[str] = []
        for customer_id in customer_ids:
            personal.extend(self._of(customer_id))
        return anonymise_text(text, personal)

    def _of(self, customer_id: str) -> tuple[str, ...]:
        if customer_id not in self.known:
            try:
                customer = self.store.get_customer(customer_id)
            except ClientVoiceError:
                self.known[customer_id] = ()
            else:
                names = [n for n in (customer.name, customer.preferred_name) if n]
                names += [part for n in list(names) for part in n.split() if len(part) >= 3]
                names += [c.value for c in customer.contacts]
                self.known[customer_id] = tuple(names)
        return self.known[customer_id]


def _plain(value: Any) -> Any:
    if isinstance(value, Ratio):
        return {"part": value.part, "whole": value.whole, "share": value.share}
    if isinstance(value, Bucket):
        return {"start": value.start.isoformat(), "unit": value.unit, "label": value.label}
    if isinstance(value, SLACompliance):
        return {**_fields(value), "compliance": _plain(value.compliance)}
    if isinstance(value, ScoreChange):
        return {**_fields(value), "significant": value.significant}
    if isinstance(value, LoopClosure):
        return {**_fields(value), "rate": _plain(value.rate)}
    if isinstance(value, Report):
        fields = _fields(value)
        fields["volume"] = [
            {"bucket": _plain(bucket), "feedback": count} for bucket, count in value.volume
        ]
        return {"title": value.title, "period": value.period, **fields}
    if attrs.has(type(value)):
        return _fields(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _fields(value: Any) -> dict[str, Any]:
    return {field.name: _plain(getattr(value, field.name)) for field in attrs.fields(type(value))}
