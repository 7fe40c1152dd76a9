"""An example Flask application that embeds clientvoice: a customer feedback form."""

from __future__ import annotations

from feedback_webapp.app import FORM_FIELDS, WebForm, create_app, listener_of

__all__ = ["FORM_FIELDS", "WebForm", "create_app", "listener_of"]
