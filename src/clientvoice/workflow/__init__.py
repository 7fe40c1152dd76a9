"""The listening workflow: how a case moves from received to closed, and who takes care of it."""

from __future__ import annotations

from clientvoice.workflow.routing import DEFAULT_TEAMS

__all__ = ["DEFAULT_TEAMS"]
