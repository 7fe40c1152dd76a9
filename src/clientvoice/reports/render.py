"""Text renderers of a :class:`~clientvoice.reports.model.Report`: JSON, Markdown and terminal.

The terminal renderer uses rich (extra ``cli``); JSON and Markdown need nothing beyond the core.
All three show the same sections in the same order as the HTML report.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from clientvoice.errors import MissingExtraError
from clientvoice.reports.model import Ratio, Report, ScorePoint

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["numeric", "print_report", "sections", "to_json", "to_markdown", "to_text"]


def to_json(report: Report, *, indent: int | None = 2) -> str:
    """The report as JSON: every number of :meth:`Report.as_dict`."""
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=indent)


def to_markdown(report: Report) -> str:
    """The report as Markdown: a heading per section and pipe tables of the numbers."""
    lines = [f"# {report.title}", ""]
    for title, header, rows, notes in sections(report):
        lines += [f"## {title}", ""]
        if rows:
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "|".join("---" for _ in header) + "|")
            lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
        else:
            lines.append("Nothing in this period.")
        lines += [*([""] + [f"- {note}" for note in notes] if notes else []), ""]
    return "\n".join(lines).rstrip() + "\n"


def to_text(report: Report, *, width: int = 100, color: bool = False) -> str:
    """The report as terminal text drawn by rich (tables with borders), without colours unless
    ``color`` is true.

    :raises MissingExtraError: if rich is not installed (extra ``cli``).
    """
    console = _console(file=io.StringIO(), width=width, color=color)
    print_report(report, console)
    return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def print_report(report: Report, console: Console | None = None) -> None:
    """Print the report on a rich console (the terminal by default).

    :raises MissingExtraError: if rich is not installed (extra ``cli``).
    """
    from rich.markup import escape
    from rich.table import Table

    console = console or _console()
    console.rule(f"[bold]{report.title}")
    for title, header, rows, notes in sections(report):
        table = Table(title=title, title_justify="left", title_style="bold", expand=False)
        for index, name in enumerate(header):
            right = index > 0 and all(numeric(row[index]) for row in rows)
            table.add_column(name, justify="right" if right else "left")
        for row in rows:
            table.add_row(*(escape(str(cell)) for cell in row))
        if rows:
            console.print(table)
        else:
            console.print(f"[bold]{escape(title)}[/bold]: nothing in this period.")
        for note in notes:
            console.print(f"  {escape(note)}")
        console.print()


Row = Sequence[Any]
Section = tuple[str, Sequence[str], list[Row], list[str]]


def sections(report: Report) -> list[Section]:
    """The report as ``(title, header, rows, notes)`` sections, shared by every renderer."""
    health = report.health
    loop = report.loop
    recovery = report.recovery
    result: list[Section] = [
        (
            "Listening health",
            ("", "measure", "value"),
            [
                ("hearing", "feedback collected", health.feedback),
                ("hearing", "customers heard", health.customers),
                ("hearing", "channels", health.channels),
                ("listening", "cases opened", health.cases),
                ("listening", "acknowledged on time", health.acknowledged_on_time),
                ("listening", "root cause found", health.root_cause_found),
                ("listening", "acted on", health.acted),
                ("listening", "customer informed", health.informed),
            ],
            [
                "Hearing counts what was collected; listening counts what was done with it.",
                f"Period {report.period} ({report.timezone}), trends by {report.unit}.",
            ],
        ),
        (
            "Volume by channel",
            ("channel", "feedback", "share"),
            [
                (name, count, _share(count, report.feedback))
                for name, count in report.by_channel.items()
            ],
            [],
        ),
        (
            "Volume by kind",
            ("kind", "feedback", "share"),
            [
                (name, count, _share(count, report.feedback))
                for name, count in report.by_kind.items()
            ],
            [],
        ),
        (
            f"Volume by {report.unit}",
            (report.unit, "feedback"),
            [(bucket.label, count) for bucket, count in report.volume],
            [],
        ),
    ]
    for score, trend, change in zip(
        (report.nps, report.csat, report.ces),
        (report.nps_trend, report.csat_trend, report.ces_trend),
        report.changes,
        strict=True,
    ):
        notes = [f"overall: {score}"]
        if change is not None:
            notes.append(f"change from the previous {report.unit} with answers: {change}")
        result.append(
            (
                f"{score.name} trend",
                (report.unit, score.name, "± 95%", "answers"),
                _trend_rows(trend),
                notes,
            )
        )
    result += [
        (
            "Sentiment trend",
            (report.unit, "positive", "neutral", "negative", "mean score"),
            [
                (
                    point.bucket.label,
                    point.counts.get("positive", 0),
                    point.counts.get("neutral", 0),
                    point.counts.get("negative", 0),
                    _number(point.mean_score, 2),
                )
                for point in report.sentiment
            ],
            [],
        ),
        (
            "Top themes",
            ("theme", "feedback", "customers", "for example"),
            [
                (t.label, t.count, t.customers, " / ".join(_short(q) for q in t.quotes))
                for t in report.themes
            ],
            ["Quotes have names, e-mail addresses and phone numbers masked."],
        ),
        (
            "Service levels",
            ("promise", "met", "breached", "pending", "compliance"),
            [
                (level.deadline, level.met, level.breached, level.pending, level.compliance)
                for level in report.service_levels
            ],
            [],
        ),
        (
            "Closing the loop",
            ("measure", "value"),
            [
                ("resolved cases", loop.resolved),
                ("customer informed", loop.rate),
                ("customer unreachable", loop.unreachable),
                ("median hours to inform", _number(loop.median_hours_to_inform, 1)),
                ("90th percentile hours to inform", _number(loop.p90_hours_to_inform, 1)),
            ],
            [],
        ),
        (
            "Ideas backlog",
            ("idea", "suggestions", "customers", "for example"),
            [
                (i.label, i.count, len(i.customer_ids), " / ".join(_short(q) for q in i.quotes))
                for i in report.ideas
            ],
            [],
        ),
        (
            "Cost of recovery",
            ("measure", "value"),
            [
                ("apologies", recovery.apologies),
                ("gestures", recovery.gestures),
                *(
                    (f"cost ({currency})", f"{cost:.2f}")
                    for currency, cost in recovery.cost.items()
                ),
                *((f"gestures: {kind}", count) for kind, count in recovery.by_kind.items()),
            ],
            [],
        ),
    ]
    return result


def numeric(cell: Any) -> bool:
    """Whether a cell holds a number (right-aligned) rather than words."""
    if isinstance(cell, (int, float, Ratio)):
        return True
    text = str(cell).rstrip("%").lstrip("-")
    return text == "n/a" or text.replace(".", "", 1).isdigit()


# --------------------------------------------------------------------------------------------
# Helpers


def _console(**options: Any) -> Console:
    try:
        from rich.console import Console
    except ImportError:
        raise MissingExtraError("cli", "rich") from None
    color = options.pop("color", True)
    if not color:
        options.update(color_system=None, highlight=False)
    return Console(**options)


def _trend_rows(trend: Sequence[ScorePoint]) -> list[Row]:
    return [
        (
            point.bucket.label,
            _number(point.score.value, 1),
            _number(point.score.margin, 1),
            point.score.count,
        )
        for point in trend
    ]


def _share(part: int, whole: int) -> str:
    return str(Ratio(part, whole)).split(" ")[0]


def _number(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _md(cell: Any) -> str:
    return str(cell).replace("|", "\\|").replace("\n", " ")
