"""Message templates: a subject and a body with ``{placeholders}``, filled strictly.

A template that names a placeholder the workflow cannot fill raises
:class:`~clientvoice.TemplateError` naming the template and the missing names: a message is never
sent with a blank where the customer's name or the resolution should be.

    >>> from clientvoice import MessageTemplate
    >>> template = MessageTemplate("Re: {reference}", "Hello {name}, we fixed it: {we_did}")
    >>> sorted(template.placeholders)
    ['name', 'reference', 'we_did']
    >>> template.render({"reference": "C-1", "name": "Ana", "we_did": "a new part"}, name="demo")
    ('Re: C-1', 'Hello Ana, we fixed it: a new part\\n')
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

import attrs

from clientvoice.errors import TemplateError, ValidationError

__all__ = ["OPTIONAL_SUFFIX", "MessageTemplate"]

OPTIONAL_SUFFIX = "_line"
"""Placeholders ending with this are optional sentences: they may be filled with nothing."""

_FORMATTER = string.Formatter()


def _template_text(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(attribute.name, value, "must be non-empty text")
    try:
        fields = list(_FORMATTER.parse(value))
    except ValueError as error:
        raise ValidationError(attribute.name, value, f"is not a valid template: {error}") from error
    for _, field, spec, conversion in fields:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise ValidationError(
                attribute.name,
                value,
                f"placeholder {{{field}}} must be a plain name, without format spec or index",
            )


@attrs.frozen
class MessageTemplate:
    """The words of one kind of message in one language.

    Placeholders are plain names in braces (``{name}``); a literal brace is written twice. A
    placeholder whose name ends in ``_line`` is an optional sentence (``{gesture_line}``) and may
    be empty; every other one must be filled with words.
    """

    subject: str = attrs.field(validator=_template_text)
    body: str = attrs.field(validator=_template_text)

    @property
    def placeholders(self) -> frozenset[str]:
        """Every name the subject and body use."""
        return frozenset(
            field
            for text in (self.subject, self.body)
            for _, field, _, _ in _FORMATTER.parse(text)
            if field is not None
        )

    def render(self, values: Mapping[str, str], *, name: str = "template") -> tuple[str, str]:
        """The subject and body with every placeholder filled from ``values``.

        :param name: how to call this template in an error (``"resolution/es"``).
        :raises TemplateError: if a placeholder has no value, or a value is blank text where the
            template needs words.
        """
        missing = sorted(self.placeholders - values.keys())
        if missing:
            raise TemplateError(name, missing, "no value for")
        blank = sorted(
            field
            for field in self.placeholders
            if not isinstance(values[field], str)
            or (not values[field].strip() and not field.endswith(OPTIONAL_SUFFIX))
        )
        if blank:
            raise TemplateError(name, blank, "blank value for")
        return (
            self.subject.format_map(values).strip(),
            self.body.format_map(values).strip() + "\n",
        )
