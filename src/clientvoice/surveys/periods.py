"""Periods and groups for metrics: which local day, week, month or quarter an instant falls in,
and which groups (segment, channel, membership) a response counts in.

A period is named by the local calendar date it starts on, in a chosen time zone: a day by itself,
a week by its Monday, a month by its 1st, a quarter by the 1st of January, April, July or October.
Boundaries are computed with :mod:`dateutil.relativedelta` on local dates, so a month is a
calendar month whatever its length and a day is a local day even when daylight-saving time makes
it 23 or 25 hours long.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import MO, relativedelta

from clientvoice.errors import ValidationError

__all__ = [
    "GROUPINGS",
    "METRICS",
    "PERIODS",
    "check_grouping",
    "check_metric",
    "check_period",
    "check_range",
    "customer_groups",
    "next_period",
    "period_boundaries",
    "period_of",
    "period_start",
    "periods_between",
    "zone",
]

PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter")
"""The periods metrics can be grouped by."""

METRICS: tuple[str, ...] = ("nps", "csat", "ces")
"""The metrics stores count answers of: names of :class:`~clientvoice.Feedback` fields."""

GROUPINGS: tuple[str, ...] = ("segment", "channel", "membership", "membership:<programme>")
"""What metrics can be broken down by (``by=``); ``None`` means no breakdown.

* ``"channel"``: the channel of the feedback's interaction (exactly one group per response);
* ``"segment"``: each of the customer's segments (a response counts once in every segment of its
  customer; a customer without segments counts in the group ``None``);
* ``"membership"``: each of the customer's memberships as ``"programme:level"``
  (``"loyalty:gold"``), counted in each like segments; ``None`` for a customer without any;
* ``"membership:<programme>"`` (``"membership:loyalty"``): the customer's level in that one
  programme (``"gold"``), or ``None`` when they are not in it.

Segments and memberships are the customer's as stored now, not as they were when they answered.
"""

_TICK = timedelta(microseconds=1)
_STEP = {
    "day": relativedelta(days=1),
    "week": relativedelta(weeks=1),
    "month": relativedelta(months=1),
    "quarter": relativedelta(months=3),
}


def zone(tz: str | ZoneInfo) -> ZoneInfo:
    """The time zone named ``tz`` (an IANA name such as ``"Europe/Madrid"``).

    :raises ValidationError: naming ``tz`` when the zone is unknown.
    """
    if isinstance(tz, ZoneInfo):
        return tz
    if type(tz) is not str:
        raise ValidationError("tz", tz, "must be an IANA time zone such as 'Europe/Madrid'")
    return _zone(tz)


def check_period(period: str) -> str:
    """``period`` if it is one of :data:`PERIODS`.

    :raises ValidationError: naming ``period`` otherwise.
    """
    if period not in _STEP:
        raise ValidationError("period", period, f"must be one of {', '.join(PERIODS)}")
    return period


def check_metric(metric: str) -> str:
    """``metric`` if it is one of :data:`METRICS`.

    :raises ValidationError: naming ``metric`` otherwise.
    """
    if metric not in METRICS:
        raise ValidationError("metric", metric, f"must be one of {', '.join(METRICS)}")
    return metric


def check_grouping(by: str | None) -> str | None:
    """``by`` if it is None or one of :data:`GROUPINGS`.

    :raises ValidationError: naming ``by`` otherwise.
    """
    if by is None or by in ("segment", "channel", "membership"):
        return by
    if type(by) is str and by.startswith("membership:") and len(by) > len("membership:"):
        return by
    raise ValidationError(
        "by", by, "must be None, 'segment', 'channel', 'membership' or 'membership:<programme>'"
    )


def check_range(since: datetime | None, until: datetime | None) -> None:
    """Check that ``since`` and ``until`` are each None or a timezone-aware datetime.

    :raises ValidationError: naming ``since`` or ``until`` otherwise.
    """
    for name, value in (("since", since), ("until", until)):
        if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
            raise ValidationError(name, value, "must be a timezone-aware datetime or None")


def customer_groups(
    segments: Iterable[str], memberships: Mapping[str, str], by: str
) -> tuple[str | None, ...]:
    """The groups a customer's responses count in when broken down ``by`` segment or membership
    (see :data:`GROUPINGS`), sorted; ``(None,)`` when the customer is in none."""
    if by == "segment":
        found = sorted(set(segments))
    elif by == "membership":
        found = sorted(f"{programme}:{level}" for programme, level in memberships.items())
    else:
        level = memberships.get(by[len("membership:") :])
        found = [] if level is None else [level]
    return tuple(found) if found else (None,)


def period_of(moment: datetime, period: str, tz: ZoneInfo) -> date:
    """The local date on which the ``period`` holding the aware instant ``moment`` starts."""
    return _first_day(moment.astimezone(tz).date(), period)


def period_start(first_day: date, tz: ZoneInfo) -> datetime:
    """The first instant of the period starting on the local date ``first_day``, as an aware
    datetime in ``tz``.

    Where local midnight does not exist (clocks jump forward at midnight), the period starts at
    the jump, the first instant that belongs to the new day.
    """
    local = datetime.combine(first_day, time(0), tzinfo=tz)
    # fold=0 reads a missing midnight with the offset before the jump, which is the jump itself.
    return local.astimezone(tz)


def period_boundaries(
    first: date, last: date, period: str, tz: ZoneInfo
) -> list[tuple[date, datetime]] | None:
    """Every period from the one holding the local date ``first`` to the one holding ``last``,
    each as (its first day, its first instant in UTC), for SQL stores that bucket rows by
    comparing their UTC timestamps with these instants: a row belongs to the last period whose
    first instant is at or before it, which is exactly :func:`period_of`.

    Returns None when that rule would not hold: when clocks are set back across the local
    midnight that starts a period, so the local date runs backwards for a while (as in
    America/Goose_Bay until 2010). A store then falls back to computing :func:`period_of` row by
    row.
    """
    found = []
    for day in periods_between(first, last, period):
        start = period_start(day, tz)
        again = datetime.combine(day, time(0, fold=1), tzinfo=tz).astimezone(timezone.utc)
        if again > start and (again - _TICK).astimezone(tz).date() < day:
            return None
        found.append((day, start.astimezone(timezone.utc)))
    return found


def next_period(first_day: date, period: str) -> date:
    """The first day of the period after the one starting on ``first_day``."""
    return first_day + _STEP[period]


def periods_between(first: date, last: date, period: str) -> Iterator[date]:
    """The first days of every ``period`` from the one holding ``first`` to the one holding
    ``last``, both included, in order."""
    day = _first_day(first, period)
    while day <= last:
        yield day
        day = day + _STEP[period]


# --------------------------------------------------------------------------------------------
# Helpers


def _first_day(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "week":
        return day + relativedelta(weekday=MO(-1))
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValidationError("period", period, f"must be one of {', '.join(PERIODS)}")


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "tz", name, "must be an IANA time zone such as 'Europe/Madrid'"
        ) from None
