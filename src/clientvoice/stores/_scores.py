"""Score counts per period and group in one SQL aggregate, for the SQL stores.

SQLite and PostgreSQL keep feedback, interactions and customers in the same columns (times as
fixed-width UTC ISO 8601 text, segments and memberships as JSON text), so one query builder
serves both; only the parameter mark differs (``?`` or ``%s``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from clientvoice._codec import to_utc_text

__all__ = ["PERIODS_PER_QUERY", "Execute", "ScoreCounts", "score_counts_in_sql"]

PERIODS_PER_QUERY = 256
"""Periods per query: the CASE tree that finds a row's period is at most 8 comparisons deep."""

Execute = Callable[[str, Sequence[Any]], Sequence[Sequence[Any]]]
"""Runs one statement with its parameters and returns every row."""

ScoreCounts = dict[tuple[date | None, str | None, int], int]


def score_counts_in_sql(
    execute: Execute,
    mark: str,
    metric: str,
    *,
    period: str | None,
    by: str | None,
    since: datetime | None,
    until: datetime | None,
    tz: str,
    in_python: Callable[[], ScoreCounts],
) -> ScoreCounts:
    """The counts of :meth:`Store.score_counts <clientvoice.Store.score_counts>`, aggregated by
    the database.

    One ``GROUP BY`` query per slice of at most :data:`PERIODS_PER_QUERY` periods: each row's
    period is found by comparing its UTC ``created_at`` with the periods' first instants (a
    binary search written as nested ``CASE``, see
    :func:`clientvoice.surveys.periods.period_boundaries`), and rows are grouped by the
    customer's segments or memberships as stored (JSON text), which are split into groups once
    per distinct value. ``mark`` is the driver's parameter mark; ``in_python`` computes the
    counts the generic way, for the rare zone whose period starts cannot be sorted.
    """
    from clientvoice.surveys.periods import (
        check_grouping,
        check_metric,
        check_period,
        check_range,
        customer_groups,
        period_boundaries,
        period_of,
        zone,
    )

    metric = check_metric(metric)
    by = check_grouping(by)
    zone_ = zone(tz)
    if period is not None:
        check_period(period)
    check_range(since, until)
    where, params = ["1=1"], []
    if since is not None:
        where.append(f"f.created_at >= {mark}")
        params.append(to_utc_text(since))
    if until is not None:
        where.append(f"f.created_at < {mark}")
        params.append(to_utc_text(until))
    # Each slice: the first days of its periods, the SQL of each row's index among them and
    # its parameters, and extra conditions bounding the slice.
    slices: list[tuple[list[date | None], str, list[Any], list[str], list[Any]]] = []
    if period is None:
        slices.append(([None], "0", [], [], []))
    else:
        span = " AND ".join(where)
        ((first, last),) = execute(
            f"SELECT min(f.created_at), max(f.created_at) FROM feedback f WHERE {span}", params
        )
        if first is None:
            return {}
        boundaries = period_boundaries(
            period_of(datetime.fromisoformat(first), period, zone_),
            period_of(datetime.fromisoformat(last), period, zone_),
            period,
            zone_,
        )
        if boundaries is None:  # a local midnight that happens twice: no sorted boundaries
            return in_python()
        texts = [to_utc_text(instant) for _, instant in boundaries]
        for start in range(0, len(boundaries), PERIODS_PER_QUERY):
            end = start + PERIODS_PER_QUERY
            bucket_params: list[Any] = []
            part = texts[start:end]
            bucket = _bucket_sql(part, 0, len(part) - 1, bucket_params, mark)
            bounds, bound_params = [], []
            if len(boundaries) > PERIODS_PER_QUERY:
                bounds.append(f"f.created_at >= {mark}")
                bound_params.append(texts[start])
                if end < len(texts):
                    bounds.append(f"f.created_at < {mark}")
                    bound_params.append(texts[end])
            days: list[date | None] = [day for day, _ in boundaries[start:end]]
            slices.append((days, bucket, bucket_params, bounds, bound_params))
    if by is None:
        join, column = "", "NULL"
    elif by == "channel":
        join, column = "JOIN interactions i ON i.id = f.interaction_id", "i.channel"
    else:
        join = "JOIN customers c ON c.id = f.customer_id"
        column = "c.segments" if by == "segment" else "c.memberships"
    groups_of: dict[str | None, tuple[str | None, ...]] = {}
    counts: ScoreCounts = {}
    for days, bucket, bucket_params, bounds, bound_params in slices:
        rows = execute(
            f"SELECT {bucket}, {column}, f.{metric}, count(*) FROM feedback f {join} "
            f"WHERE f.{metric} IS NOT NULL AND {' AND '.join(where + bounds)} "
            "GROUP BY 1, 2, 3",
            [*bucket_params, *params, *bound_params],
        )
        for index, raw, answer, times in rows:
            groups = groups_of.get(raw)
            if groups is None:
                if by is None or by == "channel":
                    groups = (raw,)
                elif by == "segment":
                    groups = customer_groups(json.loads(raw), {}, by)
                else:
                    groups = customer_groups((), json.loads(raw), by)
                groups_of[raw] = groups
            day = days[index]
            for group in groups:
                key = (day, group, answer)
                counts[key] = counts.get(key, 0) + times
    return counts


def _bucket_sql(starts: Sequence[str], low: int, high: int, params: list[Any], mark: str) -> str:
    """SQL giving the index (``low``..``high``) of the last of ``starts`` (sorted UTC texts) at or
    before ``f.created_at``, assuming it is at or after ``starts[low]``: a binary search as
    nested CASE expressions, appending its parameters to ``params`` in the order they appear."""
    if low == high:
        return str(low)
    middle = (low + high + 1) // 2
    params.append(starts[middle])
    below = _bucket_sql(starts, low, middle - 1, params, mark)
    above = _bucket_sql(starts, middle, high, params, mark)
    return f"CASE WHEN f.created_at < {mark} THEN {below} ELSE {above} END"
