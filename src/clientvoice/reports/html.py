"""The HTML report: one self-contained file, charts as inline SVG drawn by matplotlib.

Needs the extra ``report`` (matplotlib). The page loads nothing from the network and runs no
JavaScript. Every chart is an ``<svg role="img">`` with an ``aria-label`` and a ``<title>``,
drawn in the Okabe–Ito colour-blind-safe palette with its values written on it, and sits beside
a table of the same numbers, so the page reads the same to a screen reader, in print and to a
person who cannot tell the colours apart.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clientvoice.errors import MissingExtraError
from clientvoice.reports.model import Report, ScorePoint
from clientvoice.reports.render import Section, numeric, sections

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["PALETTE", "to_html", "write_html"]

PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
"""The Okabe–Ito palette, distinguishable with the common forms of colour blindness."""


def to_html(report: Report) -> str:
    """The report as one HTML page with its charts inline (no network, no JavaScript).

    :raises MissingExtraError: if matplotlib is not installed (extra ``report``).
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingExtraError("report", "matplotlib") from None
    charts = _charts(report)
    body: list[str] = []
    for number, section in enumerate(sections(report)):
        title = section[0]
        chart = charts.get(title)
        svg = _svg(chart[0], chart[1], f"chart{number}") if chart else ""
        body.append(_section(section, svg))
    escaped = html.escape(report.title)
    return _PAGE.format(
        title=escaped,
        generated=html.escape(f"{report.generated_at:%Y-%m-%d %H:%M %Z}"),
        body="\n".join(body),
    )


def write_html(report: Report, path: Path | str) -> Path:
    """Write :func:`to_html` to ``path`` (folders made as needed) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(to_html(report), encoding="utf-8")
    return target


# --------------------------------------------------------------------------------------------
# Helpers

Draw = Callable[["Axes"], None]


def _charts(report: Report) -> dict[str, tuple[str, Draw]]:
    """Chart per section title: its accessible description and how to draw it."""
    charts: dict[str, tuple[str, Draw]] = {}
    health = report.health
    ratios = [
        ("acknowledged on time", health.acknowledged_on_time.share),
        ("root cause found", health.root_cause_found.share),
        ("acted on", health.acted.share),
        ("customer informed", health.informed.share),
    ]
    if health.cases:
        charts["Listening health"] = (
            f"Bar chart: share of {health.cases} cases acknowledged on time, with root cause "
            "found, acted on and with the customer informed, in percent",
            lambda ax: _barh(ax, [n for n, _ in ratios], [100 * (s or 0) for _, s in ratios], "%"),
        )
    if report.by_channel:
        channels = list(report.by_channel.items())
        charts["Volume by channel"] = (
            f"Bar chart: feedback by channel, {report.feedback} in all",
            lambda ax: _barh(ax, [n for n, _ in channels], [c for _, c in channels], ""),
        )
    if report.by_kind:
        kinds = list(report.by_kind.items())
        charts["Volume by kind"] = (
            "Bar chart: feedback by kind",
            lambda ax: _barh(ax, [n for n, _ in kinds], [c for _, c in kinds], ""),
        )
    if report.volume:
        volume = report.volume
        charts[f"Volume by {report.unit}"] = (
            f"Column chart: feedback received per {report.unit}",
            lambda ax: _columns(ax, [_tick(b.start.isoformat()) for b, _ in volume], volume),
        )
    for score, trend in (
        (report.nps, report.nps_trend),
        (report.csat, report.csat_trend),
        (report.ces, report.ces_trend),
    ):
        if trend:
            charts[f"{score.name} trend"] = (
                f"Line chart: {score.name} per {report.unit} with 95% margins of error; "
                f"overall {score}",
                _trend_drawer(trend, score.name),
            )
    if report.sentiment:
        charts["Sentiment trend"] = (
            f"Stacked column chart: positive, neutral and negative feedback per {report.unit}",
            lambda ax: _stacked(ax, report),
        )
    if report.themes:
        themes = report.themes
        charts["Top themes"] = (
            "Bar chart: the largest themes by number of feedback items",
            lambda ax: _barh(ax, [t.label for t in themes], [t.count for t in themes], ""),
        )
    if any(level.met + level.breached + level.pending for level in report.service_levels):
        charts["Service levels"] = (
            "Stacked bar chart: cases that met, breached or are still within each promise "
            "(acknowledge, resolve, inform)",
            lambda ax: _levels(ax, report),
        )
    return charts


def _svg(description: str, draw: Draw, chart_id: str) -> str:
    """Draw a chart and return it as an inline ``<svg>`` element with its title and label."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": chart_id,
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        figure = Figure(figsize=(6.4, 3.2), layout="constrained")
        draw(figure.subplots())
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'\sid="([^"]+)"', rf' id="{chart_id}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{chart_id}-\1)", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{chart_id}-\1"', svg)
    label = html.escape(description, quote=True)
    opening_end = svg.index(">") + 1
    return (
        svg[: opening_end - 1].replace("<svg", f'<svg role="img" aria-label="{label}"', 1)
        + f'><title id="{chart_id}-title">{label}</title>'
        + svg[opening_end:]
    )


def _section(section: Section, svg: str) -> str:
    title, header, rows, notes = section
    table = "<p>Nothing in this period.</p>"
    if rows:
        head = "".join(f'<th scope="col">{html.escape(str(h))}</th>' for h in header)
        body = "".join(
            "<tr>" + "".join(_cell(i, cell) for i, cell in enumerate(row)) + "</tr>" for row in rows
        )
        table = (
            f"<table><caption>{html.escape(title)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    figure = f'<figure class="chart">{svg}</figure>' if svg else ""
    return (
        f"<section><h2>{html.escape(title)}</h2>"
        f'<div class="pair">{figure}<div class="numbers">{table}</div></div>'
        + (f"<ul>{items}</ul>" if items else "")
        + "</section>"
    )


def _cell(index: int, value: Any) -> str:
    text = html.escape(str(value))
    if index == 0:
        return f'<th scope="row">{text}</th>'
    return f"<td>{text}</td>" if numeric(value) else f'<td class="text">{text}</td>'


def _tick(label: str) -> str:
    return label[5:] if len(label) == 10 else label  # 2026-03-02 -> 03-02


def _barh(ax: Axes, names: Sequence[str], values: Sequence[float], unit: str) -> None:
    positions = list(range(len(names)))[::-1]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(names))]
    bars = ax.barh(positions, values, color=colours)
    ax.set_yticks(positions, [_clip(n) for n in names])
    labels = [f"{v:.0f}{unit}" for v in values]
    ax.bar_label(bars, labels=labels, padding=3)
    ax.set_xlim(0, max([*values, 1]) * 1.18)
    ax.tick_params(axis="x", labelbottom=False, bottom=False)


def _columns(ax: Axes, labels: Sequence[str], volume: Sequence[tuple[Any, int]]) -> None:
    counts = [count for _, count in volume]
    bars = ax.bar(range(len(counts)), counts, color=PALETTE[0])
    ax.bar_label(bars, padding=2, fontsize=8)
    _categories(ax, labels)
    ax.set_ylabel("feedback")


def _trend_drawer(trend: Sequence[ScorePoint], name: str) -> Draw:
    def draw(ax: Axes) -> None:
        points = [(p.bucket.start.isoformat(), p.score) for p in trend]
        xs = list(range(len(points)))
        values = [s.value if s.value is not None else float("nan") for _, s in points]
        margins = [s.margin or 0.0 for _, s in points]
        ax.errorbar(
            xs, values, yerr=margins, color=PALETTE[0], ecolor=PALETTE[4], marker="o", capsize=4
        )
        for x, value, (_, score) in zip(xs, values, points, strict=True):
            if score.value is not None:
                ax.annotate(
                    f"{value:.1f} (n={score.count})",
                    (x, value),
                    textcoords="offset points",
                    xytext=(0, 8),
                    ha="center",
                    fontsize=8,
                )
        _categories(ax, [_tick(label) for label, _ in points])
        ax.set_ylabel(name)
        ax.margins(x=0.1)

    return draw


def _stacked(ax: Axes, report: Report) -> None:
    labels = [_tick(p.bucket.start.isoformat()) for p in report.sentiment]
    bottom = [0] * len(labels)
    colours = {"positive": PALETTE[2], "neutral": PALETTE[4], "negative": PALETTE[3]}
    for feeling, colour in colours.items():
        counts = [p.counts.get(feeling, 0) for p in report.sentiment]
        ax.bar(range(len(labels)), counts, bottom=bottom, color=colour, label=feeling)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=3)
    ax.set_ylim(0, max([*bottom, 1]) * 1.25)
    _categories(ax, labels)
    ax.set_ylabel("feedback")


def _levels(ax: Axes, report: Report) -> None:
    levels = report.service_levels
    names = [level.deadline for level in levels]
    positions = list(range(len(names)))[::-1]
    left = [0] * len(names)
    for part, colour in (("met", PALETTE[2]), ("breached", PALETTE[3]), ("pending", PALETTE[4])):
        values = [getattr(level, part) for level in levels]
        bars = ax.barh(positions, values, left=left, color=colour, label=part)
        ax.bar_label(
            bars, labels=[str(v) if v else "" for v in values], label_type="center", fontsize=8
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(positions, names)
    ax.legend(loc="lower right", fontsize=8, frameon=False)


def _categories(ax: Axes, labels: Sequence[str]) -> None:
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")


def _clip(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; color: #111; background: #fff; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; line-height: 1.4; }}
h1 {{ font-size: 1.6rem; }}
section {{ border-top: 1px solid #ccc; padding: 0.5rem 0 1rem; }}
.pair {{ display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }}
figure.chart {{ margin: 0; flex: 1 1 30rem; max-width: 40rem; }}
figure.chart svg {{ width: 100%; height: auto; }}
.numbers {{ flex: 1 1 20rem; overflow-x: auto; }}
table {{ border-collapse: collapse; font-variant-numeric: tabular-nums; }}
caption {{ text-align: left; font-weight: 600; padding-bottom: 0.25rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: right; }}
th[scope=row], thead th:first-child, td.text {{ text-align: left; font-weight: normal; }}
thead th {{ font-weight: 600; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>Generated {generated}. Charts use a colour-blind-safe palette; every chart has the
numbers beside it.</p>
{body}
</body>
</html>
"""
