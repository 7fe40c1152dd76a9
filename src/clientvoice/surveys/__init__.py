"""Survey backends: the tools that ask customers for their scores and comments.

A survey backend is a plugin object with a ``name``, registered through the
``clientvoice_register_survey_backends`` hook. The invitation and response side of the contract is
defined together with the built-in backends.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["SurveyBackend"]


@runtime_checkable
class SurveyBackend(Protocol):
    """What a survey backend plugin provides: so far, a unique lowercase ``name``."""

    name: str
