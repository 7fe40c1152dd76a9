"""Messages to customers: templates per kind and language, and composing them for one customer.

The built-in templates (English and Spanish) are a plugin like any other, answering the
``clientvoice_message_template`` hook; a host plugin that answers first replaces them.
"""

from __future__ import annotations

from clientvoice.messages.compose import compose, format_when
from clientvoice.messages.templates import MessageTemplate

__all__ = ["MessageTemplate", "compose", "format_when"]
