"""CSV exports of feedback and cases, safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and a tab
or carriage return can hide one), so a customer who writes ``=HYPERLINK(...)`` could make the
analyst's spreadsheet act. :func:`safe_cell` neutralises such cells by putting an apostrophe in
front, which spreadsheets show as text; numbers the export writes itself are left as numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from clientvoice.models import Case, Feedback
from clientvoice.stores.base import Store

__all__ = [
    "CASE_COLUMNS",
    "FEEDBACK_COLUMNS",
    "export_cases",
    "export_feedback",
    "safe_cell",
    "write_csv",
]

FEEDBACK_COLUMNS = (
    "id",
    "created_at",
    "customer_id",
    "channel",
    "kind",
    "language",
    "nps",
    "csat",
    "ces",
    "sentiment",
    "follow_up_requested",
    "text",
)
"""The columns of :func:`export_feedback`, in order."""

CASE_COLUMNS = (
    "id",
    "opened_at",
    "customer_id",
    "feedback_id",
    "stage",
    "priority",
    "team",
    "owner",
    "acknowledge_due_at",
    "acknowledged_at",
    "resolve_due_at",
    "resolved_at",
    "inform_due_at",
    "informed_at",
    "closed_at",
    "breaches",
    "escalation_level",
    "root_cause",
    "resolution",
    "apology",
    "gesture_cost",
)
"""The columns of :func:`export_cases`, in order."""

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet will show it, never as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe. ints and floats pass as they are (a negative number is not a formula); None
    becomes an empty cell; anything else becomes its text, then is checked the same way.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(_TRIGGERS) else text


def write_csv(out: IO[str], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and ``rows`` through :func:`safe_cell`; returns the number of rows."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
    return count


def export_feedback(
    store: Store,
    out: IO[str] | Path | str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """Write the feedback created in ``[since, until)`` as CSV; returns how many rows."""
    channels = {i.id: i.channel for i in store.iter_interactions()}

    def rows() -> Iterable[Sequence[Any]]:
        item: Feedback
        for item in store.iter_feedback(since=since, until=until):
            analysis = item.analysis
            sentiment = analysis.sentiment if analysis is not None else None
            yield (
                item.id,
                item.created_at,
                item.customer_id,
                channels.get(item.interaction_id, ""),
                item.kind.value if item.kind else "",
                item.language,
                item.nps,
                item.csat,
                item.ces,
                sentiment.value if sentiment else "",
                item.follow_up_requested,
                item.text,
            )

    return _write(out, FEEDBACK_COLUMNS, rows())


def export_cases(
    store: Store,
    out: IO[str] | Path | str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """Write the cases opened in ``[since, until)`` as CSV; returns how many rows."""

    def rows() -> Iterable[Sequence[Any]]:
        case: Case
        for case in store.iter_cases():
            if (since is not None and case.opened_at < since) or (
                until is not None and case.opened_at >= until
            ):
                continue
            yield (
                case.id,
                case.opened_at,
                case.customer_id,
                case.feedback_id,
                case.stage.value,
                case.priority.value,
                case.team,
                case.owner,
                case.acknowledge_due_at,
                case.acknowledged_at,
                case.resolve_due_at,
                case.resolved_at,
                case.inform_due_at,
                case.informed_at,
                case.closed_at,
                " ".join(case.breaches),
                case.escalation_level,
                case.root_cause,
                case.resolution,
                case.apology,
                case.gesture.cost if case.gesture else None,
            )

    return _write(out, CASE_COLUMNS, rows())


# --------------------------------------------------------------------------------------------
# Helpers


def _write(out: IO[str] | Path | str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    if isinstance(out, (str, Path)):
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as file:
            return write_csv(file, columns, rows)
    return write_csv(out, columns, rows)
