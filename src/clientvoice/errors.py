"""The one exception hierarchy of clientvoice.

Everything the library raises on purpose derives from :class:`ClientVoiceError`, so a host
application can catch all of it in one place, or pick the specific subclass it can handle::

    ClientVoiceError
    ├── ValidationError        bad input: names the field and the value
    │   └── SignatureError     a signed request whose signature or timestamp does not hold
    ├── TransitionError        an illegal move in the listening workflow
    ├── TemplateError          a message template that cannot be filled
    ├── PluginError            a plugin is missing, misbehaves or conflicts
    │   └── UnknownChannelError
    ├── StoreError             the store cannot do what was asked
    │   ├── NotFoundError
    │   ├── ConflictError      another writer changed the record first
    │   └── SchemaError        the database schema is newer than this library
    └── ConfigurationError     a URL, option or environment variable is wrong
        └── MissingExtraError  an optional extra is not installed
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ClientVoiceError",
    "ConfigurationError",
    "ConflictError",
    "MissingExtraError",
    "NotFoundError",
    "PluginError",
    "SchemaError",
    "SignatureError",
    "StoreError",
    "TemplateError",
    "TransitionError",
    "UnknownChannelError",
    "ValidationError",
]


class ClientVoiceError(Exception):
    """Base class of every error clientvoice raises on purpose."""


class ValidationError(ClientVoiceError, ValueError):
    """Input that cannot be accepted.

    ``field`` is the dotted path of the offending field (``"customer.email"``), ``value`` the value
    that was refused, and ``reason`` says why in words a person can act on.
    """

    def __init__(self, field: str, value: Any, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: {reason} (got {_short_repr(value)})")

    def within(self, prefix: str) -> ValidationError:
        """The same error with ``prefix`` put in front of its field path."""
        return ValidationError(f"{prefix}.{self.field}", self.value, self.reason)


class SignatureError(ValidationError):
    """A signed payload (webhook, survey token) whose signature, timestamp or id does not hold.

    Raised before anything in the payload is trusted; ``reason`` says which check failed (bad
    signature, too old, replayed...), never the secret.
    """


class TransitionError(ClientVoiceError):
    """A case was asked to make a move its current stage does not allow."""

    def __init__(self, case_id: str, stage: str, move: str, allowed: Sequence[str]) -> None:
        self.case_id = case_id
        self.stage = stage
        self.move = move
        self.allowed = tuple(allowed)
        allowed_text = ", ".join(self.allowed) if self.allowed else "none"
        super().__init__(
            f"case {case_id} is {stage!r}: cannot {move!r}; allowed moves: {allowed_text}"
        )


class TemplateError(ClientVoiceError):
    """A message template that cannot be filled: it names a value the workflow does not have.

    ``template`` names the template (``"resolution/es"``) and ``fields`` the placeholders that
    could not be filled. Nothing is sent: a message never goes out with a blank in it.
    """

    def __init__(self, template: str, fields: Sequence[str], problem: str = "no value for") -> None:
        self.template = template
        self.fields = tuple(fields)
        names = ", ".join("{" + field + "}" for field in self.fields)
        super().__init__(
            f"message template {template!r}: {problem}" + (f" {names}" if names else "")
        )


class PluginError(ClientVoiceError):
    """A plugin could not be loaded, conflicts with another, or broke its contract."""


class UnknownChannelError(PluginError, LookupError):
    """A channel name that no loaded plugin registered."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        self.name = name
        self.known = tuple(sorted(known))
        super().__init__(
            f"unknown channel {name!r}; registered channels: {', '.join(self.known) or 'none'}"
        )


class StoreError(ClientVoiceError):
    """The store failed or refused an operation."""


class NotFoundError(StoreError, LookupError):
    """No record with the given id exists in the store."""

    def __init__(self, what: str, key: str) -> None:
        self.what = what
        self.key = key
        super().__init__(f"no {what} with id {key!r}")


class ConflictError(StoreError):
    """Another writer saved the record after it was read; read it again and retry."""


class SchemaError(StoreError):
    """The database was written by a newer clientvoice, or its schema is damaged."""


class ConfigurationError(ClientVoiceError, ValueError):
    """A store URL, an option or an environment variable has a value that cannot work."""


class MissingExtraError(ConfigurationError, ImportError):
    """An optional capability was used without installing its extra."""

    def __init__(self, extra: str, module: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(
            f'this feature needs the optional module {module!r}: pip install "clientvoice[{extra}]"'
        )


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
