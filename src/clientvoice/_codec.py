"""Models to plain JSON-ready dicts and back, strictly.

``dump`` writes datetimes as ISO 8601 in UTC, enums as their values, sets as sorted lists.
``load`` reverses exactly that and nothing more: it never coerces (``"8"`` stays a string and the
model's validator rejects it), so a damaged stored record fails loudly instead of changing meaning.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, TypeVar

import attrs

from clientvoice.errors import ValidationError

__all__ = ["dump", "load", "to_utc_text"]

T = TypeVar("T")
_UTC = timezone.utc


def to_utc_text(value: datetime) -> str:
    """An aware datetime as fixed-width ISO 8601 text in UTC (sorts as it compares)."""
    return value.astimezone(_UTC).isoformat(timespec="microseconds")


def dump(obj: Any) -> Any:
    """A JSON-ready form of a model (or of any value inside one)."""
    kind = type(obj)
    if kind is str or kind is int or kind is float or kind is bool or obj is None:
        return obj
    dumper = _DUMPERS.get(kind)
    if dumper is None:
        dumper = _DUMPERS[kind] = _dumper(kind)
    return dumper(obj)


_DUMPERS: dict[type, typing.Callable[[Any], Any]] = {}
"""How to dump a value of each type met so far (worked out once per type)."""


def _dumper(kind: type) -> typing.Callable[[Any], Any]:
    if attrs.has(kind):
        names = tuple(field.name for field in attrs.fields(kind))

        def dump_model(obj: Any) -> dict[str, Any]:
            data: dict[str, Any] = {}
            for name in names:  # plain values inline: most fields of a stored case are
                value = getattr(obj, name)
                kind = type(value)
                if kind is str or kind is int or kind is float or kind is bool or value is None:
                    data[name] = value
                else:
                    data[name] = dump(value)
            return data

        return dump_model
    if issubclass(kind, enum.Enum):
        return _enum_value
    if issubclass(kind, datetime):
        return to_utc_text
    if issubclass(kind, (frozenset, set)):
        return _dump_set
    if issubclass(kind, (list, tuple)):
        return _dump_sequence
    if issubclass(kind, Mapping):
        return _dump_mapping
    return _same


def _enum_value(obj: enum.Enum) -> Any:
    return obj.value


def _dump_set(obj: frozenset[Any] | set[Any]) -> list[Any]:
    return sorted(dump(item) for item in obj)


def _dump_sequence(obj: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [dump(item) for item in obj]


def _dump_mapping(obj: Mapping[Any, Any]) -> dict[Any, Any]:
    return {key: dump(value) for key, value in obj.items()}


def _same(obj: Any) -> Any:
    return obj


def load(cls: type[T], data: Any, path: str = "") -> T:
    """Rebuild a model of type ``cls`` from what :func:`dump` produced.

    :raises ValidationError: naming the field (as a dotted path) that does not fit.
    """
    if not isinstance(data, Mapping):
        raise ValidationError(path or cls.__name__, data, "must be an object")
    kinds = _field_kinds(cls)
    values: dict[str, Any] = {}
    for name, value in data.items():
        entry = kinds.get(name)
        if entry is None:
            name = sorted(data.keys() - kinds.keys())[0]
            raise ValidationError(
                _join(path, name), data[name], f"is not a field of {cls.__name__}"
            )
        code, target = entry
        if value is None or code is _PLAIN:
            values[name] = value
        elif code is _DATETIME:
            values[name] = _load_datetime(value, path, name)
        elif code is _MODEL:
            values[name] = load(target, value, _join(path, name))
        else:  # a tuple of models
            if not isinstance(value, list):
                raise ValidationError(_join(path, name), value, "must be a list")
            field_path = _join(path, name)
            values[name] = tuple(
                load(target, item, f"{field_path}[{i}]") for i, item in enumerate(value)
            )
    try:
        return cls(**values)
    except ValidationError as error:
        raise error.within(path) if path else error from None


# --------------------------------------------------------------------------------------------


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _load_datetime(value: Any, path: str, name: str) -> datetime:
    # The path is joined only for an error: loading many stored records stays cheap.
    if type(value) is str:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
            raise ValidationError(_join(path, name), value, "must carry a time zone offset")
    raise ValidationError(_join(path, name), value, "must be an ISO 8601 timestamp")


_PLAIN = "plain"
_DATETIME = "datetime"
_MODEL = "model"
_MODELS = "models"

_KINDS: dict[type[Any], dict[str, tuple[str, Any]]] = {}


def _field_kinds(cls: type[Any]) -> dict[str, tuple[str, Any]]:
    """Per field, how to load it: ``(_PLAIN, None)``, ``(_DATETIME, None)``, ``(_MODEL, the
    attrs class)`` or ``(_MODELS, the attrs class)`` for tuples of them. Worked out once per
    class."""
    known = _KINDS.get(cls)
    if known is not None:
        return known
    hints = typing.get_type_hints(cls)
    kinds: dict[str, tuple[str, Any]] = {}
    for field in attrs.fields(cls):
        kinds[field.name] = _kind(hints[field.name])
    _KINDS[cls] = kinds
    return kinds


def _kind(hint: Any) -> tuple[str, Any]:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _kind(members[0]) if len(members) == 1 else (_PLAIN, None)
    if hint is datetime:
        return (_DATETIME, None)
    if isinstance(hint, type) and attrs.has(hint):
        return (_MODEL, hint)
    if origin is tuple:
        args = typing.get_args(hint)
        if args and isinstance(args[0], type) and attrs.has(args[0]):
            return (_MODELS, args[0])
    return (_PLAIN, None)
