"""Deadline computation in business time, against pandas' ``CustomBusinessHour``.

Target (issue 3): computing a deadline is at least 10x faster than pandas
``CustomBusinessHour`` for the same inputs, with the same answers.

*Inputs*: 20,000 (start, whole hours) pairs drawn with a fixed seed: starts uniform over 2026 to
the second, durations 1-80 business hours; a Monday-Friday 09:00-17:00 calendar with 12 holidays.

*Ours*: ``BusinessCalendar.add(start, timedelta(hours=n))`` with a timezone-aware UTC start,
returning a UTC ``datetime``.

*Peer*: ``pd.Timestamp + pd.offsets.CustomBusinessHour(n=..., start="09:00", end="17:00",
weekmask=..., holidays=...)``, one element at a time. It is given every advantage: the 80 offsets
(one per duration) and the ``Timestamp`` starts are built before the clock starts, and its naive
``Timestamp`` results are not converted back. pandas has no faster path for this offset: adding it
to a whole ``DatetimeIndex`` loops over the elements the same way (and warns
"Non-vectorized DateOffset").

Each side runs several times in the same process; the best run counts. Each of our runs starts
with a freshly built calendar (its per-day cache empty), each of pandas' with freshly built
offsets.

*Same answers*: every result is compared. When the time runs out exactly at a closing time, ours
returns that closing time and pandas the next opening; both are the same amount of business time
after the start, so ``ours == theirs or calendar.next_open(ours) == theirs`` counts as agreement
(as in ``tests/workflow/test_calendar.py``). Any other difference is a disagreement, and there
must be none.

A second case has no peer: a Europe/Madrid calendar with two intervals a day
(09:00-14:00, 15:00-18:00), across both daylight-saving changes of 2026. pandas cannot express
it (one interval a day, naive times), so only ours is reported, with a self-check that
``between(start, add(start, d)) == d`` for every input.

Run ``python benchmarks/bench_calendar.py [scale]`` (exits 1 when a target is missed) or
``python benchmarks/run.py --only calendar``.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from _table import Row  # noqa: E402

PAIRS = 20_000
SEED = 3
REPEATS = 5
MAX_HOURS = 80
TARGET_SPEEDUP = 10.0
OPENS, CLOSES = "09:00", "17:00"
WEEKMASK = "Mon Tue Wed Thu Fri"
HOLIDAYS = (  # Spanish national and regional holidays of 2026 that fall on a weekday, and two more
    date(2026, 1, 1),
    date(2026, 1, 6),
    date(2026, 3, 19),
    date(2026, 4, 2),
    date(2026, 4, 3),
    date(2026, 5, 1),
    date(2026, 6, 24),
    date(2026, 10, 12),
    date(2026, 11, 2),
    date(2026, 12, 7),
    date(2026, 12, 8),
    date(2026, 12, 25),
)
MADRID_HOURS = (("09:00", "14:00"), ("15:00", "18:00"))


def run(scale: float) -> list[Row]:
    count = max(1000, int(PAIRS * scale))
    repeats = REPEATS if scale >= 0.5 else 3
    starts, hours = _inputs(count)
    rows = _against_pandas(starts, hours, repeats)
    rows.extend(_madrid(starts, hours, repeats))
    return rows


# --------------------------------------------------------------------------------------------
# The single-interval UTC calendar, against pandas


def _against_pandas(starts: Sequence[datetime], hours: Sequence[int], repeats: int) -> list[Row]:
    import pandas as pd

    from clientvoice import BusinessCalendar

    count = len(starts)
    aware = [start.replace(tzinfo=timezone.utc) for start in starts]
    durations = [timedelta(hours=n) for n in hours]  # the same objects a caller would hold

    def office() -> BusinessCalendar:
        return BusinessCalendar.weekdays(OPENS, CLOSES, holidays=HOLIDAYS)

    def offsets() -> dict[int, Any]:
        return {
            n: pd.offsets.CustomBusinessHour(
                n=n, start=OPENS, end=CLOSES, weekmask=WEEKMASK, holidays=list(HOLIDAYS)
            )
            for n in range(1, MAX_HOURS + 1)
        }

    stamps = [pd.Timestamp(start) for start in starts]

    def ours_once() -> tuple[float, list[datetime]]:
        add = office().add
        pairs = list(zip(aware, durations, strict=True))
        began = time.perf_counter()
        results = [add(start, duration) for start, duration in pairs]
        return time.perf_counter() - began, results

    def theirs_once() -> tuple[float, list[Any]]:
        by_hours = offsets()
        pairs = list(zip(stamps, [by_hours[n] for n in hours], strict=True))
        began = time.perf_counter()
        results = [stamp + offset for stamp, offset in pairs]
        return time.perf_counter() - began, results

    ours_seconds, ours = _best(ours_once, repeats)
    theirs_seconds, theirs = _best(theirs_once, repeats)

    calendar = office()
    closing_time = 0
    disagreements: list[str] = []
    for start, n, mine, their in zip(starts, hours, ours, theirs, strict=True):
        expected = their.to_pydatetime().replace(tzinfo=timezone.utc)
        if mine == expected:
            continue
        if calendar.next_open(mine) == expected:
            closing_time += 1
            continue
        disagreements.append(f"{start.isoformat()} + {n} h: ours {mine}, pandas {expected}")

    per_ours = ours_seconds / count * 1e6
    per_theirs = theirs_seconds / count * 1e6
    speedup = theirs_seconds / ours_seconds
    speed_met = speedup >= TARGET_SPEEDUP
    label = "deadline 9-17 Mon-Fri UTC, 12 holidays"
    notes = [
        f"{count:,} (start, 1-{MAX_HOURS} h) pairs over 2026, seed {SEED}; best of {repeats} runs; "
        f"ours {ours_seconds * 1000:.1f} ms, pandas {pd.__version__} CustomBusinessHour "
        f"{theirs_seconds * 1000:.1f} ms; ratio = pandas time / our time"
    ]
    if not speed_met:
        notes.append(f"speed target missed ({speedup:.1f}x < {TARGET_SPEEDUP:.0f}x)")
    agreement_note = (
        f"{count - closing_time - len(disagreements):,} identical, {closing_time:,} end exactly "
        f"at a closing time (ours: the closing time, pandas: the next opening), "
        f"{len(disagreements):,} different"
    )
    if disagreements:
        agreement_note += "; first: " + "; ".join(disagreements[:3])
    return [
        Row(
            name=f"{label}: time per deadline",
            ours=per_ours,
            unit="µs",
            floor=per_theirs,
            ratio=speedup,
            target=f">= {TARGET_SPEEDUP:.0f}x faster than pandas",
            met=speed_met,
            note="; ".join(notes),
        ),
        Row(
            name=f"{label}: deadlines per second",
            ours=count / ours_seconds,
            unit="ops/s",
            floor=count / theirs_seconds,
            ratio=speedup,
        ),
        Row(
            name=f"{label}: answers that differ",
            ours=float(len(disagreements)),
            unit="",
            floor=None,
            target="0 of " + f"{count:,}",
            met=not disagreements,
            note=agreement_note,
        ),
    ]


# --------------------------------------------------------------------------------------------
# Two intervals a day in Madrid: ours alone


def _madrid(starts: Sequence[datetime], hours: Sequence[int], repeats: int) -> list[Row]:
    from clientvoice import BusinessCalendar

    count = len(starts)
    aware = [start.replace(tzinfo=timezone.utc) for start in starts]
    durations = [timedelta(hours=n) for n in hours]

    def madrid() -> BusinessCalendar:
        return BusinessCalendar(
            {day: list(MADRID_HOURS) for day in ("mon", "tue", "wed", "thu", "fri")},
            timezone="Europe/Madrid",
            holidays=HOLIDAYS,
        )

    def once() -> tuple[float, list[datetime]]:
        add = madrid().add
        pairs = list(zip(aware, durations, strict=True))
        began = time.perf_counter()
        results = [add(start, duration) for start, duration in pairs]
        return time.perf_counter() - began, results

    seconds, results = _best(once, repeats)
    calendar = madrid()
    wrong = sum(
        calendar.between(start, end) != duration
        for start, end, duration in zip(aware, results, durations, strict=True)
    )
    label = "deadline 09-14 + 15-18 Mon-Fri Europe/Madrid"
    note = (
        f"same {count:,} inputs; best of {repeats} runs, {seconds * 1000:.1f} ms; no peer: "
        "pandas CustomBusinessHour has one interval a day and no time zone; self-check "
        f"between(start, add(start, d)) == d failed for {wrong:,} of {count:,}"
    )
    return [
        Row(
            name=f"{label}: time per deadline",
            ours=seconds / count * 1e6,
            unit="µs",
            target="self-check: 0 wrong",
            met=wrong == 0,
            note=note,
        ),
        Row(name=f"{label}: deadlines per second", ours=count / seconds, unit="ops/s"),
    ]


# --------------------------------------------------------------------------------------------
# Helpers


def _inputs(count: int) -> tuple[list[datetime], list[int]]:
    """Naive starts (read as UTC) uniform over 2026 to the second, and whole hours 1-80."""
    rng = random.Random(SEED)
    first = datetime(2026, 1, 1)
    span = int((datetime(2026, 12, 31) - first).total_seconds())
    starts = [first + timedelta(seconds=rng.randrange(span)) for _ in range(count)]
    hours = [rng.randint(1, MAX_HOURS) for _ in range(count)]
    return starts, hours


def _best(once: Callable[[], tuple[float, list[Any]]], repeats: int) -> tuple[float, list[Any]]:
    """The fastest of ``repeats`` runs, with its results."""
    best: tuple[float, list[Any]] | None = None
    for _ in range(repeats):
        seconds, results = once()
        if best is None or seconds < best[0]:
            best = (seconds, results)
    assert best is not None
    return best


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit status 1 when a target is missed or answers differ."""
    import argparse

    from _table import format_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", nargs="?", type=float, default=1.0, help="work multiplier")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("scale must be > 0")
    rows = run(args.scale)
    print(format_table(rows))
    return 1 if any(row.met is False for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
