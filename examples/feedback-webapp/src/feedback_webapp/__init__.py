"""An example Flask application that embeds clientvoice: a customer feedback form and a survey
link page."""

from __future__ import annotations

from feedback_webapp.app import (
    FORM_FIELDS,
    SURVEY_PATH,
    SURVEY_POLICY,
    WebForm,
    create_app,
    listener_of,
    surveys_of,
)

__all__ = [
    "FORM_FIELDS",
    "SURVEY_PATH",
    "SURVEY_POLICY",
    "WebForm",
    "create_app",
    "listener_of",
    "surveys_of",
]
