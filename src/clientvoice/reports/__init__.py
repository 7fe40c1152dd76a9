"""Reports: what a store says about a period, and the ways to show it.

:func:`build_report` computes a :class:`Report`; :func:`to_text` (rich, extra ``cli``),
:func:`to_json`, :func:`to_markdown` and :func:`to_html` (matplotlib, extra ``report``) render it;
:func:`export_feedback` and :func:`export_cases` write spreadsheet-safe CSV.
"""

from __future__ import annotations

from clientvoice.reports.export import export_cases, export_feedback, safe_cell
from clientvoice.reports.html import to_html, write_html
from clientvoice.reports.model import (
    Bucket,
    Idea,
    ListeningHealth,
    LoopClosure,
    Ratio,
    Recovery,
    Report,
    ScorePoint,
    SentimentPoint,
    SLACompliance,
    ThemeSummary,
    build_report,
)
from clientvoice.reports.render import print_report, to_json, to_markdown, to_text

__all__ = [
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
    "export_cases",
    "export_feedback",
    "print_report",
    "safe_cell",
    "to_html",
    "to_json",
    "to_markdown",
    "to_text",
    "write_html",
]
