"""Business calendars: when the organisation is open, so promises are kept in business time.

A :class:`BusinessCalendar` has weekly opening hours (several intervals per weekday), a time zone
and holidays. Opening hours are wall-clock times in that zone, so "09:00–18:00 in Madrid" stays
09:00–18:00 on both sides of a daylight-saving change; business time is counted in real elapsed
time, so a night-shift interval that contains the spring-forward hour is one hour shorter that day.

    >>> from datetime import datetime, timedelta, timezone
    >>> from clientvoice import BusinessCalendar
    >>> office = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Madrid",
    ...                                    holidays=["2026-03-19"])
    >>> friday_afternoon = datetime(2026, 3, 13, 15, 0, tzinfo=timezone.utc)  # 16:00 in Madrid
    >>> office.add(friday_afternoon, timedelta(hours=4)).isoformat()  # 1 h Friday, 3 h Monday
    '2026-03-16T11:00:00+00:00'
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rruleset, rrulestr

from clientvoice.errors import ValidationError

__all__ = ["WEEKDAYS", "BusinessCalendar", "OpeningHours"]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names as :class:`BusinessCalendar` accepts them (also full names and 0–6, Monday 0)."""

Interval: TypeAlias = tuple[str | time, str | time]
"""An opening interval as given: ``("09:00", "13:30")``; an end of ``"24:00"`` means midnight."""

OpeningHours: TypeAlias = Mapping[Any, Sequence[Interval]]
"""Opening intervals per weekday: ``{"mon": [("09:00", "14:00"), ("15:00", "18:00")], ...}``."""

Holiday: TypeAlias = "date | str | rrule | rruleset"

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_MAX_CLOSED_DAYS = 3660
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)(?::([0-5]\d))?$")
_DAY_NAMES = {
    **{name: index for index, name in enumerate(WEEKDAYS)},
    **{
        name: index
        for index, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}


class BusinessCalendar:
    """Opening hours in a time zone, with holidays: the clock service-level promises run on.

    :param hours: opening intervals per weekday, as ``"HH:MM"`` strings or :class:`datetime.time`
        values; keys are ``"mon"``…``"sun"``, full names, or 0–6 (Monday is 0). Days not named
        are closed. Intervals of one day must not overlap; ``"24:00"`` ends a day at midnight.
    :param timezone: an IANA zone name (``"Europe/Madrid"``); opening hours are local to it.
    :param holidays: closed days: dates, ``"YYYY-MM-DD"`` strings, or recurring rules
        (:mod:`dateutil.rrule` objects, or RFC 5545 ``RRULE`` text with a ``DTSTART``) whose
        occurrences are local dates, e.g. every 25 December or Easter Monday.
    :param special_hours: dates with different hours from their weekday's (a short Christmas
        Eve); an empty list closes that day. They win over holidays.
    :param name: a label for reports and errors.
    :raises ValidationError: naming the offending day, interval, zone or holiday.
    """

    def __init__(
        self,
        hours: OpeningHours,
        *,
        timezone: str = "UTC",
        holidays: Iterable[Holiday] = (),
        special_hours: Mapping[date | str, Sequence[Interval]] | None = None,
        name: str = "",
    ) -> None:
        self.name = name
        self.timezone = timezone
        try:
            self._zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
            raise ValidationError("timezone", timezone, "is not a known IANA time zone") from error
        week: list[tuple[tuple[int, int], ...]] = [()] * 7
        if not isinstance(hours, Mapping):
            raise ValidationError("hours", hours, "must map weekdays to opening intervals")
        for key, intervals in hours.items():
            day = _weekday(key)
            week[day] = _intervals(f"hours.{WEEKDAYS[day]}", intervals)
        self._week = tuple(week)
        self._special = {
            _date(f"special_hours[{key!r}]", key): _intervals(f"special_hours.{key}", value)
            for key, value in (special_hours or {}).items()
        }
        self._holiday_dates: set[date] = set()
        self._holiday_rules: list[rrule | rruleset] = []
        for index, holiday in enumerate(holidays):
            self._add_holiday(f"holidays[{index}]", holiday)
        if not any(self._week) and not any(self._special.values()):
            raise ValidationError("hours", hours, "the calendar is never open")
        self._rule_years: dict[int, frozenset[date]] = {}
        self._days: dict[int, tuple[tuple[tuple[int, int], ...], int]] = {}

    # -- constructors -----------------------------------------------------------------------------

    @classmethod
    def always(cls, *, timezone: str = "UTC", name: str = "24/7") -> BusinessCalendar:
        """A calendar that never closes: business time is elapsed time."""
        return cls({key: [("00:00", "24:00")] for key in range(7)}, timezone=timezone, name=name)

    @classmethod
    def weekdays(
        cls,
        opens: str | time = "09:00",
        closes: str | time = "17:00",
        *,
        timezone: str = "UTC",
        holidays: Iterable[Holiday] = (),
        special_hours: Mapping[date | str, Sequence[Interval]] | None = None,
        name: str = "",
    ) -> BusinessCalendar:
        """Monday to Friday, one interval a day: the common office calendar."""
        return cls(
            {key: [(opens, closes)] for key in range(5)},
            timezone=timezone,
            holidays=holidays,
            special_hours=special_hours,
            name=name,
        )

    # -- questions --------------------------------------------------------------------------------

    def is_open(self, instant: datetime) -> bool:
        """Whether ``instant`` falls inside opening hours (an interval's end is outside)."""
        at = _micros(_aware("instant", instant))
        return any(start <= at < end for start, end in self._around(at))

    def is_holiday(self, day: date) -> bool:
        """Whether ``day`` (a local date) is closed as a holiday."""
        if day in self._holiday_dates:
            return True
        if not self._holiday_rules:
            return False
        dates = self._rule_years.get(day.year)
        if dates is None:
            dates = self._rule_years[day.year] = self._rule_dates(day.year)
        return day in dates

    def opening_hours(self, day: date) -> list[tuple[datetime, datetime]]:
        """The opening intervals of a local date, as UTC instants (empty when closed)."""
        return [(_from_micros(start), _from_micros(end)) for start, end in self._intervals(day)]

    def next_open(self, instant: datetime) -> datetime:
        """``instant`` itself when open, else the next instant the calendar opens (UTC)."""
        at = _micros(_aware("instant", instant))
        day = self._local_date(at)
        for _ in range(_MAX_CLOSED_DAYS):
            for start, end in self._intervals(day):
                if at < end:
                    return _from_micros(max(start, at))
            day += timedelta(days=1)
        raise self._never_open(instant)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of business time has passed since ``start``.

        When the time runs out exactly at a closing time, that closing time is returned (not the
        next opening). The result is in UTC.

        :raises ValidationError: if ``start`` is naive or ``duration`` is negative.
        """
        at = _micros(_aware("start", start))
        if not isinstance(duration, timedelta) or duration < timedelta(0):
            raise ValidationError("duration", duration, "must be a non-negative timedelta")
        remaining = duration // _US
        ordinal = self._local_date(at).toordinal()
        for _ in range(_MAX_CLOSED_DAYS):
            intervals, total = self._day(ordinal)
            if intervals and intervals[0][0] >= at and total < remaining:
                remaining -= total  # a whole day that does not finish the job
            else:
                for open_at, close_at in intervals:
                    if close_at <= at:
                        continue
                    begin = open_at if open_at > at else at
                    available = close_at - begin
                    if remaining <= available:
                        return _from_micros(begin + remaining)
                    remaining -= available
            ordinal += 1
        raise self._never_open(start)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from ``start`` to ``end`` (negative when ``end`` comes first)."""
        begin = _micros(_aware("start", start))
        finish = _micros(_aware("end", end))
        if finish < begin:
            return -self.between(end, start)
        total = 0
        day = self._local_date(begin)
        last = self._local_date(finish)
        while day <= last:
            for open_at, close_at in self._intervals(day):
                low = open_at if open_at > begin else begin
                high = close_at if close_at < finish else finish
                if high > low:
                    total += high - low
            day += timedelta(days=1)
        return timedelta(microseconds=total)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<BusinessCalendar{label} {self.timezone}>"

    # -- internals --------------------------------------------------------------------------------

    def _day(self, ordinal: int) -> tuple[tuple[tuple[int, int], ...], int]:
        """A local day's opening intervals (microseconds since the epoch) and their total."""
        known = self._days.get(ordinal)
        if known is None:
            if len(self._days) > 20_000:
                self._days.clear()
            intervals = self._compute_day(date.fromordinal(ordinal))
            known = self._days[ordinal] = (intervals, sum(e - s for s, e in intervals))
        return known

    def _intervals(self, day: date) -> tuple[tuple[int, int], ...]:
        return self._day(day.toordinal())[0]

    def _compute_day(self, day: date) -> tuple[tuple[int, int], ...]:
        special = self._special.get(day)
        if special is not None:
            seconds = special
        elif self.is_holiday(day):
            return ()
        else:
            seconds = self._week[day.weekday()]
        intervals = ((self._instant(day, s), self._instant(day, e)) for s, e in seconds)
        return tuple((start, end) for start, end in intervals if end > start)

    def _instant(self, day: date, seconds: int) -> int:
        """The instant of a wall-clock time on a local day, in microseconds since the epoch.

        A wall time that does not exist (inside a spring-forward gap) moves forward by the length
        of the gap, as PEP 495 reads it; an ambiguous one (fall back) is its first occurrence.
        """
        local = datetime.combine(day, time(), tzinfo=self._zone) + timedelta(seconds=seconds)
        return (local.astimezone(timezone.utc) - _EPOCH) // _US

    def _local_date(self, micros: int) -> date:
        return _from_micros(micros).astimezone(self._zone).date()

    def _around(self, micros: int) -> tuple[tuple[int, int], ...]:
        day = self._local_date(micros)
        return self._intervals(day - timedelta(days=1)) + self._intervals(day)

    def _add_holiday(self, field: str, holiday: Any) -> None:
        if isinstance(holiday, rrule | rruleset):
            self._check_rule(field, holiday)
            self._holiday_rules.append(holiday)
        elif isinstance(holiday, str) and "RRULE" in holiday.upper():
            try:
                rule = rrulestr(holiday, forceset=True)
            except (ValueError, TypeError) as error:
                raise ValidationError(
                    field, holiday, f"is not a valid recurrence: {error}"
                ) from error
            if not isinstance(rule, rruleset):  # pragma: no cover - forceset guarantees it
                raise ValidationError(field, holiday, "is not a recurrence set")
            self._check_rule(field, rule)
            self._holiday_rules.append(rule)
        else:
            self._holiday_dates.add(_date(field, holiday))

    def _check_rule(self, field: str, rule: rrule | rruleset) -> None:
        try:
            rule.between(datetime(2000, 1, 1), datetime(2000, 1, 2), inc=True)
        except TypeError as error:
            raise ValidationError(
                field, rule, "recurring holidays must use a naive DTSTART (local dates)"
            ) from error

    def _rule_dates(self, year: int) -> frozenset[date]:
        start, end = datetime(year, 1, 1), datetime(year, 12, 31, 23, 59, 59)
        return frozenset(
            occurrence.date()
            for rule in self._holiday_rules
            for occurrence in rule.between(start, end, inc=True)
        )

    def _never_open(self, instant: datetime) -> ValidationError:
        return ValidationError(
            "calendar",
            self,
            f"is not open on any day in the {_MAX_CLOSED_DAYS} days after {instant.isoformat()}",
        )


# -- parsing helpers ------------------------------------------------------------------------------


def _weekday(key: Any) -> int:
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 6:
        return key
    if isinstance(key, str) and key.strip().lower() in _DAY_NAMES:
        return _DAY_NAMES[key.strip().lower()]
    raise ValidationError("hours", key, "weekdays are 'mon'..'sun', full names, or 0-6")


def _seconds(field: str, value: Any) -> int:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValidationError(field, value, "opening times are local: give a naive time")
        return value.hour * 3600 + value.minute * 60 + value.second
    if isinstance(value, str):
        match = _HHMM.match(value.strip())
        if match:
            hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
            total = hours * 3600 + minutes * 60 + seconds
            if total <= 86_400:
                return total
    raise ValidationError(field, value, "times are 'HH:MM' (00:00 to 24:00) or datetime.time")


def _intervals(field: str, intervals: Any) -> tuple[tuple[int, int], ...]:
    if isinstance(intervals, str | bytes) or not isinstance(intervals, Sequence):
        raise ValidationError(field, intervals, "must be a list of (opens, closes) pairs")
    parsed = []
    for index, interval in enumerate(intervals):
        where = f"{field}[{index}]"
        if isinstance(interval, str | bytes) or not isinstance(interval, Sequence):
            raise ValidationError(where, interval, "must be an (opens, closes) pair")
        if len(interval) != 2:
            raise ValidationError(where, interval, "must be an (opens, closes) pair")
        opens, closes = _seconds(where, interval[0]), _seconds(where, interval[1])
        if closes <= opens:
            raise ValidationError(where, interval, "must close after it opens")
        parsed.append((opens, closes))
    parsed.sort()
    for (_, previous_end), (start, _) in itertools.pairwise(parsed):
        if start < previous_end:
            raise ValidationError(field, intervals, "intervals of one day must not overlap")
    return tuple(parsed)


def _date(field: str, value: Any) -> date:
    if isinstance(value, datetime):
        raise ValidationError(field, value, "must be a date, not a datetime")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(field, value, "must be a date, 'YYYY-MM-DD', or a recurrence rule")


def _aware(field: str, value: Any) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, value, "must be a timezone-aware datetime")
    return value


def _micros(instant: datetime) -> int:
    return (instant - _EPOCH) // _US


def _from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)
