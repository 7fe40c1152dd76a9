"""Built-in plugin: the standard channels, hearing plain records until richer ones replace them.

Registered like any third-party plugin, through ``clientvoice_register_channels``. A plugin that
registers a channel under one of these names (say a raw e-mail parser as ``"email"``) is called
before this one and therefore wins.
"""

from __future__ import annotations

from collections.abc import Callable

from clientvoice.channels.records import RecordChannel
from clientvoice.hookspecs import hookimpl

__all__ = ["STANDARD_CHANNELS", "clientvoice_register_channels"]

STANDARD_CHANNELS: tuple[str, ...] = (
    "api",
    "chat",
    "email",
    "in_person",
    "phone",
    "review",
    "social",
    "survey",
    "web",
)
"""Channel names clientvoice knows out of the box; each accepts plain records (dicts or JSON)."""


@hookimpl(trylast=True)
def clientvoice_register_channels(register: Callable[[RecordChannel], None]) -> None:
    """Register a :class:`~clientvoice.channels.RecordChannel` for every standard channel."""
    for name in STANDARD_CHANNELS:
        register(RecordChannel(name))
