"""Analyzers: components that understand what customers wrote.

An analyzer is a plugin object with a ``name`` and an ``analyze`` method, registered through the
``clientvoice_register_analyzers`` hook. Every registered analyzer runs on every piece of feedback
as it is ingested; their answers are merged field by field (see
:meth:`clientvoice.Analysis.merged`).

The built-in analyzer (``clientvoice.analysis.builtin``) understands Spanish and English with
word lists shipped in the package. Its parts are usable on their own: :func:`analyze` reads one
text, :func:`find_themes` groups many, :func:`detect_language` tells the language.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from clientvoice.analysis.language import detect_language
from clientvoice.analysis.text import TextAnalysis, analyze
from clientvoice.analysis.themes import Theme, find_themes
from clientvoice.models import Analysis, Customer, Feedback

__all__ = ["Analyzer", "TextAnalysis", "Theme", "analyze", "detect_language", "find_themes"]


@runtime_checkable
class Analyzer(Protocol):
    """What an analyzer plugin provides.

    ``analyze`` must not raise on odd text (empty, emoji only, another language): it returns what
    it could tell, leaving the rest None. It must be pure and fast: it runs inside ingestion.
    """

    name: str

    def analyze(self, feedback: Feedback, customer: Customer) -> Analysis | None:
        """What this analyzer understands of ``feedback``, or None when it has nothing to say."""
        ...
