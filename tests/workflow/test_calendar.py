"""Business time: checked against pandas' CustomBusinessHour, and by hand across DST changes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import YEARLY, rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice import BusinessCalendar, ValidationError

pd = pytest.importorskip("pandas")

UTC = timezone.utc
MADRID = ZoneInfo("Europe/Madrid")
MEXICO = ZoneInfo("America/Mexico_City")
H = timedelta(hours=1)
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def at(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)


# -- against pandas ------------------------------------------------------------------------------


@st.composite
def calendars(draw):
    opens = draw(st.integers(0, 20))
    closes = draw(st.integers(opens + 1, 23))  # pandas cannot open a whole day
    days = draw(st.sets(st.integers(0, 6), min_size=1, max_size=7))
    holidays = draw(
        st.lists(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=12, unique=True)
    )
    return opens, closes, sorted(days), holidays


@settings(max_examples=300, deadline=None)
@given(
    calendars(),
    st.datetimes(datetime(2026, 1, 1), datetime(2026, 11, 30)),
    st.integers(1, 200),
)
def test_add_matches_pandas_custom_business_hour(spec, start, hours):
    opens, closes, days, holidays = spec
    calendar = BusinessCalendar(
        {day: [(f"{opens:02d}:00", f"{closes:02d}:00")] for day in days}, holidays=holidays
    )
    offset = pd.offsets.CustomBusinessHour(
        n=hours,
        start=f"{opens:02d}:00",
        end=f"{closes % 24:02d}:00",
        weekmask=" ".join(WEEKDAY_NAMES[d] for d in days),
        holidays=holidays,
    )
    expected = (pd.Timestamp(start) + offset).to_pydatetime().replace(tzinfo=UTC)
    ours = calendar.add(start.replace(tzinfo=UTC), hours * H)
    # pandas gives the next opening when the time runs out exactly at a closing time; we give
    # the closing time itself. Both are the same amount of business time after the start.
    assert ours == expected or calendar.next_open(ours) == expected
    assert calendar.between(start.replace(tzinfo=UTC), ours) == hours * H


@settings(max_examples=200, deadline=None)
@given(
    calendars(),
    st.datetimes(datetime(2026, 1, 1), datetime(2026, 11, 30)),
    st.timedeltas(timedelta(0), timedelta(days=20)),
)
def test_between_undoes_add(spec, start, duration):
    opens, closes, days, holidays = spec
    calendar = BusinessCalendar(
        {day: [(f"{opens:02d}:00", f"{closes:02d}:00")] for day in days},
        timezone="Europe/Madrid",
        holidays=holidays,
    )
    begin = start.replace(tzinfo=MADRID)
    end = calendar.add(begin, duration)
    assert end >= begin
    assert calendar.between(begin, end) == duration
    assert calendar.between(end, begin) == -duration


@settings(max_examples=100, deadline=None)
@given(
    st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 1)),
    st.timedeltas(timedelta(0), timedelta(days=3)),
    st.timedeltas(timedelta(0), timedelta(days=3)),
)
def test_adding_in_two_steps_is_adding_once(start, first, second):
    calendar = BusinessCalendar(
        {"mon": [("09:00", "14:00"), ("15:00", "18:00")], "wed": [("08:30", "20:00")]},
        timezone="America/Mexico_City",
    )
    begin = start.replace(tzinfo=UTC)
    assert calendar.add(calendar.add(begin, first), second) >= calendar.add(begin, first + second)
    assert calendar.between(begin, calendar.add(calendar.add(begin, first), second)) == (
        first + second
    )


# -- by hand -------------------------------------------------------------------------------------


def test_several_intervals_a_day_and_weekends():
    calendar = BusinessCalendar(
        {d: [("09:00", "14:00"), ("15:00", "18:00")] for d in ("mon", "tue", "wed", "thu", "fri")},
        timezone="Europe/Madrid",
    )
    friday = at(MADRID, 2026, 2, 13, 13, 0)
    # 1 h before lunch, 3 h after it, then Monday 09:00 + 2 h.
    assert calendar.add(friday, 6 * H) == at(MADRID, 2026, 2, 16, 11, 0)
    assert not calendar.is_open(at(MADRID, 2026, 2, 13, 14, 30))
    assert calendar.next_open(at(MADRID, 2026, 2, 13, 14, 30)) == at(MADRID, 2026, 2, 13, 15, 0)
    assert calendar.between(friday, at(MADRID, 2026, 2, 16, 11, 0)) == 6 * H


def test_madrid_spring_forward_keeps_wall_clock_hours():
    # 29 March 2026: clocks go from 02:00 to 03:00 in Madrid.
    office = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Madrid")
    friday = at(MADRID, 2026, 3, 27, 16, 0)
    monday = office.add(friday, 2 * H)
    assert monday == at(MADRID, 2026, 3, 30, 10, 0)
    assert monday.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # now UTC+2
    assert friday.astimezone(UTC) == datetime(2026, 3, 27, 15, 0, tzinfo=UTC)  # was UTC+1


def test_madrid_spring_forward_shortens_a_night_that_spans_it():
    night = BusinessCalendar({"sun": [("00:00", "06:00")]}, timezone="Europe/Madrid")
    sunday = date(2026, 3, 29)
    ((opens, closes),) = night.opening_hours(sunday)
    assert closes - opens == 5 * H  # 02:00–03:00 does not exist that night
    assert night.add(at(MADRID, 2026, 3, 29, 0, 0), 5 * H) == at(MADRID, 2026, 3, 29, 6, 0)


def test_madrid_fall_back_lengthens_a_night_that_spans_it():
    night = BusinessCalendar({"sun": [("00:00", "06:00")]}, timezone="Europe/Madrid")
    ((opens, closes),) = night.opening_hours(date(2026, 10, 25))
    assert closes - opens == 7 * H  # 02:00–03:00 happens twice


def test_mexico_city_has_no_dst_since_2022_but_had_it_before():
    office = BusinessCalendar.weekdays("09:00", "18:00", timezone="America/Mexico_City")
    # 2026: no change in April; 9 business hours a day, UTC-6 all year.
    ((opens, _),) = office.opening_hours(date(2026, 4, 6))
    assert opens == datetime(2026, 4, 6, 15, 0, tzinfo=UTC)
    ((opens, _),) = office.opening_hours(date(2026, 7, 6))
    assert opens == datetime(2026, 7, 6, 15, 0, tzinfo=UTC)
    # 2022: summer time ended on Sunday 30 October; the Friday before opened at UTC-5.
    friday = at(MEXICO, 2022, 10, 28, 17, 0)
    assert friday.utcoffset() == -5 * H
    monday = office.add(friday, 2 * H)
    assert monday == at(MEXICO, 2022, 10, 31, 10, 0)
    assert monday.astimezone(MEXICO).utcoffset() == -6 * H
    assert office.between(friday, monday) == 2 * H


def test_holidays_as_dates_and_as_rules():
    christmas = rrule(YEARLY, bymonth=12, bymonthday=25, dtstart=datetime(2000, 1, 1))
    office = BusinessCalendar.weekdays(
        "09:00",
        "17:00",
        timezone="Europe/Madrid",
        holidays=[
            "2026-12-24",
            date(2026, 12, 31),
            christmas,
            "DTSTART:20000101T000000\nRRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=6",
        ],
    )
    assert office.is_holiday(date(2026, 12, 25)) and office.is_holiday(date(2031, 12, 25))
    assert office.is_holiday(date(2027, 1, 6))
    wednesday = at(MADRID, 2026, 12, 23, 16, 0)  # then 24, 25 holidays; 26–27 weekend
    assert office.add(wednesday, 2 * H) == at(MADRID, 2026, 12, 28, 10, 0)


def test_special_hours_win_over_the_week_and_holidays():
    office = BusinessCalendar.weekdays(
        "09:00",
        "17:00",
        holidays=["2026-12-24"],
        special_hours={"2026-12-24": [("09:00", "13:00")], "2026-12-23": []},
    )
    assert office.opening_hours(date(2026, 12, 23)) == []
    ((opens, closes),) = office.opening_hours(date(2026, 12, 24))
    assert closes - opens == 4 * H


def test_always_open_is_elapsed_time():
    always = BusinessCalendar.always()
    start = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)
    assert always.add(start, 30 * H) == start + 30 * H
    assert always.is_open(start)


@pytest.mark.parametrize(
    ("hours", "options", "field"),
    [
        ({"mon": [("09:00", "08:00")]}, {}, "hours.mon[0]"),
        ({"mon": [("09:00", "13:00"), ("12:00", "15:00")]}, {}, "hours.mon"),
        ({"funday": [("09:00", "10:00")]}, {}, "hours"),
        ({"mon": [("9am", "10:00")]}, {}, "hours.mon[0]"),
        ({"mon": [("09:00", "25:00")]}, {}, "hours.mon[0]"),
        ({"mon": "09:00-17:00"}, {}, "hours.mon"),
        ({}, {}, "hours"),
        ({"mon": [("09:00", "17:00")]}, {"timezone": "Europe/Atlantis"}, "timezone"),
        ({"mon": [("09:00", "17:00")]}, {"holidays": ["31/12/2026"]}, "holidays[0]"),
        ({"mon": [(time(9, tzinfo=UTC), "17:00")]}, {}, "hours.mon[0]"),
    ],
)
def test_bad_calendars_are_refused_naming_the_field(hours, options, field):
    with pytest.raises(ValidationError) as caught:
        BusinessCalendar(hours, **options)
    assert caught.value.field == field


def test_naive_instants_and_negative_durations_are_refused():
    office = BusinessCalendar.weekdays()
    with pytest.raises(ValidationError, match="start"):
        office.add(datetime(2026, 3, 2, 9), H)
    with pytest.raises(ValidationError, match="duration"):
        office.add(datetime(2026, 3, 2, 9, tzinfo=UTC), -H)


def test_a_calendar_closed_for_ever_says_so():
    every_day = rrule(YEARLY, byyearday=range(1, 367), dtstart=datetime(2000, 1, 1))
    closed = BusinessCalendar.weekdays(holidays=[every_day])
    with pytest.raises(ValidationError, match="not open on any day"):
        closed.add(datetime(2026, 3, 2, tzinfo=UTC), H)
