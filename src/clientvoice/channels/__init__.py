"""Channels: where customers speak to the organisation, and how clientvoice hears them.

A channel is a plugin object with a ``name`` and a ``parse`` method; channels that can answer the
customer also have ``send``. Built-in channels register through the same
``clientvoice_register_channels`` hook as third-party ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from clientvoice.channels.records import RecordChannel, parse_record
from clientvoice.channels.standard import STANDARD_CHANNELS
from clientvoice.models import Heard

__all__ = ["STANDARD_CHANNELS", "Channel", "RecordChannel", "parse_record"]


@runtime_checkable
class Channel(Protocol):
    """What a channel plugin provides.

    ``name`` is a lowercase token (``"email"``, ``"kiosk"``). ``parse`` turns one payload as the
    source delivers it into what was heard. It must be pure: no I/O, no clock reads (``now`` is
    handed in), and the same payload always gives the same result, so that retries are idempotent.
    A payload that cannot be understood raises :class:`~clientvoice.ValidationError` naming the
    field; it never returns partial garbage.
    """

    name: str

    def parse(self, payload: Any, *, now: datetime) -> Sequence[Heard]:
        """Parse one payload into zero or more :class:`~clientvoice.Heard` items."""
        ...
